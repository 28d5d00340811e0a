// rk-scheduler: thin entry point. Parses --config, starts a SchedulerProcess, stops on SIGTERM or
// SIGINT.
#include <csignal>
#include <iostream>
#include <string>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/scheduler/scheduler_process.h"

namespace {

constexpr const char* kUsage =
    "usage: rk-scheduler [--config FILE] [--print-config] [--help]\n"
    "\n"
    "Runs the ringkeeper scheduler: the cluster registry, schema and REST API (/api/v1).\n"
    "Every setting has a default (docs/configuration.md); FILE (YAML) changes some of them.\n"
    "\n"
    "options:\n"
    "  --config FILE    read settings from FILE\n"
    "  --print-config   print the effective settings (secrets redacted) and exit\n"
    "  -h, --help       show this text and the settings\n";

}  // namespace

int main(int argc, char** argv) {
  std::string config;
  bool print_config = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage << "\nsettings:\n\n"
                << rk::scheduler::scheduler_options_schema().markdown_table();
      return 0;
    } else if (arg == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (arg.starts_with("--config=")) {
      config = arg.substr(9);
    } else if (arg == "--print-config") {
      print_config = true;
    } else {
      std::cerr << "rk-scheduler: unknown argument '" << arg << "' (try --help)\n";
      return 2;
    }
  }
  const auto schema = rk::scheduler::scheduler_options_schema();
  rk::Result<rk::scheduler::SchedulerOptions> options =
      config.empty()
          ? rk::Result<rk::scheduler::SchedulerOptions>(rk::scheduler::SchedulerOptions{})
          : rk::load_config_file(config, schema);
  if (!options.ok()) {
    std::cerr << "rk-scheduler: " << options.status().message() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << schema.effective_yaml(*options);
    return 0;
  }
  if (rk::Status s = rk::setup_logging(options->log_level, "rk-scheduler"); !s.ok()) {
    std::cerr << "rk-scheduler: " << s.message() << "\n";
    return 2;
  }
  // Block the stop signals before any thread starts, so that only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  rk::SystemClock clock;
  auto process = rk::scheduler::SchedulerProcess::start(*options, clock);
  if (!process.ok()) {
    std::cerr << "rk-scheduler: " << process.status().to_string() << "\n";
    return 1;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cerr << "rk-scheduler: stopping on signal " << signal << "\n";
  (*process)->stop();
  return 0;
}
