// Bad input to every agent API: malformed JSON, unknown fields, wrong or missing tokens (401),
// tokens of the wrong role (403), oversized bodies (413), unknown tables (404) — each a JSON
// error, never a crash. Also the ops API's maintenance and snapshot calls.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "fake_scheduler_test_support.h"
#include "ringkeeper/agent/agent.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/core/testing/eventually.h"
#include "test_support.h"

namespace rk::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kSecret = "cluster-secret-0123456789";
constexpr const char* kAgentToken = "agent-token-0123456789";
constexpr const char* kOperatorToken = "operator-token-0123456789";

class AgentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)setup_logging("warn", "agent-test");
    dir_ = fs::temp_directory_path() / ("rk_agent_api_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    scheduler_ = std::make_unique<testing::FakeScheduler>(testing::ks_t_schema(1));
    ASSERT_TRUE(scheduler_->start().ok());
    AgentOptions o;
    o.data_dir = dir_.string();
    o.scheduler_url = scheduler_->url();
    o.cluster_secret = kSecret;
    o.agent_token = kAgentToken;
    o.operator_token = kOperatorToken;
    o.ops.port = 0;
    o.ops.port_file = (dir_ / "ops.port").string();
    o.internode.port = 0;
    o.client.port = 0;
    o.client.max_body_bytes = 2048;
    o.heartbeat_interval = std::chrono::milliseconds(50);
    o.log_level = "warn";
    auto a = Agent::start(o);
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    agent_ = std::move(*a);
    ASSERT_TRUE(rk::testing::eventually([&] { return agent_->state() == "NORMAL"; }))
        << agent_->state();
  }
  void TearDown() override {
    agent_.reset();
    scheduler_.reset();
    fs::remove_all(dir_);
  }

  std::string url(uint16_t port, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  http::Response call(const std::string& method, const std::string& u, const std::string& body,
                      const std::string& token = "") {
    http::ClientRequest r;
    r.method = method;
    r.url = u;
    r.body = body;
    if (!token.empty()) r.headers["Authorization"] = "Bearer " + token;
    auto resp = http_.request(r);
    EXPECT_TRUE(resp.ok()) << resp.status().to_string();
    return resp.ok() ? *resp : http::Response{599, {}, "", ""};
  }
  // The response's "error" word (checks the JSON error shape).
  std::string error_of(const http::Response& r) {
    json j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error") && j.contains("detail")) << r.body;
    return j.is_object() ? j.value("error", "") : "";
  }

  fs::path dir_;
  std::unique_ptr<testing::FakeScheduler> scheduler_;
  std::unique_ptr<Agent> agent_;
  http::Client http_;
};

TEST_F(AgentApiTest, ClientApiRefusesMalformedUnknownOversizedAndUnknownTables) {
  const std::string write = url(agent_->client_port(), "/v1/write");
  auto r = call("POST", write, "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_argument");
  r = call("POST", write, R"({"keyspace":"ks","table":"t","partition":"p","ops":[],"colour":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("colour"), std::string::npos) << r.body;
  r = call(
      "POST", write,
      R"({"keyspace":"ks","table":"t","partition":"p","ops":[{"op":"set","clustering":"c","column":"v","value":"x","extra":1}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("extra"), std::string::npos) << r.body;
  r = call(
      "POST", write,
      R"({"keyspace":"ks","table":"t","partition":"p","consistency":"TWO","ops":[{"op":"delete_partition"}]})");
  EXPECT_EQ(r.status, 400);
  r = call("POST", write,
           R"({"keyspace":"ks","table":"t","partition":"","ops":[{"op":"delete_partition"}]})");
  EXPECT_EQ(r.status, 400);
  r = call("POST", write,
           R"({"keyspace":"ks","table":"nope","partition":"p","ops":[{"op":"delete_partition"}]})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_of(r), "not_found");
  r = call("POST", write, std::string(4096, ' '));
  EXPECT_EQ(r.status, 413);
  r = call("POST", url(agent_->client_port(), "/v1/read"),
           R"({"keyspace":"ks","table":"t","partition":"p","slice":{"from":"a"}})");
  EXPECT_EQ(r.status, 400);
  r = call("POST", url(agent_->client_port(), "/v1/batch"), R"({"mutations":[{"keyspace":"ks"}]})");
  EXPECT_EQ(r.status, 400);
  // And a good one works.
  r = call(
      "POST", write,
      R"({"keyspace":"ks","table":"t","partition":"p","ops":[{"op":"set","clustering":"c","column":"v","value":"x"}]})");
  EXPECT_EQ(r.status, 200) << r.body;
}

// Every bad number on the client, internode and ops APIs is a 400 naming the field, never a 500.
TEST_F(AgentApiTest, BadNumbersAreRefusedNamingTheField) {
  struct Case {
    uint16_t port;
    std::string path;
    std::string body;
    std::string token;
    std::string field;
  };
  const uint16_t client = agent_->client_port();
  const uint16_t internode = agent_->internode_port();
  const uint16_t ops = agent_->ops_port();
  const std::string set = R"("ops":[{"op":"set","clustering":"c","column":"v","value":"x")";
  const std::string row = R"({"keyspace":"ks","table":"t","partition":"p",)";
  const std::vector<Case> cases = {
      // Overflow (was a 500), fraction, string, negative and out-of-bound TTLs and timestamps.
      {client, "/v1/write", row + set + R"(,"ttl":1e400}]})", "", "1e400"},
      {client, "/v1/write", row + set + R"(,"ttl":1.5}]})", "", "ttl"},
      {client, "/v1/write", row + set + R"(,"ttl":"60"}]})", "", "ttl"},
      {client, "/v1/write", row + set + R"(,"ttl":-1}]})", "", "ttl"},
      {client, "/v1/write", row + set + R"(,"ttl":630720001}]})", "", "0..630720000"},
      {client, "/v1/write", row + set + R"(}],"timestamp":18446744073709551615})", "", "timestamp"},
      {client, "/v1/write", row + set + R"(}],"timestamp":-5})", "", "timestamp"},
      {client, "/v1/batch", R"({"mutations":[)" + row + set + R"(}],"timestamp":1e999}]})", "",
       "1e999"},
      {internode, "/internode/v1/export",
       R"({"keyspace":"ks","table":"t","range":"(0,1]","limit":100001})", kSecret, "limit"},
      {internode, "/internode/v1/export",
       R"({"keyspace":"ks","table":"t","range":"(0,1]","max_bytes":0.5})", kSecret, "max_bytes"},
      {internode, "/internode/v1/repair/views", R"({"session":"s","lease_ms":99})", kSecret,
       "lease_ms"},
      {ops, "/v1/schema", R"({"version":-1,"keyspaces":[]})", kAgentToken, "version"},
      {ops, "/v1/schema",
       R"({"version":2,"keyspaces":[{"name":"ks","replication":{"class":"SimpleStrategy","replication_factor":1},"tables":[{"name":"t","gc_grace_seconds":2147483648}]}]})",
       kAgentToken, "gc_grace_seconds"},
      {ops, "/v1/schema",
       R"({"version":2,"keyspaces":[{"name":"ks","replication":{"class":"NetworkTopologyStrategy","dc1":"3"}}]})",
       kAgentToken, "dc1"},
      {ops, "/v1/schema",
       R"({"version":2,"keyspaces":[{"name":"ks","replication":{"class":"SimpleStrategy","replication_factor":1},"tables":[{"name":"t","tombstone_gc":"sometimes"}]}]})",
       kAgentToken, "tombstone_gc"},
      {internode, "/internode/v1/repair/history",
       R"({"keyspace":"ks","tables":["t"],"range":"(0,1]","repaired_at_us":0})", kSecret,
       "repaired_at_us"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + " " + c.body);
    auto r = call("POST", url(c.port, c.path), c.body, c.token);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(error_of(r), "invalid_argument");
    EXPECT_NE(r.body.find(c.field), std::string::npos) << r.body;
  }
  // The bound itself is fine.
  auto ok = call("POST", url(client, "/v1/write"), row + set + R"(,"ttl":630720000}]})");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(AgentApiTest, InternodeNeedsTheClusterSecret) {
  const std::string read = url(agent_->internode_port(), "/internode/v1/read");
  const std::string body = R"({"keyspace":"ks","table":"t","partition":"p"})";
  auto r = call("POST", read, body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_of(r), "unauthenticated");
  EXPECT_EQ(call("POST", read, body, "wrong-secret-0123456789").status, 401);
  EXPECT_EQ(call("POST", read, body, kOperatorToken).status, 401);
  r = call("POST", read, body, kSecret);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["partition"], "p");
  EXPECT_EQ(call("POST", read, R"({"keyspace":"ks","table":"zz","partition":"p"})", kSecret).status,
            404);
  EXPECT_EQ(call("POST", read, R"({"keyspace":"ks"})", kSecret).status, 400);
  EXPECT_EQ(
      call(
          "POST", url(agent_->internode_port(), "/internode/v1/apply"),
          R"({"mutations":[{"keyspace":"ks","table":"t","partition":"p","ops":[{"op":"delete_partition"}]}]})",
          kSecret)
          .status,
      400);  // internode ops must carry their timestamp
  r = call("POST", url(agent_->internode_port(), "/internode/v1/export"),
           R"({"keyspace":"ks","table":"t","range":"(1,2"})", kSecret);
  EXPECT_EQ(r.status, 400);
}

TEST_F(AgentApiTest, OpsMutatingCallsNeedOperatorOrAgentToken) {
  const uint16_t ops = agent_->ops_port();
  EXPECT_TRUE(fs::exists(dir_ / "ops.port"));
  auto health = call("GET", url(ops, "/v1/health"), "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body)["status"], "UP");
  EXPECT_EQ(call("POST", url(ops, "/v1/flush"), "").status, 401);
  EXPECT_EQ(call("POST", url(ops, "/v1/flush"), "", "not-a-token-0123456789").status, 401);
  EXPECT_EQ(call("POST", url(ops, "/v1/flush"), "", kOperatorToken).status, 200);
  EXPECT_EQ(call("POST", url(ops, "/v1/compact"), "{}", kAgentToken).status, 200);
  EXPECT_EQ(call("POST", url(ops, "/v1/flush"), R"({"now":true})", kOperatorToken).status, 400);
  // The schema push is the scheduler's (agent token) only.
  const std::string schema = R"({"version":2,"keyspaces":[]})";
  EXPECT_EQ(call("POST", url(ops, "/v1/schema"), schema, kOperatorToken).status, 403);
  EXPECT_EQ(call("POST", url(ops, "/v1/schema"), schema, kAgentToken).status, 200);
  EXPECT_EQ(call("POST", url(ops, "/v1/schema"), R"({"version":2})", kAgentToken).status, 400);
  auto node = call("GET", url(ops, "/v1/node"), "");
  ASSERT_EQ(node.status, 200);
  EXPECT_EQ(json::parse(node.body)["host_id"], agent_->host_id());
  EXPECT_EQ(json::parse(node.body)["tokens"].size(), 1u);
}

// The table's options follow the cluster's schema (an ALTER reaches the node), never an older one.
TEST_F(AgentApiTest, TombstoneGcFollowsTheNewestSchemaAndShowsWithTheRepairHistory) {
  const uint16_t ops = agent_->ops_port();
  auto mode = [&] {
    auto r = call("GET", url(ops, "/v1/repair/history"), "");
    EXPECT_EQ(r.status, 200) << r.body;
    json j = json::parse(r.body, nullptr, false);
    return j.is_object() ? j["tables"][0].value("tombstone_gc", "") : "";
  };
  EXPECT_EQ(mode(), "timeout") << "a schema without the mode keeps the rule tables had";
  auto schema = [](int version, const char* tombstone_gc) {
    return std::string(R"({"version":)") + std::to_string(version) +
           R"(,"keyspaces":[{"name":"ks","replication":{"class":"SimpleStrategy","replication_factor":1},"tables":[{"name":"t","tombstone_gc":")" +
           tombstone_gc + R"("}]}]})";
  };
  ASSERT_EQ(call("POST", url(ops, "/v1/schema"), schema(5, "repair"), kAgentToken).status, 200);
  EXPECT_EQ(mode(), "repair");
  ASSERT_EQ(call("POST", url(ops, "/v1/schema"), schema(4, "disabled"), kAgentToken).status, 200);
  EXPECT_EQ(mode(), "repair") << "an older schema arriving late changes nothing";
  // The history a coordinator records shows per table.
  ASSERT_EQ(
      call("POST", url(agent_->internode_port(), "/internode/v1/repair/history"),
           R"({"keyspace":"ks","tables":["t"],"range":"(0,100]","repaired_at_us":7})", kSecret)
          .status,
      200);
  auto history = json::parse(call("GET", url(ops, "/v1/repair/history"), "").body);
  ASSERT_EQ(history["tables"][0]["ranges"].size(), 1u) << history.dump();
  EXPECT_EQ(history["tables"][0]["ranges"][0]["range"], "(0,100]");
  EXPECT_EQ(history["tables"][0]["ranges"][0]["repaired_at_us"], 7);
}

TEST_F(AgentApiTest, SnapshotsCanBeTakenListedAndCleared) {
  const uint16_t ops = agent_->ops_port();
  EXPECT_EQ(call("POST", url(ops, "/v1/snapshots"), R"({"tag":"../evil"})", kOperatorToken).status,
            400);
  auto taken = call("POST", url(ops, "/v1/snapshots"), R"({"tag":"daily-1"})", kOperatorToken);
  ASSERT_EQ(taken.status, 201) << taken.body;
  EXPECT_EQ(call("POST", url(ops, "/v1/snapshots"), R"({"tag":"daily-1"})", kOperatorToken).status,
            409);
  auto list = call("GET", url(ops, "/v1/snapshots"), "");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["snapshots"][0]["tag"], "daily-1");
  EXPECT_EQ(call("DELETE", url(ops, "/v1/snapshots/daily-1"), "").status, 401);
  EXPECT_EQ(call("DELETE", url(ops, "/v1/snapshots/daily-1"), "", kOperatorToken).status, 200);
  EXPECT_EQ(call("DELETE", url(ops, "/v1/snapshots/daily-1"), "", kOperatorToken).status, 404);
  auto sizes = call("GET", url(ops, "/v1/sizes"), "");
  ASSERT_EQ(sizes.status, 200) << sizes.body;
  EXPECT_TRUE(json::parse(sizes.body).contains("pending_compactions"));
}

// The contract's GET /v1/signals (the scheduler's repair gating and rkctl check --agent read it):
// every field named there is present, and /metrics serves the signals.
TEST_F(AgentApiTest, SignalsCarryEveryContractFieldAndMetricsServeThem) {
  json s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    auto r = call("GET", url(agent_->ops_port(), "/v1/signals"), "");
    ASSERT_EQ(r.status, 200) << r.body;
    s = json::parse(r.body);
  } while (s["sampled_at_us"] == 0 && std::chrono::steady_clock::now() < deadline);
  ASSERT_GT(s["sampled_at_us"].get<int64_t>(), 0);
  const std::map<std::string, std::vector<std::string>> contract = {
      {"disk",
       {"state", "path", "free_bytes", "total_bytes", "free_percent", "data_bytes", "message"}},
      {"await",
       {"state", "device", "await_ms", "r_await_ms", "w_await_ms", "util_percent", "message"}},
      {"compactions", {"state", "pending", "running", "message"}}};
  for (const auto& [object, fields] : contract) {
    ASSERT_TRUE(s[object].is_object()) << object << ": " << s.dump();
    for (const auto& f : fields) EXPECT_TRUE(s[object].contains(f)) << object << "." << f;
    const std::string state = s[object]["state"];
    EXPECT_TRUE(state == "OK" || state == "WARNING" || state == "CRITICAL" || state == "UNKNOWN")
        << object << ": " << state;
  }
  EXPECT_EQ(s["disk"]["path"], dir_.string());
  EXPECT_TRUE(s["compactions"]["pending"].is_number()) << s.dump();
  auto m = call("GET", url(agent_->ops_port(), "/metrics"), "");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["Content-Type"].rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(m.body.find("# TYPE rk_disk_free_bytes gauge"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("rk_http_requests_total{listener=\"ops API\",method=\"GET\","
                        "route=\"/v1/signals\",code=\"200\"}"),
            std::string::npos)
      << m.body;
}

}  // namespace
}  // namespace rk::agent
