// Consistency-level arithmetic: block_for per level and strategy, which replicas count, and when
// a request is satisfied or can no longer be.
#include "data/consistency_level.h"

#include <gtest/gtest.h>

namespace rk::agent {
namespace {

std::vector<ReplicaTarget> replicas(std::vector<std::string> dcs) {
  std::vector<ReplicaTarget> out;
  for (size_t i = 0; i < dcs.size(); ++i) {
    out.push_back({"h" + std::to_string(i), dcs[i], "127.0.0.1:700" + std::to_string(i)});
  }
  return out;
}

TEST(ConsistencyLevel, ParsesTheFourLevelsOnly) {
  EXPECT_EQ(*parse_consistency("LOCAL_QUORUM"), ConsistencyLevel::kLocalQuorum);
  EXPECT_EQ(parse_consistency("quorum").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_consistency("TWO").status().code(), ErrorCode::kInvalidArgument);
}

TEST(ConsistencyLevel, BlockForFollowsCassandra) {
  const Replication rf3 = Replication::simple(3);
  EXPECT_EQ(block_for(ConsistencyLevel::kOne, rf3, "dc1"), 1);
  EXPECT_EQ(block_for(ConsistencyLevel::kQuorum, rf3, "dc1"), 2);
  EXPECT_EQ(block_for(ConsistencyLevel::kAll, rf3, "dc1"), 3);
  EXPECT_EQ(block_for(ConsistencyLevel::kQuorum, Replication::simple(4), "dc1"), 3);
  EXPECT_EQ(block_for(ConsistencyLevel::kQuorum, Replication::simple(1), "dc1"), 1);
  const Replication nts = Replication::network_topology({{"dc1", 3}, {"dc2", 2}});
  EXPECT_EQ(block_for(ConsistencyLevel::kQuorum, nts, "dc1"), 3);  // 5 / 2 + 1
  EXPECT_EQ(block_for(ConsistencyLevel::kLocalQuorum, nts, "dc1"), 2);
  EXPECT_EQ(block_for(ConsistencyLevel::kLocalQuorum, nts, "dc2"), 2);
  EXPECT_EQ(block_for(ConsistencyLevel::kAll, nts, "dc1"), 5);
}

TEST(AckTracker, QuorumIsMetByTwoOfThree) {
  AckTracker t(ConsistencyLevel::kQuorum, Replication::simple(3), "dc1",
               replicas({"dc1", "dc1", "dc1"}));
  EXPECT_FALSE(t.satisfied());
  t.record_success(0);
  t.record_failure(1, Status::Unavailable("refused"));
  EXPECT_FALSE(t.satisfied());
  EXPECT_FALSE(t.impossible());
  t.record_success(2);
  EXPECT_TRUE(t.satisfied());
}

TEST(AckTracker, AllFailsAsSoonAsOneReplicaIsDownAndNamesIt) {
  AckTracker t(ConsistencyLevel::kAll, Replication::simple(3), "dc1",
               replicas({"dc1", "dc1", "dc1"}));
  t.record_success(0);
  t.record_failure(1, Status::Unavailable("refused"));
  EXPECT_TRUE(t.impossible());
  const std::string msg = t.unavailable_message("token 7");
  EXPECT_EQ(msg,
            "ALL needs 3 of 3 replicas for token 7; 1 answered "
            "(down: 127.0.0.1:7001, 127.0.0.1:7002); 127.0.0.1:7001: refused");
}

TEST(AckTracker, FewerReplicasThanTheFactorCannotMeetQuorum) {
  AckTracker t(ConsistencyLevel::kQuorum, Replication::simple(3), "dc1", replicas({"dc1"}));
  EXPECT_TRUE(t.impossible());
  EXPECT_EQ(t.unavailable_message("token 1"),
            "QUORUM needs 2 of 1 replicas for token 1; 0 answered (down: 127.0.0.1:7000)");
}

TEST(AckTracker, LocalQuorumCountsOnlyTheLocalDatacenter) {
  const Replication nts = Replication::network_topology({{"dc1", 2}, {"dc2", 2}});
  AckTracker t(ConsistencyLevel::kLocalQuorum, nts, "dc1", replicas({"dc1", "dc2", "dc1", "dc2"}));
  EXPECT_EQ(t.required(), 2);
  t.record_success(1);
  t.record_success(3);
  EXPECT_FALSE(t.satisfied());  // remote answers do not count
  t.record_success(0);
  t.record_failure(2, Status::Timeout("slow"));
  EXPECT_TRUE(t.impossible());
}

TEST(AckTracker, PendingReplicasAreWrittenButNotCounted) {
  auto targets = replicas({"dc1", "dc1", "dc1"});
  targets[0].pending = true;
  AckTracker t(ConsistencyLevel::kAll, Replication::simple(3), "dc1", targets);
  EXPECT_TRUE(t.impossible());  // only two replicas can count toward ALL of 3
  AckTracker q(ConsistencyLevel::kQuorum, Replication::simple(3), "dc1", targets);
  q.record_success(0);
  EXPECT_EQ(q.successes(), 0);
  q.record_success(1);
  q.record_success(2);
  EXPECT_TRUE(q.satisfied());
}

TEST(AckTracker, ReportsTheClientsMistakeRatherThanUnavailable) {
  AckTracker t(ConsistencyLevel::kOne, Replication::simple(2), "dc1", replicas({"dc1", "dc1"}));
  t.record_failure(0, Status::InvalidArgument("clustering key too long"));
  t.record_failure(1, Status::Unavailable("refused"));
  ASSERT_TRUE(t.impossible());
  ASSERT_NE(t.client_error(), nullptr);
  EXPECT_EQ(t.client_error()->code(), ErrorCode::kInvalidArgument);
}

TEST(AckTracker, AReplicaWithoutTheTableLagsOnSchemaAndCountsAsFailed) {
  AckTracker t(ConsistencyLevel::kAll, Replication::simple(2), "dc1", replicas({"dc1", "dc1"}));
  t.record_success(0);
  t.record_failure(1, Status::NotFound("table 'ks.t' does not exist"));
  ASSERT_TRUE(t.impossible());
  EXPECT_EQ(t.client_error(), nullptr);
  EXPECT_NE(t.unavailable_message("token 1").find("down: 127.0.0.1:7001"), std::string::npos);
}

}  // namespace
}  // namespace rk::agent
