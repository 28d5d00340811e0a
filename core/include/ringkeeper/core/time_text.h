// Points in time as operators write them: microseconds since the Unix epoch ("1795405800000000")
// or RFC 3339 ("2026-11-23T05:10:00Z", "2026-11-23T06:10:00.250+01:00"). Used where a time is
// asked for on a command line or in a config file (point-in-time restore's `until`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

// Parses µs since the epoch (digits only) or an RFC 3339 date-time (T or a space between date
// and time, optional fraction of up to 9 digits, Z or ±hh:mm). InvalidArgument with the
// accepted forms otherwise.
Result<int64_t> parse_time_us(std::string_view text);

// RFC 3339 in UTC with microseconds when there are any: "2026-11-23T05:10:00Z",
// "2026-11-23T05:10:00.000250Z".
std::string format_time_us(int64_t us);

}  // namespace rk
