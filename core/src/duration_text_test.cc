// Duration text: the units config files and rkctl accept, what a plain number means, and the
// errors that say what is wrong.
#include "ringkeeper/core/duration_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace rk {
namespace {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;

std::string error_of(std::string_view text, DurationSyntax syntax = {}) {
  auto d = parse_duration(text, syntax);
  EXPECT_FALSE(d.ok()) << text;
  if (d.ok()) return "";
  EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument) << text;
  return d.status().message();
}

TEST(DurationText, ReadsEveryUnit) {
  EXPECT_EQ(*parse_duration("250ns"), 250ns);
  EXPECT_EQ(*parse_duration("250us"), 250us);
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  EXPECT_EQ(*parse_duration("10s"), 10s);
  EXPECT_EQ(*parse_duration("5m"), 5min);
  EXPECT_EQ(*parse_duration("2h"), 2h);
  EXPECT_EQ(*parse_duration("7d"), 7 * 24h);
  EXPECT_EQ(*parse_duration("0"), 0ns);
}

TEST(DurationText, APlainNumberNeedsAUnitUnlessTheSyntaxGivesOne) {
  EXPECT_EQ(error_of("30"), "'30' has no unit (write e.g. 30s or 30ms)");
  EXPECT_EQ(*parse_duration("30", {.plain_number_unit = 1s}), 30s);
  EXPECT_EQ(*parse_duration("0", {.plain_number_unit = 1s}), 0s);
}

TEST(DurationText, SaysWhatIsWrong) {
  EXPECT_EQ(error_of("soon"), "expected a duration such as 250ms, 10s, 5m, 2h or 7d, got 'soon'");
  EXPECT_EQ(error_of(""), "expected a duration such as 250ms, 10s, 5m, 2h or 7d, got ''");
  EXPECT_EQ(error_of("-5s"), "expected a duration such as 250ms, 10s, 5m, 2h or 7d, got '-5s'");
  EXPECT_EQ(error_of(" 5s"), "expected a duration such as 250ms, 10s, 5m, 2h or 7d, got ' 5s'");
  EXPECT_EQ(error_of("5 years"),
            "unknown duration unit ' years' in '5 years' (use ns, us, ms, s, "
            "m, h or d)");
  EXPECT_EQ(error_of("5S"), "unknown duration unit 'S' in '5S' (use ns, us, ms, s, m, h or d)");
  EXPECT_EQ(error_of("107000d"), "'107000d' is too long a duration");
  EXPECT_EQ(error_of("99999999999999999999s"), "'99999999999999999999s' is too long a duration");
}

// --- format_duration ---

using std::chrono::microseconds;
using std::chrono::seconds;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(FormatDuration, ExactUsesTheLargestUnitThatDividesIt) {
  EXPECT_EQ(format_duration(0ns, DurationStyle::kExact), "0s");
  EXPECT_EQ(format_duration(250ns, DurationStyle::kExact), "250ns");
  EXPECT_EQ(format_duration(1500us, DurationStyle::kExact), "1500us");
  EXPECT_EQ(format_duration(250ms, DurationStyle::kExact), "250ms");
  EXPECT_EQ(format_duration(90s, DurationStyle::kExact), "90s");
  EXPECT_EQ(format_duration(5min, DurationStyle::kExact), "5m");
  EXPECT_EQ(format_duration(2h, DurationStyle::kExact), "2h");
  EXPECT_EQ(format_duration(14 * 24h, DurationStyle::kExact), "14d");
  EXPECT_EQ(format_duration(nanoseconds(kMax), DurationStyle::kExact), "9223372036854775807ns");
  // Coarser ticks never name a unit finer than the tick.
  EXPECT_EQ(format_duration(microseconds(kMax), DurationStyle::kExact), "9223372036854775807us");
  EXPECT_EQ(format_duration(seconds(kMax), DurationStyle::kExact), "9223372036854775807s");
  EXPECT_EQ(format_duration(microseconds(7), DurationStyle::kExact), "7us");
}

TEST(FormatDuration, ExactIsReadBackByParseDuration) {
  for (nanoseconds d :
       {nanoseconds(1), nanoseconds(999), nanoseconds(1'000), nanoseconds(61'000'000'000),
        nanoseconds(86'400'000'000'000), nanoseconds(kMax)}) {
    auto back = parse_duration(format_duration(d, DurationStyle::kExact));
    ASSERT_TRUE(back.ok()) << d.count();
    EXPECT_EQ(*back, d);
  }
}

TEST(FormatDuration, TwoUnitsTruncatesToWholeSeconds) {
  EXPECT_EQ(format_duration(0us, DurationStyle::kTwoUnits), "0s");
  EXPECT_EQ(format_duration(999'999us, DurationStyle::kTwoUnits), "0s");
  EXPECT_EQ(format_duration(45s, DurationStyle::kTwoUnits), "45s");
  EXPECT_EQ(format_duration(119s, DurationStyle::kTwoUnits), "119s");
  EXPECT_EQ(format_duration(120s, DurationStyle::kTwoUnits), "2m00s");
  EXPECT_EQ(format_duration(125s, DurationStyle::kTwoUnits), "2m05s");
  EXPECT_EQ(format_duration(2h + 5min + 59s, DurationStyle::kTwoUnits), "2h05m");
  EXPECT_EQ(format_duration(48h, DurationStyle::kTwoUnits), "2d00h");
  EXPECT_EQ(format_duration(76h, DurationStyle::kTwoUnits), "3d04h");
  EXPECT_EQ(format_duration(microseconds(kMax), DurationStyle::kTwoUnits), "106751991d04h");
  EXPECT_EQ(format_duration(nanoseconds(kMax), DurationStyle::kTwoUnits), "106751d23h");
}

TEST(FormatDuration, RoundedShortPicksAReadableUnit) {
  EXPECT_EQ(format_duration(0us, DurationStyle::kRoundedShort), "0 s");
  EXPECT_EQ(format_duration(400ms, DurationStyle::kRoundedShort), "0 s");
  EXPECT_EQ(format_duration(45s, DurationStyle::kRoundedShort), "45 s");
  EXPECT_EQ(format_duration(119s, DurationStyle::kRoundedShort), "119 s");
  EXPECT_EQ(format_duration(600s, DurationStyle::kRoundedShort), "10 min");
  EXPECT_EQ(format_duration(5h, DurationStyle::kRoundedShort), "5.0 h");
  EXPECT_EQ(format_duration(-3 * 24h, DurationStyle::kRoundedShort), "-3.0 d");
  EXPECT_EQ(format_duration(microseconds(kMax), DurationStyle::kRoundedShort), "106751991.2 d");
  EXPECT_EQ(format_duration(microseconds(kMin), DurationStyle::kRoundedShort), "-106751991.2 d");
}

TEST(FormatDuration, RoundedWordsPicksAReadableUnit) {
  EXPECT_EQ(format_duration(0us, DurationStyle::kRoundedWords), "0 seconds");
  EXPECT_EQ(format_duration(1500ms, DurationStyle::kRoundedWords), "2 seconds");
  EXPECT_EQ(format_duration(90s, DurationStyle::kRoundedWords), "90 seconds");
  EXPECT_EQ(format_duration(30min, DurationStyle::kRoundedWords), "30 minutes");
  EXPECT_EQ(format_duration(2h, DurationStyle::kRoundedWords), "2.0 hours");
  EXPECT_EQ(format_duration(10 * 24h, DurationStyle::kRoundedWords), "10.0 days");
  EXPECT_EQ(format_duration(-90min, DurationStyle::kRoundedWords), "-90 minutes");
  EXPECT_EQ(format_duration(microseconds(kMax), DurationStyle::kRoundedWords), "106751991.2 days");
}

}  // namespace
}  // namespace rk
