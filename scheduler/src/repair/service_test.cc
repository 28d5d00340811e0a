// The repair driver against a fake agent and a ManualClock: runs move through their states,
// no node is ever in two sessions, failures are retried with backoff, a restarted scheduler
// reconciles from the same database file, and schedules start runs on time.
#include "repair/service.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "repair/agents.h"
#include "alerts/store.h"
#include "ringkeeper/scheduler/store.h"
#include "db/test_db.h"

namespace rk::scheduler {
namespace {

#define ASSERT_OK(expr)                           \
  do {                                            \
    const ::rk::Status rk_s_ = (expr);            \
    ASSERT_TRUE(rk_s_.ok()) << rk_s_.to_string(); \
  } while (0)

// Agents that keep sessions in memory. Tests finish them; `forget()` is an agent restart.
class FakeAgents : public RepairAgents {
 public:
  struct Session {
    SessionRequest request;
    std::string host;
    SessionState state = SessionState::kRunning;
  };

  Result<SessionStatus> start_session(const NodeView& node, const SessionRequest& req) override {
    if (!reachable(node)) return Status::Unavailable("unreachable " + node.info.host_id);
    if (auto it = sessions.find(req.id); it != sessions.end()) return status(it->second);
    // Never two sessions over the same range at once, nor a node in two sessions.
    for (const auto& [id, s] : sessions) {
      if (s.state != SessionState::kRunning) continue;
      EXPECT_NE(s.request.range, req.range) << "two sessions for " << req.range;
      for (const std::string& h : req.replicas) {
        EXPECT_EQ(std::count(s.request.replicas.begin(), s.request.replicas.end(), h), 0)
            << h << " in two sessions";
      }
    }
    sessions[req.id] = {req, node.info.host_id, SessionState::kRunning};
    started.push_back(req.id);
    return status(sessions[req.id]);
  }
  Result<SessionStatus> session(const NodeView& node, const std::string& id) override {
    if (!reachable(node)) return Status::Unavailable("unreachable");
    auto it = sessions.find(id);
    if (it == sessions.end()) return Status::NotFound("no session " + id);
    return status(it->second);
  }
  Result<SessionStatus> cancel_session(const NodeView& node, const std::string& id) override {
    if (!reachable(node)) return Status::Unavailable("unreachable");
    auto it = sessions.find(id);
    if (it == sessions.end()) return Status::NotFound("no session " + id);
    // A real agent stops a session at its next step: it may still be RUNNING when it answers.
    if (it->second.state == SessionState::kRunning && !slow_cancel) {
      it->second.state = SessionState::kCancelled;
    }
    cancelled.push_back(id);
    return status(it->second);
  }
  Result<LoadSignals> signals(const NodeView& node) override {
    LoadSignals s;
    s.pending_compactions = pending[node.info.host_id];
    return s;
  }

  std::vector<std::string> running() const {
    std::vector<std::string> out;
    for (const auto& [id, s] : sessions) {
      if (s.state == SessionState::kRunning) out.push_back(id);
    }
    return out;
  }
  void finish_all(SessionState state = SessionState::kSucceeded) {
    for (auto& [id, s] : sessions) {
      if (s.state == SessionState::kRunning) s.state = state;
    }
  }
  void forget() { sessions.clear(); }

  std::map<std::string, Session> sessions;
  std::vector<std::string> started;
  std::vector<std::string> cancelled;
  std::set<std::string> down;  // unreachable hosts
  bool slow_cancel = false;     // cancel leaves a session RUNNING until finish_all
  std::map<std::string, int64_t> pending;

 private:
  bool reachable(const NodeView& n) const { return !down.count(n.info.host_id); }
  static SessionStatus status(const Session& s) {
    SessionStatus out;
    out.id = s.request.id;
    out.state = s.state;
    out.bytes_validated = 100;
    out.bytes_streamed = s.state == SessionState::kSucceeded ? 10 : 0;
    return out;
  }
};

class RepairServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_nodes(3);
    TableDef t1{"t1", 100, 0};
    TableDef t2{"t2", 200, 0};
    cluster_.schema.keyspaces.push_back({"ks", Replication::simple(3), {t1, t2}});
    options_.retry_initial_delay = std::chrono::milliseconds(1000);
    options_.retry_max_delay = std::chrono::milliseconds(1000);
    options_.max_attempts = 3;
    open();
  }

  void set_nodes(int n) {
    cluster_.nodes.clear();
    for (int i = 0; i < n; ++i) {
      NodeView v;
      v.info.host_id = "h" + std::to_string(i + 1);
      v.info.datacenter = "dc1";
      v.info.rack = "r" + std::to_string(i + 1);
      v.info.state = NodeState::kNormal;
      v.info.tokens = {static_cast<Token>(INT64_MIN / n * (n - 2 * i))};
      cluster_.nodes.push_back(v);
    }
  }

  void open(DeadlineAlert alert = {}) {
    service_.reset();
    store_.reset();
    auto store = Store::open({.path = dir_.file("repair.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(store).value();
    audit_ = std::make_unique<AuditLog>(*store_, clock_);
    service_ = std::make_unique<RepairService>(
        *store_, *audit_, clock_, agents_, [this]() -> Result<ClusterState> { return cluster_; },
        options_, std::move(alert));
  }

  RepairRunView must_create(RepairRunOptions o) {
    auto r = service_->create_run("ops", std::move(o));
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : RepairRunView{};
  }

  RunState state_of(int64_t id) {
    auto r = service_->run(id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->run.state : RunState::kError;
  }

  // Ticks, finishing every session after each tick, until the run ends (at most `ticks`).
  void drive(int64_t id, int ticks = 50) {
    for (int i = 0; i < ticks; ++i) {
      ASSERT_OK(service_->tick());
      agents_.finish_all();
      clock_.advance_seconds(1);
      auto s = state_of(id);
      if (s != RunState::kRunning && s != RunState::kNotStarted) return;
    }
  }

  TempDir dir_;
  ManualClock clock_;
  FakeAgents agents_;
  ClusterState cluster_;
  RepairOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<RepairService> service_;
};

TEST_F(RepairServiceTest, SequentialRunRepairsEverySegmentOneAtATime) {
  RepairRunView v = must_create({.keyspace = "ks"});
  EXPECT_EQ(v.run.state, RunState::kRunning);
  EXPECT_EQ(v.run.options.tables, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(v.progress.segments.total, 3);  // one per primary range, RF 3 on 3 nodes
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.running().size(), 1u);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.running().size(), 1u);  // still one: sequential
  drive(v.run.id);
  auto done = service_->run(v.run.id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->run.state, RunState::kDone);
  EXPECT_EQ(done->progress.segments.done, 3);
  EXPECT_EQ(done->progress.per_table.at("t1").done, 3);
  EXPECT_EQ(done->progress.per_node.at("h2").done, 3);
  EXPECT_EQ(done->progress.segments.bytes_streamed, 30);
  EXPECT_EQ(agents_.started.size(), 3u);
  const auto& req = agents_.sessions.begin()->second.request;
  EXPECT_EQ(req.mode, "full");
  EXPECT_EQ(req.validation, "sequential");
  EXPECT_EQ(req.replicas.size(), 3u);
}

TEST_F(RepairServiceTest, ParallelRunNeverPutsANodeInTwoSessions) {
  set_nodes(9);
  RepairRunView v = must_create({.keyspace = "ks",
                                 .kind = RepairKind::kIncremental,
                                 .parallelism = RepairParallelism::kParallel,
                                 .max_sessions = 10,
                                 .segments_per_range = 2});
  EXPECT_EQ(v.progress.segments.total, 18);
  ASSERT_OK(service_->tick());
  // Nine nodes, three replicas each: three disjoint sessions at most (the fake checks overlap).
  EXPECT_EQ(agents_.running().size(), 3u);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  EXPECT_EQ(agents_.sessions.begin()->second.request.mode, "incremental");
  EXPECT_GT(agents_.sessions.begin()->second.request.repaired_at_ms, 0);
}

TEST_F(RepairServiceTest, FailedSessionsAreRetriedWithBackoffThenTheRunErrs) {
  RepairRunView v = must_create({.keyspace = "ks", .tables = {"t1"}});
  ASSERT_OK(service_->tick());
  agents_.finish_all(SessionState::kFailed);
  ASSERT_OK(service_->tick());  // sees the failure; the retry waits for its backoff
  auto segs = service_->segments(v.run.id, SegmentState::kPending);
  ASSERT_TRUE(segs.ok());
  EXPECT_EQ(segs->front().attempts, 1);
  EXPECT_NE(segs->front().last_error.find("failed"), std::string::npos);
  ASSERT_OK(service_->tick());  // still within the backoff: the failed segment waits
  const std::string failed = "-s" + std::to_string(segs->front().id) + "-";
  EXPECT_EQ(
      std::count_if(agents_.started.begin(), agents_.started.end(),
                    [&](const std::string& id) { return id.find(failed) != std::string::npos; }),
      1);
  for (int i = 0; i < 20; ++i) {
    clock_.advance_seconds(2);
    ASSERT_OK(service_->tick());
    agents_.finish_all(SessionState::kFailed);
  }
  auto run = service_->run(v.run.id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->run.state, RunState::kError);
  EXPECT_EQ(run->progress.segments.failed, 3);
  EXPECT_NE(run->run.cause.find("failed"), std::string::npos) << run->run.cause;
  EXPECT_EQ(agents_.started.size(), 9u);  // 3 segments x max_attempts 3
}

// A session the agent is slow to stop (stuck in an internode call past the segment timeout) keeps
// its replicas: the retry starts only once the agent reports the session ended.
TEST_F(RepairServiceTest, TimedOutSessionHoldsItsReplicasUntilTheAgentSaysItEnded) {
  options_.segment_timeout = std::chrono::seconds(10);
  open();
  agents_.slow_cancel = true;
  RepairRunView v = must_create({.keyspace = "ks", .tables = {"t1"}});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.started.size(), 1u);
  for (int i = 0; i < 5; ++i) {  // past the timeout: cancelled, but the agent is still at it
    clock_.advance_seconds(10);
    ASSERT_OK(service_->tick());
  }
  EXPECT_FALSE(agents_.cancelled.empty());
  EXPECT_EQ(agents_.started.size(), 1u) << "a second session started on busy replicas";
  EXPECT_EQ(agents_.running().size(), 1u);
  agents_.finish_all(SessionState::kCancelled);  // the agent reaches its next step
  ASSERT_OK(service_->tick());                  // sees it cancelled: one attempt counted
  auto segs = service_->segments(v.run.id, SegmentState::kPending);
  ASSERT_TRUE(segs.ok());
  ASSERT_FALSE(segs->empty());
  EXPECT_EQ(segs->front().attempts, 1);
  agents_.slow_cancel = false;
  drive(v.run.id);  // the fake fails the test if a node is ever in two sessions
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
}

TEST_F(RepairServiceTest, PauseLetsSessionsFinishAndStartsNothingUntilResumed) {
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  ASSERT_TRUE(service_->pause("ops", v.run.id).ok());
  agents_.finish_all();
  for (int i = 0; i < 3; ++i) {
    clock_.advance_seconds(1);
    ASSERT_OK(service_->tick());
  }
  EXPECT_EQ(agents_.started.size(), 1u);
  auto paused = service_->run(v.run.id);
  EXPECT_EQ(paused->run.state, RunState::kPaused);
  EXPECT_EQ(paused->progress.segments.done, 1);
  ASSERT_TRUE(service_->resume("ops", v.run.id).ok());
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  EXPECT_FALSE(service_->resume("ops", v.run.id).ok());  // DONE is final
}

TEST_F(RepairServiceTest, AbortCancelsRunningSessions) {
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.running().size(), 1u);
  auto aborted = service_->abort("ops", v.run.id);
  ASSERT_TRUE(aborted.ok());
  EXPECT_EQ(aborted->run.state, RunState::kAborted);
  EXPECT_EQ(agents_.cancelled.size(), 1u);
  EXPECT_EQ(aborted->progress.segments.aborted, 3);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.started.size(), 1u);
  auto audit = audit_->query({.action = "repair.abort"});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->entries.size(), 1u);
  EXPECT_EQ(audit->entries[0].actor, "ops");
}

TEST_F(RepairServiceTest, PatchChangesParallelismOfARunningRun) {
  set_nodes(6);
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.running().size(), 1u);
  auto p = service_->patch("ops", v.run.id,
                           {.max_sessions = 4, .parallelism = RepairParallelism::kParallel});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(p->run.options.max_sessions, 4);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.running().size(), 2u);  // six nodes: two disjoint replica sets
  EXPECT_FALSE(service_->patch("ops", v.run.id, {.intensity = 0}).ok());
}

TEST_F(RepairServiceTest, IntensityRestsNodesBetweenSegments) {
  RepairRunView v = must_create({.keyspace = "ks", .intensity = 0.5});
  ASSERT_OK(service_->tick());
  clock_.advance_seconds(10);  // the segment takes 10 s
  agents_.finish_all();
  ASSERT_OK(service_->tick());  // records it; every node rests 10 s
  clock_.advance_seconds(9);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.started.size(), 1u);
  clock_.advance_seconds(2);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.started.size(), 2u);
  (void)v;
}

TEST_F(RepairServiceTest, DownReplicaPostponesItsSegmentsWithoutAttempts) {
  cluster_.nodes[1].info.state = NodeState::kDown;
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());  // RF 3 on 3 nodes: every segment needs h2
  auto run = service_->run(v.run.id);
  ASSERT_FALSE(run->progress.postponed.empty());
  EXPECT_NE(run->progress.postponed[0].find("h2"), std::string::npos) << run->progress.postponed[0];
  EXPECT_NE(run->progress.postponed[0].find("DOWN"), std::string::npos)
      << run->progress.postponed[0];
  cluster_.nodes[1].info.state = NodeState::kNormal;
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
}

TEST_F(RepairServiceTest, LoadedReplicaPostponesSegments) {
  agents_.pending["h3"] = 1000;
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());
  auto run = service_->run(v.run.id);
  ASSERT_FALSE(run->progress.postponed.empty());
  EXPECT_NE(run->progress.postponed[0].find("pending compactions"), std::string::npos);
  agents_.pending["h3"] = 0;
  clock_.advance_micros(options_.signals_ttl.count() * 1000 + 1);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.started.size(), 1u);
}

TEST_F(RepairServiceTest, RestartKeepsPollingSessionsThatAreStillRunning) {
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.started.size(), 1u);
  open();  // the scheduler restarts on the same database file
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.started.size(), 1u);  // polled, not started again
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  EXPECT_EQ(agents_.started.size(), 3u);
}

TEST_F(RepairServiceTest, RestartRetriesSessionsTheAgentLost) {
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  const std::string first = agents_.started.front();
  open();
  agents_.forget();  // the agent restarted too
  ASSERT_OK(service_->tick());
  auto segs = service_->segments(v.run.id, std::nullopt);
  ASSERT_TRUE(segs.ok());
  bool lost_seen = false;
  for (const auto& g : *segs) {
    if (g.last_error.find("lost") != std::string::npos) lost_seen = true;
  }
  EXPECT_TRUE(lost_seen);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  EXPECT_EQ(std::count(agents_.started.begin(), agents_.started.end(), first), 1);
  EXPECT_EQ(agents_.started.size(), 4u);  // one retry
}

TEST_F(RepairServiceTest, SchedulesStartRunsAtTheirInterval) {
  auto sc = service_->add_schedule("ops", {.keyspace = "ks", .interval_seconds = 60});
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  ASSERT_OK(service_->tick());
  auto runs = service_->list_runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().run.options.kind, RepairKind::kIncremental);
  EXPECT_EQ(runs->front().run.schedule_id, sc->id);
  drive(runs->front().run.id);
  EXPECT_EQ(service_->list_runs()->size(), 1u);  // the next activation is 60 s after the first
  clock_.advance_seconds(60);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(service_->list_runs()->size(), 2u);
  ASSERT_OK(service_->remove_schedule("ops", sc->id));
  EXPECT_TRUE(service_->schedules()->empty());
}

TEST_F(RepairServiceTest, DerivedIntervalFollowsTheSmallestGcGrace) {
  // t1's gc_grace of 100 s is shorter than the planner's safety margin: half of it.
  auto sc = service_->add_schedule("ops", {.keyspace = "ks"});
  ASSERT_TRUE(sc.ok());
  EXPECT_TRUE(sc->interval_derived);
  EXPECT_EQ(sc->interval_seconds, 50);
}

TEST_F(RepairServiceTest, DeadlinesFollowTheRepairHistory) {
  auto before = service_->deadlines();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 2u);
  EXPECT_EQ((*before)[0].state, DeadlineState::kNeverRepaired);
  const int64_t start = clock_.now_micros();
  RepairRunView v = must_create({.keyspace = "ks", .tables = {"t1"}});
  drive(v.run.id);
  auto after = service_->deadlines();
  ASSERT_TRUE(after.ok());
  const TableDeadline& t1 = (*after)[0];
  EXPECT_EQ(t1.table, "t1");
  EXPECT_GE(t1.oldest_repaired_at_us, start);
  EXPECT_EQ(t1.deadline_us, t1.oldest_repaired_at_us + 100'000'000);
  EXPECT_EQ(t1.state, DeadlineState::kOk) << t1.message;
  EXPECT_EQ((*after)[1].state, DeadlineState::kNeverRepaired);
  // Without a known pace it stays OK until the safety margin (a fifth of gc_grace) begins.
  clock_.set_micros(t1.deadline_us - 19'000'000);
  EXPECT_EQ(service_->deadlines()->front().state, DeadlineState::kAtRisk)
      << service_->deadlines()->front().message;
  clock_.set_micros(t1.deadline_us + 1'000'000);
  EXPECT_EQ(service_->deadlines()->front().state, DeadlineState::kOverdue);
}

TEST_F(RepairServiceTest, DeadlineChangesBecomeSchedulerAlerts) {
  std::unique_ptr<AlertStore> store_alerts;
  open([&](const TableDeadline& d, DeadlineState previous) {
    repair_deadline_alert (*store_alerts)(d, previous);
  });
  store_alerts = std::make_unique<AlertStore>(*store_, clock_);  // on the reopened store
  AlertStore& alerts = *store_alerts;
  RepairRunView v = must_create({.keyspace = "ks", .tables = {"t1"}});
  drive(v.run.id);
  auto t1 = service_->deadlines()->front();
  clock_.set_micros(t1.deadline_us - 19'000'000);  // inside the safety margin
  ASSERT_OK(service_->tick());
  auto active = alerts.query({.active = true});
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].source, "scheduler");
  EXPECT_EQ((*active)[0].signal, "repair_deadline/ks.t1");
  EXPECT_EQ((*active)[0].state, monitor::State::kWarning);
  clock_.set_micros(t1.deadline_us + 1'000'000);
  ASSERT_OK(service_->tick());
  active = alerts.query({.active = true});
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].state, monitor::State::kCritical);
}

TEST_F(RepairServiceTest, BadRunsAreRefused) {
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "nope"}).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "ks", .tables = {"zz"}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "ks", .intensity = 1.5}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "ks", .nodes = {"h9"}}).status().code(),
            ErrorCode::kInvalidArgument);
}

// Monday 2026-11-23 01:00 UTC; the window below opens an hour later.
constexpr int64_t kMonday0100Us = 1'795'395'600'000'000;
const RepairWindowSpec kMondayWindow{"mon 02:00-03:00", "UTC", "finish"};

TEST_F(RepairServiceTest, OutsideTheWindowNothingStartsAndAtTheOpenItDoes) {
  clock_.set_micros(kMonday0100Us);
  RepairRunView v = must_create({.keyspace = "ks", .window = kMondayWindow});
  ASSERT_TRUE(v.run.options.window.has_value());
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());
  auto waiting = service_->run(v.run.id);
  ASSERT_TRUE(waiting.ok());
  ASSERT_FALSE(waiting->progress.postponed.empty());
  EXPECT_NE(waiting->progress.postponed[0].find("outside maintenance window"), std::string::npos)
      << waiting->progress.postponed[0];
  clock_.advance_seconds(3599);
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());
  clock_.advance_seconds(1);  // 02:00: the window opens
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.started.size(), 1u);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
}

TEST_F(RepairServiceTest, DefaultWindowFromTheConfigurationAppliesToRunsWithoutOne) {
  options_.windows = "mon 02:00-03:00";
  open();
  clock_.set_micros(kMonday0100Us);
  RepairRunView limited = must_create({.keyspace = "ks", .tables = {"t1"}});
  EXPECT_FALSE(limited.run.options.window.has_value());
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());
  // A run's own window overrides the default: empty is always open.
  RepairRunView open_run =
      must_create({.keyspace = "ks", .tables = {"t2"}, .window = RepairWindowSpec{}});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.started.size(), 1u);
  EXPECT_NE(agents_.started[0].find("-r" + std::to_string(open_run.run.id) + "-"),
            std::string::npos);
}

TEST_F(RepairServiceTest, StopPolicyCancelsSessionsAtTheCloseWithoutCountingAnAttempt) {
  options_.segment_timeout = std::chrono::hours(2);  // longer than the window
  open();
  clock_.set_micros(kMonday0100Us + 3600'000'000);  // 02:00, open
  RepairRunView v =
      must_create({.keyspace = "ks", .window = RepairWindowSpec{"mon 02:00-03:00", "UTC", "stop"}});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.running().size(), 1u);
  const std::string session = agents_.running()[0];
  clock_.advance_seconds(1800);
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.cancelled.empty());  // still inside the window
  clock_.advance_seconds(1800);            // 03:00: closed
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.cancelled, std::vector<std::string>{session});
  EXPECT_TRUE(agents_.running().empty());
  auto pending = service_->segments(v.run.id, SegmentState::kPending);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  for (const RepairSegment& g : *pending) EXPECT_EQ(g.attempts, 0) << g.last_error;
  // A week later the window opens again and the run goes on.
  clock_.set_micros(kMonday0100Us + 3600'000'000 + 7 * 86400'000'000LL);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
}

TEST_F(RepairServiceTest, FinishPolicyLetsRunningSessionsEndAfterTheClose) {
  options_.segment_timeout = std::chrono::hours(2);  // longer than the window
  open();
  clock_.set_micros(kMonday0100Us + 3600'000'000);
  RepairRunView v = must_create({.keyspace = "ks", .window = kMondayWindow});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.running().size(), 1u);
  clock_.advance_seconds(3600);  // closed
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.cancelled.empty());
  agents_.finish_all();
  ASSERT_OK(service_->tick());
  EXPECT_EQ(service_->run(v.run.id)->progress.segments.done, 1);
  EXPECT_EQ(agents_.started.size(), 1u);  // nothing new outside the window
}

TEST_F(RepairServiceTest, WindowsOfRunsAndSchedulesSurviveARestart) {
  clock_.set_micros(kMonday0100Us);
  RepairScheduleSpec spec{.keyspace = "ks", .interval_seconds = 3600};
  spec.run_options.window = RepairWindowSpec{"sat,sun 00:00-24:00", "+05:30", "stop"};
  auto sc = service_->add_schedule("ops", spec);
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  ASSERT_OK(service_->tick());  // starts the schedule's run
  open();
  auto schedules = service_->schedules();
  ASSERT_TRUE(schedules.ok());
  ASSERT_EQ(schedules->size(), 1u);
  ASSERT_TRUE(schedules->front().spec.run_options.window.has_value());
  EXPECT_EQ(schedules->front().spec.run_options.window->windows, "sat,sun 00:00-24:00");
  EXPECT_EQ(schedules->front().spec.run_options.window->time_zone, "+05:30");
  auto runs = service_->list_runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  ASSERT_TRUE(runs->front().run.options.window.has_value());
  EXPECT_EQ(runs->front().run.options.window->on_close, "stop");
  EXPECT_TRUE(agents_.started.empty());  // Monday: outside the weekend window
}

TEST_F(RepairServiceTest, BadWindowsAreRefusedAndNothingIsStored) {
  for (const RepairWindowSpec& w : {RepairWindowSpec{"mnd 02:00-03:00", "UTC", "finish"},
                                    RepairWindowSpec{"mon 25:00-26:00", "UTC", "finish"},
                                    RepairWindowSpec{"mon 02:00-03:00", "Nowhere/City", "finish"},
                                    RepairWindowSpec{"mon 02:00-03:00", "UTC", "later"}}) {
    auto r = service_->create_run("ops", {.keyspace = "ks", .window = w});
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << w.windows << " " << w.time_zone;
    EXPECT_NE(r.status().message().find("window"), std::string::npos) << r.status().to_string();
    RepairScheduleSpec spec{.keyspace = "ks"};
    spec.run_options.window = w;
    EXPECT_EQ(service_->add_schedule("ops", spec).status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(service_->list_runs()->empty());
  EXPECT_TRUE(service_->schedules()->empty());
  auto config = load_config_string("windows: mnd 02:00-03:00\n", repair_options_schema());
  EXPECT_EQ(config.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("mnd"), std::string::npos)
      << config.status().to_string();
  EXPECT_TRUE(load_config_string("windows: mon-fri 22:00-06:00\nwindow_time_zone: \"+01:00\"\n",
                                 repair_options_schema())
                  .ok());
}

}  // namespace
}  // namespace rk::scheduler
