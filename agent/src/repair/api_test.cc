// Repair sessions through the ops API with three real agents on loopback (fake scheduler): a full
// session makes diverged replicas identical over the internode repair routes, a replica that is
// down fails the session by name, and the API's status codes follow docs/api.md.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "fake_scheduler_test_support.h"
#include "repair/row_exchange.h"
#include "ringkeeper/agent/agent.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/core/testing/eventually.h"
#include "ringkeeper/storage/node.h"
#include "ringkeeper/storage/range_stream.h"
#include "test_support.h"

namespace rk::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kSecret = "cluster-secret-0123456789";
constexpr const char* kOperator = "operator-token-0123456789";

using rk::testing::eventually;

class RepairApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)setup_logging("error", "repair-api-test");
    root_ = fs::temp_directory_path() /
            ("rk_repair_api_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    scheduler_ = std::make_unique<testing::FakeScheduler>(testing::ks_t_schema());
    ASSERT_TRUE(scheduler_->start().ok());
    for (int i = 0; i < 3; ++i) {
      AgentOptions o;
      o.data_dir = (root_ / ("node" + std::to_string(i))).string();
      o.scheduler_url = scheduler_->url();
      o.cluster_secret = kSecret;
      o.operator_token = kOperator;
      o.ops.port = o.internode.port = o.client.port = 0;
      o.heartbeat_interval = std::chrono::milliseconds(50);
      o.register_retry_max = std::chrono::milliseconds(100);
      o.storage.write_buffer_bytes = 1 << 20;
      o.storage.block_cache_bytes = 1 << 20;
      o.repair.call_timeout = std::chrono::milliseconds(5000);
      o.repair.stream_chunk_bytes = 4096;
      o.log_level = "error";
      auto a = Agent::start(o);
      ASSERT_TRUE(a.ok()) << a.status().to_string();
      agents_.push_back(std::move(*a));
    }
    // Every agent serves a ring with all three nodes NORMAL and their addresses.
    for (auto& a : agents_) {
      ASSERT_TRUE(eventually([&] {
        auto r = http_.get(ops(*a) + "/v1/ring");
        if (!r.ok() || r->status != 200) {
          last_ring_ = r.ok() ? r->body : r.status().to_string();
          return false;
        }
        int normal = 0;
        const json ring = json::parse(r->body);
        for (const auto& n : ring["nodes"]) {
          normal +=
              n["state"] == "NORMAL" && !n["addresses"]["internode"].get<std::string>().empty();
        }
        if (normal != 3) last_ring_ = r->body;
        return normal == 3;
      })) << last_ring_;
    }
  }
  void TearDown() override {
    agents_.clear();
    scheduler_.reset();
    fs::remove_all(root_);
  }

  static std::string ops(Agent& a) { return "http://127.0.0.1:" + std::to_string(a.ops_port()); }

  json session_body(const std::string& id, const std::string& mode = "full") {
    json replicas = json::array();
    for (auto& a : agents_) replicas.push_back(a->host_id());
    return {{"id", id},
            {"keyspace", "ks"},
            {"range", TokenRange::full_ring().to_string()},
            {"replicas", replicas},
            {"mode", mode}};
  }
  http::Response call(const std::string& method, const std::string& url, const json& body = {}) {
    http::ClientRequest req;
    req.method = method;
    req.url = url;
    req.headers["Authorization"] = std::string("Bearer ") + kOperator;
    if (!body.is_null()) req.body = body.dump();
    auto r = http_.request(req);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : http::Response{599, {}, "", ""};
  }
  // Polls GET /v1/repair/sessions/{id} on agent 0 until the session has ended.
  json wait_done(const std::string& id) {
    json last;
    eventually([&] {
      auto r = call("GET", ops(*agents_[0]) + "/v1/repair/sessions/" + id);
      if (r.status != 200) return false;
      last = json::parse(r.body);
      return last["state"] != "RUNNING";
    });
    return last;
  }
  std::string contents(int i) {
    // The whole table as one export page (the test's tables are small).
    auto page = agents_[i]->node().export_page(
        "ks", "t", TokenRange::full_ring(), storage::DataScope::kAll, 1'000'000, size_t{1} << 30);
    EXPECT_TRUE(page.ok() && !page->next);
    return page.ok() ? storage::encode_partitions(page->partitions) : std::string();
  }
  Status put(int i, const std::string& pk, const std::string& v, int64_t ts) {
    return agents_[i]->node().apply(storage::Mutation("ks", "t", pk).set("c", "v", v, ts));
  }

  std::string last_ring_;
  fs::path root_;
  std::unique_ptr<testing::FakeScheduler> scheduler_;
  std::vector<std::unique_ptr<Agent>> agents_;
  http::Client http_;
};

TEST_F(RepairApiTest, FullSessionOverTheInternodeApiMakesReplicasIdentical) {
  for (int k = 0; k < 300; ++k) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(put(i, "k" + std::to_string(k), "base", 10).ok());
  }
  ASSERT_TRUE(put(1, "only-on-1", "x", 10).ok());
  ASSERT_TRUE(put(2, "k3", "newer", 20).ok());
  ASSERT_TRUE(put(0, "k4", "older", 5).ok());
  for (int i : {0, 1}) {
    ASSERT_TRUE(
        agents_[i]->node().apply(storage::Mutation("ks", "t", "k9").delete_partition(30)).ok());
  }
  auto created = call("POST", ops(*agents_[0]) + "/v1/repair/sessions", session_body("full-1"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["mode"], "full");
  auto again = call("POST", ops(*agents_[0]) + "/v1/repair/sessions", session_body("full-1"));
  EXPECT_EQ(again.status, 200) << again.body;
  auto other = session_body("full-1", "incremental");
  EXPECT_EQ(call("POST", ops(*agents_[0]) + "/v1/repair/sessions", other).status, 409);

  json s = wait_done("full-1");
  ASSERT_EQ(s["state"], "SUCCEEDED") << s.dump();
  EXPECT_GT(s["progress"]["bytes_streamed"].get<uint64_t>(), 0u);
  EXPECT_EQ(contents(1), contents(0));
  EXPECT_EQ(contents(2), contents(0));
  auto k3 = agents_[0]->node().read_row("ks", "t", "k3", "c");
  ASSERT_TRUE(k3.ok() && k3->has_value());
  EXPECT_EQ((*k3)->cells.at("v").value, "newer");

  // Every view the session pinned is released.
  http::Client internode(http::ClientOptions{.bearer_token = kSecret});
  for (auto& a : agents_) {
    auto r = internode.get("http://127.0.0.1:" + std::to_string(a->internode_port()) +
                           "/internode/v1/repair/views");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(json::parse(r->body)["views"].empty()) << r->body;
  }
  EXPECT_FALSE(s["differences"]["ranges"].empty()) << s.dump();
  auto list = call("GET", ops(*agents_[0]) + "/v1/repair/sessions");
  const json listed = json::parse(list.body);
  ASSERT_EQ(listed["sessions"].size(), 1u);
  // The list has each session's totals; the ranges are in GET of the session.
  EXPECT_EQ(listed["sessions"][0]["differences"]["tables"], s["differences"]["tables"]);
  EXPECT_FALSE(listed["sessions"][0]["differences"].contains("ranges"));
  EXPECT_EQ(call("DELETE", ops(*agents_[0]) + "/v1/repair/sessions/full-1").status, 202);
}

TEST_F(RepairApiTest, AReplicaThatIsDownFailsTheSessionNamingIt) {
  const std::string down = agents_[2]->host_id();
  agents_[2]->stop();
  auto created = call("POST", ops(*agents_[0]) + "/v1/repair/sessions", session_body("s-down"));
  ASSERT_EQ(created.status, 201) << created.body;
  json s = wait_done("s-down");
  EXPECT_EQ(s["state"], "FAILED");
  EXPECT_NE(s["error"].get<std::string>().find(down), std::string::npos) << s["error"];
}

TEST_F(RepairApiTest, RowExchangeRoutesListAndExportRowsAndRefuseBadRequests) {
  ASSERT_TRUE(put(1, "k1", "v", 10).ok());
  http::Client internode(http::ClientOptions{.bearer_token = kSecret});
  const std::string base = "http://127.0.0.1:" + std::to_string(agents_[1]->internode_port());
  auto pinned = internode.post(base + "/internode/v1/repair/views", json{{"session", "s"}}.dump());
  ASSERT_TRUE(pinned.ok() && pinned->status == 201) << (pinned.ok() ? pinned->body : "");
  const std::string view = json::parse(pinned->body)["view"];
  json rows = {{"view", view},
               {"keyspace", "ks"},
               {"table", "t"},
               {"scope", "all"},
               {"ranges", {TokenRange::full_ring().to_string()}}};
  auto listed = internode.post(base + "/internode/v1/repair/rows", rows.dump());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->status, 200) << listed->body;
  auto listing = decode_row_listing(listed->body);
  ASSERT_TRUE(listing.ok()) << listing.status().to_string();
  ASSERT_EQ(listing->size(), 1u);
  ASSERT_EQ((*listing)[0].size(), 1u);
  EXPECT_EQ((*listing)[0][0].key.partition_key, "k1");

  const std::string export_url =
      base + "/internode/v1/repair/rows/export?view=" + view + "&keyspace=ks&table=t&scope=all";
  auto exported = internode.post(export_url, encode_row_keys({(*listing)[0][0].key}));
  ASSERT_TRUE(exported.ok());
  ASSERT_EQ(exported->status, 200) << exported->body;
  auto partitions = storage::decode_partitions(exported->body);
  ASSERT_TRUE(partitions.ok() && partitions->size() == 1u);
  EXPECT_EQ((*partitions)[0].partition_key, "k1");

  // Too many ranges, an unknown field, a bad range; malformed keys, a missing parameter.
  json many = rows;
  many["ranges"] = json::array();
  for (int i = 0; i < 4097; ++i) many["ranges"].push_back("(0,1]");
  json unknown = rows;
  unknown["extra"] = 1;
  json bad_range = rows;
  bad_range["ranges"] = {"(0,1"};
  for (const json& body : {many, unknown, bad_range}) {
    auto r = internode.post(base + "/internode/v1/repair/rows", body.dump());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << r->body;
  }
  for (const auto& [url, body] :
       {std::pair{export_url, std::string("RKR1garbage")},
        std::pair{base + "/internode/v1/repair/rows/export?view=" + view + "&keyspace=ks&table=t",
                  encode_row_keys({})}}) {
    auto r = internode.post(url, body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << r->body;
  }
  http::Client anonymous;
  auto refused = anonymous.post(base + "/internode/v1/repair/rows", rows.dump());
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
}

TEST_F(RepairApiTest, BadRequestsAreRefusedAndStartNothing) {
  const std::string url = ops(*agents_[0]) + "/v1/repair/sessions";
  auto with = [&](const std::string& field, json v) {
    json b = session_body("bad");
    b[field] = std::move(v);
    return b;
  };
  EXPECT_EQ(call("POST", url, with("range", "(1,2")).status, 400);
  EXPECT_EQ(call("POST", url, with("id", "no spaces")).status, 400);
  EXPECT_EQ(call("POST", url, with("keyspace", "nope")).status, 404);
  EXPECT_EQ(call("POST", url, with("tables", {"nope"})).status, 404);
  EXPECT_EQ(call("POST", url, with("replicas", {agents_[0]->host_id(), "ghost"})).status, 400);
  EXPECT_EQ(call("POST", url, with("unknown_field", 1)).status, 400);
  json preview_incremental = with("preview", true);
  preview_incremental["mode"] = "incremental";
  auto refused = call("POST", url, preview_incremental);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("'mode' must be full"), std::string::npos) << refused.body;
  json preview_marking = with("preview", true);
  preview_marking["mode"] = "full";
  preview_marking["mark_repaired"] = true;
  EXPECT_EQ(call("POST", url, preview_marking).status, 400);
  EXPECT_EQ(call("POST", url, with("preview", "yes")).status, 400);
  auto on_other = call("POST", ops(*agents_[1]) + "/v1/repair/sessions",
                       with("replicas", {agents_[0]->host_id(), agents_[2]->host_id()}));
  EXPECT_EQ(on_other.status, 400) << "the coordinator must be one of the replicas";
  EXPECT_EQ(call("GET", url + "/nope").status, 404);
  EXPECT_EQ(call("DELETE", url + "/nope").status, 404);
  EXPECT_TRUE(json::parse(call("GET", url).body)["sessions"].empty());
  http::Client anonymous;
  auto r = anonymous.post(url, session_body("anon").dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
}

}  // namespace
}  // namespace rk::agent
