// Duration text: the units config files and rkctl accept, what a plain number means, and the
// errors that say what is wrong.
#include "ringkeeper/core/duration_text.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace rk
