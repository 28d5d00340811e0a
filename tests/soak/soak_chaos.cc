// The chaos soak's observer and driver (see soak_chaos.h).
#include "soak_chaos.h"

#include <algorithm>

namespace rk::soak {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

json parse_ok(const Result<http::Response>& r) {
  if (!r.ok() || r->status < 200 || r->status >= 300) return json();
  return json::parse(r->body, nullptr, false);
}

}  // namespace

// ---- Observer ---------------------------------------------------------------------------------

Observer::Observer(SoakCluster& cluster)
    : cluster_(cluster), http_(http::ClientOptions{.timeout = std::chrono::seconds(2)}) {}

Observer::~Observer() { stop(); }

void Observer::start() {
  thread_ = std::thread([this] { run(); });
}

void Observer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void Observer::run() {
  while (!stopping_) {
    poll_once();
    std::this_thread::sleep_for(milliseconds(100));
  }
}

void Observer::poll_once() {
  std::vector<AgentView> agents = cluster_.agents();
  std::vector<size_t> uploading;
  for (size_t i = 0; i < agents.size(); ++i) {
    const AgentView& a = agents[i];
    if (!a.up) continue;
    json sessions = parse_ok(http_.get("http://" + a.ops + "/v1/repair/sessions"));
    const int64_t now = wall_us();
    if (sessions.is_object() && sessions["sessions"].is_array()) {
      std::lock_guard lock(mu_);
      for (const json& s : sessions["sessions"]) {
        SessionRecord& r = sessions_[a.name + "/" + s.value("id", "")];
        r.coordinator = a.name;
        r.id = s.value("id", "");
        r.replicas.clear();
        for (const json& h : s.value("replicas", json::array())) {
          r.replicas.push_back(h.get<std::string>());
        }
        r.started_at_us = s.value("started_at_us", int64_t{0});
        r.finished_at_us = s.value("finished_at_us", int64_t{0});
        r.state = s.value("state", "");
        r.phase = s.value("phase", "");
        if (r.state == "RUNNING") r.last_running_us = now;
      }
    }
    json backups = parse_ok(http_.get("http://" + a.ops + "/v1/backups"));
    if (backups.is_object() && backups["jobs"].is_array()) {
      for (const json& j : backups["jobs"]) {
        if (j.value("state", "") == "RUNNING" && j.value("phase", "") == "uploading") {
          uploading.push_back(i);
        }
      }
    }
  }
  std::lock_guard lock(mu_);
  uploading_ = std::move(uploading);
}

std::vector<SessionRecord> Observer::running_in(const std::string& phase) const {
  const int64_t recent = wall_us() - 300'000;  // seen running in the last poll or so
  std::lock_guard lock(mu_);
  std::vector<SessionRecord> out;
  for (const auto& [key, s] : sessions_) {
    if (s.state == "RUNNING" && s.phase == phase && s.last_running_us > recent) out.push_back(s);
  }
  return out;
}

std::vector<size_t> Observer::uploading() const {
  std::lock_guard lock(mu_);
  return uploading_;
}

size_t Observer::sessions_seen() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::vector<std::string> Observer::overlapping_sessions() const {
  std::lock_guard lock(mu_);
  std::vector<const SessionRecord*> all;
  for (const auto& [key, s] : sessions_) all.push_back(&s);
  // A session's end: when it finished, else the last time it was seen running (its coordinator
  // died after that; the session died with it).
  auto end_of = [](const SessionRecord& s) {
    if (s.finished_at_us > 0) return s.finished_at_us;
    return std::max(s.last_running_us, s.started_at_us);
  };
  std::vector<std::string> out;
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) {
      const SessionRecord& a = *all[i];
      const SessionRecord& b = *all[j];
      if (!(a.started_at_us < end_of(b) && b.started_at_us < end_of(a))) continue;
      for (const std::string& h : a.replicas) {
        if (std::find(b.replicas.begin(), b.replicas.end(), h) == b.replicas.end()) continue;
        out.push_back("node " + h + " in two repair sessions at once: " + a.coordinator + "/" +
                      a.id + " [" + std::to_string(a.started_at_us) + ", " +
                      std::to_string(end_of(a)) + "] and " + b.coordinator + "/" + b.id + " [" +
                      std::to_string(b.started_at_us) + ", " + std::to_string(end_of(b)) + "]");
        break;
      }
    }
  }
  return out;
}

// ---- Chaos ------------------------------------------------------------------------------------

Chaos::Chaos(SoakCluster& cluster, Observer& observer, Violations& violations, uint64_t seed)
    : cluster_(cluster),
      observer_(observer),
      violations_(violations),
      rng_(seed),
      http_(http::ClientOptions{.timeout = std::chrono::seconds(5)}) {}

http::Response Chaos::operator_post(const std::string& path, const std::string& body) {
  http::ClientRequest req{"POST", cluster_.scheduler_url() + path, {}, body, {}};
  req.headers["Authorization"] = "Bearer " + cluster_.options().operator_token;
  auto r = http_.request(req);
  if (!r.ok()) return http::Response{.status = 0, .headers = {}, .body = r.status().to_string()};
  return *r;
}

void Chaos::run(Clock::time_point until) {
  const auto now = Clock::now();
  next_repair_ = now + std::chrono::seconds(3);
  next_backup_ = now + std::chrono::seconds(8);
  next_fault_switch_ = now + std::chrono::seconds(5);
  while (Clock::now() < until) {
    pass(milliseconds(std::uniform_int_distribution<int>(1000, 5000)(rng_)));
    if (Clock::now() >= until) break;
    kill_one();
  }
  bring_back();
  cluster_.set_network_faults(false);
  disturbed_ = false;
}

void Chaos::pass(milliseconds d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    housekeeping();
    std::this_thread::sleep_for(milliseconds(50));
  }
}

void Chaos::housekeeping() {
  const auto now = Clock::now();
  if (now >= next_fault_switch_) {
    const bool on = !cluster_.network_faults();
    cluster_.set_network_faults(on);
    if (on) ++tally_.fault_windows;
    next_fault_switch_ =
        now + milliseconds(std::uniform_int_distribution<int>(on ? 10000 : 8000, on ? 20000 : 15000)(rng_));
  }
  disturbed_ = cluster_.network_faults() || !down_agents_.empty();
  if (!cluster_.scheduler_up()) return;
  if (now >= next_repair_) maybe_start_repair();
  if (now >= next_backup_) maybe_start_backup();
}

void Chaos::maybe_start_repair() {
  next_repair_ = Clock::now() + milliseconds(std::uniform_int_distribution<int>(10000, 25000)(rng_));
  json runs = parse_ok(http_.get(cluster_.scheduler_url() + "/api/v1/repair/runs?keyspace=soak&limit=20"));
  if (!runs.is_object()) return;
  int unfinished = 0;
  for (const json& r : runs["runs"]) {
    const std::string s = r.value("state", "");
    if (s != "DONE" && s != "ERROR" && s != "ABORTED") ++unfinished;
  }
  if (unfinished >= 2) return;
  const bool full = rng_() % 2 == 0;
  json body = {{"keyspace", kKeyspace}, {"kind", full ? "full" : "incremental"},
               {"parallelism", "parallel"}};
  http::Response r = operator_post("/api/v1/repair/runs", body.dump());
  if (r.status == 201) {
    tally_.repair_runs.push_back(run_id(json::parse(r.body, nullptr, false)));
  }
}

void Chaos::maybe_start_backup() {
  next_backup_ = Clock::now() + std::chrono::seconds(3);  // soon again unless it starts
  if (!down_agents_.empty()) return;
  json backups = parse_ok(http_.get(cluster_.scheduler_url() + "/api/v1/backups"));
  if (!backups.is_object()) return;
  for (const json& b : backups["backups"]) {
    if (b.value("state", "") == "RUNNING") return;
  }
  ChaosTally::Backup b{"soak-" + std::to_string(tally_.backups.size() + 1), wall_us()};
  http::Response r = operator_post("/api/v1/backups", json({{"tag", b.tag}}).dump());
  if (r.status != 201) return;
  tally_.backups.push_back(b);
  next_backup_ = Clock::now() + milliseconds(std::uniform_int_distribution<int>(25000, 40000)(rng_));
}

void Chaos::kill_one() {
  // The moments aimed at; phases of a repair session on the agents, an upload, or any time.
  static const std::vector<std::string> kMoments = {
      "random",        "validating",       "streaming",        "anticompacting",
      "backup-upload", "scheduler:random", "scheduler:repair", "scheduler:backup"};
  static const std::vector<int> kWeights = {2, 2, 2, 2, 2, 1, 1, 1};
  std::discrete_distribution<size_t> pick(kWeights.begin(), kWeights.end());
  const std::string moment = kMoments[pick(rng_)];
  std::vector<AgentView> agents = cluster_.agents();
  auto index_of_host = [&](const std::string& host_id) -> int {
    for (size_t i = 0; i < agents.size(); ++i) {
      if (agents[i].host_id == host_id) return static_cast<int>(i);
    }
    return -1;
  };
  int victim = -1;  // an agent's index; -2: the scheduler
  std::string label;
  const auto give_up = Clock::now() + std::chrono::seconds(15);
  while (victim == -1 && Clock::now() < give_up) {
    if (moment == "random") {
      victim = static_cast<int>(rng_() % agents.size());
      label = "agent@random";
    } else if (moment == "scheduler:random") {
      victim = -2;
      label = "scheduler@random";
    } else if (moment == "backup-upload" || moment == "scheduler:backup") {
      auto up = observer_.uploading();
      if (!up.empty()) {
        victim = moment == "scheduler:backup" ? -2 : static_cast<int>(up[rng_() % up.size()]);
        label = moment == "scheduler:backup" ? "scheduler@backup-upload" : "agent@backup-upload";
      }
    } else {
      std::vector<SessionRecord> s;
      for (const char* phase : {"validating", "streaming", "anticompacting"}) {
        if (moment == phase || moment == "scheduler:repair") {
          auto more = observer_.running_in(phase);
          s.insert(s.end(), more.begin(), more.end());
        }
      }
      if (!s.empty()) {
        const SessionRecord& chosen = s[rng_() % s.size()];
        if (moment == "scheduler:repair") {
          victim = -2;
          label = "scheduler@repair-" + chosen.phase;
        } else if (rng_() % 2 == 0) {
          victim = std::stoi(chosen.coordinator.substr(5)) - 1;
          label = "agent(coordinator)@" + moment;
        } else if (!chosen.replicas.empty()) {
          victim = index_of_host(chosen.replicas[rng_() % chosen.replicas.size()]);
          label = "agent(replica)@" + moment;
        }
      }
    }
    if (victim == -1) pass(milliseconds(50));
  }
  if (victim == -1) {
    ++tally_.missed[moment];
    return;
  }
  ++tally_.kills[label];
  if (victim == -2) {
    cluster_.kill_scheduler();
    scheduler_down_ = true;
  } else {
    cluster_.kill_agent(static_cast<size_t>(victim));
    down_agents_.push_back(static_cast<size_t>(victim));
  }
  disturbed_ = true;
  pass(milliseconds(std::uniform_int_distribution<int>(300, 3000)(rng_)));
  bring_back();
}

void Chaos::bring_back() {
  if (scheduler_down_) {
    Status s = cluster_.restart_scheduler();
    for (int attempt = 0; !s.ok() && attempt < 3; ++attempt) s = cluster_.restart_scheduler();
    if (!s.ok()) violations_.add("rk-scheduler did not restart after kill -9: " + s.to_string());
    scheduler_down_ = !s.ok();
  }
  std::vector<size_t> still_down;
  for (size_t i : down_agents_) {
    Status s = cluster_.restart_agent(i);
    for (int attempt = 0; !s.ok() && attempt < 3; ++attempt) s = cluster_.restart_agent(i);
    if (!s.ok()) {
      violations_.add("agent" + std::to_string(i + 1) + " did not restart after kill -9: " +
                      s.to_string());
      still_down.push_back(i);
    }
  }
  down_agents_ = std::move(still_down);
  disturbed_ = cluster_.network_faults() || !down_agents_.empty();
}

}  // namespace rk::soak
