// Segment planning: cuts a keyspace's ring into the token ranges that repair sessions work on.
//
// A segment is one contiguous token range inside a single replica set (it never straddles two
// primary ranges with different replicas), with that replica set and an estimate of the data it
// holds. Every token of the ring is in exactly one segment of a plan. Sizing follows two limits:
//   - data: a primary range whose estimated bytes exceed `target_segment_bytes` is split into
//     equal-token pieces of at most about that size; adjacent ranges with the same replica set are
//     merged while the sum stays under it (so a segment is neither huge nor a sliver);
//   - tokens: no segment holds more than `max_segment_tokens` tokens (0: no limit).
// Data per range is estimated from each replica's reported bytes per table (GET /v1/sizes on the
// agents), spread over the token ranges the node replicates in proportion to their token counts;
// a range's estimate is the largest among its replicas (the busiest replica sets the work).
//
// Pure logic: no I/O, no clock. The scheduler (runs) plans once per run, stores the segments (range
// text, replica host ids, estimated bytes, primary host) and after a restart rebuilds the same plan
// with restore_plan() from what it stored. Segment ids are indices into SegmentPlan::segments and
// stay valid across restore_plan() when the records are given in the stored order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"

namespace rk::repair {

// A node as a plan refers to it.
struct PlanHost {
  std::string host_id;
  std::string datacenter;
};

struct Segment {
  TokenRange range{kMinToken, kMinToken};
  // Indices into SegmentPlan::hosts, in placement order (SimpleStrategy: the primary first).
  std::vector<uint32_t> replicas;
  // Index into SegmentPlan::hosts of the node whose primary range holds this segment. Sequential
  // mode walks the ring one primary node at a time.
  uint32_t primary = 0;
  // Estimated bytes per replica (sum over the plan's tables); 0 when nothing was reported.
  int64_t estimated_bytes = 0;
};

struct SegmentPlan {
  std::string keyspace;
  // The tables every segment's session repairs together (one session per segment covers all).
  std::vector<std::string> tables;
  std::vector<PlanHost> hosts;
  std::vector<Segment> segments;  // in ring order by end token (segment 0 ends at or after the
                                  // lowest ring token)

  // Index of a host in `hosts`, or -1.
  int host_index(std::string_view host_id) const;
  // Host ids of a segment's replicas (as the session API's "replicas" field wants them).
  std::vector<std::string> replica_ids(const Segment& segment) const;
  // Sum of the segments' estimated bytes.
  int64_t total_estimated_bytes() const;
};

// Reported data per node and table: sizes[host_id][table] = bytes on that node (for a full repair
// repaired + unrepaired, for an incremental one unrepaired only). Missing entries count as 0.
using SizeEstimates = std::map<std::string, std::map<std::string, int64_t>, std::less<>>;

struct SegmentPlanOptions {
  // Upper bound of a segment's estimated bytes; larger primary ranges are split. 0: no size split.
  int64_t target_segment_bytes = int64_t{1} << 30;  // 1 GiB, a session of a few minutes
  // Upper bound of a segment's token count; 0: no limit. Useful with no size estimates at all
  // (e.g. 2^64 / 16 gives a single-token ring at least 16 segments).
  uint64_t max_segment_tokens = 0;
  // Merge adjacent primary ranges that share a replica set while under both limits.
  bool merge_adjacent = true;  // on: fewer, fuller segments when tokens are few
  // Cut every primary range into at least this many pieces (Reaper's segments-per-node knob).
  uint32_t min_pieces_per_range = 1;  // 1: size and token limits alone decide
  // Only replicas in these datacenters take part (sessions name only them); empty: all.
  std::vector<std::string> datacenters;
  // Only ranges that one of these nodes replicates; empty: every range.
  std::vector<std::string> nodes;
  // Ranges left with fewer replicas (after the datacenter filter) are not planned: with one
  // replica there is nothing to compare. 1 plans every range (e.g. to check coverage).
  size_t min_replicas = 2;
};

// Plans `tables` of `keyspace` over `placement` (its ring and replication). Without filters (and
// with min_replicas 1, or RF >= 2 everywhere) the segments cover every token exactly once; with
// them, exactly the tokens of the ranges kept. InvalidArgument for an empty ring, no tables, or a
// filter naming an unknown node or datacenter. `sizes` may be empty (every segment then estimates
// 0 bytes and only the token limit splits).
Result<SegmentPlan> plan_segments(const ReplicaPlacement& placement, std::string_view keyspace,
                                  std::vector<std::string> tables, const SizeEstimates& sizes,
                                  const SegmentPlanOptions& options = {});

// A segment as the scheduler stores it.
struct SegmentRecord {
  TokenRange range{kMinToken, kMinToken};
  std::vector<std::string> replicas;  // host ids, placement order
  std::string primary;                // host id
  int64_t estimated_bytes = 0;
};

// Rebuilds a plan from stored records (kept in the given order, so ids match) and the hosts'
// datacenters (host id -> datacenter; a host missing there gets ""). InvalidArgument when a record
// has no replicas, repeats a replica, or names a primary that is not among its replicas.
Result<SegmentPlan> restore_plan(
    std::string keyspace, std::vector<std::string> tables,
    const std::vector<SegmentRecord>& records,
    const std::map<std::string, std::string, std::less<>>& datacenters);

// The records of a plan, in segment order (what the scheduler stores).
std::vector<SegmentRecord> plan_records(const SegmentPlan& plan);

}  // namespace rk::repair
