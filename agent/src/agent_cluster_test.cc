// Agents in one test process over real loopback HTTP, with a fake scheduler: registration, the
// replicated data path at each consistency level, a down replica, the ring cache when the
// scheduler is gone, and replacement streaming.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "fake_scheduler_test_support.h"
#include "ringkeeper/agent/agent.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/core/testing/eventually.h"
#include "ringkeeper/storage/node.h"
#include "test_support.h"

namespace rk::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kSecret = "cluster-secret-0123456789";

using rk::testing::eventually;

class AgentClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)setup_logging("warn", "agent-test");
    root_ = fs::temp_directory_path() /
            ("rk_agent_cluster_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    scheduler_ = std::make_unique<testing::FakeScheduler>(testing::ks_t_schema());
    ASSERT_TRUE(scheduler_->start().ok());
  }
  void TearDown() override {
    agents_.clear();
    scheduler_.reset();
    fs::remove_all(root_);
  }

  AgentOptions options_for(int i) {
    AgentOptions o;
    o.data_dir = (root_ / ("node" + std::to_string(i))).string();
    o.rack = "r" + std::to_string(i % 3 + 1);
    o.scheduler_url = scheduler_->url();
    o.cluster_secret = kSecret;
    o.agent_token = "agent-token-0123456789";
    o.operator_token = "operator-token-0123456789";
    o.ops.port = 0;
    o.internode.port = 0;
    o.client.port = 0;
    o.client.max_body_bytes = 64 << 10;
    o.heartbeat_interval = std::chrono::milliseconds(50);
    o.register_retry_max = std::chrono::milliseconds(100);
    o.write_timeout = std::chrono::milliseconds(3000);
    o.read_timeout = std::chrono::milliseconds(3000);
    o.coordinator_threads = 4;
    o.storage.write_buffer_bytes = 1 << 20;
    o.storage.block_cache_bytes = 1 << 20;
    o.log_level = "warn";
    return o;
  }

  Agent& start_agent(int i, AgentOptions o) {
    auto a = Agent::start(o);
    EXPECT_TRUE(a.ok()) << a.status().to_string();
    if (static_cast<int>(agents_.size()) <= i) agents_.resize(i + 1);
    agents_[i] = std::move(*a);
    return *agents_[i];
  }

  void start_cluster(int n) {
    for (int i = 0; i < n; ++i) start_agent(i, options_for(i));
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(eventually([&] { return normal_nodes(i) == n; }))
          << "agent " << i << " never saw " << n << " NORMAL nodes";
    }
  }

  // NORMAL nodes in agent i's ring (GET /v1/ring on its ops API).
  int normal_nodes(int i) {
    auto r = http_.get(ops_url(i) + "/v1/ring");
    if (!r.ok() || r->status != 200) return 0;
    json ring = json::parse(r->body);
    int n = 0;
    for (const auto& node : ring["nodes"]) n += node["state"] == "NORMAL";
    return n;
  }

  std::string ops_url(int i) {
    return "http://127.0.0.1:" + std::to_string(agents_[i]->ops_port());
  }
  std::string client_url(int i) {
    return "http://127.0.0.1:" + std::to_string(agents_[i]->client_port());
  }
  std::string internode_address(int i) {
    return "127.0.0.1:" + std::to_string(agents_[i]->internode_port());
  }

  http::Response post(const std::string& url, const json& body) {
    auto r = http_.post(url, body.dump());
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : http::Response{599, {}, "", ""};
  }

  http::Response write(int via, const std::string& key, const std::string& value,
                       const std::string& cl) {
    return post(
        client_url(via) + "/v1/write",
        {{"keyspace", "ks"},
         {"table", "t"},
         {"partition", key},
         {"consistency", cl},
         {"ops", {{{"op", "set"}, {"clustering", "c"}, {"column", "v"}, {"value", value}}}}});
  }

  // The value of (key, "c", "v") read through agent `via`, "" when absent, "<status>" on error.
  std::string read(int via, const std::string& key, const std::string& cl) {
    auto r = post(client_url(via) + "/v1/read",
                  {{"keyspace", "ks"}, {"table", "t"}, {"partition", key}, {"consistency", cl}});
    if (r.status != 200) return "<" + std::to_string(r.status) + ">";
    json body = json::parse(r.body);
    if (body["rows"].empty()) return "";
    return body["rows"][0]["cells"]["v"]["value"];
  }

  fs::path root_;
  std::unique_ptr<testing::FakeScheduler> scheduler_;
  std::vector<std::unique_ptr<Agent>> agents_;
  http::Client http_;
};

TEST_F(AgentClusterTest, WritesReachEveryReplicaAndReadsReconcile) {
  start_cluster(3);
  auto w = write(0, "alpha", "one", "QUORUM");
  ASSERT_EQ(w.status, 200) << w.body;
  json reply = json::parse(w.body);
  EXPECT_GE(reply["acks"].get<int>(), 2);
  EXPECT_EQ(reply["replicas"], 3);
  EXPECT_EQ(read(2, "alpha", "ALL"), "one");
  // Every replica holds it (the third may trail the QUORUM answer by a moment).
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] {
      auto p = agents_[i]->node().read_partition("ks", "t", "alpha");
      return p.ok() && p->rows.size() == 1;
    })) << "agent "
        << i;
  }
  // A newer write wins, a delete hides it.
  ASSERT_EQ(write(1, "alpha", "two", "QUORUM").status, 200);
  EXPECT_EQ(read(0, "alpha", "QUORUM"), "two");
  auto d =
      post(client_url(2) + "/v1/write", {{"keyspace", "ks"},
                                         {"table", "t"},
                                         {"partition", "alpha"},
                                         {"consistency", "ALL"},
                                         {"ops", {{{"op", "delete_row"}, {"clustering", "c"}}}}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(read(1, "alpha", "ONE"), "");
}

TEST_F(AgentClusterTest, BatchIsGroupedPerReplicaAndReadableEverywhere) {
  start_cluster(3);
  json mutations = json::array();
  for (int i = 0; i < 50; ++i) {
    mutations.push_back({{"keyspace", "ks"},
                         {"table", "t"},
                         {"partition", "k" + std::to_string(i)},
                         {"ops",
                          {{{"op", "set"},
                            {"clustering", "c"},
                            {"column", "v"},
                            {"value", "v" + std::to_string(i)}}}}});
  }
  auto r = post(client_url(1) + "/v1/batch", {{"consistency", "ALL"}, {"mutations", mutations}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["mutations"], 50);
  for (int i = 0; i < 50; i += 7) {
    EXPECT_EQ(read(i % 3, "k" + std::to_string(i), "ONE"), "v" + std::to_string(i));
  }
}

TEST_F(AgentClusterTest, DownReplicaFailsAllButNotQuorumAndIsNamed) {
  start_cluster(3);
  const std::string down = internode_address(2);
  agents_[2]->stop();
  EXPECT_EQ(write(0, "beta", "x", "QUORUM").status, 200);
  EXPECT_EQ(read(1, "beta", "QUORUM"), "x");
  auto all = write(0, "beta", "y", "ALL");
  EXPECT_EQ(all.status, 503);
  json err = json::parse(all.body);
  EXPECT_EQ(err["error"], "unavailable");
  const std::string detail = err["detail"];
  EXPECT_NE(detail.find("ALL needs 3 of 3 replicas"), std::string::npos) << detail;
  EXPECT_NE(detail.find("down: " + down), std::string::npos) << detail;
  EXPECT_EQ(read(0, "beta", "ALL"), "<503>");
}

TEST_F(AgentClusterTest, RestartedAgentServesFromItsRingCacheWhileTheSchedulerIsDown) {
  start_cluster(3);
  ASSERT_EQ(write(0, "gamma", "cached", "ALL").status, 200);
  EXPECT_TRUE(fs::exists(root_ / "node0" / "ring.json"));
  scheduler_->stop();
  agents_[0]->stop();
  agents_[0].reset();
  Agent& again = start_agent(0, options_for(0));
  EXPECT_FALSE(again.registered());
  EXPECT_GT(again.ring_version(), 0);
  EXPECT_EQ(read(0, "gamma", "ALL"), "cached");
  EXPECT_EQ(write(0, "gamma", "still", "QUORUM").status, 200);
  EXPECT_EQ(read(0, "gamma", "QUORUM"), "still");
}

TEST_F(AgentClusterTest, ReplacementTakesTheTokensAndStreamsTheData) {
  start_cluster(3);
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(write(i % 3, "key" + std::to_string(i), "val" + std::to_string(i), "ALL").status,
              200);
  }
  const std::string dead_host = agents_[2]->host_id();
  const std::string dead_address = internode_address(2);
  std::vector<Token> dead_tokens;
  for (const auto& m : scheduler_->ring().nodes) {
    if (m.host_id == dead_host) dead_tokens = m.tokens;
  }
  agents_[2]->stop();
  agents_[2].reset();
  scheduler_->mark_down(dead_host);

  AgentOptions o = options_for(3);
  o.rack = "r3";
  o.replace_address = dead_address;
  Agent& replacement = start_agent(3, o);
  ASSERT_TRUE(eventually([&] { return replacement.state() == "NORMAL"; }));
  EXPECT_EQ(scheduler_->state_of(replacement.host_id()), "NORMAL");
  EXPECT_EQ(scheduler_->state_of(dead_host), "REPLACED");
  for (const auto& m : scheduler_->ring().nodes) {
    if (m.host_id == replacement.host_id()) {
      EXPECT_EQ(m.tokens, dead_tokens);
    }
  }
  // The replacement alone (the others stopped) answers at ONE with every row.
  agents_[0]->stop();
  agents_[1]->stop();
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(read(3, "key" + std::to_string(i), "ONE"), "val" + std::to_string(i)) << i;
  }
}

TEST_F(AgentClusterTest, WithoutSchedulerOrCacheTheNodeIsStartingAndRefusesData) {
  scheduler_->stop();
  Agent& a = start_agent(0, options_for(0));
  auto health = http_.get(ops_url(0) + "/v1/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(json::parse(health->body)["status"], "STARTING");
  auto w = write(0, "k", "v", "ONE");
  EXPECT_EQ(w.status, 503) << w.body;  // no ring known yet
  EXPECT_NE(w.body.find("does not know the ring yet"), std::string::npos) << w.body;
  EXPECT_FALSE(a.registered());
}

TEST_F(AgentClusterTest, RefusedReplacementIsFatal) {
  AgentOptions o = options_for(0);
  o.replace_address = "127.0.0.1:1";  // nobody there: the scheduler refuses (not found)
  Agent& a = start_agent(0, o);
  Status s = a.wait();
  EXPECT_EQ(s.code(), ErrorCode::kNotFound) << s.to_string();
  EXPECT_NE(s.message().find("refused the registration"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace rk::agent
