// Sampling disk, await and node signals, alert states, and their metrics (see sampler.h).
#include "signals/sampler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <cmath>

#include "ringkeeper/monitor/block_devices.h"
#include "ringkeeper/monitor/disk_headroom.h"

namespace rk::agent {

using monitor::State;

namespace {

int64_t thread_cpu_micros() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

// Signal names (the alert keys the scheduler stores).
constexpr const char* kDisk = "disk";
constexpr const char* kBudget = "data_budget";
constexpr const char* kAwait = "await";
constexpr const char* kCompactions = "compactions";
constexpr const char* kTombstones = "tombstones";
constexpr const char* kFiles = "sst_files";

}  // namespace

SignalSampler::SignalSampler(SignalSources sources, SignalThresholds thresholds,
                             const SignalOptions& options, const Clock& clock, OnChange on_change)
    : sources_(std::move(sources)),
      thresholds_(std::move(thresholds)),
      options_(options),
      clock_(clock),
      on_change_(std::move(on_change)),
      growth_(clock, static_cast<size_t>(std::max(2, options.growth_samples))) {
  using monitor::AlertOptions;
  using monitor::Thresholds;
  alerts_[kDisk] = std::make_unique<monitor::Alert>(
      kDisk, AlertOptions{thresholds_.disk.thresholds, options.disk_hysteresis, 0}, clock);
  Thresholds budget;
  if (thresholds_.disk.data_budget_bytes > 0) {
    budget.warning = monitor::Range{
        false, 0, static_cast<double>(thresholds_.disk.data_budget_bytes), monitor::Unit::kBytes};
  }
  alerts_[kBudget] = std::make_unique<monitor::Alert>(kBudget, AlertOptions{budget, 0, 0}, clock);
  const int64_t sustain =
      std::chrono::duration_cast<std::chrono::microseconds>(options.await_sustain).count();
  alerts_[kAwait] = std::make_unique<monitor::Alert>(
      kAwait, AlertOptions{thresholds_.await.thresholds, 0, sustain}, clock);
  alerts_[kCompactions] = std::make_unique<monitor::Alert>(
      kCompactions, AlertOptions{thresholds_.node.headroom, 0, 0}, clock);
  alerts_[kTombstones] = std::make_unique<monitor::Alert>(
      kTombstones, AlertOptions{thresholds_.node.tombstones, 0, 0}, clock);
  alerts_[kFiles] =
      std::make_unique<monitor::Alert>(kFiles, AlertOptions{thresholds_.node.files, 0, 0}, clock);
}

SignalSampler::~SignalSampler() { stop(); }

void SignalSampler::start() {
  thread_ = std::thread([this] { run(); });
}

void SignalSampler::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SignalSampler::run() {
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    lock.unlock();
    const int64_t cpu0 = thread_cpu_micros();
    sample();
    cpu_micros_ += thread_cpu_micros() - cpu0;
    lock.lock();
    stop_cv_.wait_for(lock, options_.sample_interval, [this] { return stopping_; });
  }
}

monitor::Alert& SignalSampler::alert(const std::string& signal) { return *alerts_.at(signal); }

void SignalSampler::observe(const std::string& signal, std::optional<double> value,
                            const std::string& message, std::vector<monitor::AlertEvent>* events) {
  monitor::Alert& a = alert(signal);
  auto e = value ? a.observe(*value, message) : a.observe_unknown(message);
  if (e) events->push_back(std::move(*e));
}

void SignalSampler::sample() {
  std::lock_guard sample_lock(sample_mu_);
  SignalSnapshot s;
  s.sampled_at_us = clock_.now_micros();
  std::vector<monitor::AlertEvent> events;

  // Disk headroom and the data budget.
  monitor::DiskCheckOptions disk_options = thresholds_.disk;
  disk_options.path = sources_.data_dir;
  auto disk = monitor::measure_disk(disk_options);
  if (disk.ok()) {
    s.disk = *disk;
    growth_.record(disk->usage.used_bytes);
    s.growth_bytes_per_second = growth_.bytes_per_second();
    s.seconds_until_full = growth_.seconds_until_full(disk->usage.available_bytes);
    monitor::PluginResult r = monitor::evaluate_disk(*disk, disk_options);
    s.disk_message = r.text;
    const bool bytes = thresholds_.disk.thresholds.warning &&
                       thresholds_.disk.thresholds.warning->unit == monitor::Unit::kBytes;
    const double value = bytes ? static_cast<double>(disk->usage.available_bytes)
                               : static_cast<double>(disk->usage.free_percent);
    observe(kDisk, value,
            fmt::format("{}% free ({} of {}) on {}", disk->usage.free_percent,
                        monitor::format_bytes_iec(disk->usage.available_bytes),
                        monitor::format_bytes_iec(disk->usage.size_bytes), sources_.data_dir),
            &events);
    if (disk->data_bytes) {
      observe(kBudget, static_cast<double>(*disk->data_bytes),
              fmt::format("data {} (budget {})", monitor::format_bytes_iec(*disk->data_bytes),
                          monitor::format_bytes_iec(thresholds_.disk.data_budget_bytes)),
              &events);
    }
  } else {
    s.disk_message = disk.status().message();
    observe(kDisk, std::nullopt, s.disk_message, &events);
  }

  // Await: rates since the previous sample.
  const int64_t now_mono = clock_.monotonic_micros();
  auto devices =
      monitor::block_devices_under(sources_.data_dir, sources_.mountinfo_path, sources_.sys_root);
  auto stats = monitor::read_diskstats(sources_.diskstats_path);
  if (!devices.ok() || !stats.ok()) {
    s.await_message = !devices.ok() ? devices.status().message() : stats.status().message();
    observe(kAwait, std::nullopt, s.await_message, &events);
    previous_stats_.reset();
  } else if (!previous_stats_ || now_mono <= previous_stats_micros_) {
    s.await_message = "first sample taken; rates follow after the next";
  } else {
    const double seconds = static_cast<double>(now_mono - previous_stats_micros_) / 1e6;
    double worst = 0;
    std::string missing;
    for (const std::string& name : devices->watched()) {
      const monitor::DiskStats* p = monitor::find_disk(*previous_stats_, name);
      const monitor::DiskStats* c = monitor::find_disk(*stats, name);
      if (p == nullptr || c == nullptr) {
        missing = name;
        continue;
      }
      s.devices.push_back({name, monitor::compute_io_rates(*p, *c, seconds)});
      worst = std::max(worst, s.devices.back().rates.await);
    }
    s.await_interval_seconds = seconds;
    if (s.devices.empty()) {
      s.await_message = fmt::format("device {} is not in {}", missing, sources_.diskstats_path);
      observe(kAwait, std::nullopt, s.await_message, &events);
    } else {
      s.await_message =
          monitor::evaluate_await(sources_.data_dir, s.devices, seconds, thresholds_.await).text;
      observe(kAwait, worst / 1000.0, s.await_message, &events);
    }
  }
  if (stats.ok()) {
    previous_stats_ = std::move(*stats);
    previous_stats_micros_ = now_mono;
  }

  // The storage engine's facts.
  auto facts = sources_.node_facts
                   ? sources_.node_facts()
                   : Result<monitor::NodeFactsInput>(Status::Unavailable("no storage node to ask"));
  if (facts.ok() && s.disk) {
    s.node = *facts;
    s.headroom = monitor::compaction_headroom(*facts, s.disk->usage.available_bytes);
    s.tombstones = monitor::worst_tombstone_ratio(*facts);
    s.compactions_message =
        monitor::evaluate_node(*facts, s.disk->usage.available_bytes, thresholds_.node).text;
    observe(kCompactions, s.headroom->ratio.value_or(std::numeric_limits<double>::infinity()),
            s.headroom->ratio
                ? fmt::format("compaction headroom {:.2f}x ({} free, largest compaction {})",
                              *s.headroom->ratio, monitor::format_bytes_iec(s.headroom->free_bytes),
                              monitor::format_bytes_iec(s.headroom->largest_compaction_bytes))
                : std::string("nothing to compact"),
            &events);
    if (!s.tombstones->table.empty()) {
      observe(
          kTombstones, s.tombstones->ratio,
          fmt::format("tombstones {:.1f}% in {}", s.tombstones->ratio * 100, s.tombstones->table),
          &events);
    } else {
      observe(kTombstones, 0, "no tombstone counts yet", &events);
    }
    observe(kFiles, static_cast<double>(facts->sst_files), fmt::format("{} SSTs", facts->sst_files),
            &events);
  } else {
    s.compactions_message = facts.ok() ? s.disk_message : facts.status().message();
    for (const char* sig : {kCompactions, kTombstones, kFiles}) {
      observe(sig, std::nullopt, s.compactions_message, &events);
    }
  }

  for (const auto& [name, a] : alerts_) s.alerts[name] = a->state();
  s.disk_state = worse(s.alerts[kDisk], s.alerts[kBudget]);
  s.await_state =
      s.devices.empty() && s.alerts[kAwait] == State::kOk ? State::kUnknown : s.alerts[kAwait];
  s.compactions_state = s.alerts[kCompactions];
  s.tombstones_state = s.alerts[kTombstones];
  s.files_state = s.alerts[kFiles];
  {
    std::lock_guard lock(mu_);
    snapshot_ = s;
  }
  ++samples_;

  if (!announced_) {
    // The first sample announces every signal's state; changes within it are included.
    announced_ = true;
    for (const auto& [name, a] : alerts_) {
      monitor::AlertEvent e;
      e.time_micros = s.sampled_at_us;
      e.signal = name;
      e.new_state = a->state();
      e.old_state = e.new_state;
      for (const auto& ev : events) {
        if (ev.signal == name) e = ev;
      }
      if (e.message.empty())
        e.message = fmt::format("{} {}", name, monitor::state_name(e.new_state));
      if (on_change_) on_change_(e);
    }
    return;
  }
  for (const auto& e : events) {
    spdlog::info("signal {}", e.message);
    if (on_change_) on_change_(e);
  }
}

SignalSnapshot SignalSampler::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

void SignalSampler::write_metrics(monitor::PrometheusText& out) const {
  const SignalSnapshot s = snapshot();
  out.family("rk_signal_samples_total", "counter", "Samples the signal sampler took.");
  out.sample("rk_signal_samples_total", {}, static_cast<double>(samples_.load()));
  out.family("rk_signal_sample_cpu_seconds_total", "counter",
             "CPU time the sampling thread spent sampling (its own overhead).");
  out.sample("rk_signal_sample_cpu_seconds_total", {},
             static_cast<double>(cpu_micros_.load()) / 1e6);
  if (s.sampled_at_us == 0) return;
  const monitor::Labels path{{"path", sources_.data_dir}};
  out.family("rk_signal_sampled_at_seconds", "gauge", "When the signals were last sampled.");
  out.sample("rk_signal_sampled_at_seconds", {}, static_cast<double>(s.sampled_at_us) / 1e6);
  out.family("rk_signal_state", "gauge",
             "Alert state per signal: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
  for (const auto& [name, st] : s.alerts) {
    out.sample("rk_signal_state", {{"signal", name}}, static_cast<double>(monitor::exit_code(st)));
  }
  if (s.disk) {
    const auto& u = s.disk->usage;
    out.family("rk_disk_size_bytes", "gauge", "Size of the data directory's filesystem (df).");
    out.sample("rk_disk_size_bytes", path, static_cast<double>(u.size_bytes));
    out.family("rk_disk_free_bytes", "gauge", "Bytes the node may still write (df Avail).");
    out.sample("rk_disk_free_bytes", path, static_cast<double>(u.available_bytes));
    out.family("rk_disk_used_bytes", "gauge", "Used bytes of the filesystem (df Used).");
    out.sample("rk_disk_used_bytes", path, static_cast<double>(u.used_bytes));
    out.family("rk_disk_free_percent", "gauge", "Free share of the filesystem (100 - df Use%).");
    out.sample("rk_disk_free_percent", path, u.free_percent);
    if (s.disk->data_bytes) {
      out.family("rk_data_bytes", "gauge", "Bytes under the data directory (du).");
      out.sample("rk_data_bytes", path, static_cast<double>(*s.disk->data_bytes));
    }
    if (s.growth_bytes_per_second) {
      out.family("rk_disk_growth_bytes_per_second", "gauge",
                 "Least-squares growth of used bytes over recent samples.");
      out.sample("rk_disk_growth_bytes_per_second", path, *s.growth_bytes_per_second);
    }
    if (s.seconds_until_full) {
      out.family("rk_disk_seconds_until_full", "gauge",
                 "Projected time until the free bytes are used up at the current growth.");
      out.sample("rk_disk_seconds_until_full", path, *s.seconds_until_full);
    }
  }
  if (!s.devices.empty()) {
    out.family("rk_device_await_seconds", "gauge",
               "iostat -x await (reads, writes, discards) over the last interval.");
    for (const auto& d : s.devices) {
      out.sample("rk_device_await_seconds", {{"device", d.name}}, d.rates.await / 1000);
    }
    out.family("rk_device_read_await_seconds", "gauge", "iostat -x r_await.");
    for (const auto& d : s.devices) {
      out.sample("rk_device_read_await_seconds", {{"device", d.name}}, d.rates.r_await / 1000);
    }
    out.family("rk_device_write_await_seconds", "gauge", "iostat -x w_await.");
    for (const auto& d : s.devices) {
      out.sample("rk_device_write_await_seconds", {{"device", d.name}}, d.rates.w_await / 1000);
    }
    out.family("rk_device_util_percent", "gauge", "iostat -x %util.");
    for (const auto& d : s.devices) {
      out.sample("rk_device_util_percent", {{"device", d.name}}, d.rates.util_percent);
    }
    out.family("rk_device_reads_per_second", "gauge", "iostat -x r/s.");
    for (const auto& d : s.devices) {
      out.sample("rk_device_reads_per_second", {{"device", d.name}}, d.rates.r_per_s);
    }
    out.family("rk_device_writes_per_second", "gauge", "iostat -x w/s.");
    for (const auto& d : s.devices) {
      out.sample("rk_device_writes_per_second", {{"device", d.name}}, d.rates.w_per_s);
    }
  }
  if (s.node) {
    out.family("rk_node_pending_compactions", "gauge", "Data sets that need a compaction.");
    out.sample("rk_node_pending_compactions", {}, static_cast<double>(s.node->pending_compactions));
    out.family("rk_node_running_compactions", "gauge", "Compactions running.");
    out.sample("rk_node_running_compactions", {}, static_cast<double>(s.node->running_compactions));
    out.family("rk_node_pending_compaction_bytes", "gauge",
               "The engine's estimate of bytes left to compact.");
    out.sample("rk_node_pending_compaction_bytes", {},
               static_cast<double>(s.node->pending_compaction_bytes));
    out.family("rk_node_sst_files", "gauge", "SSTs of the node.");
    out.sample("rk_node_sst_files", {}, static_cast<double>(s.node->sst_files));
    out.family("rk_table_bytes", "gauge", "SST bytes per table and data set.");
    for (const auto& set : s.node->sets) {
      out.sample("rk_table_bytes", {{"table", set.table}, {"set", set.set}},
                 static_cast<double>(set.bytes));
    }
    out.family("rk_table_tombstones", "gauge", "Tombstone entries per table and data set.");
    for (const auto& set : s.node->sets) {
      out.sample("rk_table_tombstones", {{"table", set.table}, {"set", set.set}},
                 static_cast<double>(set.tombstones));
    }
    if (s.headroom) {
      out.family("rk_node_largest_compaction_bytes", "gauge",
                 "The largest compaction the engine could run next.");
      out.sample("rk_node_largest_compaction_bytes", {},
                 static_cast<double>(s.headroom->largest_compaction_bytes));
      if (s.headroom->ratio) {
        out.family("rk_node_compaction_headroom_ratio", "gauge",
                   "Free bytes / the largest next compaction (below 1 it does not fit).");
        out.sample("rk_node_compaction_headroom_ratio", {}, *s.headroom->ratio);
      }
    }
  }
}

}  // namespace rk::agent
