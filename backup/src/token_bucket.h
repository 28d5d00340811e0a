// A token bucket: the bandwidth limit of a store, shared by all of its transfers. Tokens are
// bytes; acquire(n) takes n and, when the bucket is in debt, waits until the rate has paid it
// back, so over time the bytes moved never exceed rate * elapsed + burst.
#pragma once

#include <cstdint>
#include <mutex>

#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/clock.h"

namespace rk::backup {

class TokenBucket {
 public:
  // `rate` bytes per second (> 0); `burst` bytes may pass at once after a quiet period.
  TokenBucket(int64_t rate, int64_t burst, const Clock& clock, Sleeper sleep = real_sleep);

  // Takes n tokens, sleeping as long as the bucket is in debt afterwards. Thread-safe.
  void acquire(int64_t n);

 private:
  const int64_t rate_;
  const int64_t burst_;
  const Clock& clock_;
  Sleeper sleep_;
  std::mutex mu_;
  double tokens_;
  int64_t last_us_;
};

}  // namespace rk::backup
