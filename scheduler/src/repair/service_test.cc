// The repair driver's runs against fake agents and a ManualClock: runs move through their states,
// no node is ever in two sessions, failures are retried with backoff, load and DOWN replicas
// postpone segments, a restarted scheduler reconciles from the same database file, and bad runs
// are refused.
#include <gtest/gtest.h>

#include "repair/service_test_fixture.h"
#include "ringkeeper/core/testing/eventually.h"

namespace rk::scheduler {
namespace {

class RepairSchedulerTest : public RepairSchedulerFixture {};

TEST_F(RepairSchedulerTest, SequentialRunRepairsEverySegmentOneAtATime) {
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

// The driver's own thread with an hour between ticks: only the agents' word that a session ended
// can move the run along, one segment after another.
TEST_F(RepairSchedulerTest, ASessionEndedNotificationDrivesTheNextSegmentAtOnce) {
  options_.tick_interval = std::chrono::hours(1);
  open();
  service_->start();
  RepairRunView v = must_create({.keyspace = "ks"});  // wakes the driver: the first one starts
  for (int segment = 0; segment < 3; ++segment) {
    ASSERT_TRUE(testing::eventually([&] { return agents_.running().size() == 1; }))
        << "segment " << segment << " did not start";
    const std::string id = agents_.running().front();
    agents_.finish_all();
    service_->session_ended(id);
  }
  EXPECT_TRUE(testing::eventually([&] { return state_of(v.run.id) == RunState::kDone; }));
  service_->stop();
}

TEST_F(RepairSchedulerTest, AutomaticConcurrencyRunsAsManySessionsAsTheRingAllows) {
  set_nodes(9);  // RF 3: three disjoint replica sets at a time
  RepairRunView v = must_create(
      {.keyspace = "ks", .parallelism = RepairParallelism::kParallel, .max_sessions = 0});
  EXPECT_EQ(v.run.options.max_sessions, 3);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.running().size(), 3u);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  // A DOWN node leaves two sets' worth; sequential stays one; more than 1000 or less than 0 is
  // refused.
  cluster_.nodes[8].info.state = NodeState::kDown;
  EXPECT_EQ(must_create({.keyspace = "ks", .parallelism = RepairParallelism::kParallel,
                         .max_sessions = 0})
                .run.options.max_sessions,
            2);
  EXPECT_EQ(must_create({.keyspace = "ks", .max_sessions = 0}).run.options.max_sessions, 1);
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "ks", .max_sessions = -1}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(RepairSchedulerTest, ParallelRunNeverPutsANodeInTwoSessions) {
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

TEST_F(RepairSchedulerTest, FailedSessionsAreRetriedWithBackoffThenTheRunErrs) {
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
TEST_F(RepairSchedulerTest, TimedOutSessionHoldsItsReplicasUntilTheAgentSaysItEnded) {
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
  ASSERT_OK(service_->tick());                   // sees it cancelled: one attempt counted
  auto segs = service_->segments(v.run.id, SegmentState::kPending);
  ASSERT_TRUE(segs.ok());
  ASSERT_FALSE(segs->empty());
  EXPECT_EQ(segs->front().attempts, 1);
  agents_.slow_cancel = false;
  drive(v.run.id);  // the fake fails the test if a node is ever in two sessions
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
}

TEST_F(RepairSchedulerTest, PauseLetsSessionsFinishAndStartsNothingUntilResumed) {
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

TEST_F(RepairSchedulerTest, AbortCancelsRunningSessions) {
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

TEST_F(RepairSchedulerTest, PatchChangesParallelismOfARunningRun) {
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

TEST_F(RepairSchedulerTest, IntensityRestsNodesBetweenSegments) {
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

TEST_F(RepairSchedulerTest, DownReplicaPostponesItsSegmentsWithoutAttempts) {
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

TEST_F(RepairSchedulerTest, LoadedReplicaPostponesSegments) {
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

TEST_F(RepairSchedulerTest, RestartKeepsPollingSessionsThatAreStillRunning) {
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

TEST_F(RepairSchedulerTest, RestartRetriesSessionsTheAgentLost) {
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

TEST_F(RepairSchedulerTest, BadRunsAreRefused) {
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "nope"}).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "ks", .tables = {"zz"}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "ks", .intensity = 1.5}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->create_run("ops", {.keyspace = "ks", .nodes = {"h9"}}).status().code(),
            ErrorCode::kInvalidArgument);
  // Incremental repairs always mark what they repaired; asking for it is a full repair's option.
  EXPECT_EQ(
      service_
          ->create_run("ops",
                       {.keyspace = "ks", .kind = RepairKind::kIncremental, .mark_repaired = true})
          .status()
          .code(),
      ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::scheduler
