// The scheduler's planning seam: windows are checked with reasons that name the bad part, a run
// without its own window takes the configured one, and the deadline forecast counts only the open
// time of each table's window.
#include "repair/planning.h"

#include <gtest/gtest.h>

#include <limits>

namespace rk::scheduler {
namespace {

// Monday 2026-11-23 01:00 UTC.
constexpr int64_t kMonday0100Us = 1'795'395'600'000'000;

TEST(RepairPlanning, BadWindowsAreRefusedNamingWhatIsWrong) {
  EXPECT_TRUE(check_window({}).ok());
  EXPECT_TRUE(check_window({"mon-fri 22:00-06:00; sat,sun 00:00-24:00", "+05:30", "stop"}).ok());
  const Status day = check_window({"mnd 22:00-06:00", "UTC", "finish"});
  EXPECT_EQ(day.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(day.message().find("mnd"), std::string::npos) << day.to_string();
  const Status zone = check_window({"mon 22:00-06:00", "Nowhere/City", "finish"});
  EXPECT_NE(zone.message().find("Nowhere/City"), std::string::npos) << zone.to_string();
  const Status close = check_window({"mon 22:00-06:00", "UTC", "later"});
  EXPECT_NE(close.message().find("finish or stop"), std::string::npos) << close.to_string();
}

TEST(RepairPlanning, ARunWithoutItsOwnWindowTakesTheConfiguredOne) {
  RepairOptions options;
  options.windows = "sat 00:00-24:00";
  options.window_close = "stop";
  RepairRunOptions run;
  EXPECT_EQ(window_of(run, options).windows, "sat 00:00-24:00");
  EXPECT_EQ(window_of(run, options).on_close, "stop");
  run.window = RepairWindowSpec{};  // its own: always open
  EXPECT_EQ(window_of(run, options).windows, "");
}

TEST(RepairPlanning, TheForecastCountsOnlyOpenWindowTime) {
  // An hour of work at 1 byte/s, from Monday 01:00: done at 02:00 always open; in a window that
  // opens at 02:00, done when it closes at 03:00.
  const int64_t hour = 3600'000'000;
  TableWork open{"ks", "open", 864000, kMonday0100Us, 3600, {}};
  TableWork windowed{"ks",   "windowed",
                     864000, kMonday0100Us,
                     3600,   RepairWindowSpec{"mon 02:00-03:00", "UTC", "finish"}};
  std::vector<TableDeadline> d = forecast({open, windowed}, 1.0, 0.2, kMonday0100Us);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].table, "open");
  EXPECT_EQ(d[0].forecast_done_us, kMonday0100Us + hour);
  EXPECT_EQ(d[1].table, "windowed");
  EXPECT_EQ(d[1].forecast_done_us, kMonday0100Us + 2 * hour);
}

// A table with the largest gc_grace Cassandra allows (and one beyond, as an older catalog could
// hold), fully repaired 3 s ago: OK, not OVERDUE from a deadline that wrapped past INT64_MAX.
TEST(RepairPlanning, HugeGcGraceJustAfterAFullRepairIsOk) {
  for (const int64_t gc_grace : {int64_t{2147483647}, std::numeric_limits<int64_t>::max()}) {
    TableWork t{"ks", "t", gc_grace, kMonday0100Us - 3'000'000, 0, {}};
    std::vector<TableDeadline> d = forecast({t}, 1e6, 0.2, kMonday0100Us);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].state, DeadlineState::kOk) << gc_grace << ": " << d[0].message;
  }
  EXPECT_GE(default_interval_seconds(2147483647), 1);
}

}  // namespace
}  // namespace rk::scheduler
