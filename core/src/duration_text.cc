// Duration text (see duration_text.h).
#include "ringkeeper/core/duration_text.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace rk {

Result<std::chrono::nanoseconds> parse_duration(std::string_view text, DurationSyntax syntax) {
  const std::string s(text);
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0) {
    return Status::InvalidArgument("expected " + std::string(kDurationHint) + ", got '" + s + "'");
  }
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + digits, n);
  if (ec != std::errc()) return Status::InvalidArgument("'" + s + "' is too long a duration");
  const std::string_view unit = text.substr(digits);
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {{"ns", 1},
                                                                    {"us", 1'000},
                                                                    {"ms", 1'000'000},
                                                                    {"s", 1'000'000'000},
                                                                    {"m", 60'000'000'000},
                                                                    {"h", 3'600'000'000'000},
                                                                    {"d", 86'400'000'000'000}};
  int64_t unit_ns = 0;
  for (const auto& [name, ns] : kUnits) {
    if (unit == name) unit_ns = ns;
  }
  if (unit_ns == 0 && !unit.empty()) {
    return Status::InvalidArgument("unknown duration unit '" + std::string(unit) + "' in '" + s +
                                   "' (use ns, us, ms, s, m, h or d)");
  }
  if (unit_ns == 0) {  // a plain number
    if (syntax.plain_number_unit.count() > 0) {
      unit_ns = syntax.plain_number_unit.count();
    } else if (n == 0) {
      unit_ns = 1;
    } else {
      return Status::InvalidArgument("'" + s + "' has no unit (write e.g. " + s + "s or " + s +
                                     "ms)");
    }
  }
  if (n > std::numeric_limits<int64_t>::max() / unit_ns) {
    return Status::InvalidArgument("'" + s + "' is too long a duration");
  }
  return std::chrono::nanoseconds(n * unit_ns);
}

namespace {

std::string exact(int64_t ticks, int64_t tick_ns) {
  if (ticks == 0) return "0s";
  static constexpr std::pair<int64_t, const char*> kUnits[] = {{86'400'000'000'000, "d"},
                                                               {3'600'000'000'000, "h"},
                                                               {60'000'000'000, "m"},
                                                               {1'000'000'000, "s"},
                                                               {1'000'000, "ms"},
                                                               {1'000, "us"},
                                                               {1, "ns"}};
  for (const auto& [unit_ns, name] : kUnits) {
    if (unit_ns < tick_ns) break;  // the tick divides every unit from here up
    const int64_t unit_ticks = unit_ns / tick_ns;
    if (ticks % unit_ticks == 0) return std::to_string(ticks / unit_ticks) + name;
  }
  return std::to_string(ticks) + "ns";  // not reached: the tick itself is a unit
}

std::string two_units(int64_t s) {
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 172800) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
}

struct UnitNames {
  const char* seconds;
  const char* minutes;
  const char* hours;
  const char* days;
};

std::string rounded(double seconds, const UnitNames& n) {
  const char* sign = seconds < 0 ? "-" : "";
  const double s = std::fabs(seconds);
  if (s < 120) return fmt::format("{}{:.0f} {}", sign, s, n.seconds);
  if (s < 2 * 3600) return fmt::format("{}{:.0f} {}", sign, s / 60, n.minutes);
  if (s < 2 * 86400) return fmt::format("{}{:.1f} {}", sign, s / 3600, n.hours);
  return fmt::format("{}{:.1f} {}", sign, s / 86400, n.days);
}

}  // namespace

namespace detail {

std::string format_duration_ticks(int64_t ticks, int64_t tick_ns, DurationStyle style) {
  const int64_t ticks_per_second = 1'000'000'000 / tick_ns;
  switch (style) {
    case DurationStyle::kExact:
      return exact(ticks, tick_ns);
    case DurationStyle::kTwoUnits:
      return two_units(ticks / ticks_per_second);
    case DurationStyle::kRoundedShort:
      return rounded(static_cast<double>(ticks) / static_cast<double>(ticks_per_second),
                     {"s", "min", "h", "d"});
    case DurationStyle::kRoundedWords:
      return rounded(static_cast<double>(ticks) / static_cast<double>(ticks_per_second),
                     {"seconds", "minutes", "hours", "days"});
  }
  return std::to_string(ticks);
}

}  // namespace detail

}  // namespace rk
