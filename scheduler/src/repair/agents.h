// What the repair driver asks of agents (the ops API's repair sessions and signals, docs/api.md):
// start, poll and cancel repair sessions, and read a node's load. AgentClient
// implements it over HTTP; the driver's tests use a fake.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/service.h"
#include "repair/service.h"
#include "ringkeeper/core/status.h"

namespace rk::scheduler {

// POST /v1/repair/sessions.
struct SessionRequest {
  std::string id;  // [A-Za-z0-9_-]{1,64}
  std::string keyspace;
  std::vector<std::string> tables;
  std::string range;  // "(a,b]"
  std::vector<std::string> replicas;
  std::string mode;        // "full" | "incremental"
  std::string validation;  // "sequential" | "parallel"
  bool mark_repaired = false;
  bool preview = false;  // mode "full": validate and diff only, stream and mark nothing
  int64_t repaired_at_ms = 0;
};

// kAborted: the coordinator stopped the session because the ring changed under it.
enum class SessionState { kRunning, kSucceeded, kFailed, kCancelled, kAborted };

struct SessionStatus {
  std::string id;
  SessionState state = SessionState::kRunning;
  std::string phase;
  std::string error;
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
  int64_t bytes_validated = 0;
  int64_t bytes_streamed = 0;
  std::vector<TableDifference> table_differences;
  std::vector<RangeDifference> range_differences;
};

// A node's load, as far as gating needs it.
struct LoadSignals {
  int64_t pending_compactions = 0;
  bool disk_critical = false;
  bool await_critical = false;
  std::string message;  // why it is critical, for the postponed reason
};

class RepairAgents {
 public:
  virtual ~RepairAgents() = default;
  // Starts (or, with the same id and body, finds) a session on `coordinator`. AlreadyExists when
  // the agent refuses it because it overlaps a running session (409 conflict) or the id is taken
  // with another body; Unavailable/Timeout when the agent cannot be reached.
  virtual Result<SessionStatus> start_session(const NodeView& coordinator,
                                              const SessionRequest& request) = 0;
  // NotFound when the agent does not know the id (it restarted: the session is lost).
  virtual Result<SessionStatus> session(const NodeView& coordinator, const std::string& id) = 0;
  // Cancels; NotFound when unknown.
  virtual Result<SessionStatus> cancel_session(const NodeView& coordinator,
                                               const std::string& id) = 0;
  virtual Result<LoadSignals> signals(const NodeView& node) = 0;
};

}  // namespace rk::scheduler
