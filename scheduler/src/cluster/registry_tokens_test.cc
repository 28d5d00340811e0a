// Registration with requested tokens (RegisterRequest::tokens): how nodes restored from a backup
// come back, in any order, onto a scheduler with a fresh database (docs/backup.md, "Runbook:
// restore the whole cluster").
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "cluster/registry_test_fixture.h"
#include "ringkeeper/scheduler/registry.h"

namespace rk::scheduler {
namespace {

class RequestedTokensTest : public RegistryTest {
 protected:
  // The nodes of an old cluster: `count` nodes over racks r1..r3 registered on a database of
  // their own, in registration order.
  std::vector<NodeInfo> old_cluster(int count, uint32_t nodes_per_rack = 1,
                                    uint32_t num_tokens = 1) {
    auto store = Store::open({.path = dir_.file("old.db")}, clock_);
    EXPECT_TRUE(store.ok());
    Registry old(**store, clock_);
    std::vector<NodeInfo> out;
    for (int n = 0; n < count; ++n) {
      RegisterRequest r = request(n, "r" + std::to_string(n % 3 + 1), nodes_per_rack);
      r.num_tokens = num_tokens;
      auto reg = old.register_node(r);
      EXPECT_TRUE(reg.ok()) << reg.status().to_string();
      if (reg.ok()) out.push_back(reg->node);
    }
    // Slots as they ended (the ring may have doubled after some registered).
    for (NodeInfo& n : out) n = *old.node(n.host_id);
    return out;
  }

  // The request of old node `n` coming back with its tokens (ports moved: new machines).
  static RegisterRequest restored(const NodeInfo& n, uint32_t nodes_per_rack = 1) {
    RegisterRequest r = request(std::stoi(n.host_id.substr(5)) + 50, n.rack, nodes_per_rack);
    r.host_id = n.host_id;
    r.num_tokens = static_cast<uint32_t>(n.tokens.size());
    r.tokens = n.tokens;
    return r;
  }
};

TEST_F(RequestedTokensTest, RestoredNodesGetTheirTokensInReverseOrder) {
  const auto old = old_cluster(3, 1, 4);
  for (auto it = old.rbegin(); it != old.rend(); ++it) {
    const NodeInfo n = must_register(restored(*it));
    EXPECT_EQ(n.tokens, it->tokens) << it->host_id;
    EXPECT_EQ(n.slot, it->slot) << it->host_id;
    EXPECT_EQ(n.rack, it->rack);
  }
  auto dcs = registry_->datacenters("ringkeeper");
  ASSERT_TRUE(dcs.ok() && dcs->size() == 1);
  EXPECT_EQ((*dcs)[0].layout.slot_count, 3u);
  EXPECT_EQ((*dcs)[0].layout.racks, (std::vector<std::string>{"r1", "r2", "r3"}));
}

TEST_F(RequestedTokensTest, TokensMayComeInAnyOrderAndAreKeptInSlotOrder) {
  const auto old = old_cluster(3, 1, 8);
  RegisterRequest r = restored(old[1]);
  std::reverse(r.tokens.begin(), r.tokens.end());
  EXPECT_EQ(must_register(r).tokens, old[1].tokens);
}

TEST_F(RequestedTokensTest, AGrownRingComesBackWhateverTheOrder) {
  // Planned for 3, grown to 6: the nodes registered after the growth hold odd slots of a ring of
  // 6 that the fresh scheduler (planned for 3) doubles into when the first of them returns.
  const auto old = old_cluster(6);
  for (size_t i : {4u, 1u, 5u, 0u, 3u, 2u}) {
    const NodeInfo n = must_register(restored(old[i]));
    EXPECT_EQ(n.tokens, old[i].tokens) << old[i].host_id;
  }
  for (const NodeInfo& o : old) EXPECT_EQ(registry_->node(o.host_id)->slot, o.slot) << o.host_id;
  auto dcs = registry_->datacenters("ringkeeper");
  ASSERT_TRUE(dcs.ok() && dcs->size() == 1);
  EXPECT_EQ((*dcs)[0].layout.slot_count, 6u);
}

TEST_F(RequestedTokensTest, NodesWithoutTokensTakeTheSlotsLeftFree) {
  const auto old = old_cluster(3);
  must_register(restored(old[2]));
  const NodeInfo fresh = must_register(request(9, "r1"));
  EXPECT_EQ(fresh.tokens, old[0].tokens);  // slot 0 was free
  must_register(restored(old[1]));
  auto ring = registry_->ring("ringkeeper");
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->nodes().size(), 3u);
}

TEST_F(RequestedTokensTest, ASlotHeldByAnotherHostIsAConflictNamingIt) {
  const auto old = old_cluster(3);
  must_register(request(9, "r1"));  // a new node took slot 0 first
  auto reg = registry_->register_node(restored(old[0]));
  ASSERT_EQ(reg.status().code(), ErrorCode::kAlreadyExists) << reg.status().to_string();
  EXPECT_NE(reg.status().message().find("host-9"), std::string::npos) << reg.status().message();
  EXPECT_NE(reg.status().message().find("slot 0"), std::string::npos) << reg.status().message();
  // A DOWN holder is still a holder; the message says how to take its place.
  clock_.advance_seconds(60);
  ASSERT_EQ(registry_->sweep()->size(), 1u);
  reg = registry_->register_node(restored(old[0]));
  ASSERT_EQ(reg.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(reg.status().message().find("replace"), std::string::npos) << reg.status().message();
  EXPECT_FALSE(registry_->node(old[0].host_id).ok());  // nothing was written
}

TEST_F(RequestedTokensTest, TokensOfNoSlotAreRefusedWithTheLayout) {
  const auto old = old_cluster(3);  // 3 racks x 1: a ring of 3 slots
  // A scheduler planned for 4 racks has no slot at 1/3 of the ring, however often it doubles.
  // (Planned for 3 racks x 2 it would have: slot 2 of 6 is slot 1 of 3.)
  RegisterRequest r = restored(old[1]);
  r.datacenter_racks = {"r1", "r2", "r3", "r4"};
  auto reg = registry_->register_node(r);
  ASSERT_EQ(reg.status().code(), ErrorCode::kInvalidArgument) << reg.status().to_string();
  EXPECT_NE(reg.status().message().find("nodes_per_rack"), std::string::npos);
  EXPECT_NE(reg.status().message().find("4 slots"), std::string::npos) << reg.status().message();
  // Another datacenter name means other tokens (Priam's per-datacenter offset).
  r = restored(old[0]);
  r.datacenter = "dc2";
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  // A token count other than num_tokens.
  r = restored(old[0]);
  r.num_tokens = 2;
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  auto nodes = registry_->nodes();
  ASSERT_TRUE(nodes.ok());
  EXPECT_TRUE(nodes->empty());
}

TEST_F(RequestedTokensTest, AKnownHostMayAskOnlyForItsOwnTokens) {
  const auto old = old_cluster(3);
  must_register(restored(old[0]));
  auto again = registry_->register_node(restored(old[0]));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_TRUE(again->existing);
  EXPECT_EQ(again->node.tokens, old[0].tokens);
  RegisterRequest other = restored(old[0]);
  other.tokens = old[1].tokens;
  auto refused = registry_->register_node(other);
  EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("registered with tokens"), std::string::npos);
}

TEST_F(RequestedTokensTest, AReplacementMayAskOnlyForTheReplacedNodesTokens) {
  const auto old = old_cluster(3);
  for (const NodeInfo& n : old) must_register(restored(n));
  clock_.advance_seconds(60);
  ASSERT_EQ(registry_->sweep()->size(), 3u);
  RegisterRequest r = request(20, old[1].rack);
  r.replace_host_id = old[1].host_id;
  r.tokens = old[2].tokens;
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kFailedPrecondition);
  r.tokens = old[1].tokens;
  auto reg = registry_->register_node(r);
  ASSERT_TRUE(reg.ok()) << reg.status().to_string();
  EXPECT_EQ(reg->node.tokens, old[1].tokens);
}

// Two scheduler connections (as two scheduler processes would have) register two different hosts
// for the same slot at the same moment: exactly one gets it, the other a conflict naming it.
TEST_F(RequestedTokensTest, TwoHostsRacingForOneSlotGetItOnce) {
  const auto old = old_cluster(3, 1, 16);
  auto second_store =
      Store::open({.path = dir_.file("registry.db"), .synchronous = "NORMAL"}, clock_);
  ASSERT_TRUE(second_store.ok());
  Registry second(**second_store, clock_);
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    RegisterRequest a = restored(old[round % 3]), b = a;
    a.host_id = "a-" + std::to_string(round);
    b.host_id = "b-" + std::to_string(round);
    Result<Registration> ra = Status::Internal("not run"), rb = ra;
    std::thread ta([&] { ra = registry_->register_node(a); });
    std::thread tb([&] { rb = second.register_node(b); });
    ta.join();
    tb.join();
    ASSERT_NE(ra.ok(), rb.ok()) << ra.status().to_string() << " / " << rb.status().to_string();
    const Result<Registration>& lost = ra.ok() ? rb : ra;
    const std::string& winner = ra.ok() ? a.host_id : b.host_id;
    EXPECT_EQ(lost.status().code(), ErrorCode::kAlreadyExists) << lost.status().to_string();
    EXPECT_NE(lost.status().message().find(winner), std::string::npos) << lost.status().message();
    // Free the slot for the next round.
    ASSERT_TRUE(registry_->set_state(winner, NodeState::kLeaving).ok());
    ASSERT_TRUE(registry_->remove_node(winner).ok());
  }
}

// The same race between two processes on one database file: SQLite's write lock (BEGIN
// IMMEDIATE) lets one of them take the slot; the other exits with the conflict.
TEST_F(RequestedTokensTest, TwoProcessesRacingForOneSlotGetItOnce) {
  const auto old = old_cluster(3, 1, 4);
  const std::string path = dir_.file("shared.db");
  {
    ManualClock clock;  // create the schema first so both children only register
    ASSERT_TRUE(Store::open({.path = path}, clock).ok());
  }
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);  // both children start registering when it closes
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(pipe_fds[1]);
      ManualClock clock;
      auto store = Store::open({.path = path, .synchronous = "NORMAL"}, clock);
      if (!store.ok()) _exit(2);
      Registry registry(**store, clock);
      RegisterRequest r = restored(old[0]);
      r.host_id = "racer-" + std::to_string(p);
      char c;
      (void)!::read(pipe_fds[0], &c, 1);
      auto reg = registry.register_node(r);
      if (reg.ok()) _exit(0);
      _exit(reg.status().code() == ErrorCode::kAlreadyExists ? 10 : 3);
    }
    children.push_back(child);
  }
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  std::vector<int> codes;
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "child status " << status;
    codes.push_back(WEXITSTATUS(status));
  }
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes, (std::vector<int>{0, 10}));
  auto store = Store::open({.path = path}, clock_);
  ASSERT_TRUE(store.ok());
  Registry reopened(**store, clock_);
  auto nodes = reopened.nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ(nodes->front().tokens, old[0].tokens);
}

}  // namespace
}  // namespace rk::scheduler
