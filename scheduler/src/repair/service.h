// The scheduler's repair domain, RepairScheduler: repair runs (one pass of full or incremental
// repair over a keyspace's tables, split into segments), schedules that start runs, and the
// gc_grace deadlines that follow from the repair history. (The agent's RepairService runs one
// session on its node; this class decides which segments run where and when.) Everything lives
// in SQLite (schema/0006_repair.sql and 0008_repair_windows.sql), so a restarted scheduler
// continues every run where it stopped (docs/repair.md).
//
// A driver thread ticks every RepairOptions::tick_interval: it activates due schedules, polls the
// agents' sessions of running segments, records their outcome (retrying failed ones with backoff,
// up to max_attempts), and starts new sessions where the planner allows: no node in two sessions
// at once, no more than max_sessions per run, replicas UP, not loaded, and rested after their last
// segment (intensity). A restarted driver first reconciles: a segment it had sent is polled by its
// session id; a session the agent no longer knows (404) was lost and is retried; a session id that
// was chosen but perhaps never sent is sent again (the agent's POST is idempotent), so no segment
// ever has two sessions at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "cluster/service.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/config.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/repair/deadline_severity.h"
#include "ringkeeper/repair/zombie_proof.h"
#include "ringkeeper/scheduler/scheduler_options.h"

namespace rk::scheduler {

class Store;
class RepairAgents;  // agents.h: the calls the driver makes to agents

enum class RepairKind { kFull, kIncremental };
enum class RepairParallelism { kSequential, kParallel, kDatacenterAware };
enum class RunState { kNotStarted, kRunning, kPaused, kDone, kError, kAborted };
enum class SegmentState { kPending, kStarting, kRunning, kDone, kFailed, kAborted };

std::string_view repair_kind_name(RepairKind kind);  // "full", "incremental"
Result<RepairKind> parse_repair_kind(std::string_view name);
std::string_view parallelism_name(RepairParallelism p);  // "sequential", "parallel", ...
Result<RepairParallelism> parse_parallelism(std::string_view name);
std::string_view run_state_name(RunState state);  // "NOT_STARTED", ...
Result<RunState> parse_run_state(std::string_view name);
std::string_view segment_state_name(SegmentState state);  // "PENDING", ...
Result<SegmentState> parse_segment_state(std::string_view name);

// When a run may start sessions (repair/maintenance_window.h, docs/repair.md).
struct RepairWindowSpec {
  // "mon-fri 22:00-06:00; sat,sun 00:00-24:00"; empty or blank: always open.
  std::string windows;
  std::string time_zone = "UTC";    // "UTC", "+05:30", or a zoneinfo name such as "Europe/Berlin"
  std::string on_close = "finish";  // "finish": running sessions finish; "stop": they are cancelled
};

// What a run repairs and how hard it may push.
struct RepairRunOptions {
  std::string keyspace;
  std::vector<std::string> tables;  // empty: every table of the keyspace (fixed at creation)
  RepairKind kind = RepairKind::kFull;
  // sequential: one session at a time, replicas validate one after another, and the next segment
  // avoids the replica set just repaired; parallel: up to max_sessions non-overlapping sessions,
  // replicas validate at once; datacenter_aware: like parallel, replicas validate one per
  // datacenter at a time.
  RepairParallelism parallelism = RepairParallelism::kSequential;
  // Concurrent sessions of this run (sequential: always 1). 0: automatic, resolved when the run
  // is created: as many as conflict-freedom allows, floor(NORMAL nodes / RF) per datacenter
  // (at least 1 each), summed (automatic_sessions).
  int max_sessions = 1;
  double intensity = 1.0;                // 0 < i <= 1: a node rests t*(1-i)/i after a segment of t
  int segments_per_range = 1;            // each replica range is cut into at least this many
  int64_t max_segment_bytes = 0;         // and more while a piece holds more (estimated); 0: off
  std::vector<std::string> datacenters;  // only replicas in these datacenters; empty: all
  std::vector<std::string> nodes;        // only ranges these hosts replicate; empty: all
  bool mark_repaired = false;            // full runs: mark repaired ranges as repaired
  // Preview (full runs only, never with mark_repaired): validate and diff as a full repair does,
  // record what differs instead of streaming it; nothing is marked, no repair history is written.
  bool preview = false;
  // When sessions may start; nullopt: the scheduler's default (RepairOptions::windows...).
  std::optional<RepairWindowSpec> window;
};

struct RepairRun {
  int64_t id = 0;
  RepairRunOptions options;
  RunState state = RunState::kNotStarted;
  std::string cause;  // why it ended in ERROR or ABORTED
  std::string created_by;
  std::optional<int64_t> schedule_id;
  int64_t created_at_us = 0;
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
};

struct RepairSegment {
  int64_t id = 0;
  int64_t run_id = 0;
  int64_t position = 0;
  std::vector<std::string> tables;
  std::string range;  // "(a,b]"
  std::vector<std::string> replicas;
  SegmentState state = SegmentState::kPending;
  int attempts = 0;
  std::string session_id;
  std::string coordinator;
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
  int64_t not_before_us = 0;
  int64_t estimated_bytes = 0;
  int64_t bytes_validated = 0;
  int64_t bytes_streamed = 0;
  std::string last_error;
  std::string postponed;
};

struct SegmentCounts {
  int64_t total = 0;
  int64_t done = 0;
  int64_t running = 0;  // STARTING or RUNNING
  int64_t pending = 0;
  int64_t failed = 0;
  int64_t aborted = 0;
  int64_t bytes_validated = 0;
  int64_t bytes_streamed = 0;
};

// Progress of a run, computed in one place for the API, rkctl and the UI.
struct RunProgress {
  SegmentCounts segments;
  std::map<std::string, SegmentCounts> per_table;  // table name -> its segments
  std::map<std::string, SegmentCounts> per_node;   // host id -> segments it is a replica of
  double fraction = 0;                             // done / total
  int64_t elapsed_us = 0;                          // since started (until finished)
  int64_t eta_us = 0;                  // estimated time left; 0 when unknown or finished
  std::vector<std::string> postponed;  // distinct reasons segments are waiting
};

// What repair sessions' transfer plans found (a preview's result, docs/repair.md "Preview"): per
// table the totals, and the sub-ranges where a replica (target) lacks data another (source) has,
// with the rows and bytes the source would send.
struct TableDifference {
  std::string table;
  int64_t ranges = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::vector<std::string> behind;  // host ids of the replicas that lack data
};
struct RangeDifference {
  std::string table;
  std::string range;  // "(a,b]"
  std::string source;
  std::string target;
  int64_t rows = 0;
  int64_t bytes = 0;
};

struct RepairRunView {
  RepairRun run;
  RunProgress progress;
  // Preview runs: per table what the segments done so far found (table order).
  std::vector<TableDifference> differences;
};

// A preview run's findings: the totals per table and the differing ranges (ring order, at most
// `limit`), as its sessions reported them.
struct RunDifferences {
  std::vector<TableDifference> tables;
  std::vector<RangeDifference> ranges;
  int64_t ranges_total = 0;  // every stored range, `ranges` holds at most the limit
};

struct RepairScheduleSpec {
  std::string keyspace;
  std::vector<std::string> tables;  // empty: every table at each activation
  RepairKind kind = RepairKind::kIncremental;
  // 0: derived from the smallest gc_grace_seconds of the tables (docs/repair.md).
  int64_t interval_seconds = 0;
  std::optional<int64_t> first_activation_us;  // default: now
  RepairRunOptions run_options;  // parallelism, intensity, sizing, filters of its runs
};

struct RepairSchedule {
  int64_t id = 0;
  RepairScheduleSpec spec;
  int64_t interval_seconds = 0;  // in force (derived or given)
  bool interval_derived = false;
  int64_t next_activation_us = 0;
  bool enabled = true;
  std::optional<int64_t> last_run_id;
  std::string created_by;
  int64_t created_at_us = 0;
};

// The deadline states and their severities are the repair module's (gc_grace.h,
// deadline_severity.h): one set of names and one map for the scheduler, its API and rkctl.
using repair::deadline_state_name;
using repair::DeadlineSeverity;
using repair::DeadlineState;

struct TableDeadline {
  std::string keyspace;
  std::string table;
  int64_t gc_grace_seconds = 0;
  int64_t oldest_repaired_at_us = 0;  // every range repaired since then; 0 = never fully
  int64_t deadline_us = 0;            // by when every range must be repaired again
  int64_t forecast_done_us = 0;       // when the planned repair should be done; 0 = none planned
  DeadlineState state = DeadlineState::kOk;
  // How loud the state is at the time of the reading (repair::deadline_severity).
  DeadlineSeverity severity = DeadlineSeverity::kOk;
  std::string message;
};

// A table's zombie-safety proof (repair::prove_zombie_safety over the scheduler's record:
// schema/0013_zombie_proof.sql; docs/repair.md, "Proof").
struct TableProof {
  std::string keyspace;
  std::string table;
  TombstoneGc tombstone_gc = kDefaultTombstoneGc;  // now
  int64_t gc_grace_seconds = 0;
  int replicas = 0;
  int64_t created_at_us = 0;
  int64_t record_since_us = 0;  // when the record of the table begins
  int64_t now_us = 0;           // when the proof was made
  std::vector<repair::GcModeSpan> modes;
  repair::ZombieProof proof;  // windows: the newest `window_limit`, oldest first
  size_t windows_total = 0;
  std::string message;  // one line for people: "zombie-safe since ..." or why not
};

struct RunPatch {
  std::optional<double> intensity;
  std::optional<int> max_sessions;
  std::optional<RepairParallelism> parallelism;
};

// The cluster as the driver needs it: nodes (state, addresses, tokens) and the schema.
struct ClusterState {
  std::vector<NodeView> nodes;
  ClusterSchema schema;
};
using ClusterSource = std::function<Result<ClusterState>()>;

// Raised when a table's deadline state or severity changes (AT_RISK, OVERDUE, a never-repaired
// table passing gc_grace, back to OK): the scheduler wires the alert store in; without one the
// driver logs the change.
using DeadlineAlert = std::function<void(const TableDeadline& deadline, DeadlineState previous)>;

class AlertStore;
// Deadline changes as alerts of source "scheduler", signal "repair_deadline/<keyspace>.<table>",
// at the deadline's severity (repair::deadline_severity). `alerts` must outlive it.
DeadlineAlert repair_deadline_alert(AlertStore& alerts);

class RepairScheduler {
 public:
  // Everything passed in must outlive the service.
  RepairScheduler(Store& store, AuditLog& audit, Clock& clock, RepairAgents& agents,
                  ClusterSource cluster, RepairOptions options, DeadlineAlert alert = {});
  ~RepairScheduler();  // stops the driver

  // Starts / stops the driver thread. stop() waits for the tick in progress; idempotent.
  void start();
  void stop();
  // One driver step (the thread calls this; tests call it directly with a ManualClock).
  Status tick();
  // A coordinator agent says session `session_id` ended: the driver ticks at once (records the
  // outcome, starts the next segment) instead of at its next tick_interval. Polling stays the
  // fallback: a lost notification only costs one tick_interval.
  void session_ended(const std::string& session_id);

  // Plans and records a run. InvalidArgument for bad options (unknown table, intensity out of
  // range, a node filter naming no node...), NotFound for an unknown keyspace, FailedPrecondition
  // when nothing is left to repair (no ranges after filters). `start` false: NOT_STARTED until
  // resume().
  Result<RepairRunView> create_run(const std::string& actor, RepairRunOptions options,
                                   bool start = true);
  // `preview`: only previews (true) or only repairs (false); nullopt: both.
  Result<std::vector<RepairRunView>> list_runs(std::optional<RunState> state = std::nullopt,
                                               const std::string& keyspace = "", int limit = 100,
                                               std::optional<bool> preview = std::nullopt);
  Result<RepairRunView> run(int64_t id);
  Result<std::vector<RepairSegment>> segments(int64_t run_id,
                                              std::optional<SegmentState> state = std::nullopt);
  // What a preview run found (NotFound for an unknown run; an empty report for other runs).
  Result<RunDifferences> differences(int64_t run_id, int limit = 1000);
  // State changes. FailedPrecondition when the run is not in a state that allows it (e.g. resume
  // of a DONE run). pause: running sessions finish, nothing new starts. abort: running sessions
  // are cancelled.
  Result<RepairRunView> pause(const std::string& actor, int64_t id);
  Result<RepairRunView> resume(const std::string& actor, int64_t id);
  Result<RepairRunView> abort(const std::string& actor, int64_t id);
  Result<RepairRunView> patch(const std::string& actor, int64_t id, const RunPatch& patch);

  Result<RepairSchedule> add_schedule(const std::string& actor, RepairScheduleSpec spec);
  Result<std::vector<RepairSchedule>> schedules();
  Status remove_schedule(const std::string& actor, int64_t id);

  // Every table's gc_grace deadline, keyspace then table order.
  Result<std::vector<TableDeadline>> deadlines();

  // The zombie-safety proof of every table (keyspace then table order), of one keyspace's
  // (`table` empty) or of one table; each with at most `window_limit` windows, the newest.
  // NotFound for an unknown keyspace or table.
  Result<std::vector<TableProof>> proofs(const std::string& keyspace = "",
                                         const std::string& table = "", size_t window_limit = 100);

  // Records a call refused before it reached the service (bad body).
  void record(const std::string& actor, const std::string& action, const std::string& target,
              const Status& outcome);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rk::scheduler
