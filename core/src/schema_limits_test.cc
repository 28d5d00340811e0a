// Cassandra's bounds on gc_grace_seconds and TTLs (see schema_limits.h).
#include "ringkeeper/core/schema_limits.h"

#include <gtest/gtest.h>

namespace rk {
namespace {

TEST(SchemaLimits, GcGraceIsAJavaInt) {
  EXPECT_TRUE(validate_gc_grace_seconds(0).ok());
  EXPECT_TRUE(validate_gc_grace_seconds(2147483647).ok());
  Status s = validate_gc_grace_seconds(2147483648);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("gc_grace_seconds must be 0..2147483647"), std::string::npos)
      << s.message();
  EXPECT_FALSE(validate_gc_grace_seconds(-1).ok());
}

TEST(SchemaLimits, TtlIsAtMostTwentyYearsAndNamesTheField) {
  EXPECT_TRUE(validate_ttl_seconds(0).ok());
  EXPECT_TRUE(validate_ttl_seconds(630720000).ok());
  Status s = validate_ttl_seconds(630720001, "ttl");
  EXPECT_NE(s.message().find("ttl must be 0..630720000"), std::string::npos) << s.message();
  EXPECT_FALSE(validate_ttl_seconds(-5).ok());
}

}  // namespace
}  // namespace rk
