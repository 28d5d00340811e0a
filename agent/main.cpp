// rk-agent: parse flags and config, start the agent, run until SIGINT/SIGTERM or a fatal error.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "ringkeeper/agent/agent.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/log.h"

namespace {

constexpr const char* kUsage =
    "usage: rk-agent [--config FILE] [--print-config] [--help]\n"
    "\n"
    "The ringkeeper sidecar: hosts a storage node, registers it with rk-scheduler and serves\n"
    "the ops API, the internode API and the client data API.\n"
    "\n"
    "  --config FILE    YAML settings (every key has a default; see docs/configuration.md)\n"
    "  --print-config   print the effective settings (secrets redacted) and exit\n"
    "  --help           this text, followed by the settings table\n";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool print_config = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage << "\n" << rk::agent::agent_options_schema().markdown_table();
      return 0;
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(std::strlen("--config="));
    } else if (arg == "--print-config") {
      print_config = true;
    } else {
      std::cerr << "rk-agent: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }
  const auto schema = rk::agent::agent_options_schema();
  auto options = config_path.empty() ? rk::load_config_string("", schema)
                                     : rk::load_config_file(config_path, schema);
  if (!options.ok()) {
    std::cerr << "rk-agent: " << options.status().message() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << schema.effective_yaml(*options);
    return 0;
  }
  if (rk::Status s = rk::setup_logging(options->log_level, "rk-agent"); !s.ok()) {
    std::cerr << "rk-agent: " << s.message() << "\n";
    return 2;
  }

  // Signals are taken synchronously by a waiting thread that then stops the agent.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto agent = rk::agent::Agent::start(*options);
  if (!agent.ok()) {
    spdlog::error("cannot start: {}", agent.status().message());
    return 1;
  }
  std::thread signal_waiter([&signals, a = agent->get()] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != 0) spdlog::info("signal {}: stopping", sig);
    a->stop();
  });
  rk::Status result = (*agent)->wait();
  (*agent)->stop();
  // Wake the signal thread if it is still waiting.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  agent->reset();
  if (!result.ok()) return 1;
  spdlog::info("stopped");
  return 0;
}
