// The commands rkctl dispatches to (private to rk_cli). Each takes the arguments after its command
// word, writes results to `out` and one-line errors to `err`, and returns the exit code:
// 0 success, 1 the command failed (bad input data, unreachable server, ...), 2 usage error.
// To add a command, declare its function here and add a row to kCommands in rkctl.cc.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace rk::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// rkctl token [--hex] [--json] [--] KEY...   (token_command.cc)
int token_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char* const kTokenUsage;

}  // namespace rk::cli
