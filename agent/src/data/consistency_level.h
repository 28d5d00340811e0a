// Consistency levels and their arithmetic: how many replica answers a request needs (block_for),
// which replicas count toward it, and when a request has succeeded or can no longer succeed.
// Pure logic (no I/O), so the rules are tested without processes (consistency_level_test.cc).
//
// As in Cassandra: ONE = 1; QUORUM = floor(sum of replication factors / 2) + 1; LOCAL_QUORUM =
// floor(RF of the coordinator's datacenter / 2) + 1 counted over replicas in that datacenter
// only; ALL = the sum of replication factors. A replica that is JOINING (a replacement still
// streaming) receives writes but never counts toward a level and is not read from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/status.h"

namespace rk::agent {

enum class ConsistencyLevel { kOne, kQuorum, kLocalQuorum, kAll };

// "ONE", "QUORUM", "LOCAL_QUORUM", "ALL".
std::string_view consistency_name(ConsistencyLevel level);
// Parses the names above (upper case); InvalidArgument listing them otherwise.
Result<ConsistencyLevel> parse_consistency(std::string_view name);

// Replica answers `level` needs for a keyspace with `replication`, coordinated in `local_dc`.
int block_for(ConsistencyLevel level, const Replication& replication, std::string_view local_dc);

// One replica of a request, as the coordinator sees it.
struct ReplicaTarget {
  std::string host_id;
  std::string datacenter;
  std::string address;   // internode "host:port", for messages
  bool pending = false;  // JOINING: written to, never counted, never read from
  bool local = false;    // this node: applied directly, without HTTP
};

// Counts the answers of one request (a write of one mutation, or one read) against its level.
// Not thread-safe: the coordinator guards it.
class AckTracker {
 public:
  AckTracker(ConsistencyLevel level, const Replication& replication, std::string local_dc,
             std::vector<ReplicaTarget> replicas);

  // Whether replica i's answer counts toward the level (not pending; in the local datacenter for
  // LOCAL_QUORUM).
  bool counts(size_t i) const;

  void record_success(size_t i);
  void record_failure(size_t i, const Status& status);

  int required() const { return required_; }
  int successes() const { return successes_; }
  // Enough counted successes.
  bool satisfied() const { return successes_ >= required_; }
  // Not satisfied, and too few counted replicas are still outstanding to get there.
  bool impossible() const;
  // Whether every replica has answered one way or the other.
  bool all_answered() const { return answered_ == replicas_.size(); }

  // "QUORUM needs 2 of 3 replicas for token T; 1 answered (down: 127.0.0.1:7101)". `down` names
  // the counted replicas that failed or had not answered.
  std::string unavailable_message(const std::string& what) const;
  // The first failure that is the caller's fault (invalid_argument), if any: a request the
  // replicas refuse for that reason is reported as such rather than as unavailable. (not_found is
  // not: the coordinator checked the table exists, so a replica without it lags on the schema
  // and counts as failed, named in the unavailable message.)
  const Status* client_error() const;

  const std::vector<ReplicaTarget>& replicas() const { return replicas_; }
  ConsistencyLevel level() const { return level_; }

 private:
  ConsistencyLevel level_;
  std::string local_dc_;
  std::vector<ReplicaTarget> replicas_;
  std::vector<int> outcome_;  // 0 pending, 1 success, -1 failure
  std::vector<Status> failures_;
  int required_ = 1;
  int successes_ = 0;
  size_t answered_ = 0;
};

}  // namespace rk::agent
