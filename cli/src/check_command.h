// `rkctl check ...`: the Nagios-style checks (check_command.cc). Unlike rkctl's other commands
// they follow the Monitoring Plugins guidelines: one line on stdout, exit 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN (also for usage errors and --help).
#pragma once

#include <cstdlib>
#include <iosfwd>
#include <string>
#include <vector>

#include "ringkeeper/core/clock.h"

namespace rk::cli {

// rkctl check disk|await|node|repair|backup [options]
int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char* const kCheckUsage;

// What happens after a timed-out check printed its UNKNOWN line: rkctl ends the process with the
// given exit code (std::_Exit); tests record the call instead.
using TimeoutExit = void (*)(int exit_code);

// check_command with the timeout's exit replaced (for tests).
int check_command_with_timeout_exit(const std::vector<std::string>& args, std::ostream& out,
                                    TimeoutExit on_timeout);

// What the checks need besides their own options: the scheduler (global --scheduler) for repair
// and backup, the CA for https:// URLs, the clock, and the timeout's exit.
struct CheckEnv {
  std::string scheduler = "http://127.0.0.1:7400";
  std::string ca_file;
  const Clock* clock = nullptr;  // null: the system clock
  TimeoutExit on_timeout = [](int code) { std::_Exit(code); };
};
int check_command_with_env(const std::vector<std::string>& args, std::ostream& out,
                           const CheckEnv& env);

struct Context;  // cluster_client.h
// rkctl's entry: the global options (--scheduler, --ca-file) come in the Context.
int check_cluster_command(Context& ctx, const std::vector<std::string>& args);

}  // namespace rk::cli
