// rk-scheduler's REST API over real HTTP (SchedulerProcess on 127.0.0.1, port 0): the happy path
// of each endpoint, and bad input to every one of them — malformed JSON, unknown fields, missing
// or wrong tokens, oversized bodies — always answered with the JSON error shape.
#include "cluster/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api_test_support.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

using namespace testing;  // the scheduler's test support: tokens and SchedulerApiTest

class RestApiTest : public SchedulerApiTest {
 protected:
  void SetUp() override {
    SchedulerOptions o = base_options();
    o.api.max_body_bytes = 4096;
    start(o);
  }
};

TEST_F(RestApiTest, AgentRegistersHeartbeatsAndShowsInRingAndNodes) {
  auto r = call("POST", "/api/v1/agents/register", registration(1, "r1").dump(), kAgentToken);
  ASSERT_EQ(r.status, 200) << r.body;
  json reg = json::parse(r.body);
  EXPECT_EQ(reg["state"], "NORMAL");
  EXPECT_EQ(reg["tokens"].size(), 1u);
  EXPECT_TRUE(reg["tokens"][0].is_string());
  EXPECT_EQ(reg["ring"]["nodes"].size(), 1u);
  EXPECT_EQ(reg["ring"]["nodes"][0]["addresses"]["client"], "127.0.0.1:9001");
  EXPECT_EQ(reg["schema"]["version"], 0);

  auto hb = call("POST", "/api/v1/agents/host-1/heartbeat",
                 json({{"load_bytes", 2048}, {"ring_version", 0}, {"schema_version", 0}}).dump(),
                 kAgentToken);
  ASSERT_EQ(hb.status, 200) << hb.body;
  EXPECT_TRUE(json::parse(hb.body).contains("ring"));

  auto nodes = json::parse(call("GET", "/api/v1/nodes", "").body);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0]["load_bytes"], 2048);
  auto node = call("GET", "/api/v1/nodes/host-1", "");
  EXPECT_EQ(node.status, 200);
  expect_error(call("GET", "/api/v1/nodes/nobody", ""), 404, "not_found");
  auto ring = json::parse(call("GET", "/api/v1/ring", "").body);
  EXPECT_EQ(ring["cluster"], "ringkeeper");
  EXPECT_GE(ring["version"].get<int64_t>(), 1);
}

TEST_F(RestApiTest, KeyspacesAndTablesAreCreatedDescribedAndAudited) {
  auto ks =
      call("POST", "/api/v1/keyspaces",
           R"({"name":"demo","replication":{"class":"SimpleStrategy","replication_factor":3}})",
           kOperatorToken);
  ASSERT_EQ(ks.status, 201) << ks.body;
  auto t = call("POST", "/api/v1/keyspaces/demo/tables",
                R"({"name":"events","gc_grace_seconds":60})", kOperatorToken);
  ASSERT_EQ(t.status, 201) << t.body;
  auto described = json::parse(call("GET", "/api/v1/keyspaces/demo", "").body);
  EXPECT_EQ(described["replication"]["replication_factor"], 3);
  EXPECT_EQ(described["tables"][0]["name"], "events");
  EXPECT_EQ(described["tables"][0]["gc_grace_seconds"], 60);
  EXPECT_EQ(described["tables"][0]["default_ttl_seconds"], 0);
  EXPECT_EQ(described["tables"][0]["tombstone_gc"], "repair") << "the default for new tables";
  EXPECT_EQ(json::parse(call("GET", "/api/v1/keyspaces", "").body).size(), 1u);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/schema", "").body)["version"], 2);
  auto nts = call("POST", "/api/v1/keyspaces",
                  R"({"name":"multi","replication":{"class":"NetworkTopologyStrategy","dc1":3}})",
                  kOperatorToken);
  EXPECT_EQ(nts.status, 201) << nts.body;
  expect_error(
      call("POST", "/api/v1/keyspaces",
           R"({"name":"demo","replication":{"class":"SimpleStrategy","replication_factor":1}})",
           kOperatorToken),
      409, "already_exists");

  auto audit =
      json::parse(call("GET", "/api/v1/audit?actor=alice&action=keyspace.create", "").body);
  ASSERT_EQ(audit["entries"].size(), 3u);
  EXPECT_EQ(audit["entries"][0]["result"], "already_exists");
  EXPECT_EQ(audit["entries"][2]["result"], "ok");
  EXPECT_EQ(audit["entries"][2]["target"], "demo");
  expect_error(call("GET", "/api/v1/audit?limit=x", ""), 400, "invalid_argument");
  expect_error(call("GET", "/api/v1/audit?color=red", ""), 400, "invalid_argument");
}

// ALTER of a table's tombstone_gc: changes the mode and the schema version; an unknown mode and
// immediate on RF 3 without force are clear errors and change nothing.
TEST_F(RestApiTest, TableTombstoneGcIsSetAtCreateAndAltered) {
  ASSERT_EQ(
      call("POST", "/api/v1/keyspaces",
           R"({"name":"demo","replication":{"class":"SimpleStrategy","replication_factor":3}})",
           kOperatorToken)
          .status,
      201);
  ASSERT_EQ(call("POST", "/api/v1/keyspaces/demo/tables",
                 R"({"name":"old","tombstone_gc":"timeout"})", kOperatorToken)
                .status,
            201);
  auto mode = [&] {
    auto ks = json::parse(call("GET", "/api/v1/keyspaces/demo", "").body);
    return ks["tables"][0]["tombstone_gc"].get<std::string>();
  };
  auto version = [&] {
    return json::parse(call("GET", "/api/v1/schema", "").body)["version"].get<int64_t>();
  };
  EXPECT_EQ(mode(), "timeout");
  const int64_t before = version();
  const std::string path = "/api/v1/keyspaces/demo/tables/old";

  auto unknown = call("PATCH", path, R"({"tombstone_gc":"sometimes"})", kOperatorToken);
  expect_error(unknown, 400, "invalid_argument");
  EXPECT_NE(unknown.body.find("repair, timeout, disabled, immediate"), std::string::npos)
      << unknown.body;
  auto unforced = call("PATCH", path, R"({"tombstone_gc":"immediate"})", kOperatorToken);
  expect_error(unforced, 409, "failed_precondition");
  EXPECT_NE(unforced.body.find("3 replicas"), std::string::npos) << unforced.body;
  expect_error(call("PATCH", path, "{}", kOperatorToken), 400, "invalid_argument");
  expect_error(call("PATCH", path, R"({"tombstone_gc":"repair","colour":1})", kOperatorToken), 400,
               "invalid_argument");
  EXPECT_EQ(mode(), "timeout");
  EXPECT_EQ(version(), before) << "refused ALTERs change nothing";

  auto altered = call("PATCH", path, R"({"tombstone_gc":"repair"})", kOperatorToken);
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(json::parse(altered.body)["tables"][0]["tombstone_gc"], "repair");
  EXPECT_EQ(version(), before + 1);
  EXPECT_EQ(call("PATCH", path, R"({"tombstone_gc":"repair"})", kOperatorToken).status, 200);
  EXPECT_EQ(version(), before + 1) << "the same mode again is no change";
  ASSERT_EQ(
      call("PATCH", path, R"({"tombstone_gc":"immediate","force":true})", kOperatorToken).status,
      200);
  EXPECT_EQ(mode(), "immediate");

  expect_error(call("POST", "/api/v1/keyspaces/demo/tables",
                    R"({"name":"fast","tombstone_gc":"immediate"})", kOperatorToken),
               409, "failed_precondition");
  EXPECT_EQ(call("POST", "/api/v1/keyspaces/demo/tables",
                 R"({"name":"fast","tombstone_gc":"immediate","force":true})", kOperatorToken)
                .status,
            201);
  auto audit = json::parse(call("GET", "/api/v1/audit?action=table.alter", "").body);
  EXPECT_GE(audit["entries"].size(), 4u) << audit.dump();
}

struct Endpoint {
  std::string path;
  std::string valid_body;
  std::string token;  // the one that may call it
};

TEST_F(RestApiTest, BadInputToEveryMutatingEndpointIsAJsonError) {
  ASSERT_EQ(
      call("POST", "/api/v1/agents/register", registration(1, "r1").dump(), kAgentToken).status,
      200);
  ASSERT_EQ(
      call("POST", "/api/v1/keyspaces",
           R"({"name":"demo","replication":{"class":"SimpleStrategy","replication_factor":3}})",
           kOperatorToken)
          .status,
      201);
  const std::vector<Endpoint> endpoints = {
      {"/api/v1/agents/register", registration(2, "r2").dump(), kAgentToken},
      {"/api/v1/agents/host-1/heartbeat", R"({"ring_version":0})", kAgentToken},
      {"/api/v1/keyspaces",
       R"({"name":"other","replication":{"class":"SimpleStrategy","replication_factor":1}})",
       kOperatorToken},
      {"/api/v1/keyspaces/demo/tables", R"({"name":"t1"})", kOperatorToken},
  };
  for (const Endpoint& e : endpoints) {
    SCOPED_TRACE(e.path);
    expect_error(call("POST", e.path, "{not json", e.token), 400, "invalid_argument");
    expect_error(call("POST", e.path, "[1,2]", e.token), 400, "invalid_argument");
    json with_extra = json::parse(e.valid_body);
    with_extra["surprise"] = 1;
    expect_error(call("POST", e.path, with_extra.dump(), e.token), 400, "invalid_argument");
    expect_error(call("POST", e.path, e.valid_body), 401, "unauthenticated");
    expect_error(call("POST", e.path, e.valid_body, "wrong-token-0123456789"), 401,
                 "unauthenticated");
    expect_error(call("POST", e.path, e.valid_body, kReaderToken), 403, "permission_denied");
    expect_error(call("POST", e.path, std::string(8192, ' ') + e.valid_body, e.token), 413,
                 "payload_too_large");
    // After all that, the valid call still works.
    auto ok = call("POST", e.path, e.valid_body, e.token);
    EXPECT_TRUE(ok.ok()) << ok.body;
  }
  // The agent token cannot create keyspaces; an operator cannot register agents.
  expect_error(call("POST", "/api/v1/keyspaces", endpoints[2].valid_body, kAgentToken), 403,
               "permission_denied");
  expect_error(
      call("POST", "/api/v1/agents/register", registration(3, "r3").dump(), kOperatorToken), 403,
      "permission_denied");
}

TEST_F(RestApiTest, BadValuesAreRefusedWithTheFieldNamed) {
  json r = registration(1, "r1");
  r["addresses"]["ops"] = "127.0.0.1";
  auto bad_addr = call("POST", "/api/v1/agents/register", r.dump(), kAgentToken);
  expect_error(bad_addr, 400, "invalid_argument");
  EXPECT_NE(bad_addr.body.find("addresses.ops"), std::string::npos);
  r = registration(1, "r1");
  r["num_tokens"] = 0;
  expect_error(call("POST", "/api/v1/agents/register", r.dump(), kAgentToken), 400,
               "invalid_argument");
  r = registration(1, "r1");
  r["replace_address"] = "127.0.0.1:7999";
  expect_error(call("POST", "/api/v1/agents/register", r.dump(), kAgentToken), 404, "not_found");
  expect_error(call("POST", "/api/v1/agents/nobody/heartbeat", "{}", kAgentToken), 404,
               "not_found");
  expect_error(
      call("POST", "/api/v1/agents/nobody/heartbeat", R"({"state":"SLEEPY"})", kAgentToken), 400,
      "invalid_argument");
  expect_error(
      call("POST", "/api/v1/keyspaces",
           R"({"name":"bad name","replication":{"class":"SimpleStrategy","replication_factor":3}})",
           kOperatorToken),
      400, "invalid_argument");
  expect_error(call("POST", "/api/v1/keyspaces",
                    R"({"name":"ks","replication":{"class":"LocalStrategy"}})", kOperatorToken),
               400, "invalid_argument");
  expect_error(
      call("POST", "/api/v1/keyspaces",
           R"({"name":"ks","replication":{"class":"SimpleStrategy","replication_factor":0}})",
           kOperatorToken),
      400, "invalid_argument");
  expect_error(call("POST", "/api/v1/keyspaces/none/tables", R"({"name":"t"})", kOperatorToken),
               404, "not_found");
  expect_error(call("DELETE", "/api/v1/ring", "", kOperatorToken), 405, "method_not_allowed");
  expect_error(call("GET", "/api/v1/nope", ""), 404, "not_found");
}

// Registration with requested tokens (a node restored from a backup): it gets the slot of those
// tokens whatever the order; a slot held by another host is a 409 naming it; tokens of no slot
// and malformed tokens are 400. Every registration, refused ones included, is audited.
TEST_F(RestApiTest, AgentsRegisterWithRequestedTokens) {
  // host-3 (rack r3) takes slot 2 of the 3-slot dc1 ring.
  auto first = call("POST", "/api/v1/agents/register", registration(3, "r3").dump(), kAgentToken);
  ASSERT_EQ(first.status, 200) << first.body;
  const json held = json::parse(first.body)["tokens"];

  json r = registration(1, "r1");
  r["tokens"] = held;
  auto taken = call("POST", "/api/v1/agents/register", r.dump(), kAgentToken);
  expect_error(taken, 409, "already_exists");
  EXPECT_NE(taken.body.find("host-3"), std::string::npos) << taken.body;

  r["tokens"] = json::array({"12345"});
  auto no_slot = call("POST", "/api/v1/agents/register", r.dump(), kAgentToken);
  expect_error(no_slot, 400, "invalid_argument");
  EXPECT_NE(no_slot.body.find("no slot"), std::string::npos) << no_slot.body;
  for (const json& bad :
       {json::array({12345}), json::array({"12x"}), json::array(), json::array({"1", "2"})}) {
    r["tokens"] = bad;
    expect_error(call("POST", "/api/v1/agents/register", r.dump(), kAgentToken), 400,
                 "invalid_argument");
  }

  // host-3 again, with its own tokens: fine.
  json again = registration(3, "r3");
  again["tokens"] = held;
  auto ok = call("POST", "/api/v1/agents/register", again.dump(), kAgentToken);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["tokens"], held);
  auto audit =
      json::parse(call("GET", "/api/v1/audit?action=node.register", "", kOperatorToken).body);
  size_t refused = 0;
  for (const json& e : audit["entries"]) refused += e["target"] == "host-1" ? 1 : 0;
  EXPECT_EQ(refused, 3u) << audit.dump();  // taken, no slot, two tokens for num_tokens 1
}

// ---- Strict numbers: every bad number is a 400 naming the field, never a 500 ----

struct BadNumber {
  std::string method;
  std::string path;
  std::string body;   // with the bad value
  std::string field;  // named in the detail
};

TEST_F(RestApiTest, BadNumbersAreRefusedNamingTheFieldOnEveryEndpoint) {
  ASSERT_EQ(
      call("POST", "/api/v1/agents/register", registration(1, "r1").dump(), kAgentToken).status,
      200);
  ASSERT_EQ(
      call("POST", "/api/v1/keyspaces",
           R"({"name":"demo","replication":{"class":"SimpleStrategy","replication_factor":1}})",
           kOperatorToken)
          .status,
      201);
  const std::string ks =
      R"({"name":"k2","replication":{"class":"SimpleStrategy","replication_factor":)";
  const std::string nts = R"({"name":"k3","replication":{"class":"NetworkTopologyStrategy","dc1":)";
  const std::vector<BadNumber> cases = {
      // Overflow beyond a double: malformed JSON (it was a 500).
      {"POST", "/api/v1/keyspaces", ks + "1e400}}", "1e400"},
      {"POST", "/api/v1/keyspaces/demo/tables", R"({"name":"t","gc_grace_seconds":1e400})",
       "1e400"},
      {"POST", "/api/v1/repair/runs", R"({"keyspace":"demo","max_sessions":1e400})", "1e400"},
      {"POST", "/api/v1/alerts", R"({"host_id":"h","signal":"s","state":"OK","at_us":1e400})",
       "1e400"},
      // A string where a number belongs.
      {"POST", "/api/v1/keyspaces", ks + R"("3"}})", "replication_factor"},
      {"POST", "/api/v1/keyspaces", nts + R"("3"}})", "dc1"},
      {"POST", "/api/v1/keyspaces/demo/tables", R"({"name":"t","gc_grace_seconds":"10"})",
       "gc_grace_seconds"},
      {"POST", "/api/v1/backups/purge", R"({"keep_last":"3"})", "keep_last"},
      // Fractions where integers belong.
      {"POST", "/api/v1/keyspaces", ks + "2.5}}", "replication_factor"},
      {"POST", "/api/v1/keyspaces/demo/tables", R"({"name":"t","default_ttl_seconds":1.5})",
       "default_ttl_seconds"},
      {"POST", "/api/v1/backup-schedules", R"({"name":"s","interval_seconds":3600.5})",
       "interval_seconds"},
      {"POST", "/api/v1/repair/schedules", R"({"keyspace":"demo","interval_seconds":0.5})",
       "interval_seconds"},
      // Negative where the value is a count, a size or a time.
      {"POST", "/api/v1/keyspaces/demo/tables", R"({"name":"t","gc_grace_seconds":-1})",
       "gc_grace_seconds"},
      {"POST", "/api/v1/backups/purge", R"({"keep_days":-1})", "keep_days"},
      {"POST", "/api/v1/agents/host-1/heartbeat", R"({"load_bytes":-5})", "load_bytes"},
      {"POST", "/api/v1/repair/runs", R"({"keyspace":"demo","max_segment_bytes":-1})",
       "max_segment_bytes"},
      // Beyond int64, and beyond Cassandra's bounds.
      {"POST", "/api/v1/keyspaces/demo/tables",
       R"({"name":"t","gc_grace_seconds":9223372036854775807})", "0..2147483647"},
      {"POST", "/api/v1/keyspaces/demo/tables",
       R"({"name":"t","gc_grace_seconds":18446744073709551615})", "gc_grace_seconds"},
      {"POST", "/api/v1/keyspaces/demo/tables", R"({"name":"t","default_ttl_seconds":630720001})",
       "0..630720000"},
      {"POST", "/api/v1/backup-schedules", R"({"name":"s","keep_last":99999999999})", "keep_last"},
      {"PATCH", "/api/v1/repair/runs/1", R"({"max_sessions":4294967297})", "max_sessions"},
      // Query strings.
      {"GET", "/api/v1/audit?limit=99999999999999999999", "", "limit"},
      {"GET", "/api/v1/audit?limit=0", "", "1..1000"},
      {"GET", "/api/v1/alerts?since_us=-1", "", "since_us"},
      {"GET", "/api/v1/repair/runs?limit=1.5", "", "limit"},
  };
  for (const BadNumber& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
    const bool agent =
        c.path.find("/agents/") != std::string::npos || c.path.starts_with("/api/v1/alerts");
    const std::string token = agent ? kAgentToken : kOperatorToken;
    http::Response r = call(c.method, c.path, c.body, token);
    expect_error(r, 400, "invalid_argument");
    EXPECT_NE(r.body.find(c.field), std::string::npos) << r.body;
  }
  // Nothing was created by any of them.
  auto schema = json::parse(call("GET", "/api/v1/schema", "").body);
  ASSERT_EQ(schema["keyspaces"].size(), 1u) << schema.dump();
  EXPECT_TRUE(schema["keyspaces"][0]["tables"].empty()) << schema.dump();
  EXPECT_TRUE(json::parse(call("GET", "/api/v1/backup-schedules", "").body)["schedules"].empty());
  // The bounds themselves are accepted.
  EXPECT_EQ(call("POST", "/api/v1/keyspaces/demo/tables",
                 R"({"name":"t","gc_grace_seconds":2147483647,"default_ttl_seconds":630720000})",
                 kOperatorToken)
                .status,
            201);
}

TEST_F(RestApiTest, BackupSchedulesAnswerAtTheNewSpellingAndTheOldAlias) {
  // The defaults are the service's: daily, the 7 newest kept.
  http::Response created =
      call("POST", "/api/v1/backup/schedules", R"({"name":"nightly"})", kOperatorToken);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["interval_seconds"], 86400);
  EXPECT_EQ(json::parse(created.body)["keep_last"], 7);
  ASSERT_EQ(call("POST", "/api/v1/backup-schedules",
                 R"({"name":"weekly","interval_seconds":604800})", kOperatorToken)
                .status,
            201);
  for (const char* path : {"/api/v1/backup/schedules", "/api/v1/backup-schedules"}) {
    json list = json::parse(call("GET", path, "").body);
    ASSERT_EQ(list["schedules"].size(), 2u) << path << " " << list.dump();
  }
  // The bounds are the service's too, whichever spelling carries them.
  http::Response too_often = call("POST", "/api/v1/backup/schedules",
                                  R"({"name":"s","interval_seconds":59})", kOperatorToken);
  expect_error(too_often, 400, "invalid_argument");
  EXPECT_NE(too_often.body.find("interval_seconds"), std::string::npos) << too_often.body;
  EXPECT_EQ(call("DELETE", "/api/v1/backup-schedules/nightly", "", kOperatorToken).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/backup/schedules/weekly", "", kOperatorToken).status, 200);
  EXPECT_TRUE(json::parse(call("GET", "/api/v1/backup/schedules", "").body)["schedules"].empty());
}

// ---- Every refused mutating call leaves exactly one audit entry and changes nothing ----

struct Refusal {
  std::string method;
  std::string path;
  std::string body;
  std::string token;
  int status;
  std::string actor;   // expected in the entry
  std::string action;  // expected in the entry
};

TEST_F(RestApiTest, EveryRefusedMutationIsAuditedOnceAndChangesNothing) {
  ASSERT_EQ(
      call("POST", "/api/v1/keyspaces",
           R"({"name":"demo","replication":{"class":"SimpleStrategy","replication_factor":1}})",
           kOperatorToken)
          .status,
      201);
  const std::vector<Refusal> refusals = {
      // Backups, purge and backup schedules: by validation and by authentication.
      {"POST", "/api/v1/backups", R"({"tag":5})", kOperatorToken, 400, "alice", "backup.start"},
      {"POST", "/api/v1/backups", "{}", "", 401, "anonymous", "backup.start"},
      {"POST", "/api/v1/backups", "{}", kReaderToken, 403, "grafana", "backup.start"},
      {"POST", "/api/v1/backups", std::string(8192, ' ') + "{}", kOperatorToken, 413, "alice",
       "backup.start"},
      {"POST", "/api/v1/backups/purge", R"({"keep_last":-1})", kOperatorToken, 400, "alice",
       "backup.purge"},
      {"POST", "/api/v1/backups/purge", "{}", "wrong-token-0123456789", 401, "anonymous",
       "backup.purge"},
      {"POST", "/api/v1/backup-schedules", R"({"name":"s","interval_seconds":1e400})",
       kOperatorToken, 400, "alice", "backup.schedule.create"},
      {"POST", "/api/v1/backup-schedules", R"({"name":"s"})", kReaderToken, 403, "grafana",
       "backup.schedule.create"},
      {"DELETE", "/api/v1/backup-schedules/nope", "", kOperatorToken, 404, "alice",
       "backup.schedule.delete"},
      // Refused by the service (recorded there, completed with the route and status).
      {"POST", "/api/v1/keyspaces",
       R"({"name":"demo","replication":{"class":"SimpleStrategy","replication_factor":1}})",
       kOperatorToken, 409, "alice", "keyspace.create"},
      {"POST", "/api/v1/keyspaces/demo/tables", R"({"name":"t","gc_grace_seconds":2147483648})",
       kOperatorToken, 400, "alice", "table.create"},
      {"POST", "/api/v1/keyspaces/demo/tables", R"({"name":"t","tombstone_gc":"sometimes"})",
       kOperatorToken, 400, "alice", "table.create"},
      {"PATCH", "/api/v1/keyspaces/demo/tables/nope", R"({"tombstone_gc":"timeout"})",
       kOperatorToken, 404, "alice", "table.alter"},
      {"PATCH", "/api/v1/keyspaces/demo/tables/nope", R"({"tombstone_gc":"timeout"})", kReaderToken,
       403, "grafana", "table.alter"},
      {"POST", "/api/v1/repair/runs", R"({"keyspace":"nope"})", kOperatorToken, 404, "alice",
       "repair.start"},
      {"POST", "/api/v1/repair/runs/7/abort", "", kOperatorToken, 404, "alice", "repair.abort"},
      {"POST", "/api/v1/alerts", R"({"host_id":"h"})", kAgentToken, 400, "agent", "alert.record"},
  };
  for (const Refusal& c : refusals) {
    SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
    const json before = json::parse(call("GET", "/api/v1/audit?limit=1000", "").body)["entries"];
    const std::string backups = call("GET", "/api/v1/backups", "").body;
    const std::string schedules = call("GET", "/api/v1/backup-schedules", "").body;
    const std::string schema = call("GET", "/api/v1/schema", "").body;

    http::Response r = call(c.method, c.path, c.body, c.token);
    EXPECT_EQ(r.status, c.status) << r.body;
    const std::string reason = json::parse(r.body).value("detail", "");

    const json after = json::parse(call("GET", "/api/v1/audit?limit=1000", "").body)["entries"];
    ASSERT_EQ(after.size(), before.size() + 1) << after.dump();
    const json& e = after[0];
    EXPECT_EQ(e["actor"], c.actor) << e.dump();
    EXPECT_EQ(e["action"], c.action) << e.dump();
    EXPECT_NE(e["result"], "ok") << e.dump();
    const std::string route_and_status = "HTTP " + std::to_string(c.status) + " " + c.method;
    EXPECT_EQ(e["detail"].get<std::string>().rfind(route_and_status, 0), 0u) << e.dump();
    EXPECT_NE(e["detail"].get<std::string>().find(reason), std::string::npos) << e.dump();
    // Nothing changed.
    EXPECT_EQ(call("GET", "/api/v1/backups", "").body, backups);
    EXPECT_EQ(call("GET", "/api/v1/backup-schedules", "").body, schedules);
    EXPECT_EQ(call("GET", "/api/v1/schema", "").body, schema);
  }
  // Reads and successful calls leave no refusal behind.
  const size_t entries =
      json::parse(call("GET", "/api/v1/audit?limit=1000", "").body)["entries"].size();
  EXPECT_EQ(call("GET", "/api/v1/nope", "").status, 404);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/audit?limit=1000", "").body)["entries"].size(),
            entries);
}

}  // namespace
}  // namespace rk::scheduler
