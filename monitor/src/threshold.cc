// The guidelines' range syntax with ringkeeper's units; see threshold.h for the grammar.
#include "ringkeeper/monitor/threshold.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include "ringkeeper/monitor/plugin_output.h"

namespace rk::monitor {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct UnitSpec {
  std::string_view symbol;
  Unit unit;
  double factor;  // base units per one of this unit
};

constexpr double kKi = 1024.0;
constexpr std::array<UnitSpec, 19> kUnits = {{
    {"%", Unit::kPercent, 1},
    {"B", Unit::kBytes, 1},
    {"KB", Unit::kBytes, 1e3},
    {"kB", Unit::kBytes, 1e3},
    {"MB", Unit::kBytes, 1e6},
    {"GB", Unit::kBytes, 1e9},
    {"TB", Unit::kBytes, 1e12},
    {"PB", Unit::kBytes, 1e15},
    {"KiB", Unit::kBytes, kKi},
    {"MiB", Unit::kBytes, kKi* kKi},
    {"GiB", Unit::kBytes, kKi* kKi* kKi},
    {"TiB", Unit::kBytes, kKi* kKi* kKi* kKi},
    {"PiB", Unit::kBytes, kKi* kKi* kKi* kKi* kKi},
    {"s", Unit::kSeconds, 1},
    {"ms", Unit::kSeconds, 1e-3},
    {"us", Unit::kSeconds, 1e-6},
    {"min", Unit::kSeconds, 60},
    {"h", Unit::kSeconds, 3600},
    {"d", Unit::kSeconds, 86400},
}};

struct Endpoint {
  double value;
  Unit unit;
};

Status bad(std::string_view text, std::string_view why) {
  // Plain concatenation: the clang fuzz build reports a stack-buffer-overflow inside Debian's
  // libfmt (built by gcc) when this message is formatted from two string_views.
  return Status::InvalidArgument("invalid threshold range '" + std::string(text) +
                                 "': " + std::string(why));
}

// One end of a range: a plain decimal number (optional sign, optional fraction, no exponent)
// followed by an optional unit symbol.
Result<Endpoint> parse_endpoint(std::string_view whole, std::string_view s) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  const size_t digits_begin = i;
  size_t digit_count = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digit_count;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digit_count;
  }
  if (digit_count == 0) {
    return bad(whole, fmt::format("'{}' is not a number", s));
  }
  double v = 0;
  const std::string_view digits = s.substr(digits_begin, i - digits_begin);
  auto [ptr, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) {
    return bad(whole, fmt::format("'{}' is not a number", s));
  }
  if (negative) v = -v;
  const std::string_view suffix = s.substr(i);
  if (suffix.empty()) return Endpoint{v, Unit::kNone};
  for (const auto& u : kUnits) {
    if (u.symbol == suffix) return Endpoint{v * u.factor, u.unit};
  }
  return bad(whole, fmt::format("unknown unit '{}' (use %, B, KB, MB, GB, TB, PB, KiB, MiB, GiB, "
                                "TiB, PiB, s, ms or us)",
                                suffix));
}

}  // namespace

std::string_view unit_symbol(Unit u) {
  switch (u) {
    case Unit::kNone:
      return "";
    case Unit::kBytes:
      return "B";
    case Unit::kSeconds:
      return "s";
    case Unit::kPercent:
      return "%";
  }
  return "";
}

bool Range::alerts(double value) const {
  const bool within = start <= value && value <= end;
  return inside ? within : !within;
}

bool Range::clears(double value, double margin) const {
  if (inside) return value < start - margin || value > end + margin;
  return start + margin <= value && value <= end - margin;
}

std::string Range::to_string(double per_unit) const {
  std::string out = inside ? "@" : "";
  if (start == -kInf) {
    out += "~:";
  } else if (start != 0 || end == kInf) {
    out += format_perf_number(start / per_unit) + ":";
  }
  if (end != kInf) out += format_perf_number(end / per_unit);
  return out;
}

Range Range::with_default_unit(Unit u, double factor) const {
  if (unit != Unit::kNone) return *this;
  Range r = *this;
  r.unit = u;
  if (std::isfinite(r.start)) r.start *= factor;
  if (std::isfinite(r.end)) r.end *= factor;
  return r;
}

Result<Range> parse_range(std::string_view text) {
  Range r;
  std::string_view s = text;
  if (!s.empty() && s[0] == '@') {
    r.inside = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return bad(text, "empty range (give at least a start or an end)");
  const size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos) {
    return bad(text, "more than one ':'");
  }
  std::optional<Endpoint> start;
  Endpoint end{kInf, Unit::kNone};
  if (colon == std::string_view::npos) {
    if (s == "~") return bad(text, "'~' (negative infinity) can only be a start, as in '~:10'");
    RK_ASSIGN_OR_RETURN(end, parse_endpoint(text, s));
  } else {
    const std::string_view a = s.substr(0, colon);
    const std::string_view b = s.substr(colon + 1);
    if (a.empty() && b.empty()) return bad(text, "empty range (give at least a start or an end)");
    if (a == "~") {
      start = Endpoint{-kInf, Unit::kNone};
    } else if (!a.empty()) {
      RK_ASSIGN_OR_RETURN(start, parse_endpoint(text, a));
    }
    if (b == "~") return bad(text, "'~' (negative infinity) can only be a start, as in '~:10'");
    if (!b.empty()) {
      RK_ASSIGN_OR_RETURN(end, parse_endpoint(text, b));
    }
  }
  const bool start_given = start.has_value() && std::isfinite(start->value);
  const bool end_given = std::isfinite(end.value);
  if (start_given && end_given && start->unit != end.unit) {
    return bad(text, "both ends need the same unit");
  }
  r.unit = start_given ? start->unit : (end_given ? end.unit : Unit::kNone);
  r.start = start ? start->value : 0;
  r.end = end.value;
  if (r.start > r.end) return bad(text, "start is greater than end");
  return r;
}

State Thresholds::evaluate(double value) const {
  if (critical && critical->alerts(value)) return State::kCritical;
  if (warning && warning->alerts(value)) return State::kWarning;
  return State::kOk;
}

}  // namespace rk::monitor
