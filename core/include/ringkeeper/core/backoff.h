// The one retry/backoff helper: exponential delays with jitter drawn from an injected seed, a
// cap on attempts, and a say in which failures are worth retrying.
//
// Delay before retry n (n = 1 for the first retry) is d = min(max_delay, initial_delay *
// multiplier^(n-1)), then jittered uniformly into [d * (1 - jitter), d]. The same seed gives the
// same delays, so tests and simulations are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "ringkeeper/core/status.h"

namespace rk {

struct BackoffOptions {
  int max_attempts = 5;                          // attempts in all, the first included; >= 1
  std::chrono::milliseconds initial_delay{100};  // delay before the first retry (before jitter)
  std::chrono::milliseconds max_delay{10'000};   // no delay exceeds this
  double multiplier = 2.0;                       // growth per retry
  double jitter = 0.5;                           // fraction of each delay that is randomised
  uint64_t seed = 0;                             // seeds the jitter
};

// Hands out the delays of one retried operation. Not thread-safe; one per operation.
class Backoff {
 public:
  explicit Backoff(const BackoffOptions& options);

  // The delay before the next attempt, or nullopt when max_attempts have been used. Call once
  // after each failed attempt.
  std::optional<std::chrono::milliseconds> next_delay();
  // Attempts made so far (1 after the first failure has been reported via next_delay()).
  int attempts() const { return attempts_; }

 private:
  BackoffOptions options_;
  std::mt19937_64 rng_;
  int attempts_ = 0;
};

// Failures that may succeed if tried again: unavailable, timeout, resource_exhausted (a rate
// limit). Everything else (bad input, not found, permission, internal) fails the same again.
bool is_retryable(const Status& status);

// How the retry loop waits; tests inject one that records instead of sleeping.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
inline void real_sleep(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

// Calls `attempt` (returning Status or Result<T>) until it succeeds, fails with a status
// `retryable` rejects, or max_attempts are used; returns the last outcome.
template <class F>
auto retry_with_backoff(const BackoffOptions& options, F&& attempt,
                        const std::function<bool(const Status&)>& retryable = is_retryable,
                        const Sleeper& sleep = real_sleep) -> decltype(attempt()) {
  Backoff backoff(options);
  while (true) {
    auto outcome = attempt();
    Status status = [&] {
      if constexpr (std::is_same_v<decltype(outcome), Status>) {
        return outcome;
      } else {
        return outcome.status();
      }
    }();
    if (status.ok() || !retryable(status)) return outcome;
    std::optional<std::chrono::milliseconds> delay = backoff.next_delay();
    if (!delay) return outcome;
    sleep(*delay);
  }
}

}  // namespace rk
