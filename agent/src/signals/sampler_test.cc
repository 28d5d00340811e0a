// The agent's signal sampler on this machine's real data directory and devices, with an injected
// clock and /proc/diskstats fixtures made from the real file: thresholds cross, alert changes are
// handed on (the first sample announces every signal), await needs its sustain window.
#include "signals/sampler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace rk::agent {
namespace {

namespace fs = std::filesystem;
using monitor::State;

class SignalSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rk-signals-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.data_budget_bytes = 0;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SignalSampler> make(SignalSources sources = {}) {
    if (sources.data_dir.empty()) sources.data_dir = dir_.string();
    auto t = parse_signal_thresholds(options_);
    EXPECT_TRUE(t.ok()) << t.status().to_string();
    return std::make_unique<SignalSampler>(
        sources, *t, options_, clock_,
        [this](const monitor::AlertEvent& e) { events_.push_back(e); });
  }

  // The real /proc/diskstats with every device's reads made `slow_ms` slower per I/O (10 more
  // reads taking 10 * slow_ms ms) when `slow`.
  std::string diskstats_fixture(const std::string& name, int step, int slow_ms) {
    if (real_diskstats_.empty()) {  // one reading: the real counters keep moving
      std::ifstream f("/proc/diskstats");
      real_diskstats_.assign(std::istreambuf_iterator<char>(f), {});
    }
    std::istringstream in(real_diskstats_);
    std::ostringstream out;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::vector<std::string> f;
      std::string x;
      while (fields >> x) f.push_back(x);
      if (f.size() >= 7) {
        f[3] = std::to_string(std::stoull(f[3]) + 10ull * step);
        f[6] = std::to_string(std::stoull(f[6]) + 10ull * step * slow_ms);
      }
      for (size_t i = 0; i < f.size(); ++i) out << (i ? " " : "") << f[i];
      out << "\n";
    }
    const fs::path p = dir_ / name;
    std::ofstream(p) << out.str();
    return p.string();
  }

  std::vector<monitor::AlertEvent> of(const std::string& signal) {
    std::vector<monitor::AlertEvent> out;
    for (const auto& e : events_) {
      if (e.signal == signal) out.push_back(e);
    }
    return out;
  }

  fs::path dir_;
  ManualClock clock_;
  SignalOptions options_;
  std::vector<monitor::AlertEvent> events_;
  std::string real_diskstats_;
};

TEST_F(SignalSamplerTest, TheFirstSampleAnnouncesEverySignal) {
  auto s = make();
  s->sample();
  std::set<std::string> names;
  for (const auto& e : events_) names.insert(e.signal);
  EXPECT_EQ(names, (std::set<std::string>{"await", "compactions", "data_budget", "disk",
                                          "sst_files", "tombstones"}));
  const SignalSnapshot snap = s->snapshot();
  EXPECT_EQ(snap.sampled_at_us, clock_.now_micros());
  ASSERT_TRUE(snap.disk.has_value());
  EXPECT_GT(snap.disk->usage.size_bytes, 0u);
  // No storage node: the node signals are UNKNOWN, with the reason.
  EXPECT_EQ(snap.compactions_state, State::kUnknown);
  EXPECT_EQ(snap.compactions_message, "no storage node to ask");
  events_.clear();
  s->sample();
  EXPECT_TRUE(of("disk").empty());  // nothing changed: nothing more is pushed
}

TEST_F(SignalSamplerTest, ADiskThresholdTheMachineAlreadyCrossesRaisesAndClears) {
  options_.disk_warning = "@0%:100%";  // every free percent alerts
  options_.disk_critical = "~:";       // never
  auto s = make();
  s->sample();
  auto disk = of("disk");
  ASSERT_EQ(disk.size(), 1u);
  EXPECT_EQ(disk[0].new_state, State::kWarning);
  EXPECT_EQ(s->snapshot().disk_state, State::kWarning);
  EXPECT_NE(disk[0].message.find("% free"), std::string::npos) << disk[0].message;
}

TEST_F(SignalSamplerTest, NodeFactsGiveCompactionHeadroomTombstonesAndFiles) {
  SignalSources sources;
  sources.node_facts = []() -> Result<monitor::NodeFactsInput> {
    monitor::NodeFactsInput f;
    // A data set far larger than any disk: the next full compaction cannot fit.
    f.sets = {{"ks.t", "unrepaired", uint64_t{1} << 62, 40, 30, 100}};
    f.sst_files = 40;
    f.pending_compactions = 1;
    return f;
  };
  auto s = make(sources);
  s->sample();
  const SignalSnapshot snap = s->snapshot();
  EXPECT_EQ(snap.compactions_state, State::kCritical);
  EXPECT_EQ(snap.tombstones_state, State::kWarning);  // 30% > 20%
  EXPECT_EQ(snap.files_state, State::kOk);
  ASSERT_TRUE(snap.headroom.has_value());
  EXPECT_LT(*snap.headroom->ratio, 1.0);
  ASSERT_EQ(of("compactions").size(), 1u);
  EXPECT_EQ(of("compactions")[0].new_state, State::kCritical);
  monitor::PrometheusText metrics;
  s->write_metrics(metrics);
  EXPECT_NE(metrics.text().find("rk_signal_state{signal=\"compactions\"} 2\n"), std::string::npos)
      << metrics.text();
  EXPECT_NE(metrics.text().find("rk_node_sst_files 40\n"), std::string::npos);
}

TEST_F(SignalSamplerTest, AwaitChangesOnlyAfterItsSustainWindow) {
  options_.await_sustain = std::chrono::seconds(30);
  SignalSources sources;
  sources.data_dir = dir_.string();
  sources.diskstats_path = diskstats_fixture("d0", 0, 0);
  auto s = make(sources);
  s->sample();  // first diskstats sample: no rates yet
  if (s->snapshot().await_message.find("first sample") == std::string::npos) {
    GTEST_SKIP() << "no block device under " << dir_ << ": " << s->snapshot().await_message;
  }
  events_.clear();
  // Every 10 s the devices took 1000 ms per read: CRITICAL, but only once it held for 30 s.
  for (int step = 1; step <= 4; ++step) {
    diskstats_fixture("d0", step, 1000);
    clock_.advance_seconds(10);
    s->sample();
    if (step < 4) {
      EXPECT_TRUE(of("await").empty()) << "step " << step;
    }
  }
  auto await = of("await");
  ASSERT_EQ(await.size(), 1u);
  EXPECT_EQ(await[0].new_state, State::kCritical);
  const SignalSnapshot snap = s->snapshot();
  ASSERT_FALSE(snap.devices.empty());
  EXPECT_NEAR(snap.devices[0].rates.r_await, 1000, 1e-6);
  EXPECT_DOUBLE_EQ(snap.await_interval_seconds, 10);
}

TEST_F(SignalSamplerTest, BadThresholdsAreRefusedWithTheKey) {
  options_.await_warning = "20:10";
  auto t = parse_signal_thresholds(options_);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("signals.await_warning"), std::string::npos)
      << t.status().message();
  options_ = {};
  options_.disk_warning = "60%:";
  options_.disk_critical = "100GiB:";
  EXPECT_FALSE(parse_signal_thresholds(options_).ok());
  options_ = {};
  options_.files_warning = "5000B";
  EXPECT_FALSE(parse_signal_thresholds(options_).ok());
}

}  // namespace
}  // namespace rk::agent
