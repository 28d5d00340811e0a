// Alert state of one signal: OK/WARNING/CRITICAL/UNKNOWN with hysteresis (raise at the
// threshold, clear only when the value is back past it by a margin) and a sustain window (the
// state changes only when the new condition held for the whole window, so one spike does not
// page anyone). Every change of the reported state is an AlertEvent; the agent pushes those to
// the scheduler. Pure: time comes from the injected clock, nothing is done on I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/monitor/state.h"
#include "ringkeeper/monitor/threshold.h"

namespace rk::monitor {

// The reported state of a stream of classified samples. A sample's state holds from its time
// until the next sample. The reported state rises to level L only when every sample covering
// the last `window_micros` was at least L, and falls to L only when every such sample was at
// most L (OK < WARNING < CRITICAL). UNKNOWN samples neither raise nor clear; when every sample
// covering the window is UNKNOWN the reported state becomes UNKNOWN. A window of 0 follows the
// latest sample at once.
class SustainedState {
 public:
  explicit SustainedState(int64_t window_micros, State initial = State::kOk);

  // Adds the state observed at `time_micros` (times must not go backwards) and returns the
  // reported state afterwards.
  State add(int64_t time_micros, State s);

  State reported() const { return reported_; }

 private:
  int64_t window_;
  State reported_;
  std::deque<std::pair<int64_t, State>> samples_;
};

struct AlertEvent {
  int64_t time_micros = 0;  // wall-clock time of the change (Clock::now_micros)
  std::string signal;       // e.g. "disk_free", "await:vda"
  State old_state = State::kOk;
  State new_state = State::kOk;
  std::optional<double> value;  // the value that made the change; absent for UNKNOWN
  std::string message;          // what the operator reads
};

struct AlertOptions {
  // The ranges that raise WARNING and CRITICAL (threshold.h); absent ranges never alert.
  Thresholds thresholds;
  // How far past a range's edge (in the range's base unit) the value must come back before an
  // alert clears; 0 clears as soon as the range no longer alerts.
  double hysteresis = 0;
  // How long a new state must hold before it is reported; 0 reports at once.
  int64_t sustain_micros = 0;
};

class Alert {
 public:
  Alert(std::string signal, AlertOptions options, const Clock& clock);

  // Classifies a measured value (with hysteresis against the reported state) and feeds the
  // sustain window. Returns the event when the reported state changed. `message` describes the
  // value for the operator; empty gives "value <v>".
  std::optional<AlertEvent> observe(double value, std::string message = "");

  // The signal could not be measured (`reason` says why).
  std::optional<AlertEvent> observe_unknown(std::string reason);

  State state() const { return window_.reported(); }
  const std::string& signal() const { return signal_; }

 private:
  State classify(double value) const;
  std::optional<AlertEvent> feed(State s, std::optional<double> value, std::string message);

  std::string signal_;
  AlertOptions options_;
  const Clock& clock_;
  SustainedState window_;
};

}  // namespace rk::monitor
