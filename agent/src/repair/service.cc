// The node's repair sessions (see service.h).
#include "repair/service.h"

#include <algorithm>
#include <set>

#include "repair/ring_watch.h"

namespace rk::agent {

using nlohmann::json;

RepairService::RepairService(const RepairSettings& settings, RepairReplicas& client,
                             ViewRegistry& views, Clock& clock,
                             std::function<std::shared_ptr<const Topology>()> topology)
    : settings_(settings),
      client_(client),
      views_(views),
      clock_(clock),
      topology_(std::move(topology)) {
  keeper_ = std::thread([this] { keeper(); });
}

RepairService::~RepairService() { stop(); }

void RepairService::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !keeper_.joinable()) return;
    stopping_ = true;
    for (auto& [id, e] : sessions_) {
      e.session->cancel();
      if (e.thread.joinable()) threads.push_back(std::move(e.thread));
    }
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
  if (keeper_.joinable()) keeper_.join();
}

void RepairService::keeper() {
  // Renew well before the lease runs out; expire this node's views whose coordinator went away.
  const auto period = std::max(settings_.view_lease / 3, std::chrono::milliseconds(10));
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, period, [this] { return stopping_; });
    if (stopping_) break;
    std::vector<std::shared_ptr<RepairSession>> running;
    for (const auto& [id, e] : sessions_) {
      if (e.session->running()) running.push_back(e.session);
    }
    lock.unlock();
    for (const auto& s : running) s->renew_views();
    views_.expire();
    lock.lock();
  }
}

void RepairService::prune_locked() {
  std::vector<std::pair<uint64_t, std::string>> finished;
  for (auto& [id, e] : sessions_) {
    if (!e.session->running()) {
      if (e.thread.joinable()) e.thread.join();  // it has ended: a quick join
      finished.emplace_back(e.order, id);
    }
  }
  const size_t keep = static_cast<size_t>(std::max(settings_.finished_sessions_kept, 1));
  if (finished.size() <= keep) return;
  std::sort(finished.begin(), finished.end());
  for (size_t i = 0; i + keep < finished.size(); ++i) sessions_.erase(finished[i].second);
}

namespace {
constexpr long kMaxRunningSessions = 64;
}  // namespace

Result<RepairService::Started> RepairService::start(const json& body) {
  RK_ASSIGN_OR_RETURN(RepairRequest request, parse_repair_request(body));
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Unavailable("the agent is stopping");
    auto it = sessions_.find(request.id);
    if (it != sessions_.end()) {
      if (it->second.session->request().body == body)
        return Started{it->second.session->to_json(), false};
      return Status::AlreadyExists("session " + request.id +
                                   " exists with a different request; pick another id");
    }
  }
  auto topology = topology_();
  if (!topology) return Status::Unavailable("this node does not know the ring yet");
  const KeyspaceDef* ks = topology->schema().find_keyspace(request.keyspace);
  if (ks == nullptr) return Status::NotFound("unknown keyspace '" + request.keyspace + "'");
  std::vector<std::string> tables = request.tables;
  if (tables.empty()) {
    for (const auto& t : ks->tables) tables.push_back(t.name);
  }
  for (const auto& name : tables) {
    const bool known = std::any_of(ks->tables.begin(), ks->tables.end(),
                                   [&](const TableDef& t) { return t.name == name; });
    if (!known) return Status::NotFound("unknown table '" + request.keyspace + "." + name + "'");
  }
  if (tables.empty()) {
    return Status::InvalidArgument("keyspace '" + request.keyspace + "' has no tables");
  }
  if (std::find(request.replicas.begin(), request.replicas.end(), topology->self()) ==
      request.replicas.end()) {
    return Status::InvalidArgument("this node (" + topology->self() +
                                   ") is not among 'replicas': it coordinates the session");
  }
  RK_ASSIGN_OR_RETURN(auto placement, topology->placement(request.keyspace));
  const std::set<std::string> wanted(request.replicas.begin(), request.replicas.end());
  for (const auto& piece : placement->replicas_for_range(request.range)) {
    std::set<std::string> owners;
    std::string names;
    for (const auto* n : piece.replicas) {
      owners.insert(n->host_id);
      names += (names.empty() ? "" : ", ") + n->host_id;
    }
    if (owners != wanted) {
      return Status::InvalidArgument("'replicas' are not the replicas of " +
                                     request.range.to_string() + ": " + piece.range.to_string() +
                                     " is replicated by [" + names + "]");
    }
  }
  std::vector<ReplicaTarget> targets;
  for (const auto& h : request.replicas) {
    const RingMember* member = topology->member(h);
    if (member == nullptr) return Status::InvalidArgument("'replicas': unknown host " + h);
    targets.push_back(topology->target_of(*member));
  }

  std::lock_guard lock(mu_);
  if (stopping_) return Status::Unavailable("the agent is stopping");
  if (auto it = sessions_.find(request.id); it != sessions_.end()) {
    // Raced with the same id.
    if (it->second.session->request().body == body)
      return Started{it->second.session->to_json(), false};
    return Status::AlreadyExists("session " + request.id + " exists with a different request");
  }
  for (const auto& [id, e] : sessions_) {
    const auto& other = *e.session;
    if (!other.running() || other.request().keyspace != request.keyspace) continue;
    if (!other.request().range.intersects(request.range)) continue;
    for (const auto& t : tables) {
      if (std::find(other.tables().begin(), other.tables().end(), t) != other.tables().end()) {
        return Status::FailedPrecondition("session " + id + " is repairing " + request.keyspace +
                                          "." + t + " in " + other.request().range.to_string() +
                                          ", which overlaps " + request.range.to_string());
      }
    }
  }
  prune_locked();
  // Each session holds a thread and pinned views, and sessions are started over the network: a
  // caller splitting a range into ever smaller pieces must not be able to start them without end.
  // The scheduler keeps a node in a handful of sessions at once; past this many, retry later.
  const auto running = std::count_if(sessions_.begin(), sessions_.end(),
                                     [](const auto& e) { return e.second.session->running(); });
  if (running >= kMaxRunningSessions) {
    return Status::Unavailable("this node already coordinates " + std::to_string(running) +
                               " running repair sessions (the most it takes); retry later");
  }
  // The session compares the ring it starts with against the current one at each step.
  RingCheck ring_check = [current = topology_, started = topology, keyspace = request.keyspace,
                          range = request.range,
                          replicas = request.replicas]() -> std::optional<std::string> {
    auto now = current();
    if (!now) return std::nullopt;
    return ring_change(*started, *now, keyspace, range, replicas);
  };
  auto session =
      std::make_shared<RepairSession>(std::move(request), std::move(tables), std::move(targets),
                                      settings_, client_, clock_, std::move(ring_check));
  Entry& e = sessions_[session->request().id];
  e.session = session;
  e.order = next_order_++;
  e.thread = std::thread([session, notify = on_end_] {
    session->run();
    if (notify) notify(session->request().id);
  });
  return Started{session->to_json(), true};
}

Result<json> RepairService::get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return Status::NotFound("no repair session '" + id + "' on this node");
  return it->second.session->to_json();
}

std::vector<json> RepairService::list() const {
  std::vector<std::pair<uint64_t, json>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : sessions_) {
      json j = e.session->to_json();
      // Each session may list up to SessionDifferences::kMaxRanges ranges and hundreds of
      // sessions are kept: the list keeps the totals per table, GET of one session has the ranges.
      j["differences"].erase("ranges");
      all.emplace_back(e.order, std::move(j));
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<json> out;
  for (auto& [order, j] : all) out.push_back(std::move(j));
  return out;
}

Result<json> RepairService::cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return Status::NotFound("no repair session '" + id + "' on this node");
  it->second.session->cancel();
  return it->second.session->to_json();
}

}  // namespace rk::agent
