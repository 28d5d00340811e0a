// What the chaos soak's clients did to each key, and what a read of the key may therefore return.
//
// Every operation carries a client timestamp from one strictly increasing clock, so
// last-write-wins orders them the same way on every replica: the state a correct cluster can show
// for a key is that of an operation whose timestamp is at least that of the newest operation
// acknowledged before the read began, and that had been sent by the time the read ended.
// Operations that failed or timed out may or may not have been applied (on some replicas only,
// and spread later by repair), which is why they stay candidates.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rk::soak {

// Microseconds since the epoch: the clock of operation timestamps and of every moment the soak
// records (the agents use the same one).
inline int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A key's state as a replica or a read shows it: a live value with its write timestamp, or
// nothing (never written, or deleted).
struct Observed {
  bool present = false;
  std::string value;
  int64_t timestamp = 0;
};

// Invariant violations seen anywhere in the soak (thread-safe). The run fails when any exist.
class Violations {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mu_);
    list_.push_back(what);
  }
  std::vector<std::string> list() const {
    std::lock_guard lock(mu_);
    return list_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> list_;
};

class History {
 public:
  enum class Kind { kSet, kDelete };
  enum class Outcome { kPending, kAcked, kFailed };

  // Keys are "k-<n>"; values "v-<timestamp>" and padding, so a value names its operation.
  static std::string key_name(size_t key) { return "k-" + std::to_string(key); }
  static std::string value_for(int64_t timestamp) {
    return "v-" + std::to_string(timestamp) + "." + std::string(200, 'x');
  }

  size_t new_key();                // a key nothing was sent for yet
  size_t key_count() const;
  // A new timestamp (µs, strictly increasing across the process).
  int64_t next_timestamp();

  // Records an operation sent now; returns its index for finish().
  size_t begin(size_t key, Kind kind, int64_t timestamp, int64_t now_us);
  void finish(size_t key, size_t op, Outcome outcome, int64_t now_us);

  // Checks a read that started at `read_start_us` and ended at `read_end_us`: empty when the
  // observation is allowed, else why not ("acknowledged write of v-17 at ... lost").
  std::string check_read(size_t key, const Observed& seen, int64_t read_start_us,
                         int64_t read_end_us) const;
  // As check_read for a read at `at_us` of everything acknowledged before `acked_before_us`:
  // a restored backup taken between those moments.
  std::string check_restored(size_t key, const Observed& seen, int64_t acked_before_us,
                             int64_t sent_before_us) const;
  // Whether any operation on the key was acknowledged before `before_us` (INT64_MAX: ever).
  bool has_acked(size_t key, int64_t before_us) const;

  struct Op {
    Kind kind;
    int64_t timestamp;
    int64_t sent_us;
    int64_t done_us = 0;
    Outcome outcome = Outcome::kPending;
  };

 private:
  std::string check(size_t key, const Observed& seen, int64_t acked_before_us,
                    int64_t sent_before_us) const;

  mutable std::mutex mu_;
  std::vector<std::vector<Op>> ops_;  // by key
  int64_t last_timestamp_ = 0;
};

}  // namespace rk::soak
