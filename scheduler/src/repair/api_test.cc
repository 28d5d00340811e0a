// The repair endpoints over real HTTP (SchedulerProcess on 127.0.0.1, port 0, agents registered
// but not running): runs are created, shown, paused, resumed, patched and aborted; schedules
// added, listed and removed; deadlines listed; bad input and missing tokens refused; mutations
// audited with the token's name.
#include "repair/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api_test_support.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

using namespace testing;  // the scheduler's test support: tokens and SchedulerApiTest

class RepairApiTest : public SchedulerApiTest {
 protected:
  void SetUp() override {
    SchedulerOptions o = base_options();
    o.agent_timeout = std::chrono::milliseconds(200);
    o.repair.retry_initial_delay = std::chrono::seconds(60);  // keep the unreachable agents quiet
    start(o);
    for (int n = 1; n <= 3; ++n) {
      json reg = registration(n, "r" + std::to_string(n));
      reg["addresses"] = {// nobody listens there
                          {"ops", "127.0.0.1:1"},
                          {"internode", "127.0.0.1:1"},
                          {"client", "127.0.0.1:1"}};
      ASSERT_EQ(call("POST", "/api/v1/agents/register", reg.dump(), kAgentToken).status, 200);
    }
    json ks = {{"name", "ks"},
               {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", 3}}}};
    ASSERT_EQ(call("POST", "/api/v1/keyspaces", ks.dump(), kOperatorToken).status, 201);
    ASSERT_EQ(call("POST", "/api/v1/keyspaces/ks/tables", R"({"name":"t"})", kOperatorToken).status,
              201);
  }
};

TEST_F(RepairApiTest, RunLifecycle) {
  const std::string body = R"({"keyspace":"ks","kind":"full","intensity":0.5})";
  EXPECT_EQ(call("POST", "/api/v1/repair/runs", body).status, 401);
  EXPECT_EQ(
      call("POST", "/api/v1/repair/runs", R"({"keyspace":"ks","colour":1})", kOperatorToken).status,
      400);
  EXPECT_EQ(call("POST", "/api/v1/repair/runs", R"({"keyspace":"nope"})", kOperatorToken).status,
            404);
  auto created = call("POST", "/api/v1/repair/runs", body, kOperatorToken);
  ASSERT_EQ(created.status, 201) << created.body;
  json run = parsed(created);
  const std::string id = std::to_string(run["id"].get<int64_t>());
  EXPECT_EQ(run["state"], "RUNNING");
  EXPECT_EQ(run["tables"], json::array({"t"}));
  EXPECT_EQ(run["progress"]["segments"]["total"], 3);
  EXPECT_EQ(run["progress"]["per_table"]["t"]["total"], 3);

  auto list = parsed(call("GET", "/api/v1/repair/runs?state=RUNNING", ""));
  ASSERT_EQ(list["runs"].size(), 1u);
  EXPECT_EQ(call("GET", "/api/v1/repair/runs?colour=red", "").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/repair/runs/99", "").status, 404);
  auto segs = parsed(call("GET", "/api/v1/repair/runs/" + id + "/segments", ""));
  ASSERT_EQ(segs["segments"].size(), 3u);
  EXPECT_EQ(segs["segments"][0]["replicas"].size(), 3u);

  auto patched = call("PATCH", "/api/v1/repair/runs/" + id,
                      R"({"parallelism":"parallel","max_sessions":2})", kOperatorToken);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(parsed(patched)["max_sessions"], 2);
  EXPECT_EQ(call("PATCH", "/api/v1/repair/runs/" + id, R"({"intensity":2})", kOperatorToken).status,
            400);

  EXPECT_EQ(
      parsed(call("POST", "/api/v1/repair/runs/" + id + "/pause", "", kOperatorToken))["state"],
      "PAUSED");
  EXPECT_EQ(
      parsed(call("POST", "/api/v1/repair/runs/" + id + "/resume", "{}", kOperatorToken))["state"],
      "RUNNING");
  EXPECT_EQ(
      parsed(call("POST", "/api/v1/repair/runs/" + id + "/abort", "", kOperatorToken))["state"],
      "ABORTED");
  EXPECT_EQ(call("POST", "/api/v1/repair/runs/" + id + "/abort", "", kOperatorToken).status, 409);

  auto audit = parsed(call("GET", "/api/v1/audit?action=repair.start", ""));
  ASSERT_GE(audit["entries"].size(), 2u);  // the refused unknown-keyspace run too
  EXPECT_EQ(audit["entries"][0]["actor"], "alice");
}

TEST_F(RepairApiTest, SchedulesAndDeadlines) {
  EXPECT_EQ(call("POST", "/api/v1/repair/schedules", R"({"keyspace":"ks","kind":"weekly"})",
                 kOperatorToken)
                .status,
            400);
  auto added = call("POST", "/api/v1/repair/schedules",
                    R"({"keyspace":"ks","first_activation_us":4102444800000000})", kOperatorToken);
  ASSERT_EQ(added.status, 201) << added.body;
  json sc = parsed(added);
  EXPECT_EQ(sc["kind"], "incremental");
  EXPECT_EQ(sc["interval_derived"], true);
  // The planner's advice for the default gc_grace of 10 days: 10 d - a cycle of unknown length
  // (a quarter of gc_grace, plus 25%) - the safety margin (a fifth of gc_grace).
  EXPECT_EQ(sc["interval_seconds"], 475200);
  auto list = parsed(call("GET", "/api/v1/repair/schedules", ""));
  ASSERT_EQ(list["schedules"].size(), 1u);

  auto deadlines = parsed(call("GET", "/api/v1/repair/deadlines", ""));
  ASSERT_EQ(deadlines["tables"].size(), 1u);
  EXPECT_EQ(deadlines["tables"][0]["state"], "NEVER_REPAIRED");
  EXPECT_EQ(deadlines["tables"][0]["gc_grace_seconds"], 864000);

  const std::string path = "/api/v1/repair/schedules/" + std::to_string(sc["id"].get<int64_t>());
  EXPECT_EQ(call("DELETE", path, "").status, 401);
  EXPECT_EQ(call("DELETE", path, "", kOperatorToken).status, 200);
  EXPECT_EQ(call("DELETE", path, "", kOperatorToken).status, 404);
}

TEST_F(RepairApiTest, PreviewRunsAndSchedules) {
  for (const char* body : {R"({"keyspace":"ks","preview":true,"kind":"incremental"})",
                           R"({"keyspace":"ks","preview":true,"mark_repaired":true})",
                           R"({"keyspace":"ks","preview":1})"}) {
    auto r = call("POST", "/api/v1/repair/runs", body, kOperatorToken);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_NE(parsed(r)["detail"].get<std::string>().find("preview"), std::string::npos) << r.body;
    EXPECT_EQ(call("POST", "/api/v1/repair/schedules", body, kOperatorToken).status, 400) << body;
  }
  EXPECT_TRUE(parsed(call("GET", "/api/v1/repair/runs", ""))["runs"].empty());
  EXPECT_TRUE(parsed(call("GET", "/api/v1/repair/schedules", ""))["schedules"].empty());

  auto created = call("POST", "/api/v1/repair/runs",
                      R"({"keyspace":"ks","preview":true,"start":false})", kOperatorToken);
  ASSERT_EQ(created.status, 201) << created.body;
  json run = parsed(created);
  EXPECT_EQ(run["preview"], true);
  EXPECT_EQ(run["kind"], "full");
  EXPECT_EQ(run["differences"], json({{"tables", json::array()}}));
  const std::string id = std::to_string(run["id"].get<int64_t>());
  auto diff = call("GET", "/api/v1/repair/runs/" + id + "/differences?limit=10", "");
  ASSERT_EQ(diff.status, 200) << diff.body;
  EXPECT_EQ(parsed(diff)["ranges_total"], 0);
  EXPECT_EQ(call("GET", "/api/v1/repair/runs/999/differences", "").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/repair/runs/" + id + "/differences?limit=-1", "").status, 400);
  EXPECT_EQ(parsed(call("GET", "/api/v1/repair/runs?preview=true", ""))["runs"].size(), 1u);
  EXPECT_TRUE(parsed(call("GET", "/api/v1/repair/runs?preview=false", ""))["runs"].empty());
  EXPECT_EQ(call("GET", "/api/v1/repair/runs?preview=yes", "").status, 400);

  // A schedule's preview option makes its default kind full.
  auto sc = call("POST", "/api/v1/repair/schedules",
                 R"({"keyspace":"ks","preview":true,"first_activation_us":4102444800000000})",
                 kOperatorToken);
  ASSERT_EQ(sc.status, 201) << sc.body;
  EXPECT_EQ(parsed(sc)["preview"], true);
  EXPECT_EQ(parsed(sc)["kind"], "full");
}

TEST_F(RepairApiTest, ProofOfEveryTableOrOne) {
  auto all = call("GET", "/api/v1/repair/proof", "");
  ASSERT_EQ(all.status, 200) << all.body;
  json tables = parsed(all)["tables"];
  ASSERT_EQ(tables.size(), 1u);
  const json& t = tables[0];
  EXPECT_EQ(t["keyspace"], "ks");
  EXPECT_EQ(t["table"], "t");
  EXPECT_EQ(t["tombstone_gc"], "repair");  // the default for new tables
  EXPECT_EQ(t["replicas"], 3);
  EXPECT_TRUE(t["safe_now"].get<bool>());
  EXPECT_EQ(t["safe_since_us"], t["record_since_us"]);
  EXPECT_EQ(t["windows"], json::array());
  EXPECT_EQ(t["modes"].size(), 1u);
  EXPECT_NE(t["message"].get<std::string>().find("zombie-safe since"), std::string::npos);
  auto one = call("GET", "/api/v1/repair/proof?keyspace=ks&table=t&limit=0", "");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(parsed(one)["tables"].size(), 1u);
  // An ALTER is part of the record.
  ASSERT_EQ(call("PATCH", "/api/v1/keyspaces/ks/tables/t", R"({"tombstone_gc":"timeout"})",
                 kOperatorToken)
                .status,
            200);
  EXPECT_EQ(parsed(call("GET", "/api/v1/repair/proof?keyspace=ks", ""))["tables"][0]["modes"].size(),
            2u);

  expect_error(call("GET", "/api/v1/repair/proof?keyspace=nope", ""), 404, "not_found");
  expect_error(call("GET", "/api/v1/repair/proof?keyspace=ks&table=nope", ""), 404, "not_found");
  expect_error(call("GET", "/api/v1/repair/proof?table=t", ""), 400, "invalid_argument");
  expect_error(call("GET", "/api/v1/repair/proof?limit=-1", ""), 400, "invalid_argument");
  expect_error(call("GET", "/api/v1/repair/proof?limit=99999999999999999999", ""), 400,
               "invalid_argument");
  expect_error(call("GET", "/api/v1/repair/proof?colour=red", ""), 400, "invalid_argument");
}

TEST_F(RepairApiTest, AnAgentSaysASessionEnded) {
  auto r = call("POST", "/api/v1/repair/sessions/rk-r1-s1-a1/ended", "{}", kAgentToken);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(call("POST", "/api/v1/repair/sessions/rk-r1-s1-a1/ended", "{}").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/repair/sessions/rk-r1-s1-a1/ended", "{}", kOperatorToken).status,
            403);
  expect_error(call("POST", "/api/v1/repair/sessions/" + std::string(201, 'x') + "/ended", "{}",
                    kAgentToken),
               400, "invalid_argument");
}

TEST_F(RepairApiTest, WindowsAreCheckedAndShown) {
  for (const char* window : {R"({"windows":"mnd 22:00-06:00"})",
                             R"({"windows":"mon 22:00-06:00","time_zone":"Nowhere/City"})",
                             R"({"windows":"mon 22:00-06:00","on_close":"later"})",
                             R"({"time_zone":"UTC"})", R"("mon 22:00-06:00")"}) {
    const std::string body = std::string(R"({"keyspace":"ks","window":)") + window + "}";
    auto r = call("POST", "/api/v1/repair/runs", body, kOperatorToken);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_NE(parsed(r)["detail"].get<std::string>().find("window"), std::string::npos) << r.body;
    EXPECT_EQ(call("POST", "/api/v1/repair/schedules", body, kOperatorToken).status, 400) << body;
  }
  EXPECT_TRUE(parsed(call("GET", "/api/v1/repair/runs", ""))["runs"].empty());
  EXPECT_TRUE(parsed(call("GET", "/api/v1/repair/schedules", ""))["schedules"].empty());

  auto created = call("POST", "/api/v1/repair/runs",
                      R"({"keyspace":"ks","start":false,"window":{"windows":"sat,sun 00:00-24:00",)"
                      R"("time_zone":"Europe/Berlin","on_close":"stop"}})",
                      kOperatorToken);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(parsed(created)["window"], json({{"windows", "sat,sun 00:00-24:00"},
                                             {"time_zone", "Europe/Berlin"},
                                             {"on_close", "stop"}}));
  auto plain =
      call("POST", "/api/v1/repair/runs", R"({"keyspace":"ks","start":false})", kOperatorToken);
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_TRUE(parsed(plain)["window"].is_null());  // the scheduler's default
  auto sc = call("POST", "/api/v1/repair/schedules",
                 R"({"keyspace":"ks","first_activation_us":4102444800000000,)"
                 R"("window":{"windows":"mon-fri 22:00-06:00"}})",
                 kOperatorToken);
  ASSERT_EQ(sc.status, 201) << sc.body;
  EXPECT_EQ(parsed(sc)["window"]["time_zone"], "UTC");
  EXPECT_EQ(parsed(sc)["window"]["on_close"], "finish");
}

}  // namespace
}  // namespace rk::scheduler
