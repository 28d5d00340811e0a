// Durations as operators write them, in config files ("250ms", "10s", "5m", "2h", "7d") and on
// rkctl's and the soak harness's command lines (where a plain number is seconds). The one parser
// of duration text; config.h's duration fields use it and add the key's location to its errors.
#pragma once

#include <chrono>
#include <string_view>

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

}  // namespace rk
