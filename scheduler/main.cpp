// rk-scheduler: thin entry point. The shared flags (--config, --print-config, --config-doc,
// --help) come from core/config_args.h; the process runs until SIGTERM or SIGINT.
#include <csignal>
#include <iostream>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/config_args.h"
#include "ringkeeper/core/log.h"
#include "ringkeeper/scheduler/scheduler_process.h"

namespace {

int run(const rk::scheduler::SchedulerOptions& options) {
  if (rk::Status s = rk::setup_logging(options.log_level, "rk-scheduler"); !s.ok()) {
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
  auto process = rk::scheduler::SchedulerProcess::start(options, clock);
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

}  // namespace

int main(int argc, char** argv) {
  return rk::run_with_config<rk::scheduler::SchedulerOptions>(
      {argv, argv + argc}, rk::scheduler::scheduler_options_schema(),
      {"rk-scheduler", "the cluster scheduler: registry, schema and REST API (/api/v1)"}, run);
}
