// Rebuilding a quarantined node's tables (docs/cluster.md "Quarantine"): POST /v1/rebuild from
// the scheduler (rkctl node rebuild) discards this node's data of the named tables and streams
// them again from the other replicas, as a replacement streams a node's ranges.
#pragma once

#include <chrono>
#include <mutex>

#include "cluster/replacement.h"
#include "cluster/ring_state.h"
#include "data/replica_client.h"
#include "ringkeeper/core/http_server.h"
#include "stop_signal.h"

namespace rk::agent {

struct RebuildReport {
  TableNames tables;
  StreamStats streamed;
};

class Rebuild {
 public:
  // Everything passed in must outlive this.
  Rebuild(const RingState& ring, ReplicaClient& replicas, storage::Node& node,
          std::chrono::milliseconds page_timeout, StopSignal& stop)
      : ring_(ring), replicas_(replicas), node_(node), page_timeout_(page_timeout), stop_(stop) {}

  // Truncates each of `tables` ("ks.t") and streams it from the other usable replicas; one
  // rebuild at a time (a second waits). InvalidArgument for a name that is not a table of the
  // schema; Unavailable when the node knows no ring or a range could not be streamed (the
  // tables stay truncated and quarantined: run it again).
  Result<RebuildReport> run(const TableNames& tables);

 private:
  const RingState& ring_;
  ReplicaClient& replicas_;
  storage::Node& node_;
  const std::chrono::milliseconds page_timeout_;
  StopSignal& stop_;
  std::mutex mu_;  // one rebuild at a time
};

// POST /v1/rebuild {"tables": ["ks.t", ...]}: runs the rebuild and answers when it is done.
void add_rebuild_route(http::Router& r, Rebuild& rebuild);

}  // namespace rk::agent
