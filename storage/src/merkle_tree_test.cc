// Merkle trees as validation uses them: leaves depend on the set of rows only, diffs find exactly
// the differing sub-ranges, the wire format round-trips and refuses damage and old versions.
#include "ringkeeper/storage/merkle_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "test_support.h"

namespace rk::storage {
namespace {

using testing::differing_leaves;

constexpr Token kMin = kMinToken;
constexpr Token kMax = kMaxToken;

struct TestRow {
  Token token;
  RowHash digest;
  uint64_t bytes;
};

// `n` rows with tokens spread over `range` and content named by index.
std::vector<TestRow> rows_in(const TokenRange& range, int n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::vector<TestRow> rows;
  while (static_cast<int>(rows.size()) < n) {
    uint128_t offset = 1 + rng() % range.size();
    Token t =
        static_cast<Token>(static_cast<uint64_t>(range.start()) + static_cast<uint64_t>(offset));
    rows.push_back({t, row_hash("row-" + std::to_string(rows.size())), 100});
  }
  std::sort(rows.begin(), rows.end(),
            [](const TestRow& a, const TestRow& b) { return a.token < b.token; });
  return rows;
}

MerkleTree build(const TokenRange& range, int depth, const std::vector<TestRow>& rows) {
  auto tree = MerkleTree::create(range, depth);
  EXPECT_TRUE(tree.ok()) << tree.status().to_string();
  for (const TestRow& r : rows) EXPECT_TRUE(tree->add_row(r.token, r.digest, r.bytes).ok());
  tree->finalize();
  return std::move(tree).value();
}

TEST(RowHash, IsXxh3With128Bits) {
  // XXH3-128 of the empty input, as `xxhsum -H2` (xxHash 0.8) prints it: 99aa06d3014798d8
  // 6001c324468d497f (high, low).
  EXPECT_EQ(row_hash(""), (RowHash{0x6001c324468d497fULL, 0x99aa06d3014798d8ULL}));
  EXPECT_NE(row_hash("a"), row_hash("b"));
}

TEST(MerkleTree, LeafSumsCarryAcross64Bits) {
  // A leaf hashes the 128-bit sum of its digests: a + b (the low words overflow and carry into
  // the high word) = c + d, so the two leaves match; without the carry they would not.
  TokenRange range(0, 100);
  const RowHash a{~uint64_t{0}, 1}, b{1, 0}, c{0, 2}, d{0, 0};
  EXPECT_EQ(build(range, 0, {{5, a, 1}, {6, b, 1}}).root(),
            build(range, 0, {{5, c, 1}, {6, d, 1}}).root());
  EXPECT_NE(build(range, 0, {{5, a, 1}, {6, b, 1}}).root(),
            build(range, 0, {{5, RowHash{0, 1}, 1}, {6, d, 1}}).root());
}

TEST(MerkleTree, IdenticalRowsGiveIdenticalRoots) {
  TokenRange range = TokenRange::full_ring();
  auto rows = rows_in(range, 500);
  MerkleTree a = build(range, 6, rows), b = build(range, 6, rows);
  EXPECT_EQ(a.root(), b.root());
  EXPECT_EQ(a.total_rows(), 500u);
  EXPECT_EQ(a.total_bytes(), 50000u);
  EXPECT_TRUE(differing_leaves(a, b).empty());
}

TEST(MerkleTree, DifferentDataGivesDifferentRoots) {
  TokenRange range = TokenRange::full_ring();
  EXPECT_NE(build(range, 4, rows_in(range, 100, 1)).root(),
            build(range, 4, rows_in(range, 100, 2)).root());
  EXPECT_NE(build(range, 4, {}).root(), build(range, 4, rows_in(range, 1)).root());
}

TEST(MerkleTree, RowOrderDoesNotChangeTheTree) {
  // Lets a full validation read the repaired and unrepaired sets one after the other.
  TokenRange range(-1000, 1000);
  auto rows = rows_in(range, 300);
  auto shuffled = rows;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(9));
  EXPECT_EQ(build(range, 5, rows).root(), build(range, 5, shuffled).root());
}

TEST(MerkleTree, ARowAddedTwiceDoesNotCancelOut) {
  // With XOR a duplicated row would vanish and the leaf would look empty.
  TokenRange range = TokenRange::full_ring();
  RowHash d = row_hash("row");
  MerkleTree twice = build(range, 0, {{5, d, 1}, {5, d, 1}});
  MerkleTree none = build(range, 0, {});
  MerkleTree once = build(range, 0, {{5, d, 1}});
  EXPECT_NE(twice.root(), none.root());
  EXPECT_NE(twice.root(), once.root());
}

TEST(MerkleTree, OneChangedRowMakesExactlyItsLeafDiffer) {
  TokenRange range = TokenRange::full_ring();
  auto rows = rows_in(range, 1000);
  auto changed = rows;
  changed[417].digest = row_hash("a newer value");
  MerkleTree a = build(range, 8, rows), b = build(range, 8, changed);
  uint64_t leaf = a.leaf_index_of(rows[417].token);
  EXPECT_EQ(differing_leaves(a, b), std::vector<uint64_t>{leaf});
  EXPECT_TRUE(a.leaf(leaf).range.contains(rows[417].token));
  EXPECT_EQ(a.leaf(leaf).rows, b.leaf(leaf).rows);
  EXPECT_EQ(b.leaf_hashes()[leaf], b.leaf(leaf).hash);
  EXPECT_NE(a.root(), b.root());
}

TEST(MerkleTree, MissingRowIsFoundWithItsCounts) {
  TokenRange range(0, 1 << 20);
  auto rows = rows_in(range, 64);
  auto fewer = rows;
  fewer.erase(fewer.begin() + 10);
  MerkleTree a = build(range, 10, rows), b = build(range, 10, fewer);
  const uint64_t leaf = a.leaf_index_of(rows[10].token);
  EXPECT_EQ(differing_leaves(a, b), std::vector<uint64_t>{leaf});
  EXPECT_EQ(a.leaf(leaf).rows, b.leaf(leaf).rows + 1);
  EXPECT_EQ(a.leaf(leaf).bytes, b.leaf(leaf).bytes + 100);
  EXPECT_EQ(a.leaf_rows()[leaf], a.leaf(leaf).rows);
}

TEST(MerkleTree, WrapAroundRangeCoversBothEndsOfTheRing) {
  TokenRange range(1000, -1000);
  MerkleTree tree = build(range, 3, {});
  Token previous_end = range.start();
  for (uint64_t i = 0; i < tree.leaf_count(); ++i) {
    auto leaf = tree.leaf(i);
    EXPECT_EQ(leaf.range.start(), previous_end);
    EXPECT_TRUE(range.contains(leaf.range));
    previous_end = leaf.range.end();
  }
  EXPECT_EQ(previous_end, range.end());

  std::vector<TestRow> rows{{1001, row_hash("a"), 1},
                            {kMax, row_hash("b"), 1},
                            {kMin + 1, row_hash("c"), 1},
                            {-1000, row_hash("d"), 1}};
  MerkleTree a = build(range, 3, rows);
  EXPECT_EQ(a.total_rows(), 4u);
  for (const TestRow& r : rows)
    EXPECT_TRUE(a.leaf(a.leaf_index_of(r.token)).range.contains(r.token));
  EXPECT_EQ(a.leaf_index_of(1001), 0u);
  EXPECT_EQ(a.leaf_index_of(-1000), 7u);
  auto changed = rows;
  changed[2].digest = row_hash("c2");  // just past the wrap
  const auto d = differing_leaves(a, build(range, 3, changed));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(a.leaf(d[0]).range.contains(kMin + 1));
}

TEST(MerkleTree, EachRowLandsInTheLeafWhoseRangeHoldsIt) {
  for (TokenRange range : {TokenRange(-7, 1000003), TokenRange::full_ring(), TokenRange(9, 9),
                           TokenRange(1000, -1000)}) {
    auto rows = rows_in(range, 300);
    MerkleTree probe = build(range, 6, {});
    // Add the leaf boundaries themselves: each leaf's end and the token just after it.
    for (uint64_t i = 0; i < probe.leaf_count(); ++i) {
      Token end = probe.leaf(i).range.end();
      rows.push_back({end, row_hash("end"), 1});
      rows.push_back({static_cast<Token>(static_cast<uint64_t>(end) + 1), row_hash("next"), 1});
    }
    std::vector<TestRow> inside;
    for (const TestRow& r : rows) {
      if (range.contains(r.token)) inside.push_back(r);
    }
    for (bool sorted : {true, false}) {
      if (sorted) {
        std::sort(inside.begin(), inside.end(), [&](const TestRow& a, const TestRow& b) {
          return static_cast<uint64_t>(a.token) - static_cast<uint64_t>(range.start()) - 1 <
                 static_cast<uint64_t>(b.token) - static_cast<uint64_t>(range.start()) - 1;
        });
      } else {
        std::shuffle(inside.begin(), inside.end(), std::mt19937_64(4));
      }
      MerkleTree tree = build(range, 6, inside);
      std::vector<uint64_t> expected(tree.leaf_count());
      for (const TestRow& r : inside) {
        for (uint64_t i = 0; i < tree.leaf_count(); ++i) {
          if (tree.leaf(i).range.contains(r.token)) ++expected[i];
        }
      }
      for (uint64_t i = 0; i < tree.leaf_count(); ++i) {
        EXPECT_EQ(tree.leaf(i).rows, expected[i]) << range << " leaf " << i;
      }
    }
  }
}

TEST(MerkleTree, AddRowRejectsTokensOutsideTheRangeAndAfterFinalize) {
  auto tree = MerkleTree::create(TokenRange(0, 100), 2);
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->add_row(0, row_hash("x")).code(), ErrorCode::kInvalidArgument);  // start excluded
  EXPECT_EQ(tree->add_row(101, row_hash("x")).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(tree->add_row(100, row_hash("x")).ok());
  tree->finalize();
  EXPECT_EQ(tree->add_row(50, row_hash("x")).code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(tree->total_rows(), 1u);
}

TEST(MerkleTree, CreateRejectsBadDepths) {
  EXPECT_EQ(MerkleTree::create(TokenRange::full_ring(), -1).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(MerkleTree::create(TokenRange::full_ring(), MerkleTree::kMaxDepth + 1).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(MerkleTree::create(TokenRange(0, 7), 3).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(MerkleTree::create(TokenRange(0, 8), 3).ok());
  EXPECT_TRUE(MerkleTree::create(TokenRange(0, 1), 0).ok());
}

TEST(MerkleTree, MemoryBudgetAtMaxDepthIsUnder100MiB) {
  EXPECT_LT(MerkleTree::memory_bytes(MerkleTree::kMaxDepth), 100u << 20);
  EXPECT_GT(MerkleTree::memory_bytes(MerkleTree::kMaxDepth), 64u << 20);
  EXPECT_LT(MerkleTree::memory_bytes(15), 3u << 20);
}

TEST(MerkleTree, AbsorbingPartialTreesEqualsBuildingOne) {
  TokenRange range = TokenRange::full_ring();
  auto rows = rows_in(range, 400);
  std::vector<TestRow> even, odd;
  for (size_t i = 0; i < rows.size(); ++i) (i % 2 ? odd : even).push_back(rows[i]);
  auto a = MerkleTree::create(range, 5), b = MerkleTree::create(range, 5);
  ASSERT_TRUE(a.ok() && b.ok());
  for (const TestRow& r : even) ASSERT_TRUE(a->add_row(r.token, r.digest, r.bytes).ok());
  for (const TestRow& r : odd) ASSERT_TRUE(b->add_row(r.token, r.digest, r.bytes).ok());
  ASSERT_TRUE(a->absorb(*b).ok());
  a->finalize();
  MerkleTree whole = build(range, 5, rows);
  EXPECT_EQ(a->root(), whole.root());
  EXPECT_EQ(a->total_rows(), whole.total_rows());
  EXPECT_EQ(a->total_bytes(), whole.total_bytes());
  auto c = MerkleTree::create(range, 4);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(a->absorb(*c).code(), ErrorCode::kInvalidArgument);
}

void expect_same_tree(const MerkleTree& a, const MerkleTree& b);

TEST(MerkleTree, FillersOnSeveralThreadsEqualAddingEveryRow) {
  for (TokenRange range : {TokenRange::full_ring(), TokenRange(1000, -1000), TokenRange(0, 64)}) {
    auto rows = rows_in(range, 500);
    MerkleTree whole = build(range, 6, rows);
    auto tree = MerkleTree::create(range, 6);
    ASSERT_TRUE(tree.ok());
    std::vector<MerkleTree::Filler> fillers;
    for (uint64_t first : {0, 1, 20, 40}) {  // uneven spans: [0,1) [1,20) [20,40) [40,64)
      const uint64_t end = first == 40 ? 64 : first == 20 ? 40 : first == 1 ? 20 : 1;
      auto f = tree->filler(first, end);
      ASSERT_TRUE(f.ok());
      fillers.push_back(*f);
    }
    std::vector<std::thread> threads;
    for (MerkleTree::Filler& f : fillers) {
      threads.emplace_back([&rows, &f, leave_to_finalize = f.range().contains(rows[0].token)] {
        for (const TestRow& r : rows) {
          if (f.range().contains(r.token)) {
            EXPECT_TRUE(f.add_row(r.token, r.digest, r.bytes).ok());
          }
        }
        // Spans that hash their own part of the tree and spans that leave it to finalize().
        if (!leave_to_finalize) f.seal();
      });
    }
    for (std::thread& t : threads) t.join();
    for (const MerkleTree::Filler& f : fillers) tree->commit(f);
    tree->finalize();
    expect_same_tree(*tree, whole);
    EXPECT_EQ(tree->total_rows(), whole.total_rows());
    EXPECT_EQ(tree->total_bytes(), whole.total_bytes());
  }
}

TEST(MerkleTree, FillersRejectBadSpansAndTokensOutsideTheirSpan) {
  TokenRange range(0, 1000);
  auto tree = MerkleTree::create(range, 2);  // leaves (0,250] (250,500] (500,750] (750,1000]
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->filler(1, 1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tree->filler(2, 5).status().code(), ErrorCode::kInvalidArgument);
  auto f = tree->filler(1, 3);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->range(), TokenRange(250, 750));
  EXPECT_TRUE(f->add_row(251, row_hash("x")).ok());
  EXPECT_TRUE(f->add_row(750, row_hash("x")).ok());
  EXPECT_EQ(f->add_row(250, row_hash("x")).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(f->add_row(751, row_hash("x")).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(f->add_row(5000, row_hash("x")).code(), ErrorCode::kInvalidArgument);
  tree->commit(*f);
  EXPECT_EQ(tree->total_rows(), 2u);
  EXPECT_EQ(tree->leaf(1).rows, 1u);
  EXPECT_EQ(tree->leaf(2).rows, 1u);
  tree->finalize();
  EXPECT_EQ(f->add_row(300, row_hash("x")).code(), ErrorCode::kFailedPrecondition);
}

TEST(MerkleTree, SealedSpansRefuseMoreRowsAndAbsorbing) {
  TokenRange range(0, 1000);
  auto tree = MerkleTree::create(range, 2);
  ASSERT_TRUE(tree.ok());
  auto f = tree->filler(0, 2);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->add_row(10, row_hash("x")).ok());
  f->seal();
  EXPECT_EQ(f->add_row(20, row_hash("x")).code(), ErrorCode::kFailedPrecondition);
  tree->commit(*f);
  EXPECT_EQ(tree->add_row(20, row_hash("x")).code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(tree->add_row(600, row_hash("y")).ok());  // leaves outside the span stay open
  auto other = MerkleTree::create(range, 2);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(tree->absorb(*other).code(), ErrorCode::kFailedPrecondition);
  tree->finalize();
  MerkleTree plain = build(range, 2, {{10, row_hash("x"), 0}, {600, row_hash("y"), 0}});
  EXPECT_EQ(tree->root(), plain.root());
}

void expect_same_tree(const MerkleTree& a, const MerkleTree& b) {
  EXPECT_EQ(a.range(), b.range());
  EXPECT_EQ(a.depth(), b.depth());
  EXPECT_EQ(a.root(), b.root());
  EXPECT_EQ(a.total_rows(), b.total_rows());
  EXPECT_EQ(a.total_bytes(), b.total_bytes());
  for (uint64_t i = 0; i < a.leaf_count(); ++i) {
    EXPECT_EQ(a.leaf(i).hash, b.leaf(i).hash);
    EXPECT_EQ(a.leaf(i).rows, b.leaf(i).rows);
    EXPECT_EQ(a.leaf(i).bytes, b.leaf(i).bytes);
  }
}

TEST(MerkleTree, SerializationRoundTrips) {
  for (TokenRange range : {TokenRange::full_ring(), TokenRange(1000, -1000), TokenRange(0, 64)}) {
    for (int depth : {0, 1, 6}) {
      MerkleTree tree = build(range, depth, rows_in(range, 50));
      auto bytes = tree.serialize();
      ASSERT_TRUE(bytes.ok());
      auto back = MerkleTree::deserialize(*bytes);
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_TRUE(back->finalized());
      expect_same_tree(tree, *back);
    }
  }
}

TEST(MerkleTree, SerializedFormIsCompact) {
  TokenRange range = TokenRange::full_ring();
  MerkleTree empty = build(range, 16, {});
  auto bytes = empty.serialize();
  ASSERT_TRUE(bytes.ok());
  EXPECT_LT(bytes->size(), (1u << 16) + 100);  // one byte per empty leaf
  MerkleTree sparse = build(range, 10, rows_in(range, 100));
  auto sparse_bytes = sparse.serialize();
  ASSERT_TRUE(sparse_bytes.ok());
  EXPECT_LT(sparse_bytes->size(), 1024 + 100 * 36 + 100);
}

TEST(MerkleTree, SerializeBeforeFinalizeIsAnError) {
  auto tree = MerkleTree::create(TokenRange::full_ring(), 2);
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->serialize().status().code(), ErrorCode::kFailedPrecondition);
}

// Replaces the trailing checksum so that a hand-edited buffer reaches the structural checks.
std::string reseal(std::string bytes) {
  bytes.resize(bytes.size() - 32);
  Digest check = sha256(bytes);
  bytes.append(reinterpret_cast<const char*>(check.data()), 32);
  return bytes;
}

TEST(MerkleTree, DeserializeRejectsTruncatedAndFlippedBuffers) {
  TokenRange range(-5000, 5000);
  MerkleTree tree = build(range, 3, rows_in(range, 20));
  std::string good = tree.serialize().value();
  for (size_t len = 0; len < good.size(); ++len) {
    auto r = MerkleTree::deserialize(std::string_view(good).substr(0, len));
    EXPECT_EQ(r.status().code(), ErrorCode::kCorruption) << "length " << len;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t bit : {0x01, 0x80}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      EXPECT_FALSE(MerkleTree::deserialize(bad).ok()) << "byte " << i;
    }
  }
  EXPECT_EQ(MerkleTree::deserialize(good + "x").status().code(), ErrorCode::kCorruption);
}

TEST(MerkleTree, DeserializeRejectsWellSealedNonsense) {
  MerkleTree tree = build(TokenRange(0, 1000), 2, {{10, row_hash("a"), 5}});
  std::string good = tree.serialize().value();
  // Header: magic[0..4) version[4] depth[5] start[6..14) end[14..22).
  for (char version : {1, 3}) {  // 1: trees of SHA-256 row digests, not comparable with ours
    std::string other = good;
    other[4] = version;
    EXPECT_EQ(MerkleTree::deserialize(reseal(other)).status().code(), ErrorCode::kInvalidArgument);
  }
  std::string deep = good;
  deep[5] = 40;
  EXPECT_EQ(MerkleTree::deserialize(reseal(deep)).status().code(), ErrorCode::kCorruption);
  std::string small_range = good;
  small_range[14] = 2;  // end = 2 (little-endian low byte), (0,2] cannot hold 4 leaves
  for (int i = 15; i < 22; ++i) small_range[i] = 0;
  EXPECT_EQ(MerkleTree::deserialize(reseal(small_range)).status().code(), ErrorCode::kCorruption);
  std::string wrong_root = good;
  wrong_root[good.size() - 64] ^= 1;
  EXPECT_EQ(MerkleTree::deserialize(reseal(wrong_root)).status().code(), ErrorCode::kCorruption);
  std::string extra = good;
  extra.insert(good.size() - 64, "\x00", 1);  // a stray byte after the leaves
  EXPECT_EQ(MerkleTree::deserialize(reseal(extra)).status().code(), ErrorCode::kCorruption);
  std::string endless_varint =
      good.substr(0, 22) + std::string(11, '\xff') + good.substr(good.size() - 64);
  EXPECT_EQ(MerkleTree::deserialize(reseal(endless_varint)).status().code(),
            ErrorCode::kCorruption);
}

TEST(MerkleTree, DeserializeSurvivesRandomGarbage) {
  std::mt19937_64 rng(42);
  std::string good =
      build(TokenRange::full_ring(), 4, rows_in(TokenRange::full_ring(), 30)).serialize().value();
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (i % 2) junk = good.substr(0, 6) + junk;  // past the magic and version
    EXPECT_FALSE(
        MerkleTree::deserialize(reseal(junk.size() >= 32 ? junk : junk + std::string(32, 'z')))
            .ok());
  }
}

TEST(MerkleDepth, PicksTheShallowestDepthThatKeepsLeavesSmall) {
  TokenRange ring = TokenRange::full_ring();
  EXPECT_EQ(merkle_depth_for(0, 100, ring), 0);
  EXPECT_EQ(merkle_depth_for(100, 100, ring), 0);
  EXPECT_EQ(merkle_depth_for(101, 100, ring), 1);
  EXPECT_EQ(merkle_depth_for(1000, 100, ring), 4);  // 1000/16 = 62.5 <= 100, 1000/8 > 100
  EXPECT_EQ(merkle_depth_for(1 << 20, 1, ring), 20);
  EXPECT_EQ(merkle_depth_for(uint64_t{1} << 40, 1, ring), MerkleTree::kMaxDepth);
  EXPECT_EQ(merkle_depth_for(uint64_t{1} << 40, 1, ring, 15), 15);
  EXPECT_EQ(merkle_depth_for(uint64_t{1} << 40, 1, ring, 99), MerkleTree::kMaxDepth);
  EXPECT_EQ(merkle_depth_for(1000, 0, ring), 10);                // 0 rows per leaf means 1
  EXPECT_EQ(merkle_depth_for(1 << 20, 1, TokenRange(0, 8)), 3);  // 8 tokens: at most 8 leaves
  EXPECT_EQ(merkle_depth_for(1 << 20, 1, TokenRange(0, 1)), 0);
  EXPECT_TRUE(
      MerkleTree::create(TokenRange(0, 8), merkle_depth_for(1 << 20, 1, TokenRange(0, 8))).ok());
}

}  // namespace
}  // namespace rk::storage
