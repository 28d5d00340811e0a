// Points in time as text, the one place ringkeeper reads and writes them. Read: microseconds since
// the Unix epoch ("1795405800000000") or RFC 3339 ("2026-11-23T05:10:00Z",
// "2026-11-23T06:10:00.250+01:00"), where a time is asked for on a command line or in a config file
// (point-in-time restore's `until`). Written: RFC 3339 in UTC for operators and APIs, and the
// fixed forms that backup tags and S3's SigV4 signatures need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

// Parses µs since the epoch (digits only) or an RFC 3339 date-time (T or a space between date
// and time, an optional fraction of any length, truncated to µs, Z or ±hh:mm): also the
// LastModified of S3's list replies ("2026-11-23T05:10:00.000Z"). InvalidArgument with the
// accepted forms otherwise.
Result<int64_t> parse_time_us(std::string_view text);

// The forms a point in time is written in, all in UTC.
enum class TimeForm {
  kRfc3339,         // "2026-11-23T05:10:00Z", or "2026-11-23T05:10:00.000250Z" when there are µs
  kRfc3339Seconds,  // "2026-11-23T05:10:00Z", µs dropped: messages and rkctl's repair tables
  kSpaced,          // "2026-11-23 05:10:00": rkctl's backup tables
  kBasic,           // "20261123T051000Z", ISO 8601 basic: SigV4's x-amz-date
  kTag,             // "20261123-051000": generated backup tags ("backup-20261123-051000")
};

// `us` (µs since the epoch; times before 1970 count back from it) written in `form`.
std::string format_time_us(int64_t us, TimeForm form = TimeForm::kRfc3339);

}  // namespace rk
