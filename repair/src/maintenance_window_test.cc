// Maintenance windows and time zones: parsing schedules, the open intervals around a moment
// (across DST changes), and whether a segment's run fits before the window closes.
#include "ringkeeper/repair/maintenance_window.h"

#include <gtest/gtest.h>

#include "civil_time.h"
#include "ringkeeper/core/time_text.h"

namespace rk::repair {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kHour = 3600 * kSec;

// µs since the epoch of a UTC date and time.
int64_t utc(int64_t y, int m, int d, int hh = 0, int mm = 0) {
  return (days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60) * kSec;
}

TimeZone zone(std::string_view name) {
  auto z = TimeZone::load(name);
  EXPECT_TRUE(z.ok()) << z.status().to_string();
  return std::move(z).value();
}

MaintenanceSchedule schedule(std::string_view spec, TimeZone z = TimeZone()) {
  auto s = MaintenanceSchedule::parse(spec, std::move(z));
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return std::move(s).value();
}

// A TZif v2 file with no transitions, one type and only a footer rule: every answer then comes
// from the POSIX rule evaluation.
std::string footer_only_tzif(std::string_view rule, int32_t utoff) {
  auto be32 = [](std::string& out, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
  };
  auto block = [&](std::string& out) {
    out += "TZif2";
    out.append(15, '\0');
    for (uint32_t c : {0u, 0u, 0u, 0u, 1u, 4u}) be32(out, c);  // isut isstd leap time type char
    be32(out, static_cast<uint32_t>(utoff));
    out.push_back(0);  // isdst
    out.push_back(0);  // desigidx
    out.append("XXX", 4);
  };
  std::string out;
  block(out);
  block(out);
  out += "\n";
  out += rule;
  out += "\n";
  return out;
}

TEST(TimeZone, ReadsOffsetsFromTheSystemZoneinfo) {
  TimeZone berlin = zone("Europe/Berlin");
  EXPECT_EQ(berlin.offset_at(utc(2026, 1, 15) / kSec), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2026, 7, 15) / kSec), 7200);
  // Spring forward 2026-03-29 01:00 UTC.
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 0, 59) / kSec), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 1, 0) / kSec), 7200);
  EXPECT_EQ(zone("UTC").offset_at(0), 0);
  EXPECT_EQ(zone("+05:30").offset_at(0), 5 * 3600 + 1800);
  EXPECT_EQ(zone("-08:00").offset_at(0), -8 * 3600);
}

TEST(TimeZone, FooterRulesGiveOffsetsPastTheListedTransitions) {
  // 2040 is past the transitions a "fat" TZif lists (up to 2037).
  EXPECT_EQ(zone("America/New_York").offset_at(utc(2040, 7, 1) / kSec), -4 * 3600);
  EXPECT_EQ(zone("America/New_York").offset_at(utc(2040, 1, 1) / kSec), -5 * 3600);
  EXPECT_EQ(zone("Australia/Sydney").offset_at(utc(2040, 1, 1) / kSec), 11 * 3600);
  EXPECT_EQ(zone("Australia/Sydney").offset_at(utc(2040, 7, 1) / kSec), 10 * 3600);
}

TEST(TimeZone, PosixRuleAgreesWithTheTransitionTable) {
  struct Case {
    const char* name;
    const char* rule;
    int32_t std_offset;
  };
  for (const Case& c : {Case{"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", 3600},
                        Case{"America/New_York", "EST5EDT,M3.2.0,M11.1.0", -5 * 3600},
                        Case{"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3", 10 * 3600},
                        // Negative DST (winter is the "daylight" time), quoted names, odd
                        // offsets and transition times past midnight (TZif v3 "/24").
                        Case{"Europe/Dublin", "IST-1GMT0,M10.5.0,M3.5.0/1", 3600},
                        Case{"Pacific/Chatham", "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
                             12 * 3600 + 45 * 60},
                        Case{"America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24", -4 * 3600}}) {
    auto rule = TimeZone::from_tzif(c.name, footer_only_tzif(c.rule, c.std_offset));
    ASSERT_TRUE(rule.ok()) << rule.status().to_string();
    TimeZone table = zone(c.name);
    // Every 7 hours from 2023 to 2036 (steps land on every hour of the day over time), years
    // whose transitions the rule describes.
    for (int64_t t = utc(2023, 1, 1); t < utc(2036, 1, 1); t += 7 * kHour) {
      ASSERT_EQ(rule->offset_at(t / kSec), table.offset_at(t / kSec))
          << c.name << " at " << format_time_us(t, TimeForm::kRfc3339Seconds);
    }
  }
}

TEST(TimeZone, LocalTimesInGapsAndOverlaps) {
  TimeZone berlin = zone("Europe/Berlin");
  const int64_t local_day = days_from_civil(2026, 3, 29) * 86400;
  // 02:30 does not exist on 2026-03-29: the instant the clocks jumped (01:00 UTC).
  EXPECT_EQ(berlin.to_utc(local_day + 2 * 3600 + 1800) * kSec, utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(berlin.to_utc(local_day + 3600) * kSec, utc(2026, 3, 29, 0, 0));
  // 02:30 happens twice on 2026-10-25: the first (CEST) occurrence.
  const int64_t autumn = days_from_civil(2026, 10, 25) * 86400;
  EXPECT_EQ(berlin.to_utc(autumn + 2 * 3600 + 1800) * kSec, utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(berlin.to_utc(autumn + 4 * 3600) * kSec, utc(2026, 10, 25, 3, 0));
}

TEST(TimeZone, RejectsUnknownAndUnsafeNames) {
  EXPECT_EQ(TimeZone::load("Mars/Olympus").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(TimeZone::load("../etc/passwd").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(TimeZone::load("+25:00").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(
      TimeZone::from_tzif("x", "not a tzif file at all, just some text to be long enough").ok());
}

TEST(TimeZone, RefusesOffsetsAndRuleFieldsNoZoneHas) {
  // A local time type 2^31-1 s east of UTC (a damaged file): offsets must stay within 26 hours.
  EXPECT_EQ(TimeZone::from_tzif("x", footer_only_tzif("", 0x7fffffff)).status().code(),
            ErrorCode::kInvalidArgument);
  for (const char* rule : {"CET-25CEST,M3.5.0,M10.5.0/3",               // offset over 24:59:59
                           "CET-1CEST,M3.5.0,M10.5.0/168",              // rule time over 167 h
                           "CET-99999999999999999999",                  // would overflow
                           "CET-1CEST,J0,J100", "CET-1CEST,J1,366"}) {  // days outside the year
    EXPECT_EQ(TimeZone::from_tzif("x", footer_only_tzif(rule, 3600)).status().code(),
              ErrorCode::kInvalidArgument)
        << rule;
  }
  EXPECT_TRUE(TimeZone::from_tzif("x", footer_only_tzif("CET-1CEST,J1,365/167", 3600)).ok());
}

TEST(MaintenanceSchedule, EmptyIsAlwaysOpen) {
  auto s = schedule("  ");
  EXPECT_TRUE(s.always_open());
  EXPECT_TRUE(s.is_open(utc(2026, 1, 1, 3)));
  EXPECT_EQ(s.advance(100, 50), 150);
  EXPECT_EQ(s.next_close(5), std::numeric_limits<int64_t>::max());
}

TEST(MaintenanceSchedule, WindowsAcrossMidnight) {
  auto s = schedule("daily 22:00-06:00");
  EXPECT_TRUE(s.is_open(utc(2026, 11, 23, 23)));
  EXPECT_TRUE(s.is_open(utc(2026, 11, 23, 5, 59)));
  EXPECT_FALSE(s.is_open(utc(2026, 11, 23, 6, 0)));
  EXPECT_FALSE(s.is_open(utc(2026, 11, 23, 12)));
  EXPECT_EQ(s.next_open(utc(2026, 11, 23, 12)), utc(2026, 11, 23, 22));
  EXPECT_EQ(s.next_close(utc(2026, 11, 23, 23)), utc(2026, 11, 24, 6));
  // 10 h of work from Monday noon: 8 h that night, 2 h the next.
  EXPECT_EQ(s.advance(utc(2026, 11, 23, 12), 10 * kHour), utc(2026, 11, 25, 0));
  EXPECT_EQ(s.open_time(utc(2026, 11, 23, 12), utc(2026, 11, 25, 0)), 10 * kHour);
}

TEST(MaintenanceSchedule, TheWeekdayIsTheDayTheWindowOpens) {
  // 2026-11-27 is a Friday.
  auto s = schedule("fri 22:00-02:00");
  EXPECT_TRUE(s.is_open(utc(2026, 11, 28, 1)));    // Saturday 01:00, still Friday's window
  EXPECT_FALSE(s.is_open(utc(2026, 11, 28, 23)));  // Saturday night: no window
  EXPECT_FALSE(s.is_open(utc(2026, 11, 27, 1)));   // Friday 01:00 belongs to Thursday
  EXPECT_EQ(s.next_open(utc(2026, 11, 28, 3)), utc(2026, 12, 4, 22));
}

TEST(MaintenanceSchedule, DaylightSavingChangesKeepLocalTimes) {
  TimeZone berlin = zone("Europe/Berlin");
  // Sunday 2026-03-29: 01:00-04:00 local spans the spring jump and lasts 2 h.
  auto spring = schedule("sun 01:00-04:00", berlin);
  EXPECT_EQ(spring.next_open(utc(2026, 3, 28, 12)), utc(2026, 3, 29, 0));
  EXPECT_EQ(spring.next_close(utc(2026, 3, 29, 0)), utc(2026, 3, 29, 2));
  // A window opening in the skipped hour opens when the clocks jump.
  auto gap = schedule("sun 02:30-05:00", berlin);
  EXPECT_EQ(gap.next_open(utc(2026, 3, 28, 12)), utc(2026, 3, 29, 1));
  EXPECT_EQ(gap.next_close(utc(2026, 3, 29, 1)), utc(2026, 3, 29, 3));
  // Sunday 2026-10-25: 02:30 happens twice; the window opens at the first and lasts 3.5 h.
  EXPECT_EQ(gap.next_open(utc(2026, 10, 24, 12)), utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(gap.next_close(utc(2026, 10, 25, 1)), utc(2026, 10, 25, 4));
  // Across midnight and the jump: Saturday 22:00 CET to Sunday 04:00 CEST is 5 h.
  auto night = schedule("sat 22:00-04:00", berlin);
  EXPECT_EQ(night.next_open(utc(2026, 3, 28, 12)), utc(2026, 3, 28, 21));
  EXPECT_EQ(night.next_close(utc(2026, 3, 28, 21)), utc(2026, 3, 29, 2));
  EXPECT_EQ(night.open_time(utc(2026, 3, 28, 0), utc(2026, 3, 30, 0)), 5 * kHour);
  EXPECT_EQ(night.open_time(utc(2026, 10, 24, 0), utc(2026, 10, 26, 0)), 7 * kHour);
}

TEST(MaintenanceSchedule, TouchingWindowsCloseOnlyAtTheLastEnd) {
  auto s = schedule("mon 20:00-24:00; tue 00:00-03:00");
  // 2026-11-23 is a Monday.
  EXPECT_EQ(s.next_close(utc(2026, 11, 23, 21)), utc(2026, 11, 24, 3));
  EXPECT_EQ(schedule("daily 00:00-24:00").next_close(utc(2026, 11, 23, 21)),
            std::numeric_limits<int64_t>::max());
}

TEST(MaintenanceSchedule, ParsesAndPrints) {
  auto s = schedule("Mon-Fri 22:00-06:00; sat,sun 00:00-24:00");
  EXPECT_EQ(s.to_string(), "mon,tue,wed,thu,fri 22:00-06:00; sun,sat 00:00-24:00");
  EXPECT_EQ(schedule("fri-mon 01:00-02:00").windows()[0].weekdays, 0b1100011);
  EXPECT_EQ(schedule("01:00-02:00").windows()[0].weekdays, 0x7f);
  for (const char* bad : {"mon 25:00-06:00", "xyz 01:00-02:00", "01:00-01:00", "mon 1-2",
                          "mon 01:00", "mon 01:60-02:00"}) {
    EXPECT_EQ(MaintenanceSchedule::parse(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace rk::repair
