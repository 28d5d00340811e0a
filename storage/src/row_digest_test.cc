// Row digests: the hasher's buffering never changes a digest, and the canonical form is pinned.
#include "row_digest.h"

#include <gtest/gtest.h>

#include <random>

#include "key_codec.h"

namespace rk::storage {
namespace {

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(RowHasher, AnySplitOfTheInputGivesTheOneShotDigest) {
  RowHasher h;
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{240}, size_t{241}, RowHasher::kBufferBytes - 1,
        RowHasher::kBufferBytes, RowHasher::kBufferBytes + 1, 3 * RowHasher::kBufferBytes + 17}) {
    const std::string input = random_bytes(size, size);
    const RowHash whole = row_hash(input);
    for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, RowHasher::kBufferBytes,
                         2 * RowHasher::kBufferBytes}) {
      for (size_t at = 0; at < input.size(); at += piece) {
        h.add(std::string_view(input).substr(at, piece));
      }
      EXPECT_EQ(h.finish(), whole) << "size " << size << " pieces of " << piece;
    }
  }
}

TEST(RowHasher, StartsOverAfterFinishAndClear) {
  RowHasher h;
  h.add(random_bytes(RowHasher::kBufferBytes + 5, 1));  // streaming, then abandoned
  h.clear();
  h.add("abc");
  EXPECT_EQ(h.finish(), row_hash("abc"));
  h.add(random_bytes(RowHasher::kBufferBytes * 2, 2));
  (void)h.finish();
  h.add_u64(0x0102030405060708ULL);
  EXPECT_EQ(h.finish(), row_hash(std::string_view("\x01\x02\x03\x04\x05\x06\x07\x08", 8)));
}

TEST(EscapedSize, FindsTheTerminatorAndCountsTheComponent) {
  std::string escaped;
  append_escaped(&escaped, std::string("a\0b\0", 4));
  uint64_t unescaped = 0;
  EXPECT_EQ(escaped_size(escaped + "rest", &unescaped), escaped.size());
  EXPECT_EQ(unescaped, 4u);
  EXPECT_EQ(escaped_size(std::string_view("\0\x01", 2), &unescaped), 2u);
  EXPECT_EQ(unescaped, 0u);
  EXPECT_EQ(escaped_size("abc"), 0u);                           // no terminator
  EXPECT_EQ(escaped_size(std::string_view("ab\0", 3)), 0u);     // cut after the 00
  EXPECT_EQ(escaped_size(std::string_view("a\0\x05", 3)), 0u);  // 00 followed by neither
  EXPECT_EQ(escaped_size(std::string_view("\0\xff\0\x01", 4), &unescaped), 4u);
  EXPECT_EQ(unescaped, 1u);
}

// The canonical bytes of row_digest.h for one row, written out by hand.
TEST(DigestPartition, HashesTheDocumentedCanonicalBytes) {
  Partition p;
  p.partition_key = std::string("p\0k", 3);
  p.deletion.marked_for_delete_at = 7;
  p.deletion.local_deletion_time = 1000;
  Row r;
  r.clustering_key = "ck";
  Cell c;
  c.kind = CellKind::kLive;
  c.timestamp = 0x1122;
  c.value = "val";
  r.cells.emplace("col", c);
  p.rows.push_back(r);
  std::vector<RowDigest> out;
  TableSchema timeout;
  timeout.gc_grace_seconds = 2000;  // purges what was deleted by time 0
  digest_partition(p, /*now_seconds=*/2000, PurgeRule(timeout, 2000, nullptr), &out);
  ASSERT_EQ(out.size(), 2u);

  auto u64 = [](uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
    return s;
  };
  const std::string esc_pk(
      "p\0\xff"
      "k\0\x01",
      6);
  EXPECT_EQ(out[0].digest, row_hash("P" + esc_pk + u64(7)));
  EXPECT_EQ(out[0].bytes, 3u + 16);
  const std::string row = "R" + esc_pk + std::string("ck\0\x01", 4) + "C" + u64(3) + "col" +
                          std::string(1, '\0') + u64(0x1122) + u64(0) + u64(3) + "val";
  EXPECT_EQ(out[1].digest, row_hash(row));
  EXPECT_EQ(out[1].bytes, 3u + 2 + 3 + 3 + 24);
}

}  // namespace
}  // namespace rk::storage
