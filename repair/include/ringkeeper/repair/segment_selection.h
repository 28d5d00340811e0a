// Which segments of a repair run start now, which running ones must stop, and why the rest wait.
//
// select_segments() is a pure function of everything it needs (the plan, each segment's progress,
// the nodes' states and load signals, the options and "now"), so the scheduler calls it on every
// tick of its driver loop and gets the same answer after a restart from what it stored in SQLite.
//
// How to drive it (the scheduler's repair loop, once per tick and per running run):
//   1. Build SelectionInput: the run's SegmentPlan (restore_plan() after a restart), one
//      SegmentProgress per segment in plan order (from SQLite), one NodeCondition per host of the
//      plan (registry state + the agent's latest signals; mark `in_other_session` for hosts taking
//      part in a session of another run, so concurrent runs never share a node), and now_us.
//   2. For each Selection::stop entry: DELETE the agent session, then store the segment as
//      kFailed with finished_at_us = now (attempt counted) when `counts_as_attempt`, or back to
//      kPending (attempts - 1, nothing counted) when the stop was only the window closing.
//   3. For each Selection::start entry: store the segment as kRunning with attempts + 1 and
//      started_at_us = now BEFORE calling POST /v1/repair/sessions on the segment's primary ...
//      or any replica (the coordinator), with replicas = plan.replica_ids(segment) and
//      validation = entry.validation. Storing first is what keeps a crash from running a segment
//      twice: on restart a kRunning segment is reconciled with the agent (GET the session; 404 =
//      lost: store kFailed, attempt counted).
//   4. When a session ends: SUCCEEDED -> kDone; FAILED/lost -> kFailed; both with finished_at_us.
//      Keep started_at_us: the intensity pause and the pace forecast use finished - started.
//   5. Call again at the latest at Selection::next_check_us, or sooner on any event (a session
//      ended, a node changed state, new signals, the operator changed intensity/parallelism).
// The run is over when Selection::finished is true: every segment is kDone, or kFailed with
// retries exhausted (those are listed in Selection::waiting with kind kGaveUp).
//
// Rules applied, in this order, for a segment that is not done or running:
//   - outside the maintenance window nothing starts ("outside maintenance window; opens at ...");
//   - a failed segment waits out its retry backoff (core/backoff.h; jittered by segment id and
//     attempt, so the same inputs give the same answer) and gives up after retry.max_attempts;
//   - with window_close = kStop, a segment expected to run past the window's close waits for the
//     next window (avoid_window_overrun);
//   - a replica that is not NORMAL (DOWN, JOINING, LEAVING, unknown) skips the segment without
//     blocking the others; it is tried again once the node is NORMAL ("replica X DOWN");
//   - a replica busy in another session (this run or another) makes it wait: no node ever takes
//     part in two sessions at once, in any mode;
//   - load gates: a replica with more pending compactions than the limit, a CRITICAL disk, or (once
//     the signals carry it) a CRITICAL data-device await postpones the segment;
//   - intensity i: after a session on a node that took t, the node rests t*(1-i)/i;
//   - the mode's own rules (below), then the concurrency limit.
// Modes:
//   - kSequential (default): one session at a time per run. It walks the ring one primary node at
//     a time (nodes in plan order, each node's ranges in ring order) and never picks a segment with
//     the same replica set as the one that just finished. When every remaining segment has that
//     same set (e.g. RF = number of nodes, or a single range split by size) it takes it anyway,
//     after the intensity pause. Sessions validate sequentially.
//   - kParallel: as many conflict-free sessions as the concurrency limit allows (0: as many as
//     conflict-freedom allows), oldest-repaired segments first, then ring order. Sessions validate
//     all replicas at once.
//   - kDatacenterAware: scheduled like kParallel; sessions validate one replica per datacenter at a
//     time. The session API has only "sequential"|"parallel" validation today, so such sessions
//     are sent as "sequential" (never more load than asked for) until it grows a datacenter mode.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/repair/maintenance_window.h"
#include "ringkeeper/repair/segment_plan.h"

namespace rk::repair {

enum class RepairMode { kSequential, kParallel, kDatacenterAware };
// "sequential", "parallel", "datacenter_aware".
std::string_view repair_mode_name(RepairMode mode);
// Parses the names above; InvalidArgument otherwise.
Result<RepairMode> parse_repair_mode(std::string_view name);

enum class SegmentState { kPending, kRunning, kDone, kFailed };
// "PENDING", "RUNNING", "DONE", "FAILED".
std::string_view segment_state_name(SegmentState state);
Result<SegmentState> parse_segment_state(std::string_view name);

// What the scheduler knows about one segment in this run.
struct SegmentProgress {
  SegmentState state = SegmentState::kPending;
  int attempts = 0;                // sessions started for it in this run (the running one included)
  int64_t started_at_us = 0;       // start of the running or latest session; 0: never started
  int64_t finished_at_us = 0;      // end of the latest session (success or failure); 0: none
  int64_t postponed_until_us = 0;  // do not start before this (set by an operator); 0: no
  // When this range was last repaired successfully before this run (0: never). Parallel modes
  // take the oldest first.
  int64_t last_repaired_at_us = 0;
};

enum class NodeState { kNormal, kDown, kJoining, kLeaving, kUnknown };
// "NORMAL", "DOWN", "JOINING", "LEAVING", "UNKNOWN" (the registry's names).
std::string_view node_state_name(NodeState state);
// Parses the registry's names (REPLACED maps to kDown: it will never serve again); InvalidArgument
// otherwise.
Result<NodeState> parse_node_state(std::string_view name);

enum class SignalState { kOk, kWarning, kCritical, kUnknown };
// "OK", "WARNING", "CRITICAL", "UNKNOWN" (the agent signal states).
std::string_view signal_state_name(SignalState state);
Result<SignalState> parse_signal_state(std::string_view name);

// One node as the scheduler sees it right now.
struct NodeCondition {
  std::string host_id;
  std::string label;  // how messages name it, e.g. "127.0.0.1:7101"; the host id when empty
  NodeState state = NodeState::kUnknown;
  int64_t pending_compactions = -1;           // -1: unknown (no gate)
  SignalState disk = SignalState::kUnknown;   // unknown: no gate
  std::string disk_message;                   // the agent's words, quoted in the reason
  SignalState await = SignalState::kUnknown;  // unknown: no gate (no signal before monitoring)
  std::string await_message;
  bool in_other_session = false;  // taking part in a session of another run right now
};

struct SelectionOptions {
  RepairMode mode = RepairMode::kSequential;
  // Sessions of this run at once (kParallel, kDatacenterAware); 0: limited by conflicts only.
  // kSequential always runs one.
  int concurrency = 0;
  // 0 < intensity <= 1; after a session of duration t each of its nodes rests t*(1-i)/i.
  double intensity = 1.0;  // 1: no rest
  // A replica with more pending compactions than this postpones the segment; < 0: no gate.
  int64_t max_pending_compactions = 20;
  bool gate_on_disk = true;   // a CRITICAL disk postpones (streaming must never fill a disk)
  bool gate_on_await = true;  // a CRITICAL data-device await postpones
  // A running session older than this is stopped and counts as a failed attempt. The timeout grows
  // with the data: max(segment_timeout, estimated_bytes / timeout_min_bytes_per_second).
  std::chrono::seconds segment_timeout{30 * 60};
  double timeout_min_bytes_per_second = 1 << 20;  // 1 MiB/s; 0: fixed timeout only
  // Retries of failed segments: max_attempts counts all sessions of a segment in this run;
  // delays as core/backoff.h, jittered with seed = segment id and attempt.
  BackoffOptions retry{.max_attempts = 5,
                       .initial_delay = std::chrono::minutes(1),
                       .max_delay = std::chrono::minutes(30),
                       .multiplier = 2.0,
                       .jitter = 0.5,
                       .seed = 0};
  // When new sessions may start; always open by default.
  MaintenanceSchedule windows;
  WindowClosePolicy window_close = WindowClosePolicy::kFinish;
  // With kStop: do not start a segment expected to outlast the open window (it would only be
  // cancelled). Expected duration: the mean session of this run's done segments, scaled by size;
  // no guard before any segment is done.
  bool avoid_window_overrun = true;
  // At most this many entries in Selection::waiting (counts per kind are always complete).
  size_t max_wait_details = 1000;
};

// Validates the options: InvalidArgument for intensity outside (0, 1], concurrency < 0,
// retry.max_attempts < 1, a non-positive segment_timeout.
Status validate(const SelectionOptions& options);

struct SelectionInput {
  const SegmentPlan* plan = nullptr;
  std::span<const SegmentProgress> progress;  // one per plan segment, in plan order
  std::span<const NodeCondition> nodes;       // any order; hosts missing here count as kUnknown
  int64_t now_us = 0;
};

struct SegmentStart {
  uint32_t segment = 0;
  std::string validation;           // the session's "validation": "sequential" | "parallel"
  std::chrono::seconds timeout{0};  // the session is stopped when it runs longer than this
};

struct SegmentStop {
  uint32_t segment = 0;
  bool counts_as_attempt = true;  // false when stopped only because the window closed
  std::string reason;
};

// Why a segment is not starting now (ordered roughly by how long it will last).
enum class WaitKind {
  kOutsideWindow,       // the maintenance window is closed
  kGaveUp,              // failed retry.max_attempts times; needs an operator
  kRetryBackoff,        // failed; waiting out the backoff before the next attempt
  kPostponed,           // postponed_until_us is in the future
  kReplicaUnavailable,  // a replica is not NORMAL
  kLoad,                // a replica's pending compactions, disk or await
  kReplicaBusy,         // a replica takes part in another session
  kIntensityPause,      // a replica rests after its last session
  kConcurrencyLimit,    // the run already runs as many sessions as allowed
  kSequentialTurn,      // sequential mode: another segment goes first
  kWindowEnding,        // kStop windows: it would still run when the window closes
};
inline constexpr size_t kWaitKinds = 11;
// "outside_window", "gave_up", "retry_backoff", "postponed", "replica_unavailable", "load",
// "replica_busy", "intensity_pause", "concurrency_limit", "sequential_turn", "window_ending".
std::string_view wait_kind_name(WaitKind kind);

struct SegmentWait {
  uint32_t segment = 0;
  WaitKind kind = WaitKind::kSequentialTurn;
  // For an operator: "replica 127.0.0.1:7101 DOWN", "pending compactions 40 > 20 on 10.0.0.3",
  // "intensity pause on 10.0.0.2 until 2026-11-23T02:10:00Z", "outside maintenance window; opens
  // 2026-11-23T22:00:00Z".
  std::string message;
  int64_t until_us = 0;  // when this reason ends by itself; 0: on an event (a node returning...)
};

struct Selection {
  std::vector<SegmentStart> start;
  std::vector<SegmentStop> stop;
  // Segments not starting, most significant kinds first, at most max_wait_details entries.
  std::vector<SegmentWait> waiting;
  // Every waiting segment counted by kind (indexed by WaitKind), including those not listed.
  std::array<size_t, kWaitKinds> waiting_by_kind{};
  // A one-line summary for the run ("2 started, 1 running, 14 waiting: 10 replica_unavailable,
  // 4 concurrency_limit"; or "outside maintenance window; opens ...").
  std::string summary;
  // Call again by then even if nothing else happens (a pause, backoff or window ends, or a running
  // session times out); 0: only events can change the answer.
  int64_t next_check_us = 0;
  // Every segment is done or has given up.
  bool finished = false;
};

// The decision for this tick; see the top of this file. InvalidArgument when the input is
// inconsistent (no plan, progress size != segments) or the options are invalid.
Result<Selection> select_segments(const SelectionInput& input, const SelectionOptions& options);

// The session's validation for a mode ("sequential" for kSequential and kDatacenterAware,
// "parallel" for kParallel).
std::string_view validation_for(RepairMode mode);

// The retry delay before attempt `attempts + 1` of `segment` after `attempts` failed sessions
// (deterministic: seeded with the segment id and the options' seed).
std::chrono::milliseconds retry_delay(const BackoffOptions& retry, uint32_t segment, int attempts);

// The rest a node takes after a session of `duration_us` at `intensity`: t*(1-i)/i.
int64_t intensity_pause_us(int64_t duration_us, double intensity);

// Waves: the plan's segments packed greedily into rounds of conflict-free sessions (no host twice
// in a round), in plan order, each round at most `concurrency` segments (0: no limit). A planning
// view (how many rounds a cycle needs at full parallelism); the live loop uses select_segments().
std::vector<std::vector<uint32_t>> plan_waves(const SegmentPlan& plan, int concurrency = 0);

}  // namespace rk::repair
