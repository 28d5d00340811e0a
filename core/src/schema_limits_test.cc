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

TEST(SchemaLimits, TombstoneGcModesReadBackByName) {
  for (TombstoneGc mode : {TombstoneGc::kTimeout, TombstoneGc::kRepair, TombstoneGc::kDisabled,
                           TombstoneGc::kImmediate}) {
    auto parsed = parse_tombstone_gc(tombstone_gc_name(mode));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, mode);
  }
  EXPECT_EQ(kDefaultTombstoneGc, TombstoneGc::kRepair);
}

TEST(SchemaLimits, UnknownTombstoneGcModeNamesTheValueAndTheModes) {
  auto parsed = parse_tombstone_gc("sometimes");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("'sometimes'"), std::string::npos);
  EXPECT_NE(parsed.status().message().find("repair, timeout, disabled, immediate"),
            std::string::npos);
}

TEST(SchemaLimits, ImmediateNeedsForceWithMoreThanOneReplica) {
  EXPECT_TRUE(check_tombstone_gc(TombstoneGc::kImmediate, 1, false).ok());
  Status s = check_tombstone_gc(TombstoneGc::kImmediate, 3, false);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("3 replicas"), std::string::npos) << s.message();
  EXPECT_TRUE(check_tombstone_gc(TombstoneGc::kImmediate, 3, true).ok());
  EXPECT_TRUE(check_tombstone_gc(TombstoneGc::kRepair, 3, false).ok());
}

}  // namespace
}  // namespace rk
