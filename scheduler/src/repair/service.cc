// RepairScheduler's calls (see service.h): runs, schedules and deadlines as the API asks for
// them; the driver's tick is in driver.cc.
#include "repair/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "alerts/store.h"
#include "repair/planning.h"
#include "repair/service_impl.h"
#include "ringkeeper/core/schema_limits.h"
#include "ringkeeper/core/token_range.h"

namespace rk::scheduler {
namespace {

template <class E, size_t N>
Result<E> parse_name(std::string_view name, const std::pair<E, std::string_view> (&table)[N],
                     const char* what) {
  std::string known;
  for (const auto& [value, text] : table) {
    if (text == name) return value;
    known += (known.empty() ? "" : ", ") + std::string(text);
  }
  return Status::InvalidArgument(fmt::format("unknown {} '{}' (known: {})", what, name, known));
}

template <class E, size_t N>
std::string_view name_of(E value, const std::pair<E, std::string_view> (&table)[N]) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return "?";
}

const std::pair<RepairKind, std::string_view> kKinds[] = {
    {RepairKind::kFull, "full"}, {RepairKind::kIncremental, "incremental"}};
const std::pair<RepairParallelism, std::string_view> kParallelisms[] = {
    {RepairParallelism::kSequential, "sequential"},
    {RepairParallelism::kParallel, "parallel"},
    {RepairParallelism::kDatacenterAware, "datacenter_aware"}};
const std::pair<RunState, std::string_view> kRunStates[] = {{RunState::kNotStarted, "NOT_STARTED"},
                                                            {RunState::kRunning, "RUNNING"},
                                                            {RunState::kPaused, "PAUSED"},
                                                            {RunState::kDone, "DONE"},
                                                            {RunState::kError, "ERROR"},
                                                            {RunState::kAborted, "ABORTED"}};
const std::pair<SegmentState, std::string_view> kSegmentStates[] = {
    {SegmentState::kPending, "PENDING"}, {SegmentState::kStarting, "STARTING"},
    {SegmentState::kRunning, "RUNNING"}, {SegmentState::kDone, "DONE"},
    {SegmentState::kFailed, "FAILED"},   {SegmentState::kAborted, "ABORTED"}};

bool active(RunState s) {
  return s == RunState::kNotStarted || s == RunState::kRunning || s == RunState::kPaused;
}

bool covers(const std::vector<std::string>& tables, const std::string& table) {
  return std::find(tables.begin(), tables.end(), table) != tables.end();
}

// The automatic max_sessions: each session holds RF nodes of a datacenter and a node is in one
// session at a time, so floor(NORMAL nodes / RF) sessions per datacenter can run at once (at
// least one), together across datacenters; intensity and the load gates still apply per node.
int automatic_sessions(const Replication& replication, const std::vector<NodeView>& nodes) {
  std::map<std::string, int> normal;
  for (const NodeView& n : nodes) {
    if (n.info.state == NodeState::kNormal) ++normal[n.info.datacenter];
  }
  int total = 0;
  if (replication.strategy == Replication::Strategy::kSimple) {
    int all = 0;
    for (const auto& [dc, count] : normal) all += count;
    total = std::max(1, all / std::max(1, replication.replication_factor));
  } else {
    for (const auto& [dc, count] : normal) {
      const int rf = replication.factor_for(dc);
      if (rf > 0) total += std::max(1, count / rf);
    }
  }
  return std::clamp(total, 1, 1000);
}

Status check_tunables(const RepairRunOptions& o) {
  if (!(o.intensity > 0 && o.intensity <= 1)) {
    return Status::InvalidArgument(fmt::format("intensity must be in (0, 1], got {}", o.intensity));
  }
  if (o.max_sessions < 0 || o.max_sessions > 1000) {
    return Status::InvalidArgument(
        fmt::format("max_sessions must be 1..1000 (0: automatic), got {}", o.max_sessions));
  }
  if (o.segments_per_range < 1 || o.segments_per_range > 100000) {
    return Status::InvalidArgument(
        fmt::format("segments_per_range must be 1..100000, got {}", o.segments_per_range));
  }
  if (o.max_segment_bytes < 0) return Status::InvalidArgument("max_segment_bytes must be >= 0");
  if (o.preview && o.kind != RepairKind::kFull) {
    return Status::InvalidArgument(
        "a preview compares all data as a full repair does: it cannot be incremental");
  }
  if (o.preview && o.mark_repaired) {
    return Status::InvalidArgument(
        "a preview marks nothing repaired: mark_repaired cannot be combined with preview");
  }
  if (o.mark_repaired && o.kind != RepairKind::kFull) {
    return Status::InvalidArgument(
        "mark_repaired is for full repairs (incremental ones always mark)");
  }
  if (o.window) RK_RETURN_IF_ERROR(check_window(*o.window));
  return Status::OK();
}

// Resolves the keyspace and its tables; fills `tables` with all of them when empty.
Result<KeyspaceDef> resolve_tables(const ClusterSchema& schema, const std::string& keyspace,
                                   std::vector<std::string>* tables) {
  for (const KeyspaceDef& ks : schema.keyspaces) {
    if (ks.name != keyspace) continue;
    if (tables->empty()) {
      for (const TableDef& t : ks.tables) tables->push_back(t.name);
      if (tables->empty()) {
        return Status::FailedPrecondition(fmt::format("keyspace {} has no tables", keyspace));
      }
    }
    for (const std::string& name : *tables) {
      if (std::none_of(ks.tables.begin(), ks.tables.end(),
                       [&](const TableDef& t) { return t.name == name; })) {
        return Status::InvalidArgument(fmt::format("keyspace {} has no table {}", keyspace, name));
      }
    }
    return ks;
  }
  return Status::NotFound(fmt::format("no keyspace {}", keyspace));
}

void add(SegmentCounts& c, const RepairSegment& g) {
  ++c.total;
  switch (g.state) {
    case SegmentState::kDone:
      ++c.done;
      break;
    case SegmentState::kStarting:
    case SegmentState::kRunning:
      ++c.running;
      break;
    case SegmentState::kPending:
      ++c.pending;
      break;
    case SegmentState::kFailed:
      ++c.failed;
      break;
    case SegmentState::kAborted:
      ++c.aborted;
      break;
  }
  c.bytes_validated += g.bytes_validated;
  c.bytes_streamed += g.bytes_streamed;
}

}  // namespace

std::string_view repair_kind_name(RepairKind kind) { return name_of(kind, kKinds); }
Result<RepairKind> parse_repair_kind(std::string_view name) {
  return parse_name(name, kKinds, "repair kind");
}
std::string_view parallelism_name(RepairParallelism p) { return name_of(p, kParallelisms); }
Result<RepairParallelism> parse_parallelism(std::string_view name) {
  return parse_name(name, kParallelisms, "parallelism");
}
std::string_view run_state_name(RunState state) { return name_of(state, kRunStates); }
Result<RunState> parse_run_state(std::string_view name) {
  return parse_name(name, kRunStates, "run state");
}
std::string_view segment_state_name(SegmentState state) { return name_of(state, kSegmentStates); }
Result<SegmentState> parse_segment_state(std::string_view name) {
  return parse_name(name, kSegmentStates, "segment state");
}

ConfigSchema<RepairOptions> repair_options_schema() {
  ConfigSchema<RepairOptions> s;
  s.field("tick_interval", &RepairOptions::tick_interval,
          "How often the repair driver polls sessions and starts segments.")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(60'000));
  s.field("segment_timeout", &RepairOptions::segment_timeout,
          "A repair session running longer is cancelled and retried.")
      .range(std::chrono::milliseconds(100), std::chrono::milliseconds(86'400'000));
  s.field("max_attempts", &RepairOptions::max_attempts,
          "Sessions per segment before the segment FAILs.")
      .range(1, 100);
  s.field("retry_initial_delay", &RepairOptions::retry_initial_delay,
          "Backoff before a failed segment's first retry (doubles per retry, jittered).")
      .range(std::chrono::milliseconds(0), std::chrono::milliseconds(3'600'000));
  s.field("retry_max_delay", &RepairOptions::retry_max_delay, "Cap of the retry backoff.")
      .range(std::chrono::milliseconds(0), std::chrono::milliseconds(86'400'000));
  s.field("max_pending_compactions", &RepairOptions::max_pending_compactions,
          "Segments of a replica with more pending compactions wait.")
      .range(0, 1'000'000);
  s.field("signals_ttl", &RepairOptions::signals_ttl,
          "How long one reading of an agent's load signals is reused.")
      .range(std::chrono::milliseconds(0), std::chrono::milliseconds(600'000));
  s.field("at_risk_margin", &RepairOptions::at_risk_margin,
          "AT_RISK when the forecast leaves less than this share of gc_grace before a deadline.")
      .range(0.0, 1.0);
  s.field("windows", &RepairOptions::windows,
          "Maintenance windows of runs and schedules that name none, e.g. "
          "\"mon-fri 22:00-06:00; sat,sun 00:00-24:00\"; empty: always open.");
  s.field("window_time_zone", &RepairOptions::window_time_zone,
          "Time zone of the windows' local times: UTC, +05:30, or a zoneinfo name.")
      .non_empty();
  s.field("window_close", &RepairOptions::window_close,
          "At a window's close running sessions finish, or stop (retried in the next window).")
      .one_of({"finish", "stop"});
  s.check([](const RepairOptions& o) { return check_window(default_window(o)); });
  return s;
}

DeadlineAlert repair_deadline_alert(AlertStore& alerts) {
  return [&alerts](const TableDeadline& d, DeadlineState) {
    AlertEvent e;
    e.source = kSchedulerSource;
    e.signal = fmt::format("repair_deadline/{}.{}", d.keyspace, d.table);
    // DeadlineSeverity has the Nagios states' numbers (deadline_severity.h).
    e.state = static_cast<monitor::State>(d.severity);
    e.message =
        fmt::format("{}.{} {}: {}", d.keyspace, d.table, deadline_state_name(d.state), d.message);
    Result<std::optional<AlertRecord>> r = alerts.record(e);
    if (!r.ok()) {
      spdlog::warn("repair deadline alert for {}.{}: {}", d.keyspace, d.table,
                   r.status().to_string());
    } else if (*r) {
      spdlog::warn("repair deadline of {}.{}: {} ({})", d.keyspace, d.table,
                   deadline_state_name(d.state), d.message);
    }
  };
}

RepairScheduler::RepairScheduler(Store& store, AuditLog& audit, Clock& clock, RepairAgents& agents,
                                 ClusterSource cluster, RepairOptions options, DeadlineAlert alert)
    : impl_(std::make_unique<Impl>(store, audit, clock, agents, std::move(cluster), options,
                                   std::move(alert))) {}

RepairScheduler::~RepairScheduler() { stop(); }

void RepairScheduler::start() {
  std::lock_guard lock(impl_->thread_mu);
  if (impl_->running) return;
  impl_->running = true;
  impl_->stopping = false;
  Impl* impl = impl_.get();
  impl_->thread = std::thread([impl] {
    std::unique_lock lock(impl->thread_mu);
    while (!impl->stopping) {
      lock.unlock();
      Status s = [&] {
        std::lock_guard tick(impl->mu);
        return impl->tick_locked();
      }();
      if (!s.ok()) spdlog::warn("repair driver: {}", s.to_string());
      lock.lock();
      impl->wake.wait_for(lock, impl->options.tick_interval,
                          [&] { return impl->stopping || impl->poked; });
      impl->poked = false;
    }
  });
}

void RepairScheduler::stop() {
  {
    std::lock_guard lock(impl_->thread_mu);
    if (!impl_->running) return;
    impl_->stopping = true;
    impl_->running = false;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void RepairScheduler::Impl::poke() {
  {
    std::lock_guard lock(thread_mu);
    poked = true;
  }
  wake.notify_all();
}

void RepairScheduler::session_ended(const std::string& session_id) {
  spdlog::debug("repair session {} ended (its coordinator says): ticking now", session_id);
  impl_->poke();
}

Status RepairScheduler::tick() {
  std::lock_guard lock(impl_->mu);
  return impl_->tick_locked();
}

void RepairScheduler::record(const std::string& actor, const std::string& action,
                             const std::string& target, const Status& outcome) {
  Result<int64_t> r = impl_->audit.append(actor, action, target, outcome);
  if (!r.ok()) spdlog::warn("audit: {}", r.status().to_string());
}

RunProgress RepairScheduler::Impl::progress(const RepairRun& run,
                                            const std::vector<RepairSegment>& segments) const {
  RunProgress p;
  std::set<std::string> reasons;
  for (const RepairSegment& g : segments) {
    add(p.segments, g);
    for (const std::string& t : g.tables) add(p.per_table[t], g);
    for (const std::string& h : g.replicas) add(p.per_node[h], g);
    if (g.state == SegmentState::kPending && !g.postponed.empty()) reasons.insert(g.postponed);
  }
  p.postponed.assign(reasons.begin(), reasons.end());
  const SegmentCounts& c = p.segments;
  // Segments of a live run are ABORTED only when the ring moved and they were planned again as
  // others: the others count instead.
  const int64_t planned = run.state == RunState::kAborted ? c.total : c.total - c.aborted;
  p.fraction = planned <= 0 ? 1.0 : static_cast<double>(c.done) / static_cast<double>(planned);
  if (run.started_at_us > 0) {
    const int64_t end = run.finished_at_us > 0 ? run.finished_at_us : clock.now_micros();
    p.elapsed_us = std::max<int64_t>(0, end - run.started_at_us);
  }
  if (active(run.state) && c.done > 0) {
    const int64_t left = c.total - c.done - c.failed - c.aborted;
    p.eta_us = p.elapsed_us / c.done * left;
  }
  return p;
}

Result<RepairRunView> RepairScheduler::Impl::view(const RepairRun& run) {
  RK_ASSIGN_OR_RETURN(std::vector<RepairSegment> segs, repairs.segments(run.id, std::nullopt));
  RepairRunView v{run, progress(run, segs), {}};
  if (run.options.preview) {
    RK_ASSIGN_OR_RETURN(RunDifferences d, repairs.differences(run.id, 0));
    v.differences = std::move(d.tables);
  }
  return v;
}

Result<int64_t> RepairScheduler::Impl::create_run_locked(const std::string& actor,
                                                         RepairRunOptions options, bool start,
                                                         std::optional<int64_t> schedule_id,
                                                         const ClusterState& state) {
  RK_RETURN_IF_ERROR(check_tunables(options));
  if (options.parallelism == RepairParallelism::kSequential) options.max_sessions = 1;
  RK_ASSIGN_OR_RETURN(KeyspaceDef ks,
                      resolve_tables(state.schema, options.keyspace, &options.tables));
  if (options.max_sessions == 0) {
    options.max_sessions = automatic_sessions(ks.replication, state.nodes);
  }
  for (const std::string& h : options.nodes) {
    if (std::none_of(state.nodes.begin(), state.nodes.end(),
                     [&](const NodeView& n) { return n.info.host_id == h; })) {
      return Status::InvalidArgument(fmt::format("node filter: no node {}", h));
    }
  }
  RK_ASSIGN_OR_RETURN(std::vector<PlannedSegment> planned,
                      plan_segments(options, state.nodes, ks.replication));
  if (planned.empty()) {
    return Status::FailedPrecondition(fmt::format(
        "nothing to repair in {}: no range has two replicas within the filters", ks.name));
  }
  const int64_t now = clock.now_micros();
  RepairRun run;
  run.options = options;
  run.state = start ? RunState::kRunning : RunState::kNotStarted;
  run.created_by = actor;
  run.schedule_id = schedule_id;
  run.created_at_us = now;
  run.started_at_us = start ? now : 0;
  std::vector<RepairSegment> segs;
  segs.reserve(planned.size());
  for (const PlannedSegment& p : planned) {
    RepairSegment g;
    g.tables = options.tables;
    g.range = p.range.to_string();
    g.replicas = p.replicas;
    g.estimated_bytes = p.estimated_bytes;
    segs.push_back(std::move(g));
  }
  return repairs.insert_run(run, segs);
}

Result<RepairRunView> RepairScheduler::create_run(const std::string& actor,
                                                  RepairRunOptions options, bool start) {
  const std::string target = options.keyspace;
  Result<RepairRunView> out = [&]() -> Result<RepairRunView> {
    std::lock_guard lock(impl_->mu);
    RK_ASSIGN_OR_RETURN(ClusterState state, impl_->cluster());
    RK_ASSIGN_OR_RETURN(int64_t id,
                        impl_->create_run_locked(actor, std::move(options), start, {}, state));
    RK_ASSIGN_OR_RETURN(RepairRun run, impl_->repairs.run(id));
    return impl_->view(run);
  }();
  record(actor, "repair.start", out.ok() ? fmt::format("run {} ({})", out->run.id, target) : target,
         out.status());
  if (out.ok()) impl_->poke();
  return out;
}

Result<std::vector<RepairRunView>> RepairScheduler::list_runs(std::optional<RunState> state,
                                                              const std::string& keyspace,
                                                              int limit,
                                                              std::optional<bool> preview) {
  if (limit < 1 || limit > 1000) {
    return Status::InvalidArgument(fmt::format("limit must be 1..1000, got {}", limit));
  }
  RK_ASSIGN_OR_RETURN(std::vector<RepairRun> runs,
                      impl_->repairs.runs(state, keyspace, limit, preview));
  std::vector<RepairRunView> out;
  for (const RepairRun& r : runs) {
    RK_ASSIGN_OR_RETURN(RepairRunView v, impl_->view(r));
    out.push_back(std::move(v));
  }
  return out;
}

Result<RepairRunView> RepairScheduler::run(int64_t id) {
  RK_ASSIGN_OR_RETURN(RepairRun r, impl_->repairs.run(id));
  return impl_->view(r);
}

Result<RunDifferences> RepairScheduler::differences(int64_t run_id, int limit) {
  if (limit < 0 || limit > 100000) {
    return Status::InvalidArgument(fmt::format("limit must be 0..100000, got {}", limit));
  }
  RK_ASSIGN_OR_RETURN(RepairRun r, impl_->repairs.run(run_id));
  if (!r.options.preview) return RunDifferences{};
  return impl_->repairs.differences(run_id, limit);
}

Result<std::vector<RepairSegment>> RepairScheduler::segments(int64_t run_id,
                                                             std::optional<SegmentState> state) {
  RK_RETURN_IF_ERROR(impl_->repairs.run(run_id).status());
  return impl_->repairs.segments(run_id, state);
}

Result<RepairRunView> RepairScheduler::pause(const std::string& actor, int64_t id) {
  Result<RepairRunView> out = [&]() -> Result<RepairRunView> {
    std::lock_guard lock(impl_->mu);
    RK_ASSIGN_OR_RETURN(RepairRun r, impl_->repairs.run(id));
    if (r.state == RunState::kPaused) return impl_->view(r);
    if (r.state != RunState::kRunning && r.state != RunState::kNotStarted) {
      return Status::FailedPrecondition(fmt::format(
          "run {} is {}: only a running run can be paused", id, run_state_name(r.state)));
    }
    r.state = RunState::kPaused;
    RK_RETURN_IF_ERROR(impl_->repairs.update_run(r));
    return impl_->view(r);
  }();
  record(actor, "repair.pause", fmt::format("run {}", id), out.status());
  return out;
}

Result<RepairRunView> RepairScheduler::resume(const std::string& actor, int64_t id) {
  Result<RepairRunView> out = [&]() -> Result<RepairRunView> {
    std::lock_guard lock(impl_->mu);
    RK_ASSIGN_OR_RETURN(RepairRun r, impl_->repairs.run(id));
    if (r.state == RunState::kRunning) return impl_->view(r);
    if (r.state != RunState::kPaused && r.state != RunState::kNotStarted) {
      return Status::FailedPrecondition(
          fmt::format("run {} is {}: only a paused or not started run can be resumed", id,
                      run_state_name(r.state)));
    }
    r.state = RunState::kRunning;
    if (r.started_at_us == 0) r.started_at_us = impl_->clock.now_micros();
    RK_RETURN_IF_ERROR(impl_->repairs.update_run(r));
    return impl_->view(r);
  }();
  record(actor, "repair.resume", fmt::format("run {}", id), out.status());
  if (out.ok()) impl_->poke();
  return out;
}

Result<RepairRunView> RepairScheduler::abort(const std::string& actor, int64_t id) {
  Result<RepairRunView> out = [&]() -> Result<RepairRunView> {
    std::lock_guard lock(impl_->mu);
    RK_ASSIGN_OR_RETURN(RepairRun r, impl_->repairs.run(id));
    if (!active(r.state)) {
      return Status::FailedPrecondition(
          fmt::format("run {} is {} already", id, run_state_name(r.state)));
    }
    const int64_t now = impl_->clock.now_micros();
    r.state = RunState::kAborted;
    r.cause = "aborted by " + (actor.empty() ? std::string("an operator") : actor);
    r.finished_at_us = now;
    // The run first: should the scheduler die now, nothing of it starts again.
    RK_RETURN_IF_ERROR(impl_->repairs.update_run(r));
    Result<ClusterState> cluster = impl_->cluster();
    RK_ASSIGN_OR_RETURN(std::vector<RepairSegment> segs, impl_->repairs.segments(id, std::nullopt));
    for (RepairSegment& g : segs) {
      if (g.state == SegmentState::kDone || g.state == SegmentState::kFailed) continue;
      if ((g.state == SegmentState::kRunning || g.state == SegmentState::kStarting) &&
          cluster.ok()) {
        for (const NodeView& n : cluster->nodes) {
          if (n.info.host_id != g.coordinator) continue;
          Result<SessionStatus> c = impl_->agents.cancel_session(n, g.session_id);
          if (!c.ok() && c.status().code() != ErrorCode::kNotFound) {
            spdlog::warn("abort of run {}: session {} on {} not cancelled: {}", id, g.session_id,
                         g.coordinator, c.status().to_string());
          }
        }
      }
      g.state = SegmentState::kAborted;
      g.finished_at_us = now;
      RK_RETURN_IF_ERROR(impl_->repairs.update_segment(g));
    }
    return impl_->view(r);
  }();
  record(actor, "repair.abort", fmt::format("run {}", id), out.status());
  return out;
}

Result<RepairRunView> RepairScheduler::patch(const std::string& actor, int64_t id,
                                             const RunPatch& patch) {
  Result<RepairRunView> out = [&]() -> Result<RepairRunView> {
    std::lock_guard lock(impl_->mu);
    RK_ASSIGN_OR_RETURN(RepairRun r, impl_->repairs.run(id));
    if (!active(r.state)) {
      return Status::FailedPrecondition(
          fmt::format("run {} is {}: it can no longer change", id, run_state_name(r.state)));
    }
    if (patch.intensity) r.options.intensity = *patch.intensity;
    if (patch.max_sessions) r.options.max_sessions = *patch.max_sessions;
    if (patch.parallelism) r.options.parallelism = *patch.parallelism;
    RK_RETURN_IF_ERROR(check_tunables(r.options));
    if (r.options.max_sessions == 0) {  // automatic, for the cluster as it is now
      RK_ASSIGN_OR_RETURN(ClusterState state, impl_->cluster());
      for (const KeyspaceDef& ks : state.schema.keyspaces) {
        if (ks.name == r.options.keyspace) {
          r.options.max_sessions = automatic_sessions(ks.replication, state.nodes);
        }
      }
      if (r.options.max_sessions == 0) r.options.max_sessions = 1;  // its keyspace is gone
    }
    if (r.options.parallelism == RepairParallelism::kSequential) r.options.max_sessions = 1;
    RK_RETURN_IF_ERROR(impl_->repairs.update_run(r));
    return impl_->view(r);
  }();
  record(actor, "repair.update", fmt::format("run {}", id), out.status());
  return out;
}

Result<RepairSchedule> RepairScheduler::add_schedule(const std::string& actor,
                                                     RepairScheduleSpec spec) {
  Result<RepairSchedule> out = [&]() -> Result<RepairSchedule> {
    RK_ASSIGN_OR_RETURN(ClusterState state, impl_->cluster());
    std::vector<std::string> tables = spec.tables;
    RK_ASSIGN_OR_RETURN(KeyspaceDef ks, resolve_tables(state.schema, spec.keyspace, &tables));
    spec.run_options.keyspace = spec.keyspace;
    spec.run_options.tables = spec.tables;
    spec.run_options.kind = spec.kind;
    RK_RETURN_IF_ERROR(check_tunables(spec.run_options));
    // At most gc_grace's own bound: an interval longer than any gc_grace protects nothing.
    if (spec.interval_seconds < 0 || spec.interval_seconds > kMaxGcGraceSeconds) {
      return Status::InvalidArgument(
          fmt::format("interval_seconds must be 0..{} (0: derived from gc_grace), got {}",
                      kMaxGcGraceSeconds, spec.interval_seconds));
    }
    if (spec.first_activation_us && *spec.first_activation_us < 0) {
      return Status::InvalidArgument("first_activation_us must be >= 0");
    }
    RepairSchedule sc;
    sc.spec = spec;
    sc.interval_derived = spec.interval_seconds == 0;
    int64_t grace = INT64_MAX;
    for (const TableDef& t : ks.tables) {
      if (covers(tables, t.name)) grace = std::min(grace, t.gc_grace_seconds);
    }
    sc.interval_seconds =
        sc.interval_derived ? default_interval_seconds(grace) : spec.interval_seconds;
    const int64_t now = impl_->clock.now_micros();
    sc.next_activation_us = spec.first_activation_us.value_or(now);
    sc.created_by = actor;
    sc.created_at_us = now;
    RK_ASSIGN_OR_RETURN(sc.id, impl_->repairs.insert_schedule(sc));
    return sc;
  }();
  record(actor, "repair.schedule.add",
         out.ok() ? fmt::format("schedule {} ({})", out->id, spec.keyspace) : spec.keyspace,
         out.status());
  if (out.ok()) impl_->poke();
  return out;
}

Result<std::vector<RepairSchedule>> RepairScheduler::schedules() {
  return impl_->repairs.schedules();
}

Status RepairScheduler::remove_schedule(const std::string& actor, int64_t id) {
  Status s = impl_->repairs.delete_schedule(id);
  record(actor, "repair.schedule.remove", fmt::format("schedule {}", id), s);
  return s;
}

Result<std::vector<TableDeadline>> RepairScheduler::deadlines() {
  return impl_->deadlines(impl_->clock.now_micros());
}

Result<std::vector<TableDeadline>> RepairScheduler::Impl::deadlines(int64_t now) {
  RK_ASSIGN_OR_RETURN(ClusterState state, cluster());
  // Runs that tell the pace and the work left: the active ones and the last few that finished.
  // Previews repair nothing: they are neither work towards a deadline nor its pace.
  RK_ASSIGN_OR_RETURN(std::vector<RepairRun> running, repairs.active_runs());
  std::erase_if(running, [](const RepairRun& r) { return r.options.preview; });
  RK_ASSIGN_OR_RETURN(std::vector<RepairRun> done, repairs.runs(RunState::kDone, "", 5, false));
  struct Loaded {
    RepairRun run;
    std::vector<RepairSegment> segments;
  };
  std::vector<Loaded> runs;
  double pace = 0;
  for (const std::vector<RepairRun>* list : {&running, &done}) {
    for (const RepairRun& r : *list) {
      RK_ASSIGN_OR_RETURN(std::vector<RepairSegment> segs, repairs.segments(r.id, std::nullopt));
      pace = std::max(pace, observed_pace(r, segs, options, now));
      runs.push_back({r, std::move(segs)});
    }
  }
  RK_ASSIGN_OR_RETURN(std::vector<RepairSchedule> schedules, repairs.schedules());
  std::vector<TableWork> work;
  for (const KeyspaceDef& ks : state.schema.keyspaces) {
    for (const TableDef& t : ks.tables) {
      TableWork w{ks.name,        t.name, t.gc_grace_seconds, 0, 0, default_window(options),
                  t.created_at_us};
      // A table's repairs keep the window of the schedule that repairs it.
      for (const RepairSchedule& sc : schedules) {
        if (sc.enabled && sc.spec.keyspace == ks.name && covers(sc.spec.tables, t.name)) {
          w.window = window_of(sc.spec.run_options, options);
          break;
        }
      }
      // The newest repairs first, until they cover the ring: the last one added is the oldest
      // repair every range has had since.
      RK_ASSIGN_OR_RETURN(std::vector<RepairRecord> history, repairs.history(ks.name, t.name));
      std::sort(history.begin(), history.end(), [](const RepairRecord& a, const RepairRecord& b) {
        return a.repaired_at_us > b.repaired_at_us;
      });
      std::vector<TokenRange> covered;
      for (const RepairRecord& rec : history) {
        covered.push_back(rec.range);
        covered = normalize(std::move(covered));
        if (covered_size(covered) == kRingSize) {
          w.oldest_repaired_at_us = rec.repaired_at_us;
          break;
        }
      }
      // Work left: what an active run covering the table has not done yet, else a whole cycle as
      // the last finished run of the keyspace estimated it.
      bool in_active = false;
      for (const Loaded& l : runs) {
        if (l.run.options.keyspace != ks.name || !covers(l.run.options.tables, t.name)) continue;
        const bool is_active = active(l.run.state);
        if (in_active && !is_active) continue;
        if (is_active && !in_active) w.remaining_bytes = 0;
        int64_t bytes = 0;
        for (const RepairSegment& g : l.segments) {
          if (!is_active || g.state != SegmentState::kDone) bytes += g.estimated_bytes;
        }
        if (is_active) {
          w.remaining_bytes += bytes;
          in_active = true;
        } else if (w.remaining_bytes == 0) {
          w.remaining_bytes = bytes;
        }
      }
      work.push_back(std::move(w));
    }
  }
  return forecast(work, pace, options.at_risk_margin, now);
}

}  // namespace rk::scheduler
