// Key encoding: token order, prefix-freedom, round trips, malformed keys.
#include "key_codec.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace rk::storage {
namespace {

TEST(KeyCodec, TokenBytesSortAsSignedIntegers) {
  std::vector<Token> tokens = {kMinToken, -5, -1, 0, 1, 42, kMaxToken};
  for (size_t i = 1; i < tokens.size(); ++i) {
    EXPECT_LT(token_key(1, tokens[i - 1]), token_key(1, tokens[i])) << tokens[i];
  }
}

TEST(KeyCodec, PartitionsDoNotInterleaveWhenOneKeyPrefixesAnother) {
  // "a" and "ab" with the same token: every entry of "a" sorts before every entry of "ab".
  std::string a_last = cell_key(1, 7, "a", "\xff\xff", "\xff\xff");
  std::string ab_first = partition_deletion_key(1, 7, "ab");
  EXPECT_LT(a_last, ab_first);
}

TEST(KeyCodec, EscapingKeepsByteOrderOfComponentsWithZeroBytes) {
  std::vector<std::string> keys = {
      std::string("\0", 1), std::string("\0\0", 2), std::string("\0\x01", 2), "\x01", "a", "a\xff"};
  std::vector<std::string> encoded;
  for (const auto& k : keys) encoded.push_back(row_prefix(1, 0, "p", k));
  EXPECT_TRUE(std::is_sorted(encoded.begin(), encoded.end()));
}

TEST(KeyCodec, PartitionDeletionSortsBeforeRowsAndRowDeletionBeforeCells) {
  EXPECT_LT(partition_deletion_key(1, 0, "p"), row_deletion_key(1, 0, "p", ""));
  EXPECT_LT(row_deletion_key(1, 0, "p", "c"), cell_key(1, 0, "p", "c", "a"));
  EXPECT_LT(cell_key(1, 0, "p", "c", "zz"), row_deletion_key(1, 0, "p", "d"));
}

TEST(KeyCodec, CellKeyRoundTrips) {
  std::string pk("p\0k", 3), ck("c\0\xff", 3);
  auto d = decode_key(cell_key(9, -123, pk, ck, "col"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->table_id, 9u);
  EXPECT_EQ(d->token, -123);
  EXPECT_EQ(d->partition_key, pk);
  EXPECT_EQ(d->kind, EntryKind::kCell);
  EXPECT_EQ(d->clustering_key, ck);
  EXPECT_EQ(d->column, "col");
}

TEST(KeyCodec, DeletionKeysRoundTrip) {
  auto p = decode_key(partition_deletion_key(2, 5, "pk"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, EntryKind::kPartitionDeletion);
  auto r = decode_key(row_deletion_key(2, 5, "pk", "ck"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, EntryKind::kRowDeletion);
  EXPECT_EQ(r->clustering_key, "ck");
}

TEST(KeyCodec, MalformedKeysAreRejected) {
  EXPECT_FALSE(decode_key("short").has_value());
  std::string k = token_key(1, 0) + "pk";  // no terminator
  EXPECT_FALSE(decode_key(k).has_value());
  k = token_key(1, 0) + std::string("p\0\x07", 3);  // bad escape
  EXPECT_FALSE(decode_key(k).has_value());
  k = partition_deletion_key(1, 0, "p") + "x";  // trailing bytes
  EXPECT_FALSE(decode_key(k).has_value());
}

TEST(KeyCodec, PrefixSuccessorIsTheFirstKeyAfterThePrefix) {
  EXPECT_EQ(prefix_successor("ab"), "ac");
  EXPECT_EQ(prefix_successor("a\xff"), "b");
  EXPECT_EQ(prefix_successor("\xff\xff"), "");
}

}  // namespace
}  // namespace rk::storage

namespace rk::storage {
namespace {

TEST(KeyCodec, PartitionPrefixSizeSkipsEscapedZeroBytes) {
  std::string pk("a\0b", 3);
  std::string prefix = partition_prefix(3, 9, pk);
  EXPECT_EQ(partition_prefix_size(cell_key(3, 9, pk, "c", "v")), prefix.size());
  DecodedKey d;
  ASSERT_TRUE(
      decode_entry(std::string_view(cell_key(3, 9, pk, "c", "v")).substr(prefix.size()), &d));
  EXPECT_EQ(d.clustering_key, "c");
  EXPECT_EQ(d.column, "v");
}

}  // namespace
}  // namespace rk::storage
