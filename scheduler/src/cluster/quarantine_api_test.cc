// Quarantine of returning nodes through the REST API: a node back after longer than a timeout
// table's gc_grace is quarantined for it (shown on the node and the ring, a CRITICAL alert), the
// ways out refuse bad input and change nothing then, and the release is audited.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api_test_support.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;
using namespace testing;  // the scheduler's test support: tokens and SchedulerApiTest

class QuarantineApiTest : public SchedulerApiTest {
 protected:
  void SetUp() override { start(base_options()); }

  void register_node(int n, const std::string& rack, int64_t last_healthy_us = 0) {
    json body = registration(n, rack);
    if (last_healthy_us > 0) body["last_healthy_us"] = last_healthy_us;
    auto r = call("POST", "/api/v1/agents/register", body.dump(), kAgentToken);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  void create(const std::string& ks, int rf, const std::string& table, const std::string& mode,
              int grace = 60) {
    auto r = call("POST", "/api/v1/keyspaces",
                  json{{"name", ks},
                       {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", rf}}}}
                      .dump(),
                  kOperatorToken);
    ASSERT_TRUE(r.status == 201 || r.status == 409) << r.body;
    r = call("POST", "/api/v1/keyspaces/" + ks + "/tables",
             json{{"name", table}, {"gc_grace_seconds", grace}, {"tombstone_gc", mode}}.dump(),
             kOperatorToken);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  json quarantine_of(const std::string& host) {
    return parsed(call("GET", "/api/v1/nodes/" + host, ""))["quarantine"];
  }

  json audit(const std::string& action) {
    return parsed(call("GET", "/api/v1/audit?action=" + action, ""))["entries"];
  }

  int64_t hours_ago(int h) const { return clock_.now_micros() - int64_t{h} * 3600 * 1'000'000; }
};

TEST_F(QuarantineApiTest, NodeBackAfterGcGraceIsQuarantinedForItsTimeoutTablesOnly) {
  register_node(1, "r1");
  register_node(2, "r2");
  register_node(3, "r3");
  create("ks", 3, "t", "timeout");
  create("ks", 3, "r", "repair");
  create("ks", 3, "d", "disabled");
  // host-3 restarts, last healthy an hour ago: longer than gc_grace (60 s) of ks.t.
  register_node(3, "r3", hours_ago(1));

  json q = quarantine_of("host-3");
  ASSERT_EQ(q.size(), 1u) << q.dump();
  EXPECT_EQ(q[0]["keyspace"], "ks");
  EXPECT_EQ(q[0]["table"], "t");
  EXPECT_EQ(q[0]["gc_grace_seconds"], 60);
  EXPECT_TRUE(quarantine_of("host-1").empty());
  bool in_ring = false;
  const json ring = parsed(call("GET", "/api/v1/ring", ""));  // the loop must not iterate a temporary
  for (const json& n : ring["nodes"]) {
    if (n["host_id"] == "host-3") in_ring = n["quarantine"].size() == 1;
  }
  EXPECT_TRUE(in_ring) << "agents learn the quarantine from the ring";

  json alerts = parsed(call("GET", "/api/v1/alerts?active=true", ""))["alerts"];
  ASSERT_EQ(alerts.size(), 1u) << alerts.dump();
  EXPECT_EQ(alerts[0]["signal"], "quarantine/host-3");
  EXPECT_EQ(alerts[0]["state"], "CRITICAL");
  const std::string message = alerts[0]["message"];
  EXPECT_NE(message.find("ks.t"), std::string::npos) << message;
  EXPECT_NE(message.find("rkctl node rebuild host-3"), std::string::npos) << message;
  ASSERT_EQ(audit("node.quarantine").size(), 1u);
}

TEST_F(QuarantineApiTest, NodeBackWithinGcGraceIsNotQuarantined) {
  register_node(1, "r1");
  create("ks", 1, "t", "timeout", 7200);
  register_node(1, "r1", hours_ago(1));
  EXPECT_TRUE(quarantine_of("host-1").empty());
  EXPECT_TRUE(parsed(call("GET", "/api/v1/alerts?active=true", ""))["alerts"].empty());
}

TEST_F(QuarantineApiTest, UnquarantineNeedsTheFlagAndIsAudited) {
  register_node(1, "r1");
  register_node(2, "r2");
  create("ks", 2, "t", "timeout");
  register_node(2, "r2", hours_ago(1));
  ASSERT_EQ(quarantine_of("host-2").size(), 1u);

  for (const std::string body : {"{}", R"({"accept_risk": false})"}) {
    auto r = call("POST", "/api/v1/nodes/host-2/unquarantine", body, kOperatorToken);
    expect_error(r, 400, "invalid_argument");
    EXPECT_NE(r.body.find("accept"), std::string::npos) << r.body;
    EXPECT_EQ(quarantine_of("host-2").size(), 1u) << "a refusal changes nothing";
  }
  auto r = call("POST", "/api/v1/nodes/host-2/unquarantine", R"({"accept_risk": true})",
                kOperatorToken);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(parsed(r)["quarantine"].empty());
  EXPECT_TRUE(quarantine_of("host-2").empty());
  EXPECT_TRUE(parsed(call("GET", "/api/v1/alerts?active=true", ""))["alerts"].empty());

  json entries = audit("node.unquarantine");
  ASSERT_EQ(entries.size(), 3u) << entries.dump();
  EXPECT_EQ(entries[0]["result"], "ok");
  EXPECT_EQ(entries[0]["actor"], "alice");
  EXPECT_EQ(entries[0]["detail"], "risk accepted for ks.t");
  EXPECT_EQ(entries[1]["result"], "invalid_argument");

  r = call("POST", "/api/v1/nodes/host-2/unquarantine", R"({"accept_risk": true})",
           kOperatorToken);
  expect_error(r, 409, "failed_precondition");
  expect_error(call("POST", "/api/v1/nodes/host-2/unquarantine", R"({"accept_risk": true})",
                    kReaderToken),
               403, "permission_denied");
}

TEST_F(QuarantineApiTest, RebuildOfTheLastReplicaOfARangeIsRefused) {
  register_node(1, "r1");
  register_node(2, "r2");
  create("solo", 1, "t", "timeout");
  register_node(1, "r1", hours_ago(1));
  ASSERT_EQ(quarantine_of("host-1").size(), 1u);

  auto r = call("POST", "/api/v1/nodes/host-1/rebuild", "", kOperatorToken);
  expect_error(r, 409, "failed_precondition");
  EXPECT_NE(r.body.find("last usable replica"), std::string::npos) << r.body;
  EXPECT_EQ(quarantine_of("host-1").size(), 1u) << "a refusal changes nothing";
  json entries = audit("node.rebuild");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["result"], "failed_precondition");

  // A node that is not quarantined has nothing to rebuild.
  expect_error(call("POST", "/api/v1/nodes/host-2/rebuild", "", kOperatorToken), 409,
               "failed_precondition");
  expect_error(call("POST", "/api/v1/nodes/nobody/rebuild", "", kOperatorToken), 404,
               "not_found");
}

}  // namespace
}  // namespace rk::scheduler
