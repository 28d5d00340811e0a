// Hysteresis, sustain windows and state-change events for one signal.
#include "ringkeeper/monitor/alert_state.h"

#include <fmt/format.h>

#include <algorithm>

#include "ringkeeper/monitor/plugin_output.h"

namespace rk::monitor {

namespace {
int level(State s) {  // OK < WARNING < CRITICAL; callers skip UNKNOWN
  return s == State::kCritical ? 2 : s == State::kWarning ? 1 : 0;
}
State from_level(int l) {
  return l == 2 ? State::kCritical : l == 1 ? State::kWarning : State::kOk;
}
}  // namespace

SustainedState::SustainedState(int64_t window_micros, State initial)
    : window_(std::max<int64_t>(window_micros, 0)), reported_(initial) {}

State SustainedState::add(int64_t time_micros, State s) {
  samples_.emplace_back(time_micros, s);
  const int64_t window_start = time_micros - window_;
  // Keep the last sample at or before the window's start (it covers the start) and all later.
  while (samples_.size() >= 2 && samples_[1].first <= window_start) samples_.pop_front();
  if (samples_.front().first > window_start) return reported_;  // window not yet covered
  int lo = 3, hi = -1;
  for (const auto& [t, st] : samples_) {
    if (st == State::kUnknown) continue;
    lo = std::min(lo, level(st));
    hi = std::max(hi, level(st));
  }
  if (hi < 0) {
    reported_ = State::kUnknown;
  } else if (reported_ == State::kUnknown) {
    reported_ = from_level(lo);
  } else if (lo > level(reported_)) {
    reported_ = from_level(lo);
  } else if (hi < level(reported_)) {
    reported_ = from_level(hi);
  }
  return reported_;
}

Alert::Alert(std::string signal, AlertOptions options, const Clock& clock)
    : signal_(std::move(signal)),
      options_(std::move(options)),
      clock_(clock),
      window_(options_.sustain_micros) {}

State Alert::classify(double value) const {
  const State now = window_.reported();
  const auto& t = options_.thresholds;
  const double h = options_.hysteresis;
  const bool critical = t.critical && (now == State::kCritical ? !t.critical->clears(value, h)
                                                               : t.critical->alerts(value));
  if (critical) return State::kCritical;
  const bool raised = now == State::kWarning || now == State::kCritical;
  const bool warning =
      t.warning && (raised ? !t.warning->clears(value, h) : t.warning->alerts(value));
  return warning ? State::kWarning : State::kOk;
}

std::optional<AlertEvent> Alert::observe(double value, std::string message) {
  if (message.empty()) message = "value " + format_perf_number(value);
  return feed(classify(value), value, std::move(message));
}

std::optional<AlertEvent> Alert::observe_unknown(std::string reason) {
  return feed(State::kUnknown, std::nullopt, std::move(reason));
}

std::optional<AlertEvent> Alert::feed(State s, std::optional<double> value, std::string message) {
  const State before = window_.reported();
  const State after = window_.add(clock_.monotonic_micros(), s);
  if (after == before) return std::nullopt;
  AlertEvent e;
  e.time_micros = clock_.now_micros();
  e.signal = signal_;
  e.old_state = before;
  e.new_state = after;
  if (after != State::kUnknown) e.value = value;
  e.message =
      fmt::format("{} {} -> {}: {}", signal_, state_name(before), state_name(after), message);
  return e;
}

}  // namespace rk::monitor
