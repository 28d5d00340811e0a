// Saturating arithmetic on int64 times and durations. Deadlines are sums of a timestamp (µs) and
// an operator-chosen duration (gc_grace_seconds up to 2^31-1 s, in µs); with a timestamp near the
// end of int64 the plain sum would wrap to a date in the past, and a table repaired a second ago
// would look overdue. These clamp to INT64_MAX / INT64_MIN instead, which every caller reads as
// "never" / "always".
#pragma once

#include <cstdint>
#include <limits>

namespace rk {

inline constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// a + b, clamped to [INT64_MIN, INT64_MAX].
constexpr int64_t saturating_add(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? kInt64Max : kInt64Min;
  return out;
}

// a - b, clamped to [INT64_MIN, INT64_MAX].
constexpr int64_t saturating_sub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return b < 0 ? kInt64Max : kInt64Min;
  return out;
}

// a * b, clamped to [INT64_MIN, INT64_MAX].
constexpr int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return (a < 0) == (b < 0) ? kInt64Max : kInt64Min;
  return out;
}

// Seconds as microseconds, clamped.
constexpr int64_t seconds_to_micros(int64_t seconds) { return saturating_mul(seconds, 1'000'000); }

}  // namespace rk
