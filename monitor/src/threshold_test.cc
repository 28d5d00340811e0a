// Threshold ranges: every form the Monitoring Plugins guidelines define
// (https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT, "Table 3. Example
// ranges"), ringkeeper's units, and the forms that must be rejected.
#include "ringkeeper/monitor/threshold.h"

#include <gtest/gtest.h>

#include <limits>

namespace rk::monitor {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Range parse(std::string_view s) {
  auto r = parse_range(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().to_string();
  return r.ok() ? *r : Range{};
}

TEST(Threshold, PlainNumberAlertsOutsideZeroToIt) {  // "10": < 0 or > 10
  Range r = parse("10");
  EXPECT_FALSE(r.inside);
  EXPECT_EQ(r.start, 0);
  EXPECT_EQ(r.end, 10);
  EXPECT_TRUE(r.alerts(-0.5));
  EXPECT_FALSE(r.alerts(0));
  EXPECT_FALSE(r.alerts(10));
  EXPECT_TRUE(r.alerts(10.01));
}

TEST(Threshold, StartWithColonAlertsBelowStart) {  // "10:": < 10
  Range r = parse("10:");
  EXPECT_EQ(r.end, kInf);
  EXPECT_TRUE(r.alerts(9.99));
  EXPECT_FALSE(r.alerts(10));
  EXPECT_FALSE(r.alerts(1e18));
}

TEST(Threshold, TildeStartAlertsAboveEnd) {  // "~:10": > 10
  Range r = parse("~:10");
  EXPECT_EQ(r.start, -kInf);
  EXPECT_FALSE(r.alerts(-1e18));
  EXPECT_FALSE(r.alerts(10));
  EXPECT_TRUE(r.alerts(10.5));
}

TEST(Threshold, StartEndAlertsOutsideInclusive) {  // "10:20": < 10 or > 20
  Range r = parse("10:20");
  EXPECT_TRUE(r.alerts(9));
  EXPECT_FALSE(r.alerts(10));
  EXPECT_FALSE(r.alerts(15));
  EXPECT_FALSE(r.alerts(20));
  EXPECT_TRUE(r.alerts(21));
}

TEST(Threshold, AtPrefixAlertsInsideInclusive) {  // "@10:20": >= 10 and <= 20
  Range r = parse("@10:20");
  EXPECT_TRUE(r.inside);
  EXPECT_FALSE(r.alerts(9.99));
  EXPECT_TRUE(r.alerts(10));
  EXPECT_TRUE(r.alerts(20));
  EXPECT_FALSE(r.alerts(20.01));
}

TEST(Threshold, OtherValidForms) {
  EXPECT_EQ(parse(":10").start, 0);  // start 0 omitted, colon kept
  EXPECT_EQ(parse(":10").end, 10);
  Range all = parse("~:");  // -inf..inf: never alerts
  EXPECT_FALSE(all.alerts(-1e300));
  EXPECT_FALSE(all.alerts(1e300));
  EXPECT_TRUE(parse("@~:20").alerts(-5));
  EXPECT_TRUE(parse("@10").alerts(0));  // inside 0..10
  EXPECT_FALSE(parse("@10").alerts(11));
  EXPECT_EQ(parse("-10:-5").start, -10);
  EXPECT_EQ(parse("+5").end, 5);
  EXPECT_EQ(parse("1.5:2.25").end, 2.25);
  EXPECT_EQ(parse(".5").end, 0.5);
  EXPECT_EQ(parse("5.").end, 5);
  EXPECT_EQ(parse("0").end, 0);
  EXPECT_TRUE(parse("0").alerts(0.001));
  EXPECT_TRUE(parse("5:5").alerts(4.9));  // start == end is allowed
}

TEST(Threshold, UnitsAreConvertedToBaseUnits) {
  Range gib = parse("200GiB:");
  EXPECT_EQ(gib.unit, Unit::kBytes);
  EXPECT_EQ(gib.start, 200.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(parse("500MB").end, 500e6);
  EXPECT_EQ(parse("500MB").unit, Unit::kBytes);
  EXPECT_EQ(parse("1KiB").end, 1024);
  EXPECT_EQ(parse("1kB").end, 1000);
  EXPECT_EQ(parse("1KB").end, 1000);
  EXPECT_EQ(parse("2TiB").end, 2.0 * (1LL << 40));
  EXPECT_EQ(parse("1PB").end, 1e15);
  EXPECT_EQ(parse("4096B").end, 4096);
  Range ms = parse("20ms");
  EXPECT_EQ(ms.unit, Unit::kSeconds);
  EXPECT_DOUBLE_EQ(ms.end, 0.020);
  EXPECT_DOUBLE_EQ(parse("250us").end, 250e-6);
  EXPECT_EQ(parse("3s").end, 3);
  EXPECT_EQ(parse("5min").end, 300);
  EXPECT_EQ(parse("36h").end, 36 * 3600);
  EXPECT_EQ(parse("2d:").start, 2 * 86400);
  Range pct = parse("50%");
  EXPECT_EQ(pct.unit, Unit::kPercent);
  EXPECT_EQ(pct.end, 50);
  EXPECT_EQ(parse("60%:").start, 60);
  EXPECT_EQ(parse("10ms:20ms").unit, Unit::kSeconds);
  EXPECT_EQ(parse("~:20ms").unit, Unit::kSeconds);
  EXPECT_EQ(parse("@1GB:2GB").unit, Unit::kBytes);
  EXPECT_EQ(parse("10").unit, Unit::kNone);
}

TEST(Threshold, InvalidFormsAreRejectedWithTheReason) {
  const char* invalid[] = {
      "",    "@",     ":",   "@:",  "~",   "10:~", "20:10",  "-10",    "10::20",  "1:2:3",
      "abc", "1e3",   "1E3", "inf", "nan", "10 ",  " 10",    "10%:20", "10:20ms", "10GiB:20%",
      "5x",  "10 MB", "--5", "+",   "-",   ".",    "10:20:", "@@10",   "10@",     "0x10",
      "1,5", "~:~",   "5K",  "5M",  "5G",  "5mb",  "5gib",   "5%%",
  };
  for (const char* s : invalid) {
    auto r = parse_range(s);
    EXPECT_FALSE(r.ok()) << "'" << s << "' should be rejected";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find("invalid threshold range '" + std::string(s) + "'"),
                std::string::npos)
          << r.status().message();
    }
  }
  EXPECT_NE(parse_range("20:10").status().message().find("start is greater than end"),
            std::string::npos);
  EXPECT_NE(parse_range("5K").status().message().find("unknown unit 'K'"), std::string::npos);
}

TEST(Threshold, PrintsBackInGuidelinesSyntax) {
  EXPECT_EQ(parse("10").to_string(), "10");
  EXPECT_EQ(parse("10:").to_string(), "10:");
  EXPECT_EQ(parse("~:10").to_string(), "~:10");
  EXPECT_EQ(parse("10:20").to_string(), "10:20");
  EXPECT_EQ(parse("@10:20").to_string(), "@10:20");
  EXPECT_EQ(parse("0:").to_string(), "0:");
  EXPECT_EQ(parse("~:").to_string(), "~:");
  EXPECT_EQ(parse("200GiB:").to_string(), "214748364800:");
  EXPECT_EQ(parse("20ms").to_string(1e-3), "20");  // seconds printed as milliseconds
  EXPECT_EQ(parse("1.5:2.25").to_string(), "1.5:2.25");
}

TEST(Threshold, UnitlessRangesTakeTheCheckDefaultUnit) {
  Range r = parse("20").with_default_unit(Unit::kSeconds, 1e-3);
  EXPECT_EQ(r.unit, Unit::kSeconds);
  EXPECT_DOUBLE_EQ(r.end, 0.020);
  Range kept = parse("2s").with_default_unit(Unit::kSeconds, 1e-3);
  EXPECT_EQ(kept.end, 2);
  Range tilde = parse("~:").with_default_unit(Unit::kPercent, 1);
  EXPECT_EQ(tilde.start, -kInf);
}

TEST(Threshold, HysteresisClearsOnlyPastTheEdgeByTheMargin) {
  Range below60 = parse("60:");  // alerts below 60
  EXPECT_TRUE(below60.alerts(59));
  EXPECT_FALSE(below60.clears(61, 5));
  EXPECT_TRUE(below60.clears(65, 5));
  EXPECT_TRUE(below60.clears(60, 0));
  Range above20 = parse("20");  // alerts above 20 (or below 0)
  EXPECT_FALSE(above20.clears(19, 2));
  EXPECT_TRUE(above20.clears(18, 2));
  Range inside = parse("@10:20");
  EXPECT_FALSE(inside.clears(21, 2));
  EXPECT_TRUE(inside.clears(22.5, 2));
  EXPECT_TRUE(inside.clears(7, 2));
}

TEST(Threshold, ThresholdsPickTheWorstState) {
  Thresholds t{parse("60:"), parse("50:")};  // free percent: warn < 60, crit < 50
  EXPECT_EQ(t.evaluate(70), State::kOk);
  EXPECT_EQ(t.evaluate(60), State::kOk);
  EXPECT_EQ(t.evaluate(59), State::kWarning);
  EXPECT_EQ(t.evaluate(50), State::kWarning);
  EXPECT_EQ(t.evaluate(49.9), State::kCritical);
  Thresholds none;
  EXPECT_EQ(none.evaluate(-1e9), State::kOk);
}

}  // namespace
}  // namespace rk::monitor
