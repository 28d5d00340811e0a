// The fixture of the repair end-to-end tests (repair_test.cc, zombie_proof_test.cc): a
// LocalCluster with fast repair ticks, calls to the scheduler's and agents' APIs, writes and reads
// through the agents' client API, raw exports, compaction, and waiting for runs.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster_fixture.h"
#include "ringkeeper/core/json_api.h"

namespace rk::testing {

using nlohmann::json;

// GTEST_SKIP returns from the test body, so this must be a macro.
#define REQUIRE_SESSIONS()                                                               \
  do {                                                                                   \
    if (!sessions_supported_) GTEST_SKIP() << "rk-agent has no repair sessions API yet"; \
  } while (0)

inline const char* const kFastRepairs =
    "repair:\n"
    "  tick_interval: 100ms\n"
    "  retry_initial_delay: 200ms\n"
    "  retry_max_delay: 1s\n"
    "  segment_timeout: 60s\n"
    "  signals_ttl: 0ms\n";

class RepairE2E : public ::testing::Test {
 protected:
  // `scheduler_config`: the scheduler's repair settings (the fast ticks by default).
  void start(int agents = 3, const char* scheduler_config = kFastRepairs) {
    if (agent_binary().empty()) GTEST_SKIP() << "rk-agent is not built";
    cluster_ = std::make_unique<LocalCluster>(
        LocalClusterOptions{.agents = agents, .scheduler_config_extra = scheduler_config});
    ASSERT_OK(cluster_->start());
    auto r = agent_call(0, "GET", "/v1/repair/sessions", nullptr);
    sessions_supported_ = r.ok() && r->status == 200;
  }
  Result<http::Response> agent_call(size_t agent, const std::string& method,
                                    const std::string& path, const json& body) {
    http::ClientRequest req{method,
                            "http://" + cluster_->agent(agent).ops() + path,
                            {},
                            body.is_null() ? "" : body.dump(),
                            {}};
    req.headers["Authorization"] = "Bearer " + cluster_->options().agent_token;
    return http_.request(req);
  }

  Status scheduler_call(const std::string& method, const std::string& path, const json& body,
                        json* out = nullptr) {
    http::ClientRequest req{
        method, cluster_->scheduler_url() + path, {}, body.is_null() ? "" : body.dump(), {}};
    req.headers["Authorization"] = "Bearer " + cluster_->options().operator_token;
    RK_ASSIGN_OR_RETURN(http::Response r, http_.request(req));
    RK_ASSIGN_OR_RETURN(json j, api::parse_response(r));
    if (out != nullptr) *out = std::move(j);
    return Status::OK();
  }

  // Tables with their gc_grace_seconds, in `tombstone_gc` mode (empty: the scheduler's default).
  Status create_keyspace(const std::string& ks, const std::map<std::string, int>& tables,
                         const std::string& tombstone_gc = "") {
    RK_RETURN_IF_ERROR(scheduler_call(
        "POST", "/api/v1/keyspaces",
        {{"name", ks}, {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", 3}}}}));
    for (const auto& [name, grace] : tables) {
      json body = {{"name", name}, {"gc_grace_seconds", grace}};
      if (!tombstone_gc.empty()) body["tombstone_gc"] = tombstone_gc;
      RK_RETURN_IF_ERROR(scheduler_call("POST", "/api/v1/keyspaces/" + ks + "/tables", body));
    }
    // Every agent has the schema before data goes in.
    return cluster_->wait_for_schema(tables.rbegin()->first, std::chrono::seconds(10));
  }

  Status write(size_t agent, const std::string& ks, const std::string& table,
               const std::string& key, const std::optional<std::string>& value,
               const std::string& cl) {
    json op = value ? json{{"op", "set"}, {"clustering", "c"}, {"column", "v"}, {"value", *value}}
                    : json{{"op", "delete_row"}, {"clustering", "c"}};
    RK_ASSIGN_OR_RETURN(http::Response r, cluster_->client_post(agent, "/v1/write",
                                                                {{"keyspace", ks},
                                                                 {"table", table},
                                                                 {"partition", key},
                                                                 {"consistency", cl},
                                                                 {"ops", json::array({op})}}));
    return api::status_from_response(r);
  }

  // The value of the row, "" when there is none, "?" and the error when the read failed.
  std::string read(size_t agent, const std::string& ks, const std::string& table,
                   const std::string& key, const std::string& cl) {
    Result<http::Response> r = cluster_->client_post(
        agent, "/v1/read",
        {{"keyspace", ks}, {"table", table}, {"partition", key}, {"consistency", cl}});
    Result<json> body = r.ok() ? api::parse_response(*r) : Result<json>(r.status());
    if (!body.ok()) return "?" + body.status().to_string();
    for (const json& row : body->value("rows", json::array())) {
      if (row.value("clustering", "") == "c" && row["cells"].contains("v")) {
        return row["cells"]["v"].value("value", "");
      }
    }
    return std::string();
  }

  // Every partition of the table on one node (raw: tombstones included), over the whole ring.
  Result<json> export_table(size_t agent, const std::string& ks, const std::string& table) {
    json out = json::array();
    json range = "(-9223372036854775808,-9223372036854775808]";
    while (!range.is_null()) {
      http::ClientRequest req{
          "POST",
          "http://" + cluster_->agent(agent).internode() + "/internode/v1/export",
          {},
          json{{"keyspace", ks}, {"table", table}, {"range", range}, {"scope", "all"}}.dump(),
          {}};
      req.headers["Authorization"] = "Bearer " + cluster_->options().cluster_secret;
      RK_ASSIGN_OR_RETURN(http::Response r, http_.request(req));
      RK_ASSIGN_OR_RETURN(json page, api::parse_response(r));
      for (json& p : page["partitions"]) out.push_back(std::move(p));
      range = page["next"];
    }
    return out;
  }

  // Whether one node holds partition `key` of the table (raw: a tombstone counts); an export that
  // fails counts as holding it, so a wait for "gone" never passes on an error.
  bool holds(size_t agent, const std::string& ks, const std::string& table,
             const std::string& key) {
    auto rows = export_table(agent, ks, table);
    if (!rows.ok()) return true;
    for (const json& p : *rows) {
      if (p.value("partition", "") == key) return true;
    }
    return false;
  }

  Status compact_all() {
    for (size_t i = 0; i < cluster_->agent_count(); ++i) {
      if (!cluster_->agent(i).process || !cluster_->agent(i).process->running()) continue;
      RK_ASSIGN_OR_RETURN(http::Response r, agent_call(i, "POST", "/v1/flush", nullptr));
      RK_RETURN_IF_ERROR(api::status_from_response(r));
      // Three rounds: the first folds merge operands into values, the second drops the cells a
      // deletion shadows, the third the deletion itself (it goes only once nothing it shadows is
      // left: storage/src/tombstone_purge.h).
      for (int round = 0; round < 3; ++round) {
        RK_ASSIGN_OR_RETURN(r, agent_call(i, "POST", "/v1/compact", nullptr));
        RK_RETURN_IF_ERROR(api::status_from_response(r));
      }
    }
    return Status::OK();
  }

  Result<int64_t> start_run(json body) { return cluster_->start_repair_run(body); }

  Result<json> run(int64_t id) {
    return cluster_->scheduler_get("/api/v1/repair/runs/" + std::to_string(id));
  }

  Status wait_run_done(int64_t id, std::chrono::milliseconds deadline) {
    return cluster_->wait_repair_run(id, deadline).status();
  }

  Result<std::vector<json>> sessions_of(int64_t id) { return cluster_->repair_sessions_of(id); }

  // Rows the succeeded sessions of run `id` validated, all together.
  Result<int64_t> rows_validated(int64_t id) {
    RK_ASSIGN_OR_RETURN(std::vector<json> sessions, sessions_of(id));
    if (sessions.empty()) return Status::NotFound("no sessions of run " + std::to_string(id));
    int64_t rows = 0;
    for (const json& s : sessions) {
      if (s.value("state", "") != "SUCCEEDED") continue;
      rows += s["progress"].value("rows_validated", int64_t{0});
    }
    return rows;
  }

  std::unique_ptr<LocalCluster> cluster_;
  bool sessions_supported_ = false;
  http::Client http_;
};

// rkctl against the cluster's scheduler with the operator token: exit code and output.
inline std::pair<int, std::string> run_rkctl(LocalCluster& cluster, const std::string& args) {
  const std::string cmd = rkctl_binary() + " --scheduler " + cluster.scheduler_url() + " --token " +
                          cluster.options().operator_token + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = p == nullptr ? -1 : ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace rk::testing
