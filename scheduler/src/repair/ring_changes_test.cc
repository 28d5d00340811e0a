// The driver when the ring moves under a run, against fake agents and a ManualClock: segments of a
// replaced node are planned again onto its replacement, a session in flight is stopped and its
// outcome not recorded, a join splits segments, and a DOWN replica (same replica set) only waits.
#include <gtest/gtest.h>

#include "repair/planning.h"
#include "repair/service_test_fixture.h"
#include "repair/store.h"

namespace rk::scheduler {
namespace {

class RingChangeTest : public RepairSchedulerFixture {
 protected:
  // h3 is replaced by h4, which takes its tokens (the registry's replacement).
  void replace_h3() {
    NodeView h4 = cluster_.nodes[2];
    h4.info.host_id = "h4";
    h4.info.replaces_host_id = "h3";
    cluster_.nodes[2].info.state = NodeState::kReplaced;
    cluster_.nodes[2].info.tokens.clear();
    cluster_.nodes.push_back(h4);
  }
  std::vector<RepairSegment> segments(int64_t run, std::optional<SegmentState> state = {}) {
    auto s = service_->segments(run, state);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? *s : std::vector<RepairSegment>{};
  }
  static bool has(const std::vector<std::string>& hosts, const std::string& h) {
    return std::find(hosts.begin(), hosts.end(), h) != hosts.end();
  }
  // Every DONE segment of the run has the replicas the current ring gives its range.
  void expect_done_on_current_ring(int64_t run) {
    auto placement = ring_placement(cluster_.nodes, Replication::simple(3));
    ASSERT_TRUE(placement.ok()) << placement.status().to_string();
    for (const RepairSegment& g : segments(run, SegmentState::kDone)) {
      auto replan = replan_segment({.keyspace = "ks"}, g, *placement, cluster_.nodes);
      ASSERT_TRUE(replan.ok());
      EXPECT_FALSE(replan->has_value())
          << "segment " << g.id << " " << g.range << " DONE on " << (*replan)->reason;
    }
  }
};

TEST_F(RingChangeTest, PendingSegmentsOfAReplacedNodeArePlannedAgainOntoItsReplacement) {
  auto v = service_->create_run("ops", {.keyspace = "ks"}, /*start=*/false);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  replace_h3();
  ASSERT_OK(service_->resume("ops", v->run.id).status());
  ASSERT_OK(service_->tick());
  const auto aborted = segments(v->run.id, SegmentState::kAborted);
  ASSERT_EQ(aborted.size(), 3u);
  EXPECT_EQ(aborted[0].last_error, "ring changed: host h3 replaced by h4; re-planned as segment 4");
  drive(v->run.id);
  auto done = service_->run(v->run.id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->run.state, RunState::kDone);
  EXPECT_EQ(done->progress.segments.done, 3);
  EXPECT_EQ(done->progress.segments.aborted, 3);
  EXPECT_DOUBLE_EQ(done->progress.fraction, 1.0);
  for (const auto& [id, s] : agents_.sessions) {
    EXPECT_FALSE(has(s.request.replicas, "h3")) << id;
    EXPECT_TRUE(has(s.request.replicas, "h4")) << id;
  }
  expect_done_on_current_ring(v->run.id);
}

TEST_F(RingChangeTest, ASessionInFlightIsStoppedAndItsSuccessOnTheOldReplicasIsNotRecorded) {
  RepairRunView v = must_create({.keyspace = "ks", .tables = {"t1"}});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.running().size(), 1u);
  const std::string first = agents_.running().front();
  agents_.slow_cancel = true;
  replace_h3();
  ASSERT_OK(service_->tick());
  // The coordinator is given time to see the change and stop the session itself.
  EXPECT_TRUE(agents_.cancelled.empty());
  clock_.advance_seconds(11);
  ASSERT_OK(service_->tick());
  // Then asked to stop; until the agent says it ended, the segment holds its replicas.
  EXPECT_EQ(agents_.cancelled, std::vector<std::string>{first});
  EXPECT_EQ(segments(v.run.id, SegmentState::kRunning).size(), 1u);
  EXPECT_EQ(agents_.running(), std::vector<std::string>{first}) << "nothing else started";
  // It got to the end before it stopped: still not counted, the segment is planned again.
  agents_.finish_all(SessionState::kSucceeded);
  clock_.advance_seconds(1);
  ASSERT_OK(service_->tick());
  const auto aborted = segments(v.run.id, SegmentState::kAborted);
  ASSERT_EQ(aborted.size(), 3u);
  const auto was_running =
      std::find_if(aborted.begin(), aborted.end(),
                   [&](const RepairSegment& g) { return g.session_id == first; });
  ASSERT_NE(was_running, aborted.end());
  EXPECT_NE(was_running->last_error.find("session " + first +
                                         " succeeded on the old replicas; not counted"),
            std::string::npos)
      << was_running->last_error;
  RepairStore store(*store_);
  EXPECT_TRUE(store.history("ks", "t1")->empty()) << "a success on the old replicas was recorded";
  agents_.slow_cancel = false;
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  expect_done_on_current_ring(v.run.id);
  EXPECT_EQ(store.history("ks", "t1")->size(), 3u);
}

TEST_F(RingChangeTest, ASessionItsCoordinatorAbortedIsPlannedAgainWithoutACancel) {
  RepairRunView v = must_create({.keyspace = "ks"});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.running().size(), 1u);
  replace_h3();
  agents_.finish_all(SessionState::kAborted);
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.cancelled.empty());
  EXPECT_EQ(segments(v.run.id, SegmentState::kAborted).size(), 3u);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  expect_done_on_current_ring(v.run.id);
}

TEST_F(RingChangeTest, AJoinSplitsSegmentsOverTheNewReplicaSets) {
  RepairRunView v = must_create({.keyspace = "ks"});
  NodeView h4 = cluster_.nodes[0];
  h4.info.host_id = "h4";
  h4.info.rack = "r4";
  h4.info.tokens = {0};
  cluster_.nodes.push_back(h4);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  // RF 3 of 4 nodes: every range moved; the one h4's token cut is now two.
  EXPECT_EQ(segments(v.run.id, SegmentState::kDone).size(), 4u);
  expect_done_on_current_ring(v.run.id);
}

TEST_F(RingChangeTest, AReplicaDownKeepsItsReplicaSetAndOnlyWaits) {
  RepairRunView v = must_create({.keyspace = "ks"});
  cluster_.nodes[2].info.state = NodeState::kDown;
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(segments(v.run.id, SegmentState::kAborted).empty());
  EXPECT_TRUE(agents_.running().empty());
  cluster_.nodes[2].info.state = NodeState::kNormal;
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
  EXPECT_EQ(segments(v.run.id, SegmentState::kDone).size(), 3u);
}

}  // namespace
}  // namespace rk::scheduler
