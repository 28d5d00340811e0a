// rk-agent: shared flags and config (core/config_args.h), then run the agent until SIGINT/SIGTERM
// or a fatal error.
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "ringkeeper/agent/agent.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/config_args.h"
#include "ringkeeper/core/log.h"

namespace {

char** g_argv = nullptr;  // for the re-exec after a staged restore

// A re-executed agent (after a staged restore) takes the ports it had: peers, the scheduler and
// rkctl keep reaching it where they did, even when the config says port 0.
constexpr const char* kReexecPorts = "RK_AGENT_REEXEC_PORTS";

rk::agent::AgentOptions with_inherited_ports(rk::agent::AgentOptions options) {
  const char* env = std::getenv(kReexecPorts);
  if (env == nullptr) return options;
  unsigned ops = 0, internode = 0, client = 0;
  if (std::sscanf(env, "%u:%u:%u", &ops, &internode, &client) == 3) {
    if (options.ops.port == 0) options.ops.port = static_cast<uint16_t>(ops);
    if (options.internode.port == 0) options.internode.port = static_cast<uint16_t>(internode);
    if (options.client.port == 0) options.client.port = static_cast<uint16_t>(client);
  }
  ::unsetenv(kReexecPorts);
  return options;
}

int run(const rk::agent::AgentOptions& configured) {
  const rk::agent::AgentOptions options = with_inherited_ports(configured);
  if (rk::Status s = rk::setup_logging(options.log_level, "rk-agent"); !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  // Signals are taken synchronously by a waiting thread that then stops the agent.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto agent = rk::agent::Agent::start(options);
  if (!agent.ok()) {
    spdlog::error("cannot start: {}", agent.status().message());
    return 1;
  }
  rk::agent::Agent* a = agent->get();
  std::thread signal_waiter([&signals, a] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: stopping", sig);
    a->stop();
  });
  rk::Status result = a->wait();
  a->stop();
  pthread_kill(signal_waiter.native_handle(), SIGTERM);  // wakes the waiter if still waiting
  signal_waiter.join();
  const bool restart = a->restart_requested();
  const std::string ports = std::to_string(a->ops_port()) + ":" +
                            std::to_string(a->internode_port()) + ":" +
                            std::to_string(a->client_port());
  agent->reset();
  if (restart) {
    // Same process id, same arguments: the staged restore is swapped in before the node opens.
    spdlog::info("restarting to swap in the staged restore");
    spdlog::shutdown();
    ::setenv(kReexecPorts, ports.c_str(), 1);
    ::execv("/proc/self/exe", g_argv);
    spdlog::error("cannot re-execute rk-agent: {}", std::strerror(errno));
    return 1;
  }
  if (!result.ok()) return 1;
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  g_argv = argv;
  return rk::run_with_config<rk::agent::AgentOptions>(
      {argv, argv + argc}, rk::agent::agent_options_schema(),
      {"rk-agent",
       "the node sidecar: hosts a storage node, registers it with rk-scheduler and "
       "serves the ops, internode and client APIs"},
      run);
}
