// Consistency-level arithmetic (see consistency_level.h).
#include "data/consistency_level.h"

#include <algorithm>

namespace rk::agent {

std::string_view consistency_name(ConsistencyLevel level) {
  switch (level) {
    case ConsistencyLevel::kOne:
      return "ONE";
    case ConsistencyLevel::kQuorum:
      return "QUORUM";
    case ConsistencyLevel::kLocalQuorum:
      return "LOCAL_QUORUM";
    case ConsistencyLevel::kAll:
      return "ALL";
  }
  return "ONE";
}

Result<ConsistencyLevel> parse_consistency(std::string_view name) {
  for (auto level : {ConsistencyLevel::kOne, ConsistencyLevel::kQuorum,
                     ConsistencyLevel::kLocalQuorum, ConsistencyLevel::kAll}) {
    if (consistency_name(level) == name) return level;
  }
  return Status::InvalidArgument("consistency must be ONE, QUORUM, LOCAL_QUORUM or ALL, got '" +
                                 std::string(name) + "'");
}

int block_for(ConsistencyLevel level, const Replication& replication, std::string_view local_dc) {
  switch (level) {
    case ConsistencyLevel::kOne:
      return 1;
    case ConsistencyLevel::kQuorum:
      return replication.total_factor() / 2 + 1;
    case ConsistencyLevel::kLocalQuorum:
      return replication.factor_for(local_dc) / 2 + 1;
    case ConsistencyLevel::kAll:
      return replication.total_factor();
  }
  return 1;
}

AckTracker::AckTracker(ConsistencyLevel level, const Replication& replication, std::string local_dc,
                       std::vector<ReplicaTarget> replicas)
    : level_(level),
      local_dc_(std::move(local_dc)),
      replicas_(std::move(replicas)),
      outcome_(replicas_.size(), 0),
      failures_(replicas_.size()),
      required_(std::max(1, block_for(level, replication, local_dc_))) {}

bool AckTracker::counts(size_t i) const {
  const ReplicaTarget& r = replicas_[i];
  if (r.pending) return false;
  if (level_ == ConsistencyLevel::kLocalQuorum && r.datacenter != local_dc_) return false;
  return true;
}

void AckTracker::record_success(size_t i) {
  if (outcome_[i] != 0) return;
  outcome_[i] = 1;
  ++answered_;
  if (counts(i)) ++successes_;
}

void AckTracker::record_failure(size_t i, const Status& status) {
  if (outcome_[i] != 0) return;
  outcome_[i] = -1;
  ++answered_;
  failures_[i] = status;
}

bool AckTracker::impossible() const {
  if (satisfied()) return false;
  int outstanding = 0;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    if (outcome_[i] == 0 && counts(i)) ++outstanding;
  }
  return successes_ + outstanding < required_;
}

std::string AckTracker::unavailable_message(const std::string& what) const {
  int counted = 0;
  std::string down;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    if (!counts(i)) continue;
    ++counted;
    if (outcome_[i] != 1) down += (down.empty() ? "" : ", ") + replicas_[i].address;
  }
  std::string msg = std::string(consistency_name(level_)) + " needs " + std::to_string(required_) +
                    " of " + std::to_string(counted) + " replicas for " + what + "; " +
                    std::to_string(successes_) + " answered";
  if (!down.empty()) msg += " (down: " + down + ")";
  for (size_t i = 0; i < replicas_.size(); ++i) {
    if (outcome_[i] == -1 && counts(i)) {  // the first failure says why, not only who
      msg += "; " + replicas_[i].address + ": " + failures_[i].message();
      break;
    }
  }
  return msg;
}

const Status* AckTracker::client_error() const {
  for (const Status& s : failures_) {
    if (s.code() == ErrorCode::kInvalidArgument) return &s;
  }
  return nullptr;
}

}  // namespace rk::agent
