// The repair tables of the scheduler's SQLite file (schema/0006_repair.sql, 0008,
// 0011_repair_preview.sql and 0013_zombie_proof.sql): runs, segments, schedules, the repair history and what preview runs
// found. Plain reads and writes; what they mean is the service's and
// the driver's business. Each call is one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/repair/zombie_proof.h"
#include "repair/service.h"

namespace rk::scheduler {

class Store;

// A successful repair of one table over one range.
struct RepairRecord {
  TokenRange range = TokenRange::full_ring();
  int64_t repaired_at_us = 0;
};

// A run's tunables and filters (parallelism, max_sessions, intensity, segments_per_range,
// max_segment_bytes, datacenters, nodes, mark_repaired) as JSON: the shape the API shows and the
// schedules table keeps for the runs a schedule starts.
nlohmann::json run_tunables_json(const RepairRunOptions& options);

class RepairStore {
 public:
  explicit RepairStore(Store& store) : store_(store) {}

  // Inserts the run and its segments (positions and run ids are assigned here); returns the id.
  Result<int64_t> insert_run(const RepairRun& run, const std::vector<RepairSegment>& segments);
  // NotFound for an unknown id.
  Result<RepairRun> run(int64_t id);
  // Newest first; `preview` keeps only previews (true) or only repairs (false).
  Result<std::vector<RepairRun>> runs(std::optional<RunState> state, const std::string& keyspace,
                                      int limit, std::optional<bool> preview = std::nullopt);
  // NOT_STARTED, RUNNING and PAUSED runs, oldest first.
  Result<std::vector<RepairRun>> active_runs();
  // Writes the run's state, cause, times and tunables (intensity, max_sessions, parallelism).
  Status update_run(const RepairRun& run);

  Result<std::vector<RepairSegment>> segments(int64_t run_id, std::optional<SegmentState> state);
  // Writes a segment's mutable fields (state, attempts, session, times, bytes, errors).
  Status update_segment(const RepairSegment& segment);
  // The same, and the history of every table of a DONE segment, in one transaction; with
  // `every_replica` (the run was not filtered to some datacenters) also the proof's coverage
  // (schema/0013_zombie_proof.sql).
  Status finish_segment(const RepairSegment& segment, const std::string& keyspace, RepairKind kind,
                        int64_t repaired_at_us, bool every_replica);

  // The same for a DONE segment of a preview run: its session's findings instead of history.
  Status finish_preview_segment(const RepairSegment& segment,
                                const std::vector<TableDifference>& tables,
                                const std::vector<RangeDifference>& ranges);
  // A preview run's findings so far: per table summed over its segments (behind: the union),
  // and up to `limit` ranges in ring order.
  Result<RunDifferences> differences(int64_t run_id, int limit);

  // Ends `segment` as given (ABORTED, with its reason in last_error) and inserts `pieces` as new
  // PENDING segments of its run after the run's last position, in one transaction; the old
  // segment's last_error then names them ("; re-planned as segments 7, 8"). Returns their ids.
  Result<std::vector<int64_t>> replan_segment(RepairSegment segment,
                                              const std::vector<RepairSegment>& pieces);

  // The successful repairs of one table (one entry per range, the latest).
  Result<std::vector<RepairRecord>> history(const std::string& keyspace, const std::string& table);

  // Every successful repair of one table on all of its replicas, as the proof reads them.
  Result<std::vector<repair::CoveringRepair>> coverage(const std::string& keyspace,
                                                       const std::string& table);

  Result<int64_t> insert_schedule(const RepairSchedule& schedule);
  Result<std::vector<RepairSchedule>> schedules();
  Status update_schedule(const RepairSchedule& schedule);
  // NotFound for an unknown id.
  Status delete_schedule(int64_t id);

 private:
  Store& store_;
};

}  // namespace rk::scheduler
