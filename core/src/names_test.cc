// Keyspace/table names (Cassandra's rules) and snapshot/backup tags.
#include "ringkeeper/core/names.h"

#include <gtest/gtest.h>

#include <string>

namespace rk {
namespace {

TEST(SchemaNames, AcceptCassandraWordNamesUpTo48Characters) {
  for (const std::string& ok :
       {std::string("users"), std::string("Users"), std::string("system_auth"), std::string("_x"),
        std::string("1test1"), std::string(48, 'k')}) {
    EXPECT_TRUE(validate_keyspace_name(ok).ok()) << ok;
    EXPECT_TRUE(validate_table_name(ok).ok()) << ok;
  }
}

TEST(SchemaNames, RejectEmptyAndTooLong) {
  EXPECT_EQ(validate_keyspace_name("").message(), "keyspace name must not be empty");
  Status s = validate_table_name(std::string(49, 't'));
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("49 characters long; at most 48"), std::string::npos) << s.message();
}

TEST(SchemaNames, RejectPathSeparatorsDotsAndNonWordCharactersNamingThePosition) {
  EXPECT_EQ(validate_keyspace_name("a/b").message(),
            "keyspace name 'a/b' contains '/' at position 2; only letters, digits and '_' are "
            "allowed");
  EXPECT_FALSE(validate_keyspace_name("..").ok());
  EXPECT_FALSE(validate_table_name("a.b").ok());
  EXPECT_FALSE(validate_table_name("a-b").ok());
  EXPECT_NE(validate_table_name("a b").message().find("contains a space"), std::string::npos);
  // Non-ASCII letters are not \w in Java's default regex mode.
  EXPECT_NE(validate_table_name("caf\xc3\xa9").message().find("\\xc3 at position 4"),
            std::string::npos);
  EXPECT_NE(validate_table_name(std::string("a\0b", 3)).message().find("\\x00"), std::string::npos);
}

TEST(Tags, AcceptLettersDigitsUnderscoreDashDot) {
  for (const char* ok : {"daily", "2026-11-22", "pre_upgrade.v4", "a", "A-1.2_3"}) {
    EXPECT_TRUE(validate_snapshot_tag(ok).ok()) << ok;
    EXPECT_TRUE(validate_backup_tag(ok).ok()) << ok;
  }
  EXPECT_TRUE(validate_snapshot_tag(std::string(kMaxTagLength, 'x')).ok());
}

TEST(Tags, RejectTagsThatCouldEscapeTheirDirectory) {
  EXPECT_EQ(validate_snapshot_tag("..").message(), "snapshot tag '..' must not start with '.'");
  EXPECT_FALSE(validate_snapshot_tag(".").ok());
  EXPECT_FALSE(validate_snapshot_tag(".hidden").ok());
  EXPECT_EQ(validate_snapshot_tag("a/../b").message(),
            "snapshot tag 'a/../b' contains '/' at position 2; only letters, digits, '_', '-' and "
            "'.' are allowed");
  EXPECT_FALSE(validate_backup_tag("a\\b").ok());
  EXPECT_FALSE(validate_backup_tag("/abs").ok());
}

TEST(Tags, RejectEmptyTooLongAndOptionLike) {
  EXPECT_EQ(validate_backup_tag("").message(), "backup tag must not be empty");
  EXPECT_NE(validate_backup_tag(std::string(kMaxTagLength + 1, 'x')).message().find("at most 128"),
            std::string::npos);
  EXPECT_EQ(validate_backup_tag("-rf").message(), "backup tag '-rf' must not start with '-'");
  EXPECT_FALSE(validate_backup_tag("tag with space").ok());
  EXPECT_FALSE(validate_backup_tag("tag\n").ok());
}

}  // namespace
}  // namespace rk
