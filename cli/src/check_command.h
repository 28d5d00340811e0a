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

}  // namespace rk::cli
