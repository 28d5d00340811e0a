// Fan-out to replicas and consistency-level waits (see coordinator.h).
#include "data/coordinator.h"

#include <condition_variable>
#include <map>
#include <mutex>

#include "data/read_reconcile.h"
#include "ringkeeper/core/token.h"

namespace rk::agent {
namespace {

using Steady = std::chrono::steady_clock;

std::chrono::milliseconds remaining(Steady::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
  return std::max(left, std::chrono::milliseconds(1));
}

// A replica call that waited in the queue past its request's deadline is not sent: nobody waits
// for its answer any more, and sending it would only add to the load that delayed it.
Status expired(Steady::time_point deadline) {
  if (Steady::now() < deadline) return Status::OK();
  return Status::Timeout("not sent: the request's deadline passed while the call was queued");
}

// The client's answer when the coordinator's queue is full: 503, retry later.
Status overloaded(const Status& queue) {
  return Status::Unavailable("this node's coordinator is overloaded (" + queue.message() +
                             ", see coordinator_queue); retry later");
}

// Names the replicas left out as quarantined for the table (docs/cluster.md "Quarantine").
std::string quarantine_note(const std::vector<std::string>& quarantined) {
  if (quarantined.empty()) return "";
  std::string hosts;
  for (const std::string& h : quarantined) hosts += (hosts.empty() ? "" : ", ") + h;
  return "; quarantined for this table (no replica until rebuilt): " + hosts;
}

std::string describe_token(const storage::Mutation& m) {
  return "token " + token_to_string(murmur3_token(m.partition_key)) + " (" + m.keyspace + "." +
         m.table + ")";
}

// What the waiting request and its in-flight replica calls share. Calls that finish after the
// request gave up still find it alive (shared_ptr) and just record into it.
struct WriteState {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<AckTracker> trackers;  // one per mutation
};

struct ReadState {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<AckTracker> tracker;
  std::vector<std::optional<storage::Partition>> answers;  // per replica
};

}  // namespace

Coordinator::Coordinator(CoordinatorOptions options, ReplicaClient& replicas, WorkPool& pool,
                         const Clock& clock, TopologySource topology)
    : options_(std::move(options)),
      replicas_(replicas),
      pool_(pool),
      clock_(clock),
      topology_(std::move(topology)) {}

Status Coordinator::check_table(const Topology& topology, const std::string& keyspace,
                                const std::string& table) const {
  const KeyspaceDef* ks = topology.schema().find_keyspace(keyspace);
  if (ks == nullptr) return Status::NotFound("keyspace '" + keyspace + "' does not exist");
  for (const auto& t : ks->tables) {
    if (t.name == table) return Status::OK();
  }
  return Status::NotFound("table '" + keyspace + "." + table + "' does not exist");
}

Result<WriteOutcome> Coordinator::write(const std::vector<storage::Mutation>& mutations,
                                        ConsistencyLevel level) {
  if (mutations.empty()) return Status::InvalidArgument("no mutations to write");
  std::shared_ptr<const Topology> topology = topology_();
  if (!topology) return Status::Unavailable("this node does not know the ring yet");

  auto state = std::make_shared<WriteState>();
  // host id -> (target, indices of the mutations it replicates, and its position in each).
  struct Group {
    ReplicaTarget target;
    std::vector<std::pair<size_t, size_t>> members;  // (mutation index, replica position)
  };
  std::map<std::string, Group> groups;
  WriteOutcome outcome;
  for (size_t i = 0; i < mutations.size(); ++i) {
    const storage::Mutation& m = mutations[i];
    if (m.partition_key.empty()) {
      return Status::InvalidArgument("partition key must not be empty");
    }
    RK_RETURN_IF_ERROR(check_table(*topology, m.keyspace, m.table));
    RK_ASSIGN_OR_RETURN(auto placement, topology->placement(m.keyspace));
    std::vector<std::string> quarantined;
    RK_ASSIGN_OR_RETURN(
        std::vector<ReplicaTarget> targets,
        topology->replicas(m.keyspace, murmur3_token(m.partition_key), m.table, &quarantined));
    for (size_t r = 0; r < targets.size(); ++r) {
      auto [it, fresh] = groups.try_emplace(targets[r].host_id);
      if (fresh) it->second.target = targets[r];
      it->second.members.emplace_back(i, r);
    }
    outcome.replicas = std::max(outcome.replicas, static_cast<int>(targets.size()));
    state->trackers.emplace_back(level, placement->replication(), options_.local_dc,
                                 std::move(targets));
    if (state->trackers.back().impossible()) {
      return Status::Unavailable(state->trackers.back().unavailable_message(describe_token(m)) +
                                 quarantine_note(quarantined));
    }
  }

  const auto deadline = Steady::now() + options_.write_timeout;
  std::vector<std::function<void()>> calls;
  for (auto& [host, group] : groups) {
    auto batch = std::make_shared<std::vector<storage::Mutation>>();
    batch->reserve(group.members.size());
    for (const auto& [index, position] : group.members) batch->push_back(mutations[index]);
    // Tasks may outlive this call (and this Coordinator): capture the replica client, not `this`.
    calls.push_back([&replicas = replicas_, state, batch, target = group.target,
                     members = group.members, deadline] {
      Status s = expired(deadline);
      if (s.ok()) s = replicas.apply(target, *batch, remaining(deadline));
      {
        std::lock_guard lock(state->mu);
        for (const auto& [index, position] : members) {
          if (s.ok()) {
            state->trackers[index].record_success(position);
          } else {
            state->trackers[index].record_failure(position, s);
          }
        }
      }
      state->cv.notify_all();
    });
  }
  if (Status queued = pool_.submit(std::move(calls)); !queued.ok()) return overloaded(queued);

  std::unique_lock lock(state->mu);
  auto decided = [&] {
    bool all = true;
    for (const auto& t : state->trackers) {
      if (t.impossible()) return true;
      all = all && t.satisfied();
    }
    return all;
  };
  const bool in_time = state->cv.wait_until(lock, deadline, decided);
  for (size_t i = 0; i < state->trackers.size(); ++i) {
    const AckTracker& t = state->trackers[i];
    if (t.satisfied()) continue;
    if (t.impossible()) {
      if (const Status* e = t.client_error()) return *e;
      return Status::Unavailable(t.unavailable_message(describe_token(mutations[i])));
    }
    if (!in_time) {
      return Status::Timeout("write timed out after " +
                             std::to_string(options_.write_timeout.count()) +
                             " ms: " + t.unavailable_message(describe_token(mutations[i])));
    }
  }
  outcome.acks = state->trackers.front().successes();
  for (const auto& t : state->trackers) outcome.acks = std::min(outcome.acks, t.successes());
  return outcome;
}

Result<storage::Partition> Coordinator::read(const RawReadRequest& request,
                                             ConsistencyLevel level) {
  if (request.partition_key.empty()) {
    return Status::InvalidArgument("partition key must not be empty");
  }
  std::shared_ptr<const Topology> topology = topology_();
  if (!topology) return Status::Unavailable("this node does not know the ring yet");
  RK_RETURN_IF_ERROR(check_table(*topology, request.keyspace, request.table));
  RK_ASSIGN_OR_RETURN(auto placement, topology->placement(request.keyspace));
  const Token token = murmur3_token(request.partition_key);
  std::vector<std::string> quarantined;
  RK_ASSIGN_OR_RETURN(std::vector<ReplicaTarget> all,
                      topology->replicas(request.keyspace, token, request.table, &quarantined));
  // JOINING replicas (a replacement still streaming) are not read from.
  std::vector<ReplicaTarget> targets;
  for (auto& t : all) {
    if (!t.pending) targets.push_back(std::move(t));
  }
  const std::string what =
      "token " + token_to_string(token) + " (" + request.keyspace + "." + request.table + ")";
  auto state = std::make_shared<ReadState>();
  state->tracker.emplace(level, placement->replication(), options_.local_dc, targets);
  state->answers.resize(targets.size());
  if (state->tracker->impossible()) {
    return Status::Unavailable(state->tracker->unavailable_message(what) +
                               quarantine_note(quarantined));
  }
  const auto deadline = Steady::now() + options_.read_timeout;
  auto shared_request = std::make_shared<RawReadRequest>(request);
  std::vector<std::function<void()>> calls;
  for (size_t i = 0; i < targets.size(); ++i) {
    calls.push_back(
        [&replicas = replicas_, state, shared_request, target = targets[i], i, deadline] {
          Status not_sent = expired(deadline);
          auto p = not_sent.ok() ? replicas.read(target, *shared_request, remaining(deadline))
                                 : Result<storage::Partition>(not_sent);
          {
            std::lock_guard lock(state->mu);
            if (p.ok()) {
              state->answers[i] = std::move(*p);
              state->tracker->record_success(i);
            } else {
              state->tracker->record_failure(i, p.status());
            }
          }
          state->cv.notify_all();
        });
  }
  if (Status queued = pool_.submit(std::move(calls)); !queued.ok()) return overloaded(queued);
  std::vector<storage::Partition> versions;
  {
    std::unique_lock lock(state->mu);
    const AckTracker& t = *state->tracker;
    const bool in_time =
        state->cv.wait_until(lock, deadline, [&] { return t.satisfied() || t.impossible(); });
    if (t.impossible()) {
      if (const Status* e = t.client_error()) return *e;
      return Status::Unavailable(t.unavailable_message(what));
    }
    if (!in_time && !t.satisfied()) {
      return Status::Timeout("read timed out after " +
                             std::to_string(options_.read_timeout.count()) +
                             " ms: " + t.unavailable_message(what));
    }
    for (auto& a : state->answers) {
      if (a) versions.push_back(*a);
    }
  }
  storage::Partition merged = merge_partitions(versions);
  merged.partition_key = request.partition_key;
  merged.token = token;
  return live_view(merged, clock_.now_seconds());
}

}  // namespace rk::agent
