// Exponential backoff with seeded jitter; see backoff.h.
#include "ringkeeper/core/backoff.h"

#include <algorithm>
#include <cmath>

namespace rk {

Backoff::Backoff(const BackoffOptions& options) : options_(options), rng_(options.seed) {}

std::optional<std::chrono::milliseconds> Backoff::next_delay() {
  ++attempts_;
  if (attempts_ >= options_.max_attempts) return std::nullopt;
  const double base = static_cast<double>(options_.initial_delay.count()) *
                      std::pow(options_.multiplier, attempts_ - 1);
  const double capped = std::min(base, static_cast<double>(options_.max_delay.count()));
  // A uniform draw in [0, 1) from the top 53 bits: the same on every platform, unlike
  // std::uniform_real_distribution, so a seed means the same delays everywhere.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  const double d = capped * (1.0 - jitter * u);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(d)));
}

bool is_retryable(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout:
    case ErrorCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

}  // namespace rk
