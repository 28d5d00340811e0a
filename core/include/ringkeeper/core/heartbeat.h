// The heartbeat between an agent and rk-scheduler (POST /api/v1/agents/{host_id}/heartbeat,
// docs/api.md): what the agent reports every heartbeat_interval, and what the scheduler answers.
// One definition for both ends; each end holds the ring and the schema in its own model, so the
// answer is parameterised by them (the agent's RingView/SchemaView, the scheduler's
// RingView/ClusterSchema).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rk {

struct AgentHeartbeat {
  // "NORMAL" when a joining node is ready (a replacement: once its streaming is done), or
  // "LEAVING"; absent: no change.
  std::optional<std::string> state;
  std::optional<int64_t> load_bytes;  // bytes of data on the node; absent: unknown
  int64_t ring_version = 0;    // the agent's; older than the scheduler's: the answer has the ring
  int64_t schema_version = 0;  // likewise for the schema
};

template <class Ring, class Schema>
struct HeartbeatAnswer {
  int64_t ring_version = 0;    // the scheduler's
  int64_t schema_version = 0;  // the scheduler's
  std::optional<Ring> ring;      // when the agent's ring_version is older
  std::optional<Schema> schema;  // when the agent's schema_version is older
};

}  // namespace rk
