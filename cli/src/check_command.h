// `rkctl check ...`: the Nagios-style checks (check_command.cc). Unlike rkctl's other commands
// they follow the Monitoring Plugins guidelines: one line on stdout, exit 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN (also for usage errors and --help).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace rk::cli {

// rkctl check disk|await [options]
int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char* const kCheckUsage;

// What happens after a timed-out check printed its UNKNOWN line: rkctl ends the process with the
// given exit code (std::_Exit); tests record the call instead.
using TimeoutExit = void (*)(int exit_code);

// check_command with the timeout's exit replaced (for tests).
int check_command_with_timeout_exit(const std::vector<std::string>& args, std::ostream& out,
                                    TimeoutExit on_timeout);

}  // namespace rk::cli
