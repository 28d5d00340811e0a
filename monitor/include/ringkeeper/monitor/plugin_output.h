// Nagios/Monitoring Plugins output (https://www.monitoring-plugins.org/doc/guidelines.html,
// "Plugin Output" and "Performance data"): one line
//
//   LABEL STATE - text | 'label'=value[UOM];[warn];[crit];[min];[max] ...
//
// and the exit code of the state (state.h). Labels are always single-quoted, a quote inside a
// label is written twice; trailing empty fields are dropped; numbers never use scientific
// notation; an undeterminable value is written "U".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ringkeeper/monitor/state.h"

namespace rk::monitor {

struct PerfValue {
  std::string label;          // any characters; '|' and line breaks become '_'
  double value = 0;           // NaN writes "U"
  std::string uom;            // "", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"
  std::string warn;           // a range in the guidelines' syntax and the value's UOM, or ""
  std::string crit;           // likewise
  std::optional<double> min;  // smallest possible value, if there is one
  std::optional<double> max;  // largest possible value, if there is one
};

struct PluginResult {
  std::string label;  // the service, upper case: "DISK", "AWAIT"
  State state = State::kUnknown;
  std::string text;  // human-readable; '|' becomes '/' and line breaks spaces (one line only)
  std::vector<PerfValue> perfdata;
};

// "'label'=value[UOM];warn;crit;min;max" with trailing empty fields dropped.
std::string format_perf_value(const PerfValue& v);

// The whole output line, ending in '\n'.
std::string format_plugin_output(const PluginResult& r);

// A number for perfdata and ranges: integers without a fraction, others with up to 6 decimals
// and no trailing zeros, never in scientific notation; "U" for NaN or infinity.
std::string format_perf_number(double v);

// The result of a check that could not run: state UNKNOWN with the reason as text.
PluginResult unknown_result(std::string label, std::string reason);

}  // namespace rk::monitor
