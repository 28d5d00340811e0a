// The disk check: thresholds on free percent or free bytes, the data budget, the output line,
// and a real (tmpfs) filesystem filled past the thresholds and emptied again.
#include "ringkeeper/monitor/disk_check.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "disk_test_util.h"

namespace rk::monitor {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

DiskFacts facts_with_free_percent(int free_percent, uint64_t size = 1000 * kGiB) {
  DiskFacts f;
  f.path = "/var/lib/ringkeeper";
  f.usage.size_bytes = size;
  f.usage.available_bytes = size / 100 * free_percent;
  f.usage.used_bytes = size - f.usage.available_bytes;
  f.usage.free_percent = free_percent;
  f.usage.use_percent = 100 - free_percent;
  return f;
}

Range range(std::string_view s) { return *parse_range(s); }

TEST(DiskCheck, DefaultsWarnBelowSixtyAndAreCriticalBelowFiftyPercentFree) {
  DiskCheckOptions o;
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(75), o).state, State::kOk);
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(60), o).state, State::kOk);
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(59), o).state, State::kWarning);
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(50), o).state, State::kWarning);
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(49), o).state, State::kCritical);
}

TEST(DiskCheck, InjectedStatvfsFiguresGoWarningThenCriticalThenOk) {
  // 1000 blocks of 4 KiB, 50 reserved for root (free - available), filling up and emptying.
  auto state_at = [](uint64_t free_blocks) {
    DiskFacts f;
    f.path = "/data";
    f.usage = disk_usage(FsStats{4096, 1000, free_blocks, free_blocks - 50});
    return evaluate_disk(f, DiskCheckOptions{}).state;
  };
  // Non-root total is always used + avail = 950 blocks; Use% = ceil(used * 100 / 950).
  EXPECT_EQ(state_at(700), State::kOk);        // used 300: Use% 32 (31.6 up), 68% free
  EXPECT_EQ(state_at(620), State::kOk);        // used 380: Use% 40 exactly, 60% free
  EXPECT_EQ(state_at(619), State::kWarning);   // used 381: Use% 41 (40.1 up), 59% free
  EXPECT_EQ(state_at(573), State::kWarning);   // used 427: Use% 45 (44.9 up), 55% free
  EXPECT_EQ(state_at(500), State::kCritical);  // used 500: Use% 53 (52.6 up), 47% free
  EXPECT_EQ(state_at(800), State::kOk);        // emptied again: 79% free
}

TEST(DiskCheck, OutputLineCarriesThePerfdata) {
  DiskFacts f = facts_with_free_percent(42, 100 * kGiB);
  EXPECT_EQ(format_plugin_output(evaluate_disk(f, DiskCheckOptions{})),
            "DISK CRITICAL - 42% free (42.0GiB of 100.0GiB) on /var/lib/ringkeeper | "
            "'free'=42%;60:;50:;0;100 'free_bytes'=45097156608B;;;0;107374182400 "
            "'used_bytes'=62277025792B;;;0;107374182400\n");
}

TEST(DiskCheck, ByteThresholdsCompareFreeBytes) {
  DiskCheckOptions o;
  o.thresholds = Thresholds{range("200GiB:"), range("100GiB:")};
  // 15% of 1000 GiB = 150 GiB free: below 200 GiB but above 100 GiB.
  PluginResult r = evaluate_disk(facts_with_free_percent(15), o);
  EXPECT_EQ(r.state, State::kWarning);
  ASSERT_EQ(r.perfdata.size(), 3u);
  EXPECT_EQ(r.perfdata[0].warn, "");  // the % perfdata has no byte thresholds
  EXPECT_EQ(r.perfdata[1].warn, "214748364800:");
  EXPECT_EQ(r.perfdata[1].crit, "107374182400:");
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(5), o).state, State::kCritical);
}

TEST(DiskCheck, WarningAndCriticalMayUseDifferentUnits) {
  DiskCheckOptions o;
  o.thresholds = Thresholds{range("60%:"), range("100GiB:")};
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(20), o).state, State::kWarning);
  EXPECT_EQ(evaluate_disk(facts_with_free_percent(9), o).state, State::kCritical);
}

TEST(DiskCheck, DataOverBudgetWarns) {
  DiskCheckOptions o;
  DiskFacts f = facts_with_free_percent(80);
  f.data_bytes = 360 * kGiB;
  PluginResult r = evaluate_disk(f, o);
  EXPECT_EQ(r.state, State::kWarning);
  EXPECT_NE(r.text.find("data 360.0GiB over budget 350.0GiB"), std::string::npos) << r.text;
  ASSERT_EQ(r.perfdata.size(), 4u);
  EXPECT_EQ(format_perf_value(r.perfdata[3]), "'data_bytes'=386547056640B;375809638400;;0");
  f.data_bytes = 300 * kGiB;
  EXPECT_EQ(evaluate_disk(f, o).state, State::kOk);
  // The budget never lowers a worse state.
  DiskFacts critical = facts_with_free_percent(10);
  critical.data_bytes = 400 * kGiB;
  EXPECT_EQ(evaluate_disk(critical, o).state, State::kCritical);
}

TEST(DiskCheck, ZeroBudgetTurnsTheBudgetOff) {
  DiskCheckOptions o;
  o.data_budget_bytes = 0;
  DiskFacts f = facts_with_free_percent(80);
  f.data_bytes = 1000 * kGiB;
  PluginResult r = evaluate_disk(f, o);
  EXPECT_EQ(r.state, State::kOk);
  EXPECT_EQ(r.perfdata.size(), 3u);
}

TEST(DiskCheck, FilesystemWithoutSizeIsUnknown) {
  DiskFacts f;
  f.path = "/proc";
  EXPECT_EQ(evaluate_disk(f, DiskCheckOptions{}).state, State::kUnknown);
}

TEST(DiskCheck, ThresholdsInSecondsAreRejected) {
  Thresholds t{range("20ms"), std::nullopt};
  Status s = validate_disk_thresholds(t);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  DiskCheckOptions o;
  o.path = "/";
  o.thresholds = t;
  EXPECT_EQ(run_disk_check(o).state, State::kUnknown);
}

TEST(DiskCheck, MissingPathIsUnknownWithTheReason) {
  DiskCheckOptions o;
  o.path = "/nonexistent/ringkeeper";
  PluginResult r = run_disk_check(o);
  EXPECT_EQ(r.state, State::kUnknown);
  EXPECT_NE(r.text.find("/nonexistent/ringkeeper"), std::string::npos);
}

TEST(DiskCheck, FillingATmpfsGoesWarningThenCriticalThenOkAgain) {
  ScratchTmpfs fs(4 << 20);  // 1024 blocks of 4 KiB
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << fs.error() << ")";
  DiskCheckOptions o;
  o.path = fs.path();
  EXPECT_EQ(run_disk_check(o).state, State::kOk);
  write_file(fs.path() + "/sstable-1", 1'800'000);  // ~43% used: 57% free
  PluginResult warning = run_disk_check(o);
  EXPECT_EQ(warning.state, State::kWarning) << format_plugin_output(warning);
  write_file(fs.path() + "/sstable-2", 500'000);  // ~55% used: 45% free
  PluginResult critical = run_disk_check(o);
  EXPECT_EQ(critical.state, State::kCritical) << format_plugin_output(critical);
  // What the check says agrees with df on the same mount.
  auto df = run_df(fs.path());
  ASSERT_TRUE(df.has_value());
  EXPECT_EQ(critical.perfdata[0].value, 100 - df->use_percent);
  EXPECT_EQ(critical.perfdata[1].value, static_cast<double>(df->avail));
  std::filesystem::remove(fs.path() + "/sstable-1");
  std::filesystem::remove(fs.path() + "/sstable-2");
  EXPECT_EQ(run_disk_check(o).state, State::kOk);
}

TEST(DiskCheck, DataBudgetIsMeasuredUnderThePath) {
  ScratchTmpfs fs(4 << 20);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << fs.error() << ")";
  DiskCheckOptions o;
  o.path = fs.path();
  o.data_budget_bytes = 100'000;
  write_file(fs.path() + "/sstable-1", 200'000);
  PluginResult r = run_disk_check(o);
  EXPECT_EQ(r.state, State::kWarning) << format_plugin_output(r);
  EXPECT_NE(r.text.find("over budget"), std::string::npos);
}

TEST(DiskCheck, MeasuredFactsCanBeEvaluatedLater) {
  DiskCheckOptions o;
  o.path = std::filesystem::current_path().string();
  o.data_budget_bytes = 0;
  auto facts = measure_disk(o);
  ASSERT_TRUE(facts.ok()) << facts.status().to_string();
  EXPECT_GT(facts->usage.size_bytes, 0u);
  EXPECT_FALSE(facts->data_bytes.has_value());  // budget off: no walk
  EXPECT_NE(evaluate_disk(*facts, o).state, State::kUnknown);
  o.path = "/nonexistent/ringkeeper";
  EXPECT_EQ(measure_disk(o).status().code(), ErrorCode::kNotFound);
}

TEST(DiskCheck, BytesAreShownInBinaryUnits) {
  EXPECT_EQ(format_bytes_iec(0), "0B");
  EXPECT_EQ(format_bytes_iec(1023), "1023B");
  EXPECT_EQ(format_bytes_iec(1536), "1.5KiB");
  EXPECT_EQ(format_bytes_iec(350 * kGiB), "350.0GiB");
}

}  // namespace
}  // namespace rk::monitor
