// Formatting of the plugin output line and its performance data.
#include "ringkeeper/monitor/plugin_output.h"

#include <fmt/format.h>

#include <cmath>

namespace rk::monitor {

namespace {

std::string clean_text(const std::string& s, char pipe_replacement) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out.push_back(pipe_replacement == '_' ? '_' : ' ');
    } else if (c == '|') {
      out.push_back(pipe_replacement);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string format_perf_number(double v) {
  if (!std::isfinite(v)) return "U";
  if (v == 0) return "0";  // also -0
  std::string s = fmt::format("{:.6f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") return "0";
  return s;
}

std::string format_perf_value(const PerfValue& v) {
  std::string label;
  for (char c : clean_text(v.label, '_')) {
    if (c == '\'') label.push_back('\'');
    label.push_back(c);
  }
  std::string out = "'" + label + "'=" + format_perf_number(v.value);
  if (std::isfinite(v.value)) out += v.uom;
  const std::string fields[4] = {v.warn, v.crit, v.min ? format_perf_number(*v.min) : "",
                                 v.max ? format_perf_number(*v.max) : ""};
  int last = 3;
  while (last >= 0 && fields[last].empty()) --last;
  for (int i = 0; i <= last; ++i) out += ";" + fields[i];
  return out;
}

std::string format_plugin_output(const PluginResult& r) {
  std::string out =
      r.label + " " + std::string(state_name(r.state)) + " - " + clean_text(r.text, '/');
  if (!r.perfdata.empty()) {
    out += " |";
    for (const auto& p : r.perfdata) out += " " + format_perf_value(p);
  }
  out += "\n";
  return out;
}

PluginResult unknown_result(std::string label, std::string reason) {
  PluginResult r;
  r.label = std::move(label);
  r.state = State::kUnknown;
  r.text = std::move(reason);
  return r;
}

}  // namespace rk::monitor
