// Token bucket with debt: callers take what they need and wait off the deficit.
#include "token_bucket.h"

#include <algorithm>

namespace rk::backup {

TokenBucket::TokenBucket(int64_t rate, int64_t burst, const Clock& clock, Sleeper sleep)
    : rate_(rate),
      burst_(burst),
      clock_(clock),
      sleep_(std::move(sleep)),
      tokens_(static_cast<double>(burst)),
      last_us_(clock.monotonic_micros()) {}

void TokenBucket::acquire(int64_t n) {
  double deficit = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t now = clock_.monotonic_micros();
    tokens_ = std::min(static_cast<double>(burst_),
                       tokens_ + static_cast<double>(now - last_us_) * rate_ / 1e6);
    last_us_ = now;
    tokens_ -= static_cast<double>(n);
    if (tokens_ < 0) deficit = -tokens_;
  }
  if (deficit > 0) {
    sleep_(std::chrono::milliseconds(static_cast<int64_t>(deficit * 1000 / rate_) + 1));
  }
}

}  // namespace rk::backup
