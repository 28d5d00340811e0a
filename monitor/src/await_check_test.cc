// The await check end to end on fixtures (a mountinfo line for a real directory, a fake sysfs,
// two diskstats snapshots swapped by the test's sleeper), its thresholds, and one real run.
#include "ringkeeper/monitor/await_check.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "disk_test_util.h"

namespace rk::monitor {
namespace {

namespace fs = std::filesystem;

IoRates rates(double await_ms) {
  IoRates r;
  r.await = await_ms;
  r.r_await = await_ms / 2;
  r.w_await = await_ms * 2;
  r.util_percent = 12.345;
  r.r_per_s = 10;
  r.w_per_s = 20.004;
  return r;
}

TEST(AwaitCheck, DefaultsWarnAboveTwentyAndAreCriticalAboveOneHundredMs) {
  AwaitCheckOptions o;
  auto state = [&](double ms) { return evaluate_await("/d", {{"vda", rates(ms)}}, 1, o).state; };
  EXPECT_EQ(state(9), State::kOk);
  EXPECT_EQ(state(20), State::kOk);
  EXPECT_EQ(state(20.5), State::kWarning);
  EXPECT_EQ(state(100), State::kWarning);
  EXPECT_EQ(state(3000), State::kCritical);
}

TEST(AwaitCheck, OutputLineHasPerDevicePerfdataInMilliseconds) {
  PluginResult r = evaluate_await("/var/lib/ringkeeper", {{"vda", rates(9)}}, 1.0, {});
  EXPECT_EQ(format_plugin_output(r),
            "AWAIT OK - await 9.00 ms on vda (r 4.50 ms, w 18.00 ms, 12.3% util) over 1.00 s for "
            "/var/lib/ringkeeper | 'vda_await'=9ms;20;100;0 'vda_r_await'=4.5ms;;;0 "
            "'vda_w_await'=18ms;;;0 'vda_util'=12.35%;;;0;100 'vda_r/s'=10;;;0 'vda_w/s'=20;;;0\n");
}

TEST(AwaitCheck, WorstDeviceDecides) {
  PluginResult r =
      evaluate_await("/d", {{"dm-0", rates(30)}, {"sdb", rates(150)}, {"sdc", rates(5)}}, 1, {});
  EXPECT_EQ(r.state, State::kCritical);
  EXPECT_EQ(r.perfdata.size(), 18u);
}

TEST(AwaitCheck, ThresholdsMustBeTimes) {
  Thresholds t{*parse_range("50%"), std::nullopt};
  EXPECT_EQ(validate_await_thresholds(t).code(), ErrorCode::kInvalidArgument);
  AwaitCheckOptions o;
  o.thresholds = t;
  ManualClock clock;
  PluginResult r = run_await_check(o, clock, [](double) {});
  EXPECT_EQ(r.state, State::kUnknown);
  EXPECT_NE(r.text.find("await thresholds are times"), std::string::npos) << r.text;
}

TEST(AwaitCheck, NoDevicesIsUnknown) {
  EXPECT_EQ(evaluate_await("/d", {}, 1, {}).state, State::kUnknown);
}

// Fixtures: the temp dir's real device number in a one-line mountinfo, a sysfs where that
// number is the whole disk "vdz", and diskstats before/after.
class AwaitFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    struct stat st {};
    ASSERT_EQ(::stat(dir_.path().c_str(), &st), 0);
    maj_ = major(st.st_dev);
    min_ = minor(st.st_dev);
    const fs::path root = dir_.path();
    std::ofstream(root / "mountinfo")
        << "27 1 " << maj_ << ":" << min_ << " / / rw - ext4 /dev/vdz rw\n";
    fs::create_directories(root / "sys/devices/virtual/block/vdz/slaves");
    fs::create_directories(root / "sys/dev/block");
    fs::create_directory_symlink(
        "../../devices/virtual/block/vdz",
        root / "sys/dev/block" / (std::to_string(maj_) + ":" + std::to_string(min_)));
    options_.path = dir_.path();
    options_.mountinfo_path = (root / "mountinfo").string();
    options_.sys_root = (root / "sys").string();
    options_.diskstats_path = (root / "diskstats").string();
    write_stats("1000 100 80000 5000 2000 300 400000 20000 2 10000 30000 10 1 2048 50 100 200");
  }
  void write_stats(const std::string& counters) {
    std::ofstream(options_.diskstats_path)
        << "   7 0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        << " " << maj_ << " " << min_ << " vdz " << counters << "\n";
  }

  TempDir dir_;
  unsigned maj_ = 0, min_ = 0;
  AwaitCheckOptions options_;
  ManualClock clock_;
};

TEST_F(AwaitFixture, TwoSamplesGiveIostatsAwaitForTheDeviceUnderThePath) {
  options_.interval_seconds = 2;
  PluginResult r = run_await_check(options_, clock_, [&](double seconds) {
    EXPECT_EQ(seconds, 2);
    clock_.advance_seconds(2);
    write_stats("1250 150 100000 5750 2500 400 440000 27500 0 11500 38400 14 2 4096 70 120 260");
  });
  // (750 + 7500 + 20) ms / (250 + 500 + 4) I/Os = 10.97 ms (see diskstats_test.cc).
  EXPECT_EQ(r.state, State::kOk) << format_plugin_output(r);
  ASSERT_FALSE(r.perfdata.empty());
  EXPECT_EQ(format_perf_value(r.perfdata[0]), "'vdz_await'=10.97ms;20;100;0");
  EXPECT_NE(r.text.find("on vdz (r 3.00 ms, w 15.00 ms, 75.0% util) over 2.00 s"),
            std::string::npos)
      << r.text;
}

TEST_F(AwaitFixture, SlowDeviceIsCritical) {
  PluginResult r = run_await_check(options_, clock_, [&](double) {
    clock_.advance_seconds(1);
    // 10 reads taking 3000 ms each.
    write_stats("1010 100 80080 35000 2000 300 400000 20000 2 10880 60000 10 1 2048 50 100 200");
  });
  EXPECT_EQ(r.state, State::kCritical) << format_plugin_output(r);
}

TEST_F(AwaitFixture, MissingDeviceOrFilesAreUnknownWithTheReason) {
  PluginResult gone = run_await_check(options_, clock_, [&](double) {
    clock_.advance_seconds(1);
    std::ofstream(options_.diskstats_path) << "   7 0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
  });
  EXPECT_EQ(gone.state, State::kUnknown);
  EXPECT_NE(gone.text.find("device vdz is not in"), std::string::npos) << gone.text;
  options_.diskstats_path = "/nonexistent/diskstats";
  PluginResult unreadable = run_await_check(options_, clock_, [&](double) {});
  EXPECT_EQ(unreadable.state, State::kUnknown);
  EXPECT_NE(unreadable.text.find("/nonexistent/diskstats"), std::string::npos);
}

TEST_F(AwaitFixture, ZeroIntervalIsUnknown) {
  options_.interval_seconds = 0;
  EXPECT_EQ(run_await_check(options_, clock_, [](double) {}).state, State::kUnknown);
}

TEST(AwaitCheckOnThisMachine, RealRunGivesAVerdictForTheBuildDirectory) {
  AwaitCheckOptions o;
  o.path = fs::current_path().string();
  o.interval_seconds = 0.2;
  PluginResult r = run_await_check(o, SystemClock::instance(), [](double s) {
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
  });
  if (r.state == State::kUnknown && r.text.find("no block device") != std::string::npos) {
    GTEST_SKIP() << r.text;
  }
  EXPECT_NE(r.state, State::kUnknown) << format_plugin_output(r);
  EXPECT_NE(r.text.find("over 0.2"), std::string::npos) << r.text;
}

}  // namespace
}  // namespace rk::monitor
