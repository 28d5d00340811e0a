// The cluster service: registration makes new nodes NORMAL and replacements JOINING, heartbeats
// carry the ring and schema only to agents that are behind, schema changes are versioned,
// pushed and audited, and the sweep marks silent nodes DOWN.
#include "cluster/service.h"

#include <gtest/gtest.h>

#include "db/test_db.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

class ClusterServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::open({.path = dir_.file("s.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(store).value();
    registry_ = std::make_unique<Registry>(
        *store_, clock_, RegistryOptions{.heartbeat_timeout = std::chrono::seconds(10)});
    catalog_ = std::make_unique<SchemaCatalog>(*store_);
    audit_ = std::make_unique<AuditLog>(*store_, clock_);
    service_ = std::make_unique<ClusterService>(
        *store_, *registry_, *catalog_, *audit_, clock_,
        ClusterServiceOptions{.datacenter_racks = {"r1", "r2", "r3"}},
        [this](const ClusterSchema& schema, const std::vector<NodeView>& targets) {
          pushes_.push_back({schema.version, targets.size()});
        });
  }

  static AgentRegistration agent(int n, const std::string& rack) {
    AgentRegistration r;
    r.host_id = "host-" + std::to_string(n);
    r.cluster = "ringkeeper";
    r.datacenter = "dc1";
    r.rack = rack;
    r.addresses = {"127.0.0.1:" + std::to_string(7100 + n), "127.0.0.1:" + std::to_string(7000 + n),
                   "127.0.0.1:" + std::to_string(9000 + n)};
    return r;
  }

  RegisterReply must_register(const AgentRegistration& r) {
    auto reply = service_->register_agent("agent", r);
    EXPECT_TRUE(reply.ok()) << reply.status().to_string();
    return reply.ok() ? *reply : RegisterReply{};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<SchemaCatalog> catalog_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ClusterService> service_;
  std::vector<std::pair<int64_t, size_t>> pushes_;  // (schema version, targets)
};

TEST_F(ClusterServiceTest, NewNodeIsNormalAtOnceAndSeesItselfInTheRing) {
  RegisterReply reply = must_register(agent(1, "r1"));
  EXPECT_EQ(reply.node.state, NodeState::kNormal);
  ASSERT_EQ(reply.ring.nodes.size(), 1u);
  EXPECT_EQ(reply.ring.nodes[0].info.host_id, "host-1");
  EXPECT_EQ(reply.ring.cluster, "ringkeeper");
  EXPECT_EQ(reply.schema.version, 0);
}

TEST_F(ClusterServiceTest, AgentOfAnotherClusterIsRefused) {
  AgentRegistration r = agent(1, "r1");
  r.cluster = "other";
  auto reply = service_->register_agent("agent", r);
  EXPECT_EQ(reply.status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(ClusterServiceTest, ThreeRacksOfThePlanGetEvenlySpacedTokens) {
  for (int n = 1; n <= 3; ++n) must_register(agent(n, "r" + std::to_string(n)));
  auto ring = service_->ring();
  ASSERT_TRUE(ring.ok());
  ASSERT_EQ(ring->nodes.size(), 3u);
  std::vector<Token> tokens;
  for (const auto& n : ring->nodes) tokens.push_back(n.info.tokens.at(0));
  std::sort(tokens.begin(), tokens.end());
  // Gaps modulo 2^64 (unsigned arithmetic wraps exactly as the ring does).
  const uint64_t gap1 = static_cast<uint64_t>(tokens[1]) - static_cast<uint64_t>(tokens[0]);
  const uint64_t gap2 = static_cast<uint64_t>(tokens[2]) - static_cast<uint64_t>(tokens[1]);
  EXPECT_LE(gap1 > gap2 ? gap1 - gap2 : gap2 - gap1, 2u);
}

TEST_F(ClusterServiceTest, HeartbeatCarriesRingAndSchemaOnlyWhenTheAgentIsBehind) {
  RegisterReply reply = must_register(agent(1, "r1"));
  auto beat = service_->heartbeat("agent", "host-1", {.ring_version = 0, .schema_version = 0});
  ASSERT_TRUE(beat.ok()) << beat.status().to_string();
  EXPECT_TRUE(beat->ring.has_value());
  EXPECT_FALSE(beat->schema.has_value());  // version 0: nothing to send
  auto current = service_->heartbeat("agent", "host-1",
                                     {.ring_version = beat->ring_version, .schema_version = 0});
  ASSERT_TRUE(current.ok());
  EXPECT_FALSE(current->ring.has_value());

  ASSERT_TRUE(service_->create_keyspace("alice", {"ks", Replication::simple(3), {}}).ok());
  auto behind = service_->heartbeat("agent", "host-1",
                                    {.ring_version = beat->ring_version, .schema_version = 0});
  ASSERT_TRUE(behind.ok());
  ASSERT_TRUE(behind->schema.has_value());
  EXPECT_EQ(behind->schema->version, 1);
  EXPECT_EQ(behind->schema->keyspaces.at(0).name, "ks");
}

TEST_F(ClusterServiceTest, SchemaChangesAreVersionedPushedAndAudited) {
  must_register(agent(1, "r1"));
  must_register(agent(2, "r2"));
  ASSERT_TRUE(service_->create_keyspace("alice", {"ks", Replication::simple(3), {}}).ok());
  auto ks = service_->create_table("alice", "ks", {"events", 3600, 0});
  ASSERT_TRUE(ks.ok()) << ks.status().to_string();
  ASSERT_EQ(ks->tables.size(), 1u);
  EXPECT_EQ(ks->tables[0].gc_grace_seconds, 3600);
  ASSERT_EQ(pushes_.size(), 2u);
  EXPECT_EQ(pushes_[1], (std::pair<int64_t, size_t>{2, 2}));

  EXPECT_EQ(service_->create_keyspace("bob", {"ks", Replication::simple(1), {}}).status().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(service_->create_table("bob", "nope", {"t", 1, 0}).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->create_table("bob", "ks", {"bad-name", 1, 0}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(pushes_.size(), 2u);  // failures push nothing

  auto audit = service_->audit({.action = "keyspace.create"});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->entries.size(), 2u);
  EXPECT_EQ(audit->entries[0].actor, "bob");
  EXPECT_EQ(audit->entries[0].result, "already_exists");
  EXPECT_EQ(audit->entries[1].actor, "alice");
  EXPECT_EQ(audit->entries[1].result, "ok");
}

TEST_F(ClusterServiceTest, SilentNodeGoesDownAndTheRingVersionMoves) {
  must_register(agent(1, "r1"));
  must_register(agent(2, "r2"));
  const int64_t before = service_->ring()->version;
  clock_.advance_seconds(5);
  ASSERT_TRUE(service_->heartbeat("agent", "host-1", {}).ok());
  clock_.advance_seconds(6);
  auto down = service_->sweep();
  ASSERT_TRUE(down.ok());
  ASSERT_EQ(down->size(), 1u);
  EXPECT_EQ(down->at(0).host_id, "host-2");
  auto ring = service_->ring();
  EXPECT_GT(ring->version, before);
  EXPECT_EQ(service_->node("host-2")->info.state, NodeState::kDown);
  // A heartbeat brings it back.
  ASSERT_TRUE(service_->heartbeat("agent", "host-2", {}).ok());
  EXPECT_EQ(service_->node("host-2")->info.state, NodeState::kNormal);
}

TEST_F(ClusterServiceTest, ReplacementByOpsAddressTakesTokensAndJoinsUntilItReportsNormal) {
  for (int n = 1; n <= 3; ++n) must_register(agent(n, "r" + std::to_string(n)));
  const std::vector<Token> old_tokens = service_->node("host-2")->info.tokens;
  clock_.advance_seconds(11);
  ASSERT_TRUE(service_->heartbeat("agent", "host-1", {}).ok());
  ASSERT_TRUE(service_->heartbeat("agent", "host-3", {}).ok());
  ASSERT_TRUE(service_->sweep().ok());

  AgentRegistration r = agent(4, "r2");
  r.replace_address = "127.0.0.1:7102";  // host-2's ops address
  RegisterReply reply = must_register(r);
  EXPECT_EQ(reply.node.state, NodeState::kJoining);
  EXPECT_EQ(reply.node.tokens, old_tokens);
  EXPECT_EQ(service_->node("host-2")->info.state, NodeState::kReplaced);

  auto beat = service_->heartbeat("agent", "host-4", {.state = "NORMAL"});
  ASSERT_TRUE(beat.ok()) << beat.status().to_string();
  EXPECT_EQ(service_->node("host-4")->info.state, NodeState::kNormal);
  auto audit = service_->audit({.action = "node.replace"});
  ASSERT_EQ(audit->entries.size(), 1u);
  EXPECT_EQ(audit->entries[0].target, "host-4");
}

TEST_F(ClusterServiceTest, HeartbeatLoadShowsInNodes) {
  must_register(agent(1, "r1"));
  ASSERT_TRUE(service_->heartbeat("agent", "host-1", {.load_bytes = 12345}).ok());
  EXPECT_EQ(service_->node("host-1")->load_bytes, 12345);
  EXPECT_EQ(service_->heartbeat("agent", "nobody", {}).status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rk::scheduler
