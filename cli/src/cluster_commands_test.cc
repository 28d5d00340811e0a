// rkctl's cluster commands against a stand-in scheduler and agent (core's HTTP server with canned
// answers on 127.0.0.1): tables by default, --json, one-line errors, exit codes, what is sent.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "args.h"
#include "ringkeeper/cli/bulk_loader.h"
#include "ringkeeper/cli/rkctl.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"

namespace rk::cli {
namespace {

using nlohmann::json;

// A scheduler and an agent in one server: /api/v1/... and /v1/....
class FakeCluster {
 public:
  FakeCluster() {
    http::Router r;
    r.get("/api/v1/nodes",
          [this](const http::Request&) -> Result<http::Response> { return api::json_ok(nodes()); });
    r.get("/api/v1/ring", [this](const http::Request&) -> Result<http::Response> {
      return api::json_ok({{"version", 7}, {"cluster", "ringkeeper"}, {"nodes", nodes()}});
    });
    r.get("/api/v1/keyspaces/{ks}", [](const http::Request& req) -> Result<http::Response> {
      if (req.path_param("ks") != "demo")
        return Status::NotFound("no keyspace " + req.path_param("ks"));
      return api::json_ok(
          {{"name", "demo"},
           {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", 3}}},
           {"tables",
            {{{"name", "events"}, {"gc_grace_seconds", 60}, {"default_ttl_seconds", 0}}}}});
    });
    // ALTER as the scheduler answers it: immediate on RF 3 needs force.
    r.add(
        "PATCH", "/api/v1/keyspaces/{ks}/tables/{t}",
        [this](const http::Request& req) -> Result<http::Response> {
          record(req);
          json body = json::parse(req.body);
          if (body["tombstone_gc"] == "immediate" && !body.value("force", false))
            return Status::FailedPrecondition(
                "table demo.events: tombstone_gc immediate purges tombstones at once: with 3 "
                "replicas, one that missed a delete brings the data back");
          return api::json_ok(
              {{"name", "demo"},
               {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", 3}}},
               {"tables",
                {{{"name", req.path_param("t")},
                  {"gc_grace_seconds", 60},
                  {"default_ttl_seconds", 0},
                  {"tombstone_gc", body["tombstone_gc"]}}}}});
        },
        RoleSet::open());
    // The ways out of a quarantine, answering the node as the scheduler does.
    for (const char* action : {"rebuild", "unquarantine"}) {
      r.post(
          std::string("/api/v1/nodes/{h}/") + action,
          [this](const http::Request& req) -> Result<http::Response> {
            record(req);
            return api::json_ok({{"host_id", req.path_param("h")},
                                 {"state", "NORMAL"},
                                 {"quarantine", json::array()}});
          },
          RoleSet::open());
    }
    r.post("/api/v1/keyspaces", [this](const http::Request& req) -> Result<http::Response> {
      record(req);
      return api::json_response(201, {{"name", "demo"},
                                      {"replication", json::parse(req.body)["replication"]},
                                      {"tables", json::array()}});
    });
    r.post(
        "/v1/write",
        [this](const http::Request& req) -> Result<http::Response> {
          record(req);
          if (json::parse(req.body)["consistency"] == "ALL") {
            return Status::Unavailable(
                "ALL needs 3 of 3 replicas; 2 answered (down: 127.0.0.1:7102)");
          }
          return api::json_ok({{"ok", true}, {"acks", 2}, {"replicas", 3}});
        },
        RoleSet::open());
    r.post(
        "/v1/read",
        [](const http::Request&) -> Result<http::Response> {
          return api::json_ok(
              json::parse(R"({"partition":"k","token":"1","rows":[{"clustering":"c",)"
                          R"("cells":{"v":{"value":"hello","timestamp":5}}}]})"));
        },
        RoleSet::open());
    r.post(
        "/v1/batch",
        [this](const http::Request& req) -> Result<http::Response> {
          const json body = json::parse(req.body);
          std::lock_guard lock(mutex_);
          for (const auto& m : body["mutations"]) rows_ += m["ops"].size();
          return api::json_ok({{"ok", true}});
        },
        RoleSet::open());
    http::ServerOptions o;
    o.name = "fake";
    auto tokens = BearerTokens::create({{"alice", "alice-token-0123456789", Role::kOperator}});
    o.tokens = std::make_shared<const BearerTokens>(std::move(*tokens));
    server_ = std::move(http::Server::start(o, std::move(r))).value();
  }

  std::string url() const { return server_->base_url(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->bound_port()); }

  json nodes() const {
    json out = json::array();
    const char* tokens[] = {"-9223372036854676590", "-3074457345618159385", "3074457345618357820"};
    for (int i = 0; i < 3; ++i) {
      out.push_back(
          {{"host_id", "host-" + std::to_string(i + 1)},
           {"datacenter", "dc1"},
           {"rack", "r" + std::to_string(i + 1)},
           {"state", i == 2 ? "DOWN" : "NORMAL"},
           {"slot", i},
           {"tokens", {tokens[i]}},
           {"addresses", {{"ops", address()}, {"internode", address()}, {"client", address()}}},
           {"last_heartbeat", 0},
           {"load_bytes", 1536},
           {"version", "0.1.0"},
           {"quarantine", i == 1 ? json::array({{{"keyspace", "demo"}, {"table", "events"}}})
                                 : json::array()}});
    }
    return out;
  }

  void record(const http::Request& req) {
    std::lock_guard lock(mutex_);
    last_body_ = req.body;
    last_principal_ = req.principal;
  }
  json last_body() {
    std::lock_guard lock(mutex_);
    return json::parse(last_body_);
  }
  std::string last_principal() {
    std::lock_guard lock(mutex_);
    return last_principal_;
  }
  size_t rows() {
    std::lock_guard lock(mutex_);
    return rows_;
  }

 private:
  std::unique_ptr<http::Server> server_;
  std::mutex mutex_;
  std::string last_body_;
  std::string last_principal_;
  size_t rows_ = 0;
};

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome rkctl(const FakeCluster& fake, std::vector<std::string> args) {
  args.insert(args.begin(), {"rkctl", "--scheduler", fake.url()});
  std::ostringstream out, err;
  int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(ClusterCommands, StatusShowsEveryNodeWithItsShare) {
  FakeCluster fake;
  Outcome o = rkctl(fake, {"status"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("Datacenter: dc1"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("UN  NORMAL"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("DN  DOWN"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("33.3%"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("1.5 KiB"), std::string::npos) << o.out;

  Outcome effective = rkctl(fake, {"status", "--keyspace", "demo"});
  ASSERT_EQ(effective.code, 0) << effective.err;
  EXPECT_NE(effective.out.find("100.0%"), std::string::npos) << effective.out;

  Outcome json_out = rkctl(fake, {"--json", "status"});
  ASSERT_EQ(json_out.code, 0);
  json parsed = json::parse(json_out.out);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_NEAR(parsed[0]["owns"].get<double>(), 1.0 / 3, 1e-6);
}

TEST(ClusterCommands, StatusShowsAQuarantinedNode) {
  FakeCluster fake;
  Outcome o = rkctl(fake, {"status"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("UQ  QUARANTINED"), std::string::npos) << o.out;
}

TEST(ClusterCommands, NodeRebuildAndUnquarantineCallTheScheduler) {
  FakeCluster fake;
  Outcome o = rkctl(fake, {"node", "rebuild", "host-2"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "rebuilt; node host-2 is NORMAL\n");
  o = rkctl(fake, {"node", "unquarantine", "host-2", "--accept-risk"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(fake.last_body(), json({{"accept_risk", true}}));
}

TEST(ClusterCommands, NodeBadInputChangesNothing) {
  FakeCluster fake;
  Outcome o = rkctl(fake, {"node", "unquarantine", "host-2"});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--accept-risk"), std::string::npos) << o.err;
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1);
  o = rkctl(fake, {"node", "rebuild", "127.0.0.1"});  // all three nodes are at that address
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("3 nodes are at 127.0.0.1"), std::string::npos) << o.err;
  o = rkctl(fake, {"node", "rebuild", "host-9"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("no node host-9"), std::string::npos) << o.err;
  EXPECT_EQ(rkctl(fake, {"node", "drain", "host-2"}).code, 2);
  EXPECT_EQ(fake.rows(), 0u);
  EXPECT_THROW(fake.last_body(), json::exception) << "nothing was sent";
}

TEST(ClusterCommands, UnreachableSchedulerIsOneLineAndExitOne) {
  std::ostringstream out, err;
  int code = run({"rkctl", "--scheduler", "http://127.0.0.1:1", "status"}, out, err);
  EXPECT_EQ(code, 1);
  const std::string message = err.str();
  EXPECT_EQ(message.rfind("rkctl status: cannot reach the scheduler", 0), 0u) << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 1);
}

TEST(ClusterCommands, KeyspaceCreateSendsReplicationWithTheToken) {
  FakeCluster fake;
  Outcome noauth = rkctl(fake, {"keyspace", "create", "demo", "--rf", "3"});
  EXPECT_EQ(noauth.code, 1);
  EXPECT_NE(noauth.err.find("401"), std::string::npos) << noauth.err;
  EXPECT_NE(noauth.err.find("RK_TOKEN"), std::string::npos) << noauth.err;

  Outcome o = rkctl(fake, {"--token", "alice-token-0123456789", "keyspace", "create", "demo",
                           "--dc", "dc1=3", "--dc", "dc2=2"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(fake.last_principal(), "alice");
  EXPECT_EQ(fake.last_body()["replication"],
            json({{"class", "NetworkTopologyStrategy"}, {"dc1", 3}, {"dc2", 2}}));
  EXPECT_EQ(rkctl(fake, {"keyspace", "create", "demo"}).code, 2);
  EXPECT_EQ(rkctl(fake, {"keyspace", "create", "demo", "--rf", "x"}).code, 2);
}

TEST(ClusterCommands, TableDescribeFindsTheTable) {
  FakeCluster fake;
  Outcome o = rkctl(fake, {"table", "describe", "demo.events"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("gc_grace_seconds: 60"), std::string::npos) << o.out;
  Outcome missing = rkctl(fake, {"table", "describe", "demo.nope"});
  EXPECT_EQ(missing.code, 1);
  Outcome bad = rkctl(fake, {"table", "describe", "nodot"});
  EXPECT_EQ(bad.code, 2);
}

TEST(ClusterCommands, TableAlterSendsTheModeAndShowsTheTable) {
  FakeCluster fake;
  Outcome o = rkctl(fake, {"table", "alter", "demo.events", "--tombstone-gc", "repair"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(fake.last_body(), json({{"tombstone_gc", "repair"}}));
  EXPECT_NE(o.out.find("altered table demo.events"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("tombstone_gc: repair"), std::string::npos) << o.out;
  Outcome forced =
      rkctl(fake, {"table", "alter", "demo.events", "--tombstone-gc", "immediate", "--force"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(fake.last_body(), json({{"tombstone_gc", "immediate"}, {"force", true}}));
}

// An unknown mode, or alter without one, is a usage error and nothing is sent; immediate on
// RF 3 without --force is the scheduler's one-line refusal.
TEST(ClusterCommands, TableAlterBadInputIsAClearError) {
  FakeCluster fake;
  Outcome unknown = rkctl(fake, {"table", "alter", "demo.events", "--tombstone-gc", "sometimes"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("repair, timeout, disabled, immediate"), std::string::npos)
      << unknown.err;
  Outcome none = rkctl(fake, {"table", "alter", "demo.events"});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("--tombstone-gc"), std::string::npos) << none.err;
  Outcome create = rkctl(fake, {"table", "create", "demo.t", "--tombstone-gc", "later"});
  EXPECT_EQ(create.code, 2) << create.err;
  Outcome unforced = rkctl(fake, {"table", "alter", "demo.events", "--tombstone-gc", "immediate"});
  EXPECT_EQ(unforced.code, 1);
  EXPECT_NE(unforced.err.find("3 replicas"), std::string::npos) << unforced.err;
  EXPECT_EQ(std::count(unforced.err.begin(), unforced.err.end(), '\n'), 1) << unforced.err;
}

// Cassandra's bounds are checked before anything is sent: gc_grace 0..2^31-1, TTLs 0..20 years.
TEST(ClusterCommands, GcGraceAndTtlOutsideCassandrasBoundsAreUsageErrors) {
  FakeCluster fake;
  Outcome gc = rkctl(fake, {"table", "create", "demo.t", "--gc-grace", "2147483648"});
  EXPECT_EQ(gc.code, 2);
  EXPECT_NE(gc.err.find("--gc-grace must be between 0 and 2147483647"), std::string::npos)
      << gc.err;
  Outcome ttl = rkctl(fake, {"table", "create", "demo.t", "--ttl", "630720001"});
  EXPECT_EQ(ttl.code, 2);
  EXPECT_NE(ttl.err.find("630720000"), std::string::npos) << ttl.err;
  Outcome huge = rkctl(fake, {"table", "create", "demo.t", "--gc-grace", "9223372036854775808"});
  EXPECT_EQ(huge.code, 2) << huge.err;
  Outcome write_ttl = rkctl(fake, {"write", "demo.events", "k", "v=1", "--ttl", "630720001"});
  EXPECT_EQ(write_ttl.code, 2) << write_ttl.err;
  EXPECT_NE(write_ttl.err.find("630720000"), std::string::npos) << write_ttl.err;
}

TEST(ClusterCommands, WriteReadAndDeleteGoThroughANode) {
  FakeCluster fake;
  Outcome w = rkctl(fake, {"write", "demo.events", "k", "v=hello", "-c", "c", "--cl", "one"});
  ASSERT_EQ(w.code, 0) << w.err;
  EXPECT_NE(w.out.find("2 of 3 replicas"), std::string::npos) << w.out;
  json body = fake.last_body();
  EXPECT_EQ(body["consistency"], "ONE");
  EXPECT_EQ(body["ops"][0],
            json({{"op", "set"}, {"clustering", "c"}, {"column", "v"}, {"value", "hello"}}));

  Outcome r = rkctl(fake, {"read", "demo.events", "k", "--node", fake.address()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("hello"), std::string::npos) << r.out;

  Outcome d = rkctl(fake, {"delete", "demo.events", "k", "-c", "c", "--column", "v"});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(fake.last_body()["ops"][0]["op"], "delete_cell");

  Outcome all = rkctl(fake, {"write", "demo.events", "k", "v=1", "--cl", "ALL"});
  EXPECT_EQ(all.code, 1);
  EXPECT_EQ(all.err.rfind("rkctl write: unavailable", 0), 0u) << all.err;
  EXPECT_NE(all.err.find("down: 127.0.0.1:7102"), std::string::npos) << all.err;
  EXPECT_EQ(rkctl(fake, {"write", "demo.events", "k", "novalue"}).code, 2);
  EXPECT_EQ(rkctl(fake, {"write", "demo.events", "k", "v=1", "--cl", "SOME"}).code, 2);
}

TEST(ClusterCommands, LoadWritesEveryRowAndSummarizes) {
  FakeCluster fake;
  Outcome o = rkctl(fake, {"load", "demo.events", "--rows", "1050", "--batch", "100"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(fake.rows(), 1050u * 3);  // 3 cells per row by default
  EXPECT_NE(o.out.find("loaded 1050 rows (3150 cells)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("rows/s"), std::string::npos);
  Outcome json_out = rkctl(fake, {"load", "demo.events", "--rows", "10", "--json"});
  ASSERT_EQ(json_out.code, 0) << json_out.err;
  EXPECT_EQ(json::parse(json_out.out)["rows"], 10);
}

TEST(BulkLoader, ValuesAreDeterministicAndSized) {
  EXPECT_EQ(expected_value(42, 1, 16), expected_value(42, 1, 16));
  EXPECT_NE(expected_value(42, 1, 16), expected_value(42, 2, 16));
  EXPECT_EQ(expected_value(7, 0, 33).size(), 33u);
  LoadOptions o;
  o.rows_per_partition = 10;
  EXPECT_EQ(row_partition(o, 25), "key-2");
  EXPECT_EQ(row_clustering(o, 25), "c5");
}

TEST(Args, FlagsValuesAndNegativeNumbers) {
  auto a =
      parse_args({"x", "--cl", "ONE", "--rows=5", "-1", "--", "--literal"}, {"--cl", "--rows"}, {});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a->value("--cl"), "ONE");
  EXPECT_EQ(*a->value("--rows"), "5");
  EXPECT_EQ(a->positionals, (std::vector<std::string>{"x", "-1", "--literal"}));
  EXPECT_FALSE(parse_args({"--nope"}, {}, {}).ok());
  EXPECT_FALSE(parse_args({"--cl"}, {"--cl"}, {}).ok());
}

}  // namespace
}  // namespace rk::cli
