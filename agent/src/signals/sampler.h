// The agent's signal sampler (docs/monitoring.md "Signals"): every sample_interval it measures the
// disk headroom of the data directory's filesystem (and the data budget), the await and %util of
// the block device(s) beneath it (two /proc/diskstats samples across the interval), and the
// storage engine's facts (compaction headroom, SST files, tombstone ratios); keeps the latest
// sample for GET /v1/signals, `rkctl check --agent` and /metrics; feeds each signal's alert state
// (hysteresis, sustain window: monitor/alert_state.h) and hands every state change to `on_change`
// (the agent queues it for the scheduler).
//
// The thread only waits; sample() does the work and may be called directly (tests drive it with a
// ManualClock and fixture files).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/monitor/alert_state.h"
#include "ringkeeper/monitor/await_check.h"
#include "ringkeeper/monitor/disk_check.h"
#include "ringkeeper/monitor/diskstats.h"
#include "ringkeeper/monitor/node_signals.h"
#include "ringkeeper/monitor/prometheus.h"
#include "signals/thresholds.h"

namespace rk::agent {

// Where the sampler reads from; tests point these at fixtures.
struct SignalSources {
  std::string data_dir;
  std::string diskstats_path = "/proc/diskstats";
  std::string mountinfo_path = "/proc/self/mountinfo";
  std::string sys_root = "/sys";
  // The storage engine's facts; an error makes the node signals UNKNOWN.
  std::function<Result<monitor::NodeFactsInput>()> node_facts;
};

// One complete sample, as GET /v1/signals shows it.
struct SignalSnapshot {
  int64_t sampled_at_us = 0;  // 0: nothing sampled yet
  // disk
  monitor::State disk_state = monitor::State::kUnknown;
  std::string disk_message;
  std::optional<monitor::DiskFacts> disk;
  std::optional<double> growth_bytes_per_second;
  std::optional<double> seconds_until_full;
  // await: every watched device over the last interval
  monitor::State await_state = monitor::State::kUnknown;
  std::string await_message;
  std::vector<monitor::DeviceIo> devices;
  double await_interval_seconds = 0;
  // node
  monitor::State compactions_state = monitor::State::kUnknown;
  std::string compactions_message;
  monitor::State tombstones_state = monitor::State::kUnknown;
  monitor::State files_state = monitor::State::kUnknown;
  std::optional<monitor::NodeFactsInput> node;
  std::optional<monitor::CompactionHeadroom> headroom;
  std::optional<monitor::TombstoneRatio> tombstones;
  // alert state per signal name, as reported (after hysteresis and sustain)
  std::map<std::string, monitor::State> alerts;
};

class SignalSampler {
 public:
  using OnChange = std::function<void(const monitor::AlertEvent&)>;

  SignalSampler(SignalSources sources, SignalThresholds thresholds, const SignalOptions& options,
                const Clock& clock, OnChange on_change);
  ~SignalSampler();  // stops

  // Starts the background thread: one sample now, then one per interval.
  void start();
  void stop();

  // Takes one sample (and pushes alert changes). The first call after start announces the
  // state of every signal (so a scheduler that missed changes while this agent was down learns
  // the current state); later calls only changes.
  void sample();

  SignalSnapshot snapshot() const;

  // The signals as Prometheus gauges (rk_disk_*, rk_await_*, rk_node_*, rk_signal_state).
  void write_metrics(monitor::PrometheusText& out) const;

  // CPU time the sampling thread spent in sample() so far, and the number of samples (for the
  // overhead benchmark).
  int64_t cpu_micros() const { return cpu_micros_.load(); }
  int64_t samples() const { return samples_.load(); }

 private:
  void run();
  monitor::Alert& alert(const std::string& signal);
  void observe(const std::string& signal, std::optional<double> value, const std::string& message,
               std::vector<monitor::AlertEvent>* events);

  SignalSources sources_;
  SignalThresholds thresholds_;
  SignalOptions options_;
  const Clock& clock_;
  OnChange on_change_;
  monitor::GrowthTracker growth_;
  std::map<std::string, std::unique_ptr<monitor::Alert>> alerts_;
  std::optional<std::vector<monitor::DiskStats>> previous_stats_;
  int64_t previous_stats_micros_ = 0;
  bool announced_ = false;

  mutable std::mutex mu_;  // guards snapshot_
  SignalSnapshot snapshot_;

  std::mutex sample_mu_;  // one sample() at a time
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<int64_t> cpu_micros_{0};
  std::atomic<int64_t> samples_{0};
};

}  // namespace rk::agent
