// Time comes from an injected clock so that tests control it (gc_grace, TTLs, heartbeats,
// schedules). Production code takes a `Clock&`; tests pass a ManualClock.
#pragma once

#include <atomic>
#include <cstdint>

namespace rk {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in microseconds since the Unix epoch (cell write timestamps use this unit).
  virtual int64_t now_micros() const = 0;
  // Monotonic time in microseconds from an arbitrary origin, for measuring durations.
  virtual int64_t monotonic_micros() const = 0;

  int64_t now_seconds() const { return now_micros() / 1'000'000; }
};

// The real clocks (system_clock and steady_clock).
class SystemClock final : public Clock {
 public:
  int64_t now_micros() const override;
  int64_t monotonic_micros() const override;
  // A process-wide instance.
  static SystemClock& instance();
};

// A clock that moves only when told to; both readings advance together. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_micros = 1'700'000'000'000'000) : now_(start_micros) {}
  int64_t now_micros() const override { return now_.load(); }
  int64_t monotonic_micros() const override { return now_.load(); }
  void advance_micros(int64_t d) { now_ += d; }
  void advance_seconds(int64_t s) { now_ += s * 1'000'000; }
  void set_micros(int64_t t) { now_ = t; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace rk
