// Durations as operators write them, in config files ("250ms", "10s", "5m", "2h", "7d") and on
// rkctl's and the soak harness's command lines (where a plain number is seconds), and as the
// project shows them to operators. The one parser and the one formatter of duration text;
// config.h's duration fields use both and add the key's location to the parser's errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "ringkeeper/core/status.h"

namespace rk {

// What an error names as the accepted form.
inline constexpr std::string_view kDurationHint = "a duration such as 250ms, 10s, 5m, 2h or 7d";

struct DurationSyntax {
  // What a number without a unit means. Zero (config files): refused, except "0" alone, so that
  // "30" never silently means seconds where milliseconds were meant.
  std::chrono::nanoseconds plain_number_unit{0};
};

// A whole number and a unit: ns, us, ms, s, m, h or d. InvalidArgument saying what is wrong with
// `text` (no number, no unit, an unknown unit, too long for 64-bit nanoseconds); no sign, no
// blanks.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text, DurationSyntax syntax = {});

// How format_duration writes a duration. kExact is the only style parse_duration reads back; the
// others are for people and drop precision.
enum class DurationStyle {
  // The largest unit that divides it exactly: "250ms", "90s", "2h", "0s" (config files and the
  // defaults in docs/configuration.md).
  kExact,
  // Whole seconds (truncated), at most two units: "45s", "2m05s", "2h05m", "3d04h" (rkctl's
  // progress lines and schedule tables, where the width stays small).
  kTwoUnits,
  // One unit, rounded, abbreviated: "45 s", "10 min", "5.0 h", "3.0 d" (Nagios plugin text).
  kRoundedShort,
  // One unit, rounded, in words: "45 seconds", "10 minutes", "5.0 hours", "3.0 days" (repair
  // forecasts and deadline explanations).
  kRoundedWords,
};

namespace detail {
// `ticks` of `tick_ns` nanoseconds each; tick_ns divides one second.
std::string format_duration_ticks(int64_t ticks, int64_t tick_ns, DurationStyle style);
}  // namespace detail

// `d` in `style`. Rounded styles switch to the next unit at twice its size (119 s is "119 s",
// 120 s "2 min"; 2 h is "2.0 h"); negative durations start with '-'. Any int64 count of
// nanoseconds, microseconds, milliseconds or seconds is written without overflow (INT64_MAX µs
// is "106751991.2 d"); coarser units are taken as seconds.
template <class Rep, class Period>
std::string format_duration(std::chrono::duration<Rep, Period> d, DurationStyle style) {
  static_assert(std::is_integral_v<Rep> && (Period::num == 1 || Period::den == 1) &&
                    1'000'000'000 % Period::den == 0,
                "a whole number of some unit from nanoseconds up");
  if constexpr (Period::num != 1) {  // minutes, hours, days: as seconds
    return format_duration(std::chrono::duration_cast<std::chrono::seconds>(d), style);
  } else {
    return detail::format_duration_ticks(static_cast<int64_t>(d.count()),
                                         1'000'000'000 / static_cast<int64_t>(Period::den), style);
  }
}

}  // namespace rk
