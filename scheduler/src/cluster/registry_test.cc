// The cluster registry: token placement across racks, datacenters and vnodes, ring growth,
// JOINING/NORMAL/DOWN transitions, re-registration, replacement of a DOWN node, load from
// heartbeats (kept in memory, written to the row only now and then), and removal freeing a slot.
#include "ringkeeper/scheduler/registry.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "cluster/registry_test_fixture.h"
#include "db/sqlite.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

// The node's row as stored: {last_heartbeat_us, load_bytes}.
std::pair<int64_t, int64_t> stored_row(Store& store, const std::string& host_id) {
  std::pair<int64_t, int64_t> out{-1, -1};
  Status s = store.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(
        Statement stmt,
        db.prepare("SELECT last_heartbeat_us, load_bytes FROM nodes WHERE host_id = ?"));
    stmt.bind(1, host_id);
    return stmt.each_row([&] { out = {stmt.column_int64(0), stmt.column_int64(1)}; });
  });
  EXPECT_TRUE(s.ok()) << s.to_string();
  return out;
}

// Ring neighbours (by token) are in different racks, and every node owns 1/n within 1%.
void expect_balanced_interleaved(Registry& registry, size_t count) {
  auto ring = registry.ring("ringkeeper");
  ASSERT_TRUE(ring.ok()) << ring.status().to_string();
  ASSERT_EQ(ring->nodes().size(), count);
  for (size_t i = 0; i < ring->token_count(); ++i) {
    const size_t next = (i + 1) % ring->token_count();
    EXPECT_NE(ring->nodes()[ring->owner_at(i)].rack, ring->nodes()[ring->owner_at(next)].rack);
  }
  auto status = registry.status("ringkeeper");
  ASSERT_TRUE(status.ok());
  for (const NodeStatus& s : *status) {
    if (s.node.state == NodeState::kReplaced) {
      EXPECT_EQ(s.owns, 0.0);
    } else {
      EXPECT_NEAR(s.owns, 1.0 / count, 0.01) << s.node.host_id;
    }
  }
}

TEST_F(RegistryTest, ThreeNodesInThreeRacksAreEvenlySpacedAndInterleaved) {
  for (int n = 0; n < 3; ++n) must_register(request(n, "r" + std::to_string(n + 1)));
  expect_balanced_interleaved(*registry_, 3);
}

TEST_F(RegistryTest, SixNodesInThreeRacksAreEvenlySpacedAndInterleaved) {
  const char* racks[] = {"r1", "r1", "r2", "r3", "r2", "r3"};
  for (int n = 0; n < 6; ++n) must_register(request(n, racks[n], 2));
  expect_balanced_interleaved(*registry_, 6);
}

TEST_F(RegistryTest, GrowingPastThePlanDoublesTheRingWithoutMovingTokens) {
  for (int n = 0; n < 3; ++n) must_register(request(n, "r" + std::to_string(n + 1)));
  auto before = registry_->nodes();
  ASSERT_TRUE(before.ok());
  for (int n = 3; n < 6; ++n) must_register(request(n, "r" + std::to_string(n - 2)));
  for (const NodeInfo& old : *before) {
    auto now = registry_->node(old.host_id);
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(now->tokens, old.tokens);
  }
  auto dcs = registry_->datacenters("ringkeeper");
  ASSERT_TRUE(dcs.ok() && dcs->size() == 1);
  EXPECT_EQ((*dcs)[0].layout.slot_count, 6u);
  expect_balanced_interleaved(*registry_, 6);
}

TEST_F(RegistryTest, VnodesGiveEveryNodeItsTokensSpreadAround) {
  for (int n = 0; n < 3; ++n) {
    RegisterRequest r = request(n, "r" + std::to_string(n + 1));
    r.num_tokens = 16;
    EXPECT_EQ(must_register(r).tokens.size(), 16u);
  }
  expect_balanced_interleaved(*registry_, 3);
  RegisterRequest other = request(9, "r1");
  other.num_tokens = 4;
  EXPECT_EQ(registry_->register_node(other).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(RegistryTest, TwoDatacentersNeverShareTokens) {
  std::set<Token> tokens;
  for (int n = 0; n < 6; ++n) {
    RegisterRequest r = request(n, "r" + std::to_string(n % 3 + 1));
    r.datacenter = n < 3 ? "dc1" : "dc2";
    for (Token t : must_register(r).tokens) EXPECT_TRUE(tokens.insert(t).second) << t;
  }
  auto dcs = registry_->datacenters("ringkeeper");
  ASSERT_TRUE(dcs.ok());
  EXPECT_EQ(dcs->size(), 2u);
}

TEST_F(RegistryTest, NewNodesStartJoiningAndTurnNormalWhenReady) {
  NodeInfo n = must_register(request(0, "r1"));
  EXPECT_EQ(n.state, NodeState::kJoining);
  EXPECT_EQ(n.registered_at_us, clock_.now_micros());
  auto normal = registry_->set_state(n.host_id, NodeState::kNormal);
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ(normal->state, NodeState::kNormal);
  EXPECT_EQ(registry_->set_state(n.host_id, NodeState::kJoining).status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(registry_->set_state(n.host_id, NodeState::kReplaced).status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(registry_->set_state(n.host_id, NodeState::kLeaving)->state, NodeState::kLeaving);
  EXPECT_EQ(registry_->set_state("nobody", NodeState::kNormal).status().code(),
            ErrorCode::kNotFound);
}

TEST_F(RegistryTest, ReRegisteringAKnownHostKeepsItsTokens) {
  NodeInfo first = must_register(request(0, "r1"));
  must_register(request(1, "r2"));
  ASSERT_TRUE(registry_->set_state(first.host_id, NodeState::kNormal).ok());
  clock_.advance_seconds(60);
  ASSERT_TRUE(registry_->sweep().ok());  // both DOWN now
  RegisterRequest again = request(0, "r1");
  again.ops_port = 7199;  // restarted on another port
  again.agent_version = "0.2.0";
  auto reg = registry_->register_node(again);
  ASSERT_TRUE(reg.ok()) << reg.status().to_string();
  EXPECT_TRUE(reg->existing);
  EXPECT_EQ(reg->node.tokens, first.tokens);
  EXPECT_EQ(reg->node.slot, first.slot);
  EXPECT_EQ(reg->node.ops_port, 7199);
  EXPECT_EQ(reg->node.agent_version, "0.2.0");
  EXPECT_EQ(reg->node.state, NodeState::kNormal);  // it had joined before going down
  EXPECT_EQ(reg->node.last_heartbeat_us, clock_.now_micros());

  RegisterRequest moved = request(0, "r2");
  EXPECT_EQ(registry_->register_node(moved).status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(RegistryTest, SweepMarksSilentNodesDownAndHeartbeatsBringThemBack) {
  NodeInfo a = must_register(request(0, "r1"));
  NodeInfo b = must_register(request(1, "r2"));
  ASSERT_TRUE(registry_->set_state(a.host_id, NodeState::kNormal).ok());
  clock_.advance_seconds(9);
  ASSERT_TRUE(registry_->heartbeat(a.host_id).ok());
  clock_.advance_seconds(2);  // b silent for 11 s > 10 s timeout; a for 2 s
  auto down = registry_->sweep();
  ASSERT_TRUE(down.ok());
  ASSERT_EQ(down->size(), 1u);
  EXPECT_EQ((*down)[0].host_id, b.host_id);
  EXPECT_EQ(registry_->node(b.host_id)->state, NodeState::kDown);
  EXPECT_EQ(registry_->node(a.host_id)->state, NodeState::kNormal);
  EXPECT_TRUE(registry_->sweep()->empty());  // already DOWN

  clock_.advance_seconds(20);
  ASSERT_EQ(registry_->sweep()->size(), 1u);  // now a too
  EXPECT_EQ(registry_->heartbeat(a.host_id)->node.state, NodeState::kNormal);
  EXPECT_EQ(registry_->heartbeat(b.host_id)->node.state, NodeState::kJoining);  // never joined
  EXPECT_EQ(registry_->heartbeat("nobody").status().code(), ErrorCode::kNotFound);
}

// With a 10 s timeout the row is rewritten at most every 5 s (half the timeout); in between a
// heartbeat only moves the remembered time and load, which every read shows.
TEST_F(RegistryTest, AHeartbeatThatChangesNothingElseLeavesTheRowUntilItIsDue) {
  NodeInfo n = must_register(request(0, "r1"));
  const int64_t registered = clock_.now_micros();
  clock_.advance_seconds(2);
  auto beat = registry_->heartbeat(n.host_id, {.load_bytes = 4096});
  ASSERT_TRUE(beat.ok()) << beat.status().to_string();
  EXPECT_EQ(beat->node.last_heartbeat_us, clock_.now_micros());
  EXPECT_EQ(beat->node.load_bytes, 4096);
  EXPECT_EQ(registry_->node(n.host_id)->last_heartbeat_us, clock_.now_micros());
  EXPECT_EQ(registry_->nodes()->front().load_bytes, 4096);
  EXPECT_EQ(stored_row(*store_, n.host_id), std::make_pair(registered, int64_t{0}));

  clock_.advance_seconds(3);  // 5 s after the row was written
  ASSERT_TRUE(registry_->heartbeat(n.host_id).ok());
  EXPECT_EQ(stored_row(*store_, n.host_id), std::make_pair(clock_.now_micros(), int64_t{4096}));
}

// The sweep goes by the last heartbeat heard, not by the row, and a DOWN node's row gets that
// time (the start of its DOWN interval).
TEST_F(RegistryTest, TheSweepJudgesByTheLastHeartbeatHeard) {
  NodeInfo n = must_register(request(0, "r1"));
  clock_.advance_seconds(4);
  const int64_t heard = clock_.now_micros();
  ASSERT_TRUE(registry_->heartbeat(n.host_id).ok());  // remembered only
  clock_.advance_seconds(10);                         // the row is 14 s old, the heartbeat 10 s
  EXPECT_TRUE(registry_->sweep()->empty());
  clock_.advance_seconds(1);
  auto down = registry_->sweep();
  ASSERT_TRUE(down.ok());
  ASSERT_EQ(down->size(), 1u);
  EXPECT_EQ((*down)[0].last_heartbeat_us, heard);
  EXPECT_EQ(stored_row(*store_, n.host_id).first, heard);
  EXPECT_EQ(registry_->node(n.host_id)->state, NodeState::kDown);
}

// A restarted scheduler has only the rows, which may lag by up to half the timeout: a node it has
// not heard from yet goes DOWN no sooner than the timeout after its last heartbeat.
TEST_F(RegistryTest, AfterARestartARowsLagNeverMarksANodeDownEarly) {
  NodeInfo n = must_register(request(0, "r1"));
  const int64_t registered = clock_.now_micros();
  clock_.advance_seconds(4);
  ASSERT_TRUE(registry_->heartbeat(n.host_id).ok());  // remembered only, then lost
  Registry restarted(*store_, clock_,
                     RegistryOptions{.heartbeat_timeout = std::chrono::seconds(10)});
  EXPECT_EQ(restarted.node(n.host_id)->last_heartbeat_us, registered);
  clock_.advance_seconds(10);  // 14 s after the row, 10 s after the heartbeat
  EXPECT_TRUE(restarted.sweep()->empty());
  clock_.advance_seconds(2);  // past the row + 5 s of lag + the timeout
  EXPECT_EQ(restarted.sweep()->size(), 1u);
}

TEST_F(RegistryTest, AReplacementTakesTheDownNodesSlotAndTokens) {
  std::vector<NodeInfo> nodes;
  for (int n = 0; n < 3; ++n)
    nodes.push_back(must_register(request(n, "r" + std::to_string(n + 1))));
  for (const auto& n : nodes) ASSERT_TRUE(registry_->set_state(n.host_id, NodeState::kNormal).ok());
  clock_.advance_seconds(5);
  ASSERT_TRUE(registry_->heartbeat(nodes[0].host_id).ok());
  ASSERT_TRUE(registry_->heartbeat(nodes[2].host_id).ok());
  RegisterRequest replacement = request(7, "r2");
  replacement.replace_address = "127.0.0.1:7001";  // nodes[1]'s internode endpoint
  // Not DOWN yet: refused.
  EXPECT_EQ(registry_->register_node(replacement).status().code(), ErrorCode::kFailedPrecondition);
  clock_.advance_seconds(6);
  ASSERT_EQ(registry_->sweep()->size(), 1u);

  auto reg = registry_->register_node(replacement);
  ASSERT_TRUE(reg.ok()) << reg.status().to_string();
  EXPECT_FALSE(reg->existing);
  EXPECT_EQ(reg->node.tokens, nodes[1].tokens);
  EXPECT_EQ(reg->node.slot, nodes[1].slot);
  EXPECT_EQ(reg->node.state, NodeState::kJoining);
  EXPECT_EQ(reg->node.replaces_host_id, nodes[1].host_id);
  auto old = registry_->node(nodes[1].host_id);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->state, NodeState::kReplaced);
  EXPECT_EQ(old->replaced_by_host_id, replacement.host_id);
  EXPECT_TRUE(old->tokens.empty());

  // The ring has the replacement in the old node's place; ownership is unchanged.
  auto ring = registry_->ring("ringkeeper");
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->find(nodes[1].host_id), nullptr);
  ASSERT_NE(ring->find(replacement.host_id), nullptr);
  expect_balanced_interleaved(*registry_, 3);

  // The replaced host can no longer register or heartbeat; a restart of the replacement keeps
  // its tokens.
  EXPECT_EQ(registry_->register_node(request(1, "r2")).status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(registry_->heartbeat(nodes[1].host_id).status().code(), ErrorCode::kFailedPrecondition);
  auto again = registry_->register_node(replacement);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->existing);
  EXPECT_EQ(again->node.tokens, nodes[1].tokens);
}

TEST_F(RegistryTest, ReplacementErrorsAreClear) {
  for (int n = 0; n < 3; ++n) must_register(request(n, "r" + std::to_string(n + 1)));
  clock_.advance_seconds(60);
  ASSERT_EQ(registry_->sweep()->size(), 3u);
  RegisterRequest r = request(8, "r1");
  r.replace_address = "127.0.0.1";  // three nodes there
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  r.replace_address = "10.0.0.9";
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kNotFound);
  r.replace_address.clear();
  r.replace_host_id = "host-1";  // in r2
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kFailedPrecondition);
  r.replace_host_id = "host-0";
  auto ok = registry_->register_node(r);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  // A second replacement for the same node finds it REPLACED.
  RegisterRequest late = request(9, "r1");
  late.replace_host_id = "host-0";
  EXPECT_EQ(registry_->register_node(late).status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(RegistryTest, HeartbeatsCarryTheNodesLoad) {
  NodeInfo n = must_register(request(0, "r1"));
  EXPECT_EQ(n.load_bytes, 0);
  EXPECT_EQ(registry_->heartbeat(n.host_id, {.load_bytes = 4096})->node.load_bytes, 4096);
  EXPECT_EQ(registry_->heartbeat(n.host_id)->node.load_bytes, 4096);  // not reported: kept
}

TEST_F(RegistryTest, RemovedNodesFreeTheirSlotAndTokens) {
  std::vector<NodeInfo> nodes;
  for (int n = 0; n < 3; ++n)
    nodes.push_back(must_register(request(n, "r" + std::to_string(n + 1))));
  EXPECT_EQ(registry_->remove_node(nodes[1].host_id).status().code(),
            ErrorCode::kFailedPrecondition);  // JOINING
  ASSERT_TRUE(registry_->set_state(nodes[1].host_id, NodeState::kLeaving).ok());
  auto removed = registry_->remove_node(nodes[1].host_id);
  ASSERT_TRUE(removed.ok()) << removed.status().to_string();
  EXPECT_EQ(removed->host_id, nodes[1].host_id);
  EXPECT_EQ(registry_->node(nodes[1].host_id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(registry_->ring("ringkeeper")->nodes().size(), 2u);
  // The next node of that rack takes the free slot and its tokens.
  NodeInfo next = must_register(request(5, "r2"));
  EXPECT_EQ(next.slot, nodes[1].slot);
  EXPECT_EQ(next.tokens, nodes[1].tokens);
}

TEST_F(RegistryTest, RingVersionMovesWithMembershipNotWithHeartbeats) {
  NodeInfo a = must_register(request(0, "r1"));
  auto v1 = registry_->heartbeat(a.host_id);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(registry_->heartbeat(a.host_id, {.load_bytes = 10})->ring_version, v1->ring_version);
  must_register(request(1, "r2"));
  auto v2 = registry_->heartbeat(a.host_id)->ring_version;
  EXPECT_GT(v2, v1->ring_version);
  ASSERT_TRUE(registry_->set_state(a.host_id, NodeState::kNormal).ok());
  auto v3 = registry_->heartbeat(a.host_id)->ring_version;
  EXPECT_GT(v3, v2);
  ASSERT_TRUE(registry_->set_state(a.host_id, NodeState::kNormal).ok());  // no change
  EXPECT_EQ(registry_->heartbeat(a.host_id)->ring_version, v3);
  clock_.advance_seconds(60);
  ASSERT_EQ(registry_->sweep()->size(), 2u);
  auto snap = registry_->snapshot("ringkeeper");
  ASSERT_TRUE(snap.ok());
  EXPECT_GT(snap->ring_version, v3);
  EXPECT_EQ(snap->nodes.size(), 2u);
  EXPECT_EQ(registry_->snapshot("nope").status().code(), ErrorCode::kNotFound);
}

TEST_F(RegistryTest, DatacentersCanBePlannedBeforeTheirNodes) {
  const DatacenterPlan plan{
      .name = "dc1", .racks = {"r1", "r2", "r3"}, .nodes_per_rack = 2, .num_tokens = 1};
  ASSERT_TRUE(registry_->define_datacenter("ringkeeper", plan).ok());
  // Registrations that carry no plan follow the declared one.
  const char* racks[] = {"r3", "r1", "r2", "r2", "r3", "r1"};
  for (int n = 0; n < 6; ++n) {
    RegisterRequest r = request(n, racks[n]);
    r.datacenter_racks.clear();
    must_register(r);
  }
  expect_balanced_interleaved(*registry_, 6);
  // Declaring it again (a scheduler restart) is fine, even once the ring grew.
  EXPECT_TRUE(registry_->define_datacenter("ringkeeper", plan).ok());
  must_register(request(6, "r1"));
  EXPECT_TRUE(registry_->define_datacenter("ringkeeper", plan).ok());
  // A different plan for a datacenter with nodes is refused.
  DatacenterPlan other = plan;
  other.racks = {"r2", "r1", "r3"};
  EXPECT_EQ(registry_->define_datacenter("ringkeeper", other).code(),
            ErrorCode::kFailedPrecondition);
  other = plan;
  other.num_tokens = 8;
  EXPECT_EQ(registry_->define_datacenter("ringkeeper", other).code(),
            ErrorCode::kFailedPrecondition);
  // An empty datacenter's plan can be replaced.
  ASSERT_TRUE(registry_->define_datacenter("ringkeeper", {.name = "dc2", .racks = {"a"}}).ok());
  ASSERT_TRUE(
      registry_->define_datacenter("ringkeeper", {.name = "dc2", .racks = {"a", "b"}}).ok());
  auto dcs = registry_->datacenters("ringkeeper");
  ASSERT_TRUE(dcs.ok());
  ASSERT_EQ(dcs->size(), 2u);
  EXPECT_EQ((*dcs)[1].layout.racks, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(registry_->define_datacenter("ringkeeper", {.name = "dc3", .racks = {}}).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(RegistryTest, RejectsBadRequests) {
  RegisterRequest r = request(0, "r1");
  r.host_id.clear();
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  r = request(0, "r1");
  r.ops_port = 0;
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  r = request(0, "");
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  r = request(0, "r1");
  r.num_tokens = 0;
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  r = request(0, "r1");
  r.datacenter_racks = {"r1", "r1"};
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  r = request(0, "r1");
  r.replace_host_id = r.host_id;
  EXPECT_EQ(registry_->register_node(r).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(registry_->nodes()->empty());  // nothing half-registered
}

TEST_F(RegistryTest, StatusReportsEffectiveOwnershipForAReplication) {
  for (int n = 0; n < 3; ++n) must_register(request(n, "r" + std::to_string(n + 1)));
  auto status = registry_->status("ringkeeper", Replication::network_topology({{"dc1", 3}}));
  ASSERT_TRUE(status.ok()) << status.status().to_string();
  for (const NodeStatus& s : *status) EXPECT_NEAR(s.owns, 1.0, 1e-9);
  auto clusters = registry_->clusters();
  ASSERT_TRUE(clusters.ok());
  EXPECT_EQ(*clusters, std::vector<std::string>{"ringkeeper"});
}

// Two scheduler connections (as two processes would have) register nodes at the same moment from
// two threads: every token and every slot is handed out once.
TEST_F(RegistryTest, ConcurrentRegistrationsNeverShareTokens) {
  constexpr int kPerThread = 12;
  auto second_store =
      Store::open({.path = dir_.file("registry.db"), .synchronous = "NORMAL"}, clock_);
  ASSERT_TRUE(second_store.ok());
  Registry second(**second_store, clock_);
  std::vector<Status> failures;
  std::mutex mu;
  auto hammer = [&](Registry& registry, int base) {
    for (int i = 0; i < kPerThread; ++i) {
      RegisterRequest r = request(base + i, "r" + std::to_string(i % 3 + 1), 8);
      r.num_tokens = 4;
      auto reg = registry.register_node(r);
      if (!reg.ok()) {
        std::lock_guard lock(mu);
        failures.push_back(reg.status());
      }
    }
  };
  std::thread t1(hammer, std::ref(*registry_), 0);
  std::thread t2(hammer, std::ref(second), 100);
  t1.join();
  t2.join();
  for (const Status& s : failures) ADD_FAILURE() << s.to_string();
  auto nodes = registry_->nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u * kPerThread);
  std::set<Token> tokens;
  std::set<uint64_t> slots;
  for (const NodeInfo& n : *nodes) {
    EXPECT_TRUE(slots.insert(n.slot).second) << "slot " << n.slot << " twice";
    for (Token t : n.tokens) EXPECT_TRUE(tokens.insert(t).second) << "token " << t << " twice";
  }
  EXPECT_EQ(tokens.size(), 2u * kPerThread * 4);
  expect_balanced_interleaved(*registry_, 2 * kPerThread);
}

// Two scheduler processes on the same file register nodes at the same moment: SQLite's write lock
// (BEGIN IMMEDIATE) serializes them, and no token or slot is handed out twice.
TEST_F(RegistryTest, TwoProcessesRegisteringAtOnceNeverShareTokens) {
  const std::string path = dir_.file("shared.db");
  {
    ManualClock clock;  // create the schema first so both children only register
    ASSERT_TRUE(Store::open({.path = path}, clock).ok());
  }
  constexpr int kPerProcess = 8;
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ManualClock clock;
      auto store = Store::open({.path = path, .synchronous = "NORMAL"}, clock);
      if (!store.ok()) _exit(2);
      Registry registry(**store, clock);
      for (int i = 0; i < kPerProcess; ++i) {
        const int n = p * 100 + i;
        if (!registry.register_node(request(n, "r" + std::to_string(i % 3 + 1), 6)).ok()) _exit(3);
      }
      _exit(0);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  auto store = Store::open({.path = path}, clock_);
  ASSERT_TRUE(store.ok());
  Registry reopened(**store, clock_);
  auto nodes = reopened.nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u * kPerProcess);
  std::set<Token> tokens;
  std::set<uint64_t> slots;
  for (const NodeInfo& n : *nodes) {
    EXPECT_TRUE(slots.insert(n.slot).second) << "slot " << n.slot << " twice";
    for (Token t : n.tokens) EXPECT_TRUE(tokens.insert(t).second) << "token " << t << " twice";
  }
}

// kill -9 of the scheduler right after registrations returned loses none of them: a commit in WAL
// mode is durable once sqlite3_step returns, whatever happens to the process afterwards.
TEST_F(RegistryTest, RegistrationsSurviveKillNine) {
  const std::string path = dir_.file("killed.db");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ManualClock clock;
    auto store = Store::open({.path = path}, clock);
    if (!store.ok()) _exit(2);
    Registry registry(**store, clock);
    for (int n = 0; n < 3; ++n) {
      if (!registry.register_node(request(n, "r" + std::to_string(n + 1))).ok()) _exit(3);
    }
    raise(SIGKILL);  // no destructors, no checkpoint, no close
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  auto store = Store::open({.path = path}, clock_);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  Registry reopened(**store, clock_);
  auto nodes = reopened.nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 3u);
  expect_balanced_interleaved(reopened, 3);
}

}  // namespace
}  // namespace rk::scheduler
