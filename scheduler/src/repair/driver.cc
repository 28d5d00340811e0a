// The repair driver's tick (see service.h): activate schedules, reconcile and poll the
// sessions of segments in flight, start new ones where planning allows, and close finished runs.
// Every state change is written to SQLite before the next agent call, so a scheduler killed at
// any point resumes from the database alone.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "repair/planning.h"
#include "repair/service_impl.h"
#include "ringkeeper/core/saturating.h"

namespace rk::scheduler {
namespace {

bool in_flight(SegmentState s) {
  return s == SegmentState::kStarting || s == SegmentState::kRunning;
}

// A re-sent session keeps the validation of its mode (the planner's choice when it started).
std::string validation_for(RepairParallelism p) {
  return p == RepairParallelism::kParallel ? "parallel" : "sequential";
}

}  // namespace

Status RepairScheduler::Impl::tick_locked() {
  const int64_t now = clock.now_micros();
  RK_ASSIGN_OR_RETURN(ClusterState state, cluster());
  std::map<std::string, const NodeView*> nodes;
  for (const NodeView& n : state.nodes) nodes[n.info.host_id] = &n;

  RK_RETURN_IF_ERROR(activate_schedules(state, now));

  RK_ASSIGN_OR_RETURN(std::vector<RepairRun> runs, repairs.active_runs());
  std::vector<std::vector<RepairSegment>> segments(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    RK_ASSIGN_OR_RETURN(segments[i], repairs.segments(runs[i].id, std::nullopt));
  }
  // Segments whose replica set the ring moved are planned again, never retried as they were.
  std::set<int64_t> moving;
  for (size_t i = 0; i < runs.size(); ++i) {
    RK_RETURN_IF_ERROR(replan_moved_segments(runs[i], segments[i], state, nodes, moving, now));
  }
  // Reconcile and poll everything in flight first (also for paused runs: their sessions finish).
  for (size_t i = 0; i < runs.size(); ++i) {
    for (RepairSegment& seg : segments[i]) {
      if (moving.count(seg.id) > 0) continue;  // stopping: its outcome is not recorded
      if (seg.state == SegmentState::kStarting) {
        auto it = nodes.find(seg.coordinator);
        if (it == nodes.end()) {
          RK_RETURN_IF_ERROR(fail_attempt(seg, "coordinator " + seg.coordinator + " left", now));
        } else {
          RK_RETURN_IF_ERROR(
              send(seg, runs[i], validation_for(runs[i].options.parallelism), *it->second, now));
        }
      } else if (seg.state == SegmentState::kRunning) {
        RK_RETURN_IF_ERROR(poll(seg, runs[i], nodes, now));
      }
    }
  }
  std::set<std::string> busy;
  for (const auto& segs : segments) {
    for (const RepairSegment& seg : segs) {
      if (in_flight(seg.state)) busy.insert(seg.replicas.begin(), seg.replicas.end());
    }
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    RK_RETURN_IF_ERROR(drive_run(runs[i], segments[i], nodes, busy, now));
  }
  if (now - deadlines_checked_us >= 5'000'000 || deadlines_checked_us == 0) {
    deadlines_checked_us = now;
    Status s = check_deadlines(now);
    if (!s.ok()) spdlog::warn("repair deadlines: {}", s.to_string());
  }
  return Status::OK();
}

Status RepairScheduler::Impl::activate_schedules(const ClusterState& state, int64_t now) {
  RK_ASSIGN_OR_RETURN(std::vector<RepairSchedule> all, repairs.schedules());
  for (RepairSchedule& sc : all) {
    if (!sc.enabled || sc.next_activation_us > now) continue;
    bool previous_active = false;
    if (sc.last_run_id) {
      Result<RepairRun> last = repairs.run(*sc.last_run_id);
      previous_active =
          last.ok() && (last->state == RunState::kNotStarted || last->state == RunState::kRunning ||
                        last->state == RunState::kPaused);
    }
    if (previous_active) {
      spdlog::warn("repair schedule {}: run {} is still active; this activation is skipped", sc.id,
                   *sc.last_run_id);
    } else {
      Result<int64_t> id = create_run_locked(fmt::format("schedule:{}", sc.id), sc.spec.run_options,
                                             true, sc.id, state);
      if (id.ok()) {
        sc.last_run_id = *id;
        spdlog::info("repair schedule {} started run {} ({} {})", sc.id, *id,
                     repair_kind_name(sc.spec.kind), sc.spec.keyspace);
      } else {
        spdlog::warn("repair schedule {}: no run started: {}", sc.id, id.status().to_string());
      }
    }
    if (sc.interval_derived) {
      // The interval follows gc_grace as it is now.
      for (const KeyspaceDef& ks : state.schema.keyspaces) {
        if (ks.name != sc.spec.keyspace) continue;
        int64_t grace = INT64_MAX;
        for (const TableDef& t : ks.tables) {
          if (sc.spec.tables.empty() || std::find(sc.spec.tables.begin(), sc.spec.tables.end(),
                                                  t.name) != sc.spec.tables.end()) {
            grace = std::min(grace, t.gc_grace_seconds);
          }
        }
        if (grace != INT64_MAX) sc.interval_seconds = default_interval_seconds(grace);
      }
    }
    const int64_t step = std::max<int64_t>(1, seconds_to_micros(sc.interval_seconds));
    while (sc.next_activation_us <= now) {
      sc.next_activation_us = saturating_add(sc.next_activation_us, step);
    }
    RK_RETURN_IF_ERROR(repairs.update_schedule(sc));
  }
  return Status::OK();
}

Status RepairScheduler::Impl::send(RepairSegment& seg, const RepairRun& run,
                                   const std::string& validation, const NodeView& coordinator,
                                   int64_t now) {
  SessionRequest req;
  req.id = seg.session_id;
  req.keyspace = run.options.keyspace;
  req.tables = seg.tables;
  req.range = seg.range;
  req.replicas = seg.replicas;
  req.mode = std::string(repair_kind_name(run.options.kind));
  req.validation = validation;
  req.mark_repaired = run.options.kind == RepairKind::kFull && run.options.mark_repaired;
  req.preview = run.options.preview;
  req.repaired_at_ms = seg.started_at_us / 1000;  // fixed per attempt: a re-send is identical
  Result<SessionStatus> r = agents.start_session(coordinator, req);
  if (r.ok()) {
    seg.state = SegmentState::kRunning;
    seg.postponed.clear();
    return repairs.update_segment(seg);
  }
  if (r.status().code() == ErrorCode::kAlreadyExists) {
    // The agent runs an overlapping session (of another scheduler, or an operator's): wait, and
    // do not count it as an attempt.
    seg.state = SegmentState::kPending;
    seg.attempts = std::max(0, seg.attempts - 1);
    seg.session_id.clear();
    seg.postponed = "conflict on " + seg.coordinator + ": " + r.status().message();
    seg.not_before_us = now + options.retry_initial_delay.count() * 1000;
    return repairs.update_segment(seg);
  }
  return fail_attempt(seg, "start on " + seg.coordinator + ": " + r.status().to_string(), now);
}

Status RepairScheduler::Impl::poll(RepairSegment& seg, const RepairRun& run,
                                   const std::map<std::string, const NodeView*>& nodes,
                                   int64_t now) {
  auto it = nodes.find(seg.coordinator);
  if (it == nodes.end()) return fail_attempt(seg, "coordinator " + seg.coordinator + " left", now);
  const NodeView& coordinator = *it->second;
  Result<SessionStatus> r = agents.session(coordinator, seg.session_id);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kNotFound) {
      return fail_attempt(
          seg,
          fmt::format("session {} lost: {} no longer knows it", seg.session_id, seg.coordinator),
          now);
    }
    // Unreachable. A DOWN coordinator's process is gone, and its session with it.
    if (coordinator.info.state == NodeState::kDown) {
      return fail_attempt(seg, fmt::format("coordinator {} is DOWN", seg.coordinator), now);
    }
    if (now - seg.started_at_us > options.segment_timeout.count() * 1000) {
      return fail_attempt(seg, "timed out (coordinator unreachable): " + r.status().to_string(),
                          now);
    }
    return Status::OK();  // try again next tick
  }
  seg.bytes_validated = r->bytes_validated;
  seg.bytes_streamed = r->bytes_streamed;
  switch (r->state) {
    case SessionState::kRunning:  // timeouts are the planner's (decide_run's stops)
      return repairs.update_segment(seg);
    case SessionState::kSucceeded:
      seg.state = SegmentState::kDone;
      seg.finished_at_us = now;
      seg.last_error.clear();
      seg.postponed.clear();
      // A preview repaired nothing: it leaves its findings, never repair history.
      if (run.options.preview) {
        return repairs.finish_preview_segment(seg, r->table_differences, r->range_differences);
      }
      // A run filtered to some datacenters left the others' replicas out: no proof coverage.
      return repairs.finish_segment(seg, run.options.keyspace, run.options.kind, seg.started_at_us,
                                    run.options.datacenters.empty());
    case SessionState::kFailed:
    case SessionState::kCancelled:
    case SessionState::kAborted:  // the ring changed but not its replica set (a replica DOWN)
      return fail_attempt(seg,
                          fmt::format("session {} {}: {}", seg.session_id,
                                      r->state == SessionState::kFailed      ? "failed"
                                      : r->state == SessionState::kCancelled ? "cancelled"
                                                                             : "aborted",
                                      r->error),
                          now);
  }
  return Status::OK();
}

Status RepairScheduler::Impl::fail_attempt(RepairSegment& seg, const std::string& error,
                                           int64_t now) {
  seg.last_error = error;
  if (seg.attempts >= options.max_attempts) {
    seg.state = SegmentState::kFailed;
    seg.finished_at_us = now;
    spdlog::warn("repair segment {} {} FAILED after {} attempts: {}", seg.id, seg.range,
                 seg.attempts, error);
    return repairs.update_segment(seg);
  }
  // Back to PENDING with the attempt counted; the planner waits out the backoff from
  // finished_at_us before it starts the segment again.
  seg.state = SegmentState::kPending;
  seg.finished_at_us = now;
  seg.not_before_us = 0;
  spdlog::info("repair segment {} {} attempt {} failed: {}", seg.id, seg.range, seg.attempts,
               error);
  return repairs.update_segment(seg);
}

std::optional<LoadSignals> RepairScheduler::Impl::load_signals(const NodeView& node, int64_t now) {
  Reading& reading = readings[node.info.host_id];
  if (reading.at_us == 0 || now - reading.at_us > options.signals_ttl.count() * 1000) {
    reading.signals = agents.signals(node);
    reading.at_us = now;
  }
  if (!reading.signals.ok()) return std::nullopt;  // unknown load does not block repairs
  return *reading.signals;
}

Status RepairScheduler::Impl::drive_run(RepairRun& run, std::vector<RepairSegment>& segments,
                                        const std::map<std::string, const NodeView*>& nodes,
                                        std::set<std::string>& busy, int64_t now) {
  if (run.state == RunState::kRunning) {
    std::set<std::string> hosts;
    std::set<std::string> own;  // in a session of this run
    for (const RepairSegment& seg : segments) {
      hosts.insert(seg.replicas.begin(), seg.replicas.end());
      if (in_flight(seg.state)) own.insert(seg.replicas.begin(), seg.replicas.end());
    }
    std::vector<HostCondition> conditions;
    for (const std::string& h : hosts) {
      HostCondition c;
      c.host_id = h;
      c.in_other_session = busy.count(h) > 0 && own.count(h) == 0;
      if (auto it = nodes.find(h); it != nodes.end()) {
        c.state = it->second->info.state;
        if (*c.state == NodeState::kNormal) c.load = load_signals(*it->second, now);
      }
      conditions.push_back(std::move(c));
    }
    RK_ASSIGN_OR_RETURN(RunDecision decision, decide_run(run, segments, conditions, options, now));
    const auto find = [&](int64_t id) -> RepairSegment& {
      return *std::find_if(segments.begin(), segments.end(),
                           [&](const RepairSegment& s) { return s.id == id; });
    };
    for (const RunDecision::Stop& stop : decision.stop) {
      RepairSegment& seg = find(stop.segment_id);
      if (!in_flight(seg.state)) continue;
      auto it = nodes.find(seg.coordinator);
      if (it != nodes.end()) {
        Result<SessionStatus> c = agents.cancel_session(*it->second, seg.session_id);
        if (!c.ok() && c.status().code() != ErrorCode::kNotFound &&
            it->second->info.state == NodeState::kNormal) {
          // Still running there, as far as we know: keep it (never two sessions for a segment).
          spdlog::warn("repair segment {}: cancelling session {} ({}) failed: {}", seg.id,
                       seg.session_id, stop.reason, c.status().to_string());
          continue;
        }
        if (c.ok() && c->state == SessionState::kRunning) {
          // The agent stops a session at its next step, after the internode call in flight
          // (up to repair.call_timeout). Until it says the session ended, its replicas stay
          // busy: a new session on them now would put a node in two sessions. poll() counts the
          // attempt once the agent reports it cancelled; the stop is asked for again each tick.
          spdlog::debug("repair segment {}: session {} is stopping ({})", seg.id, seg.session_id,
                        stop.reason);
          continue;
        }
      }
      if (stop.counts_as_attempt) {
        RK_RETURN_IF_ERROR(fail_attempt(seg, stop.reason, now));
      } else {
        // The window closed: back to PENDING as if this session had never started.
        seg.attempts = std::max(0, seg.attempts - 1);
        seg.state = SegmentState::kPending;
        seg.finished_at_us = now;
        seg.last_error = stop.reason;
        spdlog::info("repair segment {} {} stopped: {}", seg.id, seg.range, stop.reason);
        RK_RETURN_IF_ERROR(repairs.update_segment(seg));
      }
    }
    for (RepairSegment& seg : segments) {
      if (seg.state != SegmentState::kPending) continue;
      auto w = decision.waiting.find(seg.id);
      const std::string waiting = w == decision.waiting.end() ? "" : w->second;
      if (waiting != seg.postponed) {
        seg.postponed = waiting;
        RK_RETURN_IF_ERROR(repairs.update_segment(seg));
      }
    }
    for (const RunDecision::Start& start : decision.start) {
      RepairSegment& seg = find(start.segment_id);
      if (seg.state != SegmentState::kPending) continue;
      // Rotate coordinators over the replicas; a retry stays with its coordinator when it can.
      std::string coordinator =
          seg.replicas[static_cast<size_t>(seg.position) % seg.replicas.size()];
      if (!seg.coordinator.empty() && std::find(seg.replicas.begin(), seg.replicas.end(),
                                                seg.coordinator) != seg.replicas.end()) {
        coordinator = seg.coordinator;
      }
      auto node = nodes.find(coordinator);
      if (node == nodes.end()) continue;
      seg.attempts += 1;
      // Unique per start, not per attempt: an attempt given back (a window closed, a conflict)
      // starts again under a new id, never under one the agent already holds.
      seg.session_id =
          fmt::format("rk-r{}-s{}-a{}-{:x}-{}", run.id, seg.id, seg.attempts, now / 1000, ++starts);
      seg.coordinator = coordinator;
      seg.state = SegmentState::kStarting;
      seg.started_at_us = now;
      seg.finished_at_us = 0;
      seg.postponed.clear();
      // The intent is durable before the call: a restart re-sends the same id.
      RK_RETURN_IF_ERROR(repairs.update_segment(seg));
      busy.insert(seg.replicas.begin(), seg.replicas.end());
      RK_RETURN_IF_ERROR(send(seg, run, start.validation, *node->second, now));
    }
  }
  if (run.state != RunState::kRunning && run.state != RunState::kPaused) return Status::OK();
  int64_t open = 0;
  int64_t failed = 0;
  std::string first_error;
  for (const RepairSegment& seg : segments) {
    if (seg.state == SegmentState::kPending || in_flight(seg.state)) ++open;
    if (seg.state == SegmentState::kFailed) {
      if (failed++ == 0) first_error = seg.last_error;
    }
  }
  if (open > 0) return Status::OK();
  run.finished_at_us = now;
  if (failed > 0) {
    run.state = RunState::kError;
    run.cause =
        fmt::format("{} of {} segments failed; first: {}", failed, segments.size(), first_error);
  } else {
    run.state = RunState::kDone;
  }
  spdlog::info("repair run {} ({}{} {}) {}{}", run.id, repair_kind_name(run.options.kind),
               run.options.preview ? " preview" : "", run.options.keyspace,
               run_state_name(run.state), run.cause.empty() ? "" : ": " + run.cause);
  return repairs.update_run(run);
}

Status RepairScheduler::Impl::check_deadlines(int64_t now) {
  RK_ASSIGN_OR_RETURN(std::vector<TableDeadline> all, deadlines(now));
  for (const TableDeadline& d : all) {
    const std::string key = d.keyspace + "." + d.table;
    auto it = deadline_states.find(key);
    const DeadlineReading previous = it == deadline_states.end() ? DeadlineReading{} : it->second;
    deadline_states[key] = {d.state, d.severity};
    // The severity moves on its own when a never-repaired table passes gc_grace.
    if (previous.state == d.state && previous.severity == d.severity) continue;
    if (alert) {
      alert(d, previous.state);
    } else if (d.severity != DeadlineSeverity::kOk) {
      spdlog::warn("repair deadline of {}: {} ({})", key, deadline_state_name(d.state), d.message);
    } else if (previous.severity != DeadlineSeverity::kOk) {
      spdlog::info("repair deadline of {}: {} ({})", key, deadline_state_name(d.state), d.message);
    }
  }
  return Status::OK();
}

}  // namespace rk::scheduler
