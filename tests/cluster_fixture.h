// A local cluster of real processes for integration tests: one rk-scheduler and N rk-agents on
// 127.0.0.1, every listener on port 0 with a port file, state in a fresh temporary directory.
// Processes die with the test (SIGKILL on destruction, and PR_SET_PDEATHSIG if the test itself
// dies). Waiting is always polling with a deadline.
//
//   LocalCluster cluster({.agents = 3});
//   ASSERT_OK(cluster.start());                       // scheduler + 3 agents, all NORMAL
//   cluster.stop_agent(1, SIGKILL);
//   auto r = cluster.client_post(0, "/v1/write", body);
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/status.h"

// Test helpers shared by the integration tests (gtest must be included first).
#define ASSERT_OK(expr)                           \
  do {                                            \
    const ::rk::Status rk_s_ = (expr);            \
    ASSERT_TRUE(rk_s_.ok()) << rk_s_.to_string(); \
  } while (0)

// GTEST_SKIP returns from the function it is in, so this must be a macro.
#define REQUIRE_AGENT()                                                                 \
  do {                                                                                  \
    if (::rk::testing::agent_binary().empty()) GTEST_SKIP() << "rk-agent is not built"; \
  } while (0)

namespace rk::testing {

// Bodies for the client data API on table demo.events: a write of `value` into column v of row
// "c" of `partition` at consistency `cl`, and a read of that partition.
nlohmann::json write_body(const std::string& partition, const std::string& value,
                          const std::string& cl);
nlohmann::json read_body(const std::string& partition, const std::string& cl);
// The value of column v in row "c" of a read's answer, or "" when there is none.
std::string value_of(const http::Response& r);

// Where the binaries are (set by tests/CMakeLists.txt); empty when not built.
std::string scheduler_binary();
std::string agent_binary();
std::string rkctl_binary();
// Runs rkctl with `args` (each passed as one argument); its exit code and stdout.
std::pair<int, std::string> run_rkctl(const std::vector<std::string>& args);

// One child process, its output in a log file.
class ChildProcess {
 public:
  static Result<std::unique_ptr<ChildProcess>> spawn(const std::vector<std::string>& argv,
                                                     const std::string& log_path);
  ~ChildProcess();  // SIGKILL and reap if still running

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` and waits (up to `deadline`) for the process to exit; SIGKILL after that.
  void stop(int sig = SIGTERM, std::chrono::milliseconds deadline = std::chrono::seconds(10));
  const std::string& log_path() const { return log_path_; }
  // The last lines of the log, for failure messages.
  std::string log_tail(size_t lines = 20) const;

 private:
  ChildProcess(pid_t pid, std::string log) : pid_(pid), log_path_(std::move(log)) {}
  pid_t pid_;
  bool reaped_ = false;
  std::string log_path_;
};

// Polls `done` every `poll` until it is true or `deadline` passes; Timeout naming `what` then.
Status wait_until(const std::function<bool()>& done, std::chrono::milliseconds deadline,
                  const std::string& what,
                  std::chrono::milliseconds poll = std::chrono::milliseconds(20));

struct AgentProcess;

// The raw bytes of a keep-alive POST /v1/batch writing `rows` rows (100-byte values) to one
// partition at ONE, for load tests that drive an agent's client API over raw connections
// (ringkeeper/core/testing/raw_http.h).
std::string raw_batch_request(const std::string& keyspace, const std::string& table,
                              const std::string& partition, int rows);

struct LocalClusterOptions {
  int agents = 3;
  std::vector<std::string> racks = {"r1", "r2", "r3"};  // agent i goes to racks[i % size]
  std::string datacenter = "dc1";
  uint32_t nodes_per_rack = 1;  // the scheduler's datacenter plan
  int num_tokens = 1;           // every agent's vnodes
  std::string heartbeat_interval = "200ms";
  std::string heartbeat_timeout = "2s";
  std::string agent_token = "agent-token-for-tests-0123456789";
  std::string operator_token = "operator-token-for-tests-0123456789";
  std::string cluster_secret = "cluster-secret-for-tests-0123456789";
  std::chrono::milliseconds start_deadline{30000};
  // Appended to the scheduler's YAML config (e.g. "repair:\n  tick_interval: 100ms\n").
  std::string scheduler_config_extra;
  // Appended to every agent's YAML config (e.g. "signals:\n  sample_interval: 200ms\n").
  std::string agent_config_extra;
  // Added inside every agent's `client:` listener section, indented by two spaces (e.g.
  // "  handler_threads: 1\n").
  std::string client_listener_config;
  // Backup store URL given to the scheduler and every agent ("" = the built-in default).
  std::string backup_store;
  // idle_timeout of every listener (the scheduler's API, the agents' three APIs); "" = default.
  std::string idle_timeout;
  // The address agent i registers under (advertise_address: what the scheduler and peers
  // connect to, e.g. a fault proxy's); "" = its listen address 127.0.0.1. Null: always "".
  std::function<std::string(size_t i)> advertise_address;
  // Called after each (re)start of an agent once its port files are read (e.g. to put a proxy
  // on its advertised address).
  std::function<void(AgentProcess&)> on_agent_started;
};

struct AgentProcess {
  std::string name;  // agent1, agent2, ...
  std::string rack;
  std::string dir;  // its data directory and files
  std::string replace_address;
  std::string extra_config;  // YAML lines appended to the agent's config (e.g. a backup section)
  std::string advertise_address;  // "" = 127.0.0.1 (LocalClusterOptions::advertise_address)
  std::unique_ptr<ChildProcess> process;
  int ops_port = 0;
  int internode_port = 0;
  int client_port = 0;
  std::string host_id;  // from <dir>/data/host_id once started

  std::string ops() const { return "127.0.0.1:" + std::to_string(ops_port); }
  std::string internode() const { return "127.0.0.1:" + std::to_string(internode_port); }
  std::string client() const { return "127.0.0.1:" + std::to_string(client_port); }
};

class LocalCluster {
 public:
  explicit LocalCluster(LocalClusterOptions options = {});
  ~LocalCluster();

  // Starts the scheduler and options.agents agents, then waits until every agent is NORMAL in
  // the scheduler's ring.
  Status start();

  Status start_scheduler();
  void stop_scheduler(int sig = SIGTERM);
  ChildProcess* scheduler_process() { return scheduler_.get(); }
  std::string scheduler_url() const;

  // Adds and starts an agent in `rack` (replacing the node at `replace_address` if given, with
  // `extra_config` as its AgentProcess::extra_config); returns its index once its port files
  // exist.
  Result<size_t> add_agent(const std::string& rack, const std::string& replace_address = "",
                           const std::string& extra_config = "");
  Status start_agent(size_t i);  // (re)starts agent i with its existing data directory
  void stop_agent(size_t i, int sig = SIGTERM);
  // Waits for agent i's port files again (after it re-executed itself, e.g. to apply a restore;
  // remove them first with forget_agent_ports) and re-reads its host id.
  Status reread_agent(size_t i);
  void forget_agent_ports(size_t i);
  AgentProcess& agent(size_t i) { return *agents_.at(i); }
  size_t agent_count() const { return agents_.size(); }

  // Waits until the scheduler's ring shows `host_id` in `state`.
  Status wait_for_state(const std::string& host_id, const std::string& state,
                        std::chrono::milliseconds deadline = std::chrono::seconds(20));
  // Waits until every running agent is NORMAL and knows `count` ring nodes.
  Status wait_for_normal(size_t count, std::chrono::milliseconds deadline);

  // HTTP helpers: the scheduler's API and agents' ops and client APIs.
  Result<nlohmann::json> scheduler_get(const std::string& path);
  Result<http::Response> scheduler_post(const std::string& path, const std::string& body,
                                        const std::string& token);
  Result<http::Response> client_post(size_t agent, const std::string& path,
                                     const nlohmann::json& body);
  Result<http::Response> ops_get(size_t agent, const std::string& path);
  // POST to agent i's ops API with the agent token.
  Result<http::Response> ops_post(size_t agent, const std::string& path, const std::string& body);

  // Creates a keyspace (SimpleStrategy `rf`) and a table, as the operator.
  Status create_table(const std::string& keyspace, const std::string& table, int rf);
  // Waits until every running agent's schema names `table`.
  Status wait_for_schema(const std::string& table, std::chrono::milliseconds deadline);

  // Repair runs through the scheduler's API (docs/api.md), as the operator.
  // Starts a run (POST /api/v1/repair/runs with `body`); its id.
  Result<int64_t> start_repair_run(const nlohmann::json& body);
  // Polls run `id` every `poll` until it ends: the run as it ended when DONE; Timeout, or Internal
  // when it ended ERROR or ABORTED, with the run and the processes' last log lines.
  Result<nlohmann::json> wait_repair_run(
      int64_t id, std::chrono::milliseconds deadline,
      std::chrono::milliseconds poll = std::chrono::milliseconds(20));
  // The sessions of run `id` as the agents that coordinated them list them (the driver names
  // them rk-r<run>-s<segment>-a<attempt>-<start>); agents not running are left out.
  Result<std::vector<nlohmann::json>> repair_sessions_of(int64_t id);

  const LocalClusterOptions& options() const { return options_; }
  const std::string& dir() const { return dir_; }
  std::string scheduler_log_tail() const;
  std::string logs_tail() const;  // every process's last lines, for failure messages

 private:
  std::string write_agent_config(const AgentProcess& a) const;
  Status read_agent_ports(AgentProcess& a, std::chrono::milliseconds deadline);

  LocalClusterOptions options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> scheduler_;
  int scheduler_port_ = 0;
  int scheduler_runs_ = 0;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
  http::Client http_;
};

}  // namespace rk::testing
