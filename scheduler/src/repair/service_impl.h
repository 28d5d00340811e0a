// RepairScheduler's state, shared by service.cc (the calls the API makes) and driver.cc (the
// driver's tick). Private to the scheduler module.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "repair/agents.h"
#include "repair/service.h"
#include "repair/store.h"

namespace rk::scheduler {

struct RepairScheduler::Impl {
  Impl(Store& s, AuditLog& a, Clock& c, RepairAgents& ag, ClusterSource cs, RepairOptions o,
       DeadlineAlert al)
      : store(s),
        repairs(s),
        audit(a),
        clock(c),
        agents(ag),
        cluster(std::move(cs)),
        options(o),
        alert(std::move(al)) {}

  Store& store;
  RepairStore repairs;
  AuditLog& audit;
  Clock& clock;
  RepairAgents& agents;
  ClusterSource cluster;
  RepairOptions options;
  DeadlineAlert alert;

  // Serializes ticks with the calls that change runs (create, pause, resume, abort, patch), so a
  // tick never starts a segment of a run that was just paused or aborted.
  std::mutex mu;

  // The driver thread.
  std::mutex thread_mu;
  std::condition_variable wake;
  bool stopping = false;
  bool running = false;
  // Set by poke(): the driver ticks again at once instead of after tick_interval.
  bool poked = false;
  void poke();
  std::thread thread;

  // Load readings per host, reused for options.signals_ttl.
  struct Reading {
    Result<LoadSignals> signals = Status::Unavailable("not read");
    int64_t at_us = 0;
  };
  std::map<std::string, Reading> readings;
  // The last deadline state and severity raised per "keyspace.table", and when deadlines were
  // last checked.
  struct DeadlineReading {
    DeadlineState state = DeadlineState::kOk;
    DeadlineSeverity severity = DeadlineSeverity::kOk;
  };
  std::map<std::string, DeadlineReading> deadline_states;
  int64_t deadlines_checked_us = 0;
  // When the driver first saw that the ring moved the replica set of a segment in flight, by
  // segment id (ring_changes.cc).
  std::map<int64_t, int64_t> ring_moved_at;
  // Segment starts since this process began: part of each session id (driver.cc).
  uint64_t starts = 0;

  // --- driver.cc ---
  Status tick_locked();
  Status activate_schedules(const ClusterState& cluster, int64_t now);
  Status drive_run(RepairRun& run, std::vector<RepairSegment>& segments,
                   const std::map<std::string, const NodeView*>& nodes, std::set<std::string>& busy,
                   int64_t now);
  Status send(RepairSegment& seg, const RepairRun& run, const std::string& validation,
              const NodeView& coordinator, int64_t now);
  Status poll(RepairSegment& seg, const RepairRun& run,
              const std::map<std::string, const NodeView*>& nodes, int64_t now);
  Status fail_attempt(RepairSegment& seg, const std::string& error, int64_t now);

  // --- ring_changes.cc ---
  // Plans again every open segment of `run` whose replica set the ring no longer gives its
  // range: a PENDING one at once; one in flight once its session is cancelled and has ended.
  // `segments` are reread when any changed. Adds to `moving` the in-flight segments still
  // waiting for their session to stop: they are neither polled (a success on the old replica set
  // is not recorded) nor re-sent.
  Status replan_moved_segments(const RepairRun& run, std::vector<RepairSegment>& segments,
                               const ClusterState& cluster,
                               const std::map<std::string, const NodeView*>& nodes,
                               std::set<int64_t>& moving, int64_t now);
  // The node's load (cached for options.signals_ttl); nullopt when it cannot be read.
  std::optional<LoadSignals> load_signals(const NodeView& node, int64_t now);
  Status check_deadlines(int64_t now);

  // --- service.cc ---
  Result<RepairRunView> view(const RepairRun& run);
  RunProgress progress(const RepairRun& run, const std::vector<RepairSegment>& segments) const;
  Result<int64_t> create_run_locked(const std::string& actor, RepairRunOptions options, bool start,
                                    std::optional<int64_t> schedule_id,
                                    const ClusterState& cluster);
  Result<std::vector<TableDeadline>> deadlines(int64_t now);
};

}  // namespace rk::scheduler
