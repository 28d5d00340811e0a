// The four states every monitoring signal and every Nagios-style check reports, with the plugin
// exit codes the guidelines assign to them (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
#pragma once

#include <optional>
#include <string_view>

namespace rk::monitor {

enum class State {
  kOk = 0,
  kWarning = 1,
  kCritical = 2,
  kUnknown = 3,  // the check could not tell (bad arguments, unreadable files, ...)
};

// "OK", "WARNING", "CRITICAL", "UNKNOWN".
std::string_view state_name(State s);

// The state named by "OK", "WARNING", "CRITICAL" or "UNKNOWN" (exactly, upper case); nullopt
// for anything else.
std::optional<State> parse_state_name(std::string_view name);

// The plugin exit code of a state (its numeric value).
inline int exit_code(State s) { return static_cast<int>(s); }

// The more severe of two states, ordered CRITICAL > WARNING > UNKNOWN > OK: when one part of a
// check failed to read but another is WARNING, WARNING is the better summary.
State worse(State a, State b);

}  // namespace rk::monitor
