// The chaos soak's client load: a few threads sending QUORUM writes, deletes and reads to random
// live agents' client APIs, in bursts separated by idle gaps longer than the listeners'
// idle_timeout (so pooled connections go stale between bursts). Every operation is recorded in
// the History and every read is checked against it at once. A 503 with Retry-After is retried
// after the delay with the same timestamp, as a well-behaved client does.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "history.h"
#include "soak_cluster.h"

namespace rk::soak {

// Latencies of acknowledged operations, split by whether a fault was active when they began.
class LatencyBook {
 public:
  void add(bool disturbed, int64_t micros);
  // The q-quantile in ms (q in [0,1]) and the count, of the disturbed or the calm samples.
  double quantile_ms(bool disturbed, double q) const;
  size_t count(bool disturbed) const;

 private:
  mutable std::mutex mu_;
  std::vector<int64_t> samples_[2];
};

struct OpCounts {
  std::atomic<int64_t> writes{0}, writes_acked{0};
  std::atomic<int64_t> deletes{0}, deletes_acked{0};
  std::atomic<int64_t> reads{0}, reads_ok{0};
  std::atomic<int64_t> retried_after{0};  // 503 + Retry-After answers waited out
};

// The state of the key in a client read's answer (`{"rows":[…]}`), or why it is unreadable.
Result<Observed> observed_in_read(const nlohmann::json& answer);

class Load {
 public:
  // `disturbed` says whether a fault is active right now (for the latency split).
  Load(SoakCluster& cluster, History& history, Violations& violations, uint64_t seed,
       std::function<bool()> disturbed);
  ~Load();

  void start(int threads);
  void stop();  // joins the threads
  const OpCounts& counts() const { return counts_; }
  const LatencyBook& latencies() const { return latencies_; }

 private:
  void run(uint64_t seed);

  SoakCluster& cluster_;
  History& history_;
  Violations& violations_;
  uint64_t seed_;
  std::function<bool()> disturbed_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  OpCounts counts_;
  LatencyBook latencies_;
  std::chrono::steady_clock::time_point began_;
};

}  // namespace rk::soak
