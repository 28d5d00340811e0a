// Multi-process integration tests: a real rk-scheduler and real rk-agents on 127.0.0.1 (see
// cluster_fixture.h). Tests that need rk-agent are skipped when it is not built.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "cluster_fixture.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/ring.h"
#include "ringkeeper/core/token.h"

namespace rk::testing {
namespace {

using nlohmann::json;

// Checks what the scheduler's ring says: tokens evenly spaced, consecutive tokens in different
// racks, every node's primary share within 1% of equal.
void expect_balanced_ring(LocalCluster& cluster, size_t nodes) {
  auto ring_json = cluster.scheduler_get("/api/v1/ring");
  ASSERT_TRUE(ring_json.ok()) << ring_json.status().to_string();
  std::vector<RingNode> ring_nodes;
  std::map<Token, std::string> rack_of;
  for (const auto& n : (*ring_json)["nodes"]) {
    RingNode rn{n["host_id"], n["datacenter"], n["rack"], {}};
    for (const auto& t : n["tokens"]) {
      auto token = parse_token(t.get<std::string>());
      ASSERT_TRUE(token.ok());
      rn.tokens.push_back(*token);
      rack_of[*token] = rn.rack;
    }
    ring_nodes.push_back(std::move(rn));
  }
  ASSERT_EQ(ring_nodes.size(), nodes);
  auto ring = Ring::build(ring_nodes);
  ASSERT_TRUE(ring.ok()) << ring.status().to_string();
  // Evenly spaced: every gap equals 2^64 / nodes to within a few tokens.
  // Gaps modulo 2^64: unsigned arithmetic wraps exactly as the ring does.
  const uint64_t expected = UINT64_MAX / nodes;
  for (size_t i = 0; i < ring->token_count(); ++i) {
    const Token a = ring->token_at(i);
    const Token b = ring->token_at((i + 1) % ring->token_count());
    const uint64_t gap = static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
    const uint64_t off = gap > expected ? gap - expected : expected - gap;
    EXPECT_LE(off, 16u) << "gap after token " << a;
    EXPECT_NE(rack_of[a], rack_of[b]) << "tokens " << a << " and " << b << " share a rack";
  }
  for (const auto& [host, share] : ring->primary_ownership()) {
    EXPECT_NEAR(share, 1.0 / static_cast<double>(nodes), 0.01) << host;
  }
}

TEST(ClusterTest, ThreeAgentsGetEvenlySpacedInterleavedTokens) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 3});
  ASSERT_OK(cluster.start());
  expect_balanced_ring(cluster, 3);
}

TEST(ClusterTest, SixAgentsGetEvenlySpacedInterleavedTokens) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 6, .nodes_per_rack = 2});
  ASSERT_OK(cluster.start());
  expect_balanced_ring(cluster, 6);
}

TEST(ClusterTest, QuorumSurvivesOneNodeDownAllDoesNotAndTheNodeMissesThoseWrites) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 3});
  ASSERT_OK(cluster.start());
  ASSERT_OK(cluster.create_table("demo", "events", 3));
  // Before: every node has k0.
  auto w0 = cluster.client_post(0, "/v1/write", write_body("k0", "before", "ALL"));
  ASSERT_TRUE(w0.ok() && w0->ok()) << (w0.ok() ? w0->body : w0.status().to_string());

  const std::string down_host = cluster.agent(2).host_id;
  cluster.stop_agent(2, SIGTERM);
  for (int i = 1; i <= 20; ++i) {
    auto w = cluster.client_post(
        i % 2, "/v1/write", write_body("k" + std::to_string(i), "v" + std::to_string(i), "QUORUM"));
    ASSERT_TRUE(w.ok() && w->ok()) << (w.ok() ? w->body : w.status().to_string());
    auto r =
        cluster.client_post((i + 1) % 2, "/v1/read", read_body("k" + std::to_string(i), "QUORUM"));
    ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->body : r.status().to_string());
    EXPECT_EQ(value_of(*r), "v" + std::to_string(i));
  }
  auto all = cluster.client_post(0, "/v1/write", write_body("k99", "x", "ALL"));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->status, 503) << all->body;
  json error = json::parse(all->body, nullptr, false);
  EXPECT_EQ(error.value("error", ""), "unavailable") << all->body;
  EXPECT_NE(error.value("detail", "").find("ALL"), std::string::npos) << all->body;
  auto all_read = cluster.client_post(1, "/v1/read", read_body("k1", "ALL"));
  ASSERT_TRUE(all_read.ok());
  EXPECT_EQ(all_read->status, 503) << all_read->body;

  // The scheduler sees it DOWN; restarted, it is back, without the writes it missed.
  ASSERT_OK(cluster.wait_for_state(down_host, "DOWN"));
  ASSERT_OK(cluster.start_agent(2));
  ASSERT_OK(cluster.wait_for_normal(3, std::chrono::seconds(20)));
  cluster.stop_agent(0);
  cluster.stop_agent(1);
  auto old_row = cluster.client_post(2, "/v1/read", read_body("k0", "ONE"));
  ASSERT_TRUE(old_row.ok() && old_row->ok()) << (old_row.ok() ? old_row->body : "");
  EXPECT_EQ(value_of(*old_row), "before");
  int missing = 0;
  for (int i = 1; i <= 20; ++i) {
    auto r = cluster.client_post(2, "/v1/read", read_body("k" + std::to_string(i), "ONE"));
    ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->body : r.status().to_string());
    if (value_of(*r).empty()) ++missing;
  }
  EXPECT_EQ(missing, 20) << "no hinted handoff: the restarted node lacks every missed write";
}

TEST(ClusterTest, DataPathSurvivesKillNineOfTheSchedulerAndTheRegistryIsIntact) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 3});
  ASSERT_OK(cluster.start());
  ASSERT_OK(cluster.create_table("demo", "events", 3));
  auto before = cluster.scheduler_get("/api/v1/nodes");
  ASSERT_TRUE(before.ok());

  cluster.stop_scheduler(SIGKILL);
  for (int i = 0; i < 10; ++i) {
    auto w = cluster.client_post(static_cast<size_t>(i % 3), "/v1/write",
                                 write_body("p" + std::to_string(i), "x", "QUORUM"));
    ASSERT_TRUE(w.ok() && w->ok()) << (w.ok() ? w->body : w.status().to_string());
    auto r = cluster.client_post(static_cast<size_t>((i + 1) % 3), "/v1/read",
                                 read_body("p" + std::to_string(i), "QUORUM"));
    ASSERT_TRUE(r.ok() && r->ok());
    EXPECT_EQ(value_of(*r), "x");
  }

  ASSERT_OK(cluster.start_scheduler());
  auto after = cluster.scheduler_get("/api/v1/nodes");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < before->size(); ++i) {
    EXPECT_EQ((*after)[i]["host_id"], (*before)[i]["host_id"]);
    EXPECT_EQ((*after)[i]["tokens"], (*before)[i]["tokens"]);
  }
  auto ks = cluster.scheduler_get("/api/v1/keyspaces/demo");
  ASSERT_TRUE(ks.ok()) << ks.status().to_string();
  EXPECT_EQ((*ks)["tables"][0]["name"], "events");
  ASSERT_OK(cluster.wait_for_normal(3, std::chrono::seconds(20)));
}

TEST(ClusterTest, ReplacementTakesTheDeadNodesTokensAndStreamsItsData) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 3});
  ASSERT_OK(cluster.start());
  ASSERT_OK(cluster.create_table("demo", "events", 3));
  constexpr int kRows = 50;
  for (int i = 0; i < kRows; ++i) {
    auto w = cluster.client_post(0, "/v1/write",
                                 write_body("r" + std::to_string(i), std::to_string(i), "ALL"));
    ASSERT_TRUE(w.ok() && w->ok()) << (w.ok() ? w->body : w.status().to_string());
  }
  const std::string dead_host = cluster.agent(1).host_id;
  auto dead_node = cluster.scheduler_get("/api/v1/nodes/" + dead_host);
  ASSERT_TRUE(dead_node.ok());
  const std::string dead_address = cluster.agent(1).internode();
  cluster.stop_agent(1, SIGKILL);
  ASSERT_OK(cluster.wait_for_state(dead_host, "DOWN"));

  auto replacement = cluster.add_agent(cluster.agent(1).rack, dead_address);
  ASSERT_TRUE(replacement.ok()) << replacement.status().to_string();
  const size_t r = *replacement;
  ASSERT_OK(cluster.wait_for_state(cluster.agent(r).host_id, "NORMAL", std::chrono::seconds(30)));
  auto new_node = cluster.scheduler_get("/api/v1/nodes/" + cluster.agent(r).host_id);
  ASSERT_TRUE(new_node.ok());
  EXPECT_EQ((*new_node)["tokens"], (*dead_node)["tokens"]);
  auto old = cluster.scheduler_get("/api/v1/nodes/" + dead_host);
  EXPECT_EQ((*old)["state"], "REPLACED");

  // Alone, the replacement returns every row at ONE.
  cluster.stop_agent(0);
  cluster.stop_agent(2);
  for (int i = 0; i < kRows; ++i) {
    auto rd = cluster.client_post(r, "/v1/read", read_body("r" + std::to_string(i), "ONE"));
    ASSERT_TRUE(rd.ok() && rd->ok()) << (rd.ok() ? rd->body : rd.status().to_string());
    EXPECT_EQ(value_of(*rd), std::to_string(i)) << "row r" << i;
  }
}

// The JSON error shape.
void expect_error(const Result<http::Response>& r, int status) {
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, status) << r->body;
  json body = json::parse(r->body, nullptr, false);
  EXPECT_TRUE(body.is_object() && body.contains("error") && body.contains("detail")) << r->body;
}

TEST(ClusterTest, AgentEndpointsRefuseBadInputWithJsonErrors) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 1, .racks = {"r1"}});
  ASSERT_OK(cluster.start());
  ASSERT_OK(cluster.create_table("demo", "events", 1));
  http::Client client;
  const std::string data = "http://" + cluster.agent(0).client();
  const std::string ops = "http://" + cluster.agent(0).ops();
  const std::string internode = "http://" + cluster.agent(0).internode();
  for (const std::string path : {"/v1/write", "/v1/read", "/v1/batch"}) {
    SCOPED_TRACE(path);
    expect_error(client.post(data + path, "{oops"), 400);
    json extra = read_body("k", "ONE");
    extra["surprise"] = true;
    expect_error(client.post(data + path, extra.dump()), 400);
    expect_error(client.post(data + path, std::string(64 << 20, 'x')), 413);
  }
  json bad_cl = write_body("k", "v", "SOMETIMES");
  expect_error(client.post(data + "/v1/write", bad_cl.dump()), 400);
  json no_table = write_body("k", "v", "ONE");
  no_table["table"] = "nope";
  auto r = client.post(data + "/v1/write", no_table.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->status, 400);
  EXPECT_LT(r->status, 500) << r->body;
  // Internode needs the cluster secret; mutating ops calls need a token.
  expect_error(client.post(internode + "/internode/v1/apply", R"({"mutations":[]})"), 401);
  http::ClientRequest wrong{"POST", internode + "/internode/v1/read", {}, "{}", {}};
  wrong.headers["Authorization"] = "Bearer not-the-cluster-secret-0000";
  expect_error(client.request(wrong), 401);
  expect_error(client.post(ops + "/v1/flush", "{}"), 401);
  expect_error(client.post(ops + "/v1/schema", R"({"version":1,"keyspaces":[]})"), 401);
}

}  // namespace
}  // namespace rk::testing
