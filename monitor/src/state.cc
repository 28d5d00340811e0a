// Names and ordering of the four check states.
#include "ringkeeper/monitor/state.h"

namespace rk::monitor {

std::string_view state_name(State s) {
  switch (s) {
    case State::kOk:
      return "OK";
    case State::kWarning:
      return "WARNING";
    case State::kCritical:
      return "CRITICAL";
    case State::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<State> parse_state_name(std::string_view name) {
  for (State s : {State::kOk, State::kWarning, State::kCritical, State::kUnknown}) {
    if (state_name(s) == name) return s;
  }
  return std::nullopt;
}

namespace {
int severity(State s) {
  switch (s) {
    case State::kOk:
      return 0;
    case State::kUnknown:
      return 1;
    case State::kWarning:
      return 2;
    case State::kCritical:
      return 3;
  }
  return 1;
}
}  // namespace

State worse(State a, State b) { return severity(a) >= severity(b) ? a : b; }

}  // namespace rk::monitor
