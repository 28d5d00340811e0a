// The driver's one seam to repair planning: which segments a run has, which may start now, how
// long a node rests after a segment, and the default schedule interval for a gc_grace. The
// repair/ library (engineer `planner`) owns the real rules; these functions are the only place
// the scheduler calls planning, so switching to it is one edit here.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/scheduler/repair_service.h"

namespace rk::scheduler {

struct PlannedSegment {
  TokenRange range = TokenRange::full_ring();
  std::vector<std::string> replicas;  // host ids
  int64_t estimated_bytes = 0;
};

// The segments of a run over the current ring, in ring order: every replica range (filtered by
// the run's node and datacenter filters; ranges with fewer than two replicas left have nothing to
// compare and are skipped) cut into at least segments_per_range pieces, more while a piece's
// estimated size exceeds max_segment_bytes. InvalidArgument for a bad replication or ring.
Result<std::vector<PlannedSegment>> plan_segments(const RepairRunOptions& options,
                                                  const std::vector<NodeView>& nodes,
                                                  const Replication& replication);

// A segment that may start as far as its own state goes (pending, past its backoff).
struct StartCandidate {
  int64_t id = 0;
  const std::vector<std::string>* replicas = nullptr;
};

struct WaveState {
  std::set<std::string> busy;  // hosts in a session of any run
  int running_in_run = 0;      // sessions of this run now
  int max_sessions = 1;
  RepairParallelism parallelism = RepairParallelism::kSequential;
  std::vector<std::string> last_replicas;  // the replica set this run finished last
};

// Which candidates to start now, in order: no host twice (busy ones excluded), at most
// max_sessions running (sequential: one), and in sequential mode the next segment avoids the
// replica set just repaired when another candidate allows it.
std::vector<int64_t> choose_segments(const std::vector<StartCandidate>& candidates,
                                     const WaveState& state);

// How long a node rests after a segment that took `duration_us`: duration * (1 - i) / i.
int64_t rest_after_us(int64_t duration_us, double intensity);

// The default schedule interval for tables whose smallest gc_grace is `gc_grace_seconds`: half of
// it, so that a whole run fits in the other half and every range is repaired within gc_grace.
int64_t default_interval_seconds(int64_t gc_grace_seconds);

}  // namespace rk::scheduler
