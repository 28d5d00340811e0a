// Points in time as text: µs and RFC 3339 in; RFC 3339 and the fixed tag and SigV4 forms out.
#include "ringkeeper/core/time_text.h"

#include <gtest/gtest.h>

namespace rk {
namespace {

TEST(TimeText, ParsesMicrosAndRfc3339) {
  // 2026-11-23T05:10:00Z = 1795410600 s (date -u -d 2026-11-23T05:10:00Z +%s).
  EXPECT_EQ(*parse_time_us("1795410600000000"), 1795410600000000);
  EXPECT_EQ(*parse_time_us("2026-11-23T05:10:00Z"), 1795410600000000);
  EXPECT_EQ(*parse_time_us("2026-11-23 05:10:00.25Z"), 1795410600250000);
  EXPECT_EQ(*parse_time_us("2026-11-23T06:10:00+01:00"), 1795410600000000);
  EXPECT_EQ(*parse_time_us("2026-11-23T04:40:00-00:30"), 1795410600000000);
}

TEST(TimeText, ReadsFractionsOfAnyLengthToTheMicrosecond) {
  // S3 sends milliseconds; other object stores send none, µs or ns.
  EXPECT_EQ(*parse_time_us("2026-11-23T05:10:00.000Z"), 1795410600000000);
  EXPECT_EQ(*parse_time_us("2026-11-23T05:10:00.5z"), 1795410600500000);
  EXPECT_EQ(*parse_time_us("2026-11-23T05:10:00.123456Z"), 1795410600123456);
  EXPECT_EQ(*parse_time_us("2026-11-23T05:10:00.123456789Z"), 1795410600123456);
  EXPECT_EQ(*parse_time_us("2026-11-23T05:10:00.12345678901234567890123Z"), 1795410600123456);
}

TEST(TimeText, RefusesWhatIsNotATime) {
  for (const char* t :
       {"", "now", "2026-11-23", "2026-11-23T05:10:00", "2026-13-01T00:00:00Z",
        "2026-11-23T05:10:00Zjunk", "2026-11-23T05:10:00.Z", "-5", "99999999999999999999"}) {
    auto r = parse_time_us(t);
    ASSERT_FALSE(r.ok()) << t;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << t;
  }
}

TEST(TimeText, FormatsRfc3339InUtc) {
  EXPECT_EQ(format_time_us(1795410600000000), "2026-11-23T05:10:00Z");
  EXPECT_EQ(format_time_us(1795410600000250), "2026-11-23T05:10:00.000250Z");
  EXPECT_EQ(*parse_time_us(format_time_us(1795410600123456)), 1795410600123456);
}

TEST(TimeText, FormatsEachFormInUtc) {
  const int64_t t = 1795410600000250;  // 2026-11-23T05:10:00.000250Z
  EXPECT_EQ(format_time_us(t, TimeForm::kRfc3339Seconds), "2026-11-23T05:10:00Z");
  EXPECT_EQ(format_time_us(t, TimeForm::kSpaced), "2026-11-23 05:10:00");
  EXPECT_EQ(format_time_us(t, TimeForm::kTag), "20261123-051000");
  // AWS's SigV4 example date (docs.aws.amazon.com, "Examples of the complete Signature Version 4").
  EXPECT_EQ(format_time_us(1'369'353'600'000'000, TimeForm::kBasic), "20130524T000000Z");
}

TEST(TimeText, TimesBefore1970CountBackFromTheEpoch) {
  EXPECT_EQ(format_time_us(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time_us(-1'000'000, TimeForm::kRfc3339Seconds), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_time_us(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace rk
