// rk-scheduler as a real process without agents: kill -9 at any moment loses no acknowledged
// registration or schema change, and `--help` / bad configs behave.
#include <gtest/gtest.h>

#include <fstream>

#include "cluster_fixture.h"
#include "ringkeeper/core/json_api.h"

namespace rk::testing {
namespace {

using nlohmann::json;

json registration(int n, const std::string& rack) {
  return {{"host_id", "fake-" + std::to_string(n)},
          {"cluster", "ringkeeper"},
          {"datacenter", "dc1"},
          {"rack", rack},
          {"addresses",
           {{"ops", "127.0.0.1:" + std::to_string(17100 + n)},
            {"internode", "127.0.0.1:" + std::to_string(17000 + n)},
            {"client", "127.0.0.1:" + std::to_string(19000 + n)}}}};
}

TEST(SchedulerProcessTest, KillNineLosesNothingAcknowledged) {
  LocalCluster cluster({.agents = 0});
  ASSERT_TRUE(cluster.start_scheduler().ok()) << cluster.scheduler_log_tail();
  const std::string agent = cluster.options().agent_token;
  for (int n = 1; n <= 3; ++n) {
    auto r = cluster.scheduler_post("/api/v1/agents/register",
                                    registration(n, "r" + std::to_string(n)).dump(), agent);
    ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->body : r.status().to_string());
  }
  ASSERT_TRUE(cluster.create_table("demo", "events", 3).ok());
  auto before = cluster.scheduler_get("/api/v1/nodes");
  ASSERT_TRUE(before.ok());

  cluster.stop_scheduler(SIGKILL);
  ASSERT_TRUE(cluster.start_scheduler().ok()) << cluster.scheduler_log_tail();
  auto after = cluster.scheduler_get("/api/v1/nodes");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*after)[i]["host_id"], (*before)[i]["host_id"]);
    EXPECT_EQ((*after)[i]["tokens"], (*before)[i]["tokens"]);
    EXPECT_EQ((*after)[i]["slot"], (*before)[i]["slot"]);
  }
  auto schema = cluster.scheduler_get("/api/v1/schema");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ((*schema)["version"], 2);
  auto audit = cluster.scheduler_get("/api/v1/audit?action=node.register");
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ((*audit)["entries"].size(), 3u);
  // Silent nodes go DOWN after the heartbeat timeout, also after a restart.
  ASSERT_TRUE(wait_until(
                  [&] {
                    auto n = cluster.scheduler_get("/api/v1/nodes/fake-1");
                    return n.ok() && (*n)["state"] == "DOWN";
                  },
                  std::chrono::seconds(10), "fake-1 DOWN")
                  .ok());
}

TEST(SchedulerProcessTest, BadConfigIsOneLineAndExitCode2) {
  LocalCluster cluster({.agents = 0});
  const std::string config = cluster.dir() + "/bad.yaml";
  std::ofstream(config) << "api:\n  prot: 7400\n";
  const std::string log = cluster.dir() + "/bad.log";
  auto p = ChildProcess::spawn({scheduler_binary(), "--config", config}, log);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(wait_until([&] { return !(*p)->running(); }, std::chrono::seconds(10), "exit").ok());
  std::ifstream in(log);
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find("unknown key"), std::string::npos) << line;
  EXPECT_NE(line.find("did you mean 'api.port'"), std::string::npos) << line;
}

}  // namespace
}  // namespace rk::testing
