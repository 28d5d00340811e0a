// Repair sessions between storage nodes held in one process, run by the agent's own session logic
// (pinning, validation, tree diff, the row-level exchange, streaming, anticompaction:
// docs/repair.md) without HTTP; trees and row listings are still serialized and parsed as between
// agents. For benchmarks that measure what a session streams and how long it takes
// (bench/repair_stream_bench.cc), using rk_agent's public API only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

class InProcessRepair {
 public:
  struct Replica {
    std::string host_id;
    storage::Node* node = nullptr;  // must outlive the InProcessRepair
  };
  // The first replica is the coordinator's own (it sends for its group, as a local replica
  // does). Views are pinned with settings.view_lease.
  InProcessRepair(std::vector<Replica> replicas, const RepairSettings& settings, Clock& clock);
  ~InProcessRepair();
  InProcessRepair(const InProcessRepair&) = delete;
  InProcessRepair& operator=(const InProcessRepair&) = delete;

  // Runs one session to its end for a body as POST /v1/repair/sessions takes it (docs/api.md),
  // with its tables named, and returns the session as GET /v1/repair/sessions/{id} shows it (a
  // failed session is a result too: see its "state" and "error"). InvalidArgument for a body
  // that is not such a request, names no tables, or names a replica this object does not hold.
  Result<nlohmann::json> run(const nlohmann::json& request);

  // Bytes of serialized trees the replicas sent since the last call.
  uint64_t take_tree_bytes();
  // Bytes of serialized row listings (the row-level exchange) the replicas sent since the last
  // call.
  uint64_t take_row_bytes();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rk::agent
