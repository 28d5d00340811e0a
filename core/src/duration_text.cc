// Duration text (see duration_text.h).
#include "ringkeeper/core/duration_text.h"

#include <charconv>
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

}  // namespace rk
