// The cluster behind the web UI's browser test (ui/e2e/ui.test.mjs): a real rk-scheduler and three
// rk-agents from LocalCluster, a keyspace with two tables and a few rows. The test drives this
// program through its standard input and output, one line each way:
//   out: ready {"url","operator_token","agent_token","sessions","agents":[{"host_id","ops"}]}
//   in:  stop-scheduler | start-scheduler | quit      out: ok | error <text>
// It exits (and its processes die with it) when its input closes.
#include <signal.h>
#include <sys/prctl.h>

#include <iostream>
#include <string>

#include "cluster_fixture.h"
#include "ringkeeper/core/json_api.h"

namespace {

using nlohmann::json;

// Quick retries without repair sessions on the agents would fail runs within seconds; a slower
// retry keeps them RUNNING for the pause/resume steps either way.
const char* const kRepairConfig =
    "repair:\n"
    "  tick_interval: 100ms\n"
    "  retry_initial_delay: 3s\n"
    "  retry_max_delay: 3s\n"
    "  max_attempts: 100\n"
    "  signals_ttl: 0ms\n";

int fail(const std::string& what, const rk::Status& s, rk::testing::LocalCluster& cluster) {
  std::cout << "error " << what << ": " << s.to_string() << std::endl;
  std::cerr << cluster.logs_tail() << std::endl;
  return 1;
}

}  // namespace

int main() {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  using rk::testing::LocalCluster;
  if (rk::testing::agent_binary().empty()) {
    std::cout << "error rk-agent is not built" << std::endl;
    return 1;
  }
  LocalCluster cluster({.agents = 3, .scheduler_config_extra = kRepairConfig});
  if (rk::Status s = cluster.start(); !s.ok()) return fail("starting the cluster", s, cluster);
  if (rk::Status s = cluster.create_table("demo", "events", 3); !s.ok()) {
    return fail("creating demo.events", s, cluster);
  }
  auto t = cluster.scheduler_post("/api/v1/keyspaces/demo/tables", R"({"name":"users"})",
                                  cluster.options().operator_token);
  if (!t.ok()) return fail("creating demo.users", t.status(), cluster);
  for (int i = 0; i < 20; ++i) {
    json w = {{"keyspace", "demo"},
              {"table", i % 2 ? "users" : "events"},
              {"partition", "p" + std::to_string(i)},
              {"consistency", "ALL"},
              {"ops", {{{"op", "set"}, {"clustering", "c"}, {"column", "v"}, {"value", "x"}}}}};
    auto r = cluster.client_post(static_cast<size_t>(i % 3), "/v1/write", w);
    if (!r.ok()) return fail("writing sample rows", r.status(), cluster);
  }
  auto sessions = cluster.ops_get(0, "/v1/repair/sessions");
  json agents = json::array();
  for (size_t i = 0; i < cluster.agent_count(); ++i) {
    agents.push_back({{"host_id", cluster.agent(i).host_id}, {"ops", cluster.agent(i).ops()}});
  }
  json ready = {{"url", cluster.scheduler_url()},
                {"operator_token", cluster.options().operator_token},
                {"agent_token", cluster.options().agent_token},
                {"sessions", sessions.ok() && sessions->status == 200},
                {"agents", agents},
                {"dir", cluster.dir()}};
  std::cout << "ready " << ready.dump() << std::endl;

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit") break;
    if (line == "stop-scheduler") {
      cluster.stop_scheduler(SIGKILL);
      std::cout << "ok" << std::endl;
    } else if (line == "start-scheduler") {
      rk::Status s = cluster.start_scheduler();
      if (s.ok()) {
        std::cout << "ok" << std::endl;
      } else {
        std::cout << "error " << s.to_string() << std::endl;
      }
    } else {
      std::cout << "error unknown command '" << line << "'" << std::endl;
    }
  }
  return 0;
}
