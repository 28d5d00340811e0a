// Duration text (see duration_text.h).
#include "ringkeeper/core/duration_text.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

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
  int64_t unit_ns = 0;
  if (unit == "ns")
    unit_ns = 1;
  else if (unit == "us")
    unit_ns = 1'000;
  else if (unit == "ms")
    unit_ns = 1'000'000;
  else if (unit == "s")
    unit_ns = 1'000'000'000;
  else if (unit == "m")
    unit_ns = 60'000'000'000;
  else if (unit == "h")
    unit_ns = 3'600'000'000'000;
  else if (unit == "d")
    unit_ns = 86'400'000'000'000;
  else if (unit.empty() && syntax.plain_number_unit.count() > 0)
    unit_ns = syntax.plain_number_unit.count();
  else if (unit.empty() && n == 0)
    unit_ns = 1;
  else if (unit.empty()) {
    return Status::InvalidArgument("'" + s + "' has no unit (write e.g. " + s + "s or " + s +
                                   "ms)");
  } else {
    return Status::InvalidArgument("unknown duration unit '" + std::string(unit) + "' in '" + s +
                                   "' (use ns, us, ms, s, m, h or d)");
  }
  if (n > std::numeric_limits<int64_t>::max() / unit_ns) {
    return Status::InvalidArgument("'" + s + "' is too long a duration");
  }
  return std::chrono::nanoseconds(n * unit_ns);
}

}  // namespace rk
