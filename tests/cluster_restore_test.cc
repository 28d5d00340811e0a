// A whole cluster restored onto new machines (docs/backup.md, "Runbook: restore the whole
// cluster"), with real processes and a real S3 server: a three-node cluster (RF 3) backs up to
// s3:// on s3rver through the scheduler's backup run; then a new scheduler with a fresh database
// takes the backup's schema from its manifests, and three new agents with empty data directories,
// started in reverse slot order, each restore one node of the backup. Each asks the scheduler for
// its backed-up tokens when it registers, so the order does not matter: all come up NORMAL with
// their old tokens and every row is there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "cluster_fixture.h"
#include "ringkeeper/backup/testing/s3_server.h"
#include "ringkeeper/core/json_api.h"

namespace rk::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kRows = 300;
// Two racks of two slots, three nodes: r1 holds slots 0 and 2, r2 slot 1, slot 3 is free. A
// restored node of r1 that registered without its tokens would take slot 0 whatever it held
// before, so the order of the restored nodes matters unless they ask for their tokens.
const std::vector<std::string> kRacks = {"r1", "r2"};
constexpr uint32_t kNodesPerRack = 2;

// The backup section of both the scheduler's and the agents' configs: s3rver's bucket.
std::string store_config(const backup::testing::S3rverProcess& s3, const std::string& extra) {
  return "backup:\n" + extra +
         "  store:\n    url: s3://backups/cluster1\n    s3:\n      endpoint: " + s3.endpoint() +
         "\n      path_style: true\n      access_key_id: " + backup::testing::kS3rverAccessKey +
         "\n      secret_access_key: " + backup::testing::kS3rverSecretKey + "\n";
}

// Writes rows key-0..key-(n-1) at ALL through agent 0, in batches.
Status write_rows(LocalCluster& c, int n) {
  for (int start = 0; start < n; start += 100) {
    json mutations = json::array();
    for (int i = start; i < std::min(n, start + 100); ++i) {
      mutations.push_back({{"keyspace", "demo"},
                           {"table", "events"},
                           {"partition", "key-" + std::to_string(i)},
                           {"ops", json::array({{{"op", "set"},
                                                 {"clustering", "c"},
                                                 {"column", "v"},
                                                 {"value", "value-" + std::to_string(i)}}})}});
    }
    RK_ASSIGN_OR_RETURN(http::Response r, c.client_post(0, "/v1/batch",
                                                        {{"consistency", "ALL"},
                                                         {"mutations", std::move(mutations)}}));
    RK_RETURN_IF_ERROR(api::status_from_response(r));
  }
  return Status::OK();
}

// How many of the rows written by write_rows do not read back (right value) at `cl` through agent
// `agent`.
int missing_rows(LocalCluster& c, size_t agent, const std::string& cl) {
  int missing = 0;
  for (int i = 0; i < kRows; ++i) {
    auto r = c.client_post(agent, "/v1/read",
                           {{"keyspace", "demo"},
                            {"table", "events"},
                            {"partition", "key-" + std::to_string(i)},
                            {"consistency", cl}});
    json j = r.ok() && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
    const bool found =
        j.is_object() && j.contains("rows") && j["rows"].size() == 1 &&
        j["rows"][0]["cells"]["v"].value("value", "") == "value-" + std::to_string(i);
    if (!found) ++missing;
  }
  return missing;
}

// Waits until agent i serves the scheduler's current ring with its own current addresses in it
// (after a restart on new ports).
Status wait_serving(LocalCluster& c, size_t i) {
  return wait_until(
      [&] {
        auto ring = c.scheduler_get("/api/v1/ring");
        auto seen = c.ops_get(i, "/v1/ring");
        if (!ring.ok() || !seen.ok() || seen->status != 200) return false;
        json served = json::parse(seen->body, nullptr, false);
        if (!served.is_object() || served.value("version", -1) != (*ring)["version"]) return false;
        for (const json& n : (*ring)["nodes"]) {
          if (n["host_id"] == c.agent(i).host_id) {
            return n["addresses"]["internode"] == c.agent(i).internode();
          }
        }
        return false;
      },
      std::chrono::seconds(20), c.agent(i).name + " serving the current ring");
}

struct BackedUpNode {
  std::string host_id;
  std::string rack;
  uint64_t slot = 0;
  json tokens;
};

class ClusterRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (agent_binary().empty()) GTEST_SKIP() << "rk-agent is not built";
    s3_dir_ = (fs::temp_directory_path() / ("rk-cluster-restore-s3-" + std::to_string(::getpid())))
                  .string();
    fs::remove_all(s3_dir_);
    auto s3 = backup::testing::S3rverProcess::start(s3_dir_, {"backups"});
    if (!s3.ok() && backup::testing::S3rverProcess::must_skip(s3.status())) {
      GTEST_SKIP() << s3.status().to_string();
    }
    ASSERT_TRUE(s3.ok()) << s3.status().to_string();
    s3_ = std::move(s3).value();
  }
  void TearDown() override {
    s3_.reset();
    fs::remove_all(s3_dir_);
  }

  // The old cluster: kRows rows, a backup "full" to s3:// through the scheduler's run, verified;
  // returns who held which tokens. Every process of it is gone afterwards, its database too.
  void back_up_old_cluster(std::vector<BackedUpNode>* backed_up) {
    LocalCluster old({.racks = kRacks,
                      .nodes_per_rack = kNodesPerRack,
                      .scheduler_config_extra = store_config(*s3_, "  poll_interval: 100ms\n"),
                      .agent_config_extra = store_config(*s3_, "")});
    ASSERT_OK(old.start());
    ASSERT_OK(old.create_table("demo", "events", 3));
    ASSERT_OK(write_rows(old, kRows));
    auto started = old.scheduler_post("/api/v1/backups", R"({"tag":"full"})", operator_token_);
    ASSERT_TRUE(started.ok() && started->status == 201)
        << (started.ok() ? started->body : started.status().to_string());
    json run;
    ASSERT_OK(wait_until(
        [&] {
          auto r = old.scheduler_get("/api/v1/backups/full");
          if (r.ok()) run = *r;
          return r.ok() && run.value("state", "") != "RUNNING";
        },
        std::chrono::seconds(60), "the backup run to end"));
    ASSERT_EQ(run.value("state", ""), "COMPLETE") << run.dump() << old.logs_tail();
    auto report = old.scheduler_get("/api/v1/backups/full/verify");
    ASSERT_TRUE(report.ok()) << report.status().to_string();
    EXPECT_TRUE(report->value("ok", false)) << report->dump();
    auto ring = old.scheduler_get("/api/v1/ring");
    ASSERT_TRUE(ring.ok());
    for (const json& n : (*ring)["nodes"]) {
      backed_up->push_back({n["host_id"].get<std::string>(), n["rack"].get<std::string>(),
                            n["slot"].get<uint64_t>(), n["tokens"]});
    }
    ASSERT_EQ(backed_up->size(), 3u);
  }

  // A new cluster's options: the old layout config and store (its database is fresh).
  LocalClusterOptions new_cluster() const {
    return {.agents = 0,
            .racks = kRacks,
            .nodes_per_rack = kNodesPerRack,
            .scheduler_config_extra = store_config(*s3_, "  poll_interval: 100ms\n")};
  }

  // An agent's backup section restoring `host_id` from "full".
  std::string restore_config(const std::string& host_id) const {
    return store_config(*s3_, "  restore_tag: full\n  restore_host_id: " + host_id + "\n");
  }

  const std::string operator_token_ = LocalClusterOptions{}.operator_token;
  std::string s3_dir_;
  std::unique_ptr<backup::testing::S3rverProcess> s3_;
};

TEST_F(ClusterRestoreTest, ANewClusterRestoresEveryNodeInAnyOrderOntoAFreshScheduler) {
  std::vector<BackedUpNode> backed_up;
  ASSERT_NO_FATAL_FAILURE(back_up_old_cluster(&backed_up));

  // The new cluster: the same layout config and store, a fresh database. Schema first, from the
  // backup's manifests (as the runbook says), then the agents, last slot first.
  LocalCluster c(new_cluster());
  ASSERT_OK(c.start_scheduler());
  const std::string cmd = rkctl_binary() + " --scheduler " + c.scheduler_url() + " --token " +
                          operator_token_ + " --json backup restore-schema full 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out(4096, '\0');
  out.resize(fread(out.data(), 1, out.size(), p));
  ASSERT_EQ(::pclose(p), 0) << out << c.logs_tail();
  EXPECT_EQ(json::parse(out, nullptr, false)["created"], json::array({"demo", "demo.events"}))
      << out;
  std::sort(backed_up.begin(), backed_up.end(),
            [](const BackedUpNode& a, const BackedUpNode& b) { return a.slot > b.slot; });
  for (const BackedUpNode& n : backed_up) {
    auto i = c.add_agent(n.rack, "", restore_config(n.host_id));
    ASSERT_TRUE(i.ok()) << i.status().to_string() << c.logs_tail();
    ASSERT_OK(c.wait_for_state(n.host_id, "NORMAL"));
  }
  ASSERT_OK(c.wait_for_normal(3, std::chrono::seconds(30)));
  // A restored agent given other tokens than its backup's would have stopped by now.
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(c.agent(i).process->running()) << c.logs_tail();
  for (const BackedUpNode& n : backed_up) {
    auto node = c.scheduler_get("/api/v1/nodes/" + n.host_id);
    ASSERT_TRUE(node.ok()) << node.status().to_string();
    EXPECT_EQ((*node)["tokens"], n.tokens) << n.host_id;
    EXPECT_EQ((*node)["slot"], n.slot) << n.host_id;
  }
  auto audit = c.scheduler_get("/api/v1/audit?action=node.register");
  ASSERT_TRUE(audit.ok());
  EXPECT_NE(audit->dump().find(backed_up.front().host_id), std::string::npos) << audit->dump();

  // Every row at ALL, then at ONE from each node while the other two are down.
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(missing_rows(c, i, "ALL"), 0) << c.logs_tail();
  c.stop_agent(1);
  c.stop_agent(2);
  EXPECT_EQ(missing_rows(c, 0, "ONE"), 0) << c.logs_tail();
  ASSERT_OK(c.start_agent(1));
  ASSERT_OK(wait_serving(c, 1));
  c.stop_agent(0);
  EXPECT_EQ(missing_rows(c, 1, "ONE"), 0) << c.logs_tail();
  ASSERT_OK(c.start_agent(2));
  ASSERT_OK(wait_serving(c, 2));
  c.stop_agent(1);
  EXPECT_EQ(missing_rows(c, 2, "ONE"), 0) << c.logs_tail();
}

// A restored node whose slot another host took first (a node started without a restore) is
// refused by the scheduler, naming that host, and stops without serving.
TEST_F(ClusterRestoreTest, ARestoredNodeWhoseSlotIsTakenStopsNamingTheHolder) {
  std::vector<BackedUpNode> backed_up;
  ASSERT_NO_FATAL_FAILURE(back_up_old_cluster(&backed_up));
  const auto first = std::min_element(
      backed_up.begin(), backed_up.end(),
      [](const BackedUpNode& a, const BackedUpNode& b) { return a.slot < b.slot; });
  ASSERT_EQ(first->slot, 0u);
  LocalCluster c(new_cluster());
  ASSERT_OK(c.start_scheduler());
  ASSERT_OK(c.create_table("demo", "events", 3));
  auto intruder = c.add_agent(first->rack);  // no restore: takes the lowest free slot, 0
  ASSERT_TRUE(intruder.ok()) << intruder.status().to_string();
  ASSERT_OK(c.wait_for_normal(1, std::chrono::seconds(20)));
  // The restored agent may stop before its port files appear (add_agent then fails) or after.
  (void)c.add_agent(first->rack, "", restore_config(first->host_id));
  AgentProcess& restored = c.agent(1);
  ASSERT_OK(wait_until([&] { return restored.process && !restored.process->running(); },
                       std::chrono::seconds(30), "the restored agent to stop"));
  const std::string tail = restored.process->log_tail(5);
  EXPECT_NE(tail.find("held by host " + c.agent(0).host_id), std::string::npos) << tail;
  EXPECT_EQ(c.scheduler_get("/api/v1/nodes/" + first->host_id).status().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rk::testing
