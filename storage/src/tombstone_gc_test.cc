// A table's tombstone_gc mode decides when compaction purges its deletions: timeout (gc_grace
// after the deletion), repair (after a repair covering it, recorded in the repair history),
// disabled (never), immediate (at once). The history survives a restart and a restore from a
// snapshot; validation leaves out exactly what the mode lets compaction purge.
#include <gtest/gtest.h>

#include <filesystem>

#include <rocksdb/db.h>

#include "node_impl.h"
#include "repair_history.h"
#include "test_support.h"

namespace rk::storage {
namespace {

namespace fs = std::filesystem;
using testing::NodeTest;

constexpr int64_t kSecond = 1'000'000;

// NodeTest's table "t" (gc_grace 100 s) switched to `mode`.
class TombstoneGcTest : public NodeTest {
 protected:
  void set_mode(TombstoneGc mode) {
    auto t = node_->table("ks", "t");
    ASSERT_TRUE(t.ok());
    t->tombstone_gc = mode;
    auto altered = node_->alter_table(*t);
    ASSERT_TRUE(altered.ok()) << altered.status().to_string();
  }
  // Writes p.c.v at ts 10, deletes it at ts 20 (now), compacts: the tombstone is what is left.
  void write_and_delete(const std::string& pk = "p") {
    ASSERT_TRUE(put(pk, "c", "v", "x", 10).ok());
    ASSERT_TRUE(node_->apply(Mutation("ks", "t", pk).delete_cell("c", "v", 20)).ok());
    ASSERT_TRUE(node_->compact().ok());
  }
  // How many partitions are stored (tombstones included).
  size_t stored(Node& node) {
    size_t n = 0;
    EXPECT_TRUE(node.scan_raw("ks", "t", TokenRange::full_ring(), DataScope::kAll,
                              [&](const Partition&) {
                                ++n;
                                return true;
                              })
                    .ok());
    return n;
  }
  // A range holding exactly the token of `pk` (and its neighbours up to it).
  static TokenRange around(const std::string& pk) {
    const Token t = murmur3_token(pk);
    return TokenRange(t - 1000, t);
  }
};

TEST_F(TombstoneGcTest, TimeoutModeIsTheNodesDefaultAndPurgesAfterGcGrace) {
  ASSERT_EQ(node_->table("ks", "t")->tombstone_gc, TombstoneGc::kTimeout);
  write_and_delete();
  clock_.advance_seconds(99);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 1u);
  clock_.advance_seconds(1);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 0u);
}

TEST_F(TombstoneGcTest, RepairModeKeepsATombstoneOlderThanGcGraceThatNoRepairCovered) {
  set_mode(TombstoneGc::kRepair);
  write_and_delete();
  clock_.advance_seconds(100 * 1000);  // a thousand times gc_grace
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 1u);
  EXPECT_EQ(get("p", "c", "v"), "");
}

TEST_F(TombstoneGcTest, RepairModePurgesATombstoneOnceARepairAfterItsDeletionCoveredIt) {
  set_mode(TombstoneGc::kRepair);
  write_and_delete();
  clock_.advance_seconds(5);  // well within gc_grace: gc_grace plays no part
  ASSERT_TRUE(node_->record_repair("ks", "t", around("p"), clock_.now_micros()).ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 0u);
  EXPECT_EQ(get("p", "c", "v"), "");
}

TEST_F(TombstoneGcTest, RepairModeKeepsATombstoneDeletedAfterTheRepairsViewsWerePinned) {
  set_mode(TombstoneGc::kRepair);
  const int64_t views_pinned = clock_.now_micros();
  clock_.advance_seconds(1);
  write_and_delete();  // deleted after the views: the repair did not compare it
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange::full_ring(), views_pinned).ok());
  clock_.advance_seconds(1000);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 1u);
}

TEST_F(TombstoneGcTest, RepairModeKeepsATombstoneDeletedInTheSecondTheViewsWerePinned) {
  // Deletion times are whole seconds: deleted at t s may mean t.9 s, after views pinned at t.5 s.
  set_mode(TombstoneGc::kRepair);
  clock_.set_micros(1'700'000'000 * kSecond);
  write_and_delete();
  ASSERT_TRUE(
      node_->record_repair("ks", "t", TokenRange::full_ring(), clock_.now_micros() + kSecond / 2)
          .ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 1u);
  ASSERT_TRUE(
      node_->record_repair("ks", "t", TokenRange::full_ring(), clock_.now_micros() + kSecond).ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 0u);
}

TEST_F(TombstoneGcTest, RepairModeKeepsTombstonesOutsideTheRepairedRange) {
  set_mode(TombstoneGc::kRepair);
  write_and_delete("p");
  write_and_delete("q");
  clock_.advance_seconds(1);
  ASSERT_TRUE(node_->record_repair("ks", "t", around("p"), clock_.now_micros()).ok());
  ASSERT_TRUE(node_->compact().ok());
  auto left = node_->export_page("ks", "t", TokenRange::full_ring(), DataScope::kAll, 10, 1 << 20);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->partitions.size(), 1u);
  EXPECT_EQ(left->partitions[0].partition_key, "q");
}

TEST_F(TombstoneGcTest, RepairModeNeverLetsAnOlderValueReappear) {
  set_mode(TombstoneGc::kRepair);
  ASSERT_TRUE(put("p", "c", "v", "old", 10).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  ASSERT_TRUE(node_->flush().ok());
  clock_.advance_seconds(1);
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange::full_ring(), clock_.now_micros()).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(node_->compact().ok());
    EXPECT_EQ(get("p", "c", "v"), "");
  }
  EXPECT_EQ(stored(*node_), 0u);
}

TEST_F(TombstoneGcTest, RepairModePurgesRowAndPartitionDeletionsAndExpiredCellsTheSameWay) {
  set_mode(TombstoneGc::kRepair);
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "a").delete_row("r", 20)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "b").delete_partition(20)).ok());
  ASSERT_TRUE(put("c", "r", "v", "x", 10, /*ttl=*/1).ok());
  clock_.advance_seconds(1000);
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 3u);
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange::full_ring(), clock_.now_micros()).ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 0u);
}

TEST_F(TombstoneGcTest, DisabledModeNeverPurges) {
  set_mode(TombstoneGc::kDisabled);
  write_and_delete();
  clock_.advance_seconds(100 * 1000);
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange::full_ring(), clock_.now_micros()).ok());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 1u);
}

TEST_F(TombstoneGcTest, ImmediateModePurgesAtOnce) {
  set_mode(TombstoneGc::kImmediate);
  write_and_delete();  // the first compaction folds the versions into one
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 0u);
  EXPECT_EQ(get("p", "c", "v"), "");
}

TEST_F(TombstoneGcTest, ModeAndHistorySurviveARestart) {
  set_mode(TombstoneGc::kRepair);
  write_and_delete();
  clock_.advance_seconds(1);
  ASSERT_TRUE(node_->record_repair("ks", "t", around("p"), clock_.now_micros()).ok());
  reopen();
  EXPECT_EQ(node_->table("ks", "t")->tombstone_gc, TombstoneGc::kRepair);
  auto history = node_->repair_history("ks", "t");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].range, around("p"));
  EXPECT_EQ((*history)[0].repaired_at_us, clock_.now_micros());
  ASSERT_TRUE(node_->compact().ok());
  EXPECT_EQ(stored(*node_), 0u);
}

TEST_F(TombstoneGcTest, ModeAndHistoryAreRestoredFromASnapshot) {
  set_mode(TombstoneGc::kRepair);
  write_and_delete();
  clock_.advance_seconds(1);
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange::full_ring(), clock_.now_micros()).ok());
  ASSERT_TRUE(node_->snapshot("s1").ok());
  testing::TempDir copy;
  fs::copy(fs::path(dir_.path()) / "snapshots" / "s1", copy.path(), fs::copy_options::recursive);
  Options o = options();
  o.data_dir = copy.path();
  auto restored = Node::open(o, clock_);
  ASSERT_TRUE(restored.ok()) << restored.status().to_string();
  EXPECT_EQ((*restored)->table("ks", "t")->tombstone_gc, TombstoneGc::kRepair);
  auto history = (*restored)->repair_history("ks", "t");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].repaired_at_us, clock_.now_micros());
  EXPECT_EQ(stored(**restored), 1u);
  ASSERT_TRUE((*restored)->compact().ok());
  EXPECT_EQ(stored(**restored), 0u);
}

TEST_F(TombstoneGcTest, ATableStoredWithoutAModeReadsAsTimeout) {
  auto& impl = NodeInternals::of(*node_);
  const uint32_t id = node_->table("ks", "t")->id;
  ASSERT_TRUE(impl.db
                  ->Put(rocksdb::WriteOptions(), impl.meta, "schema/table/ks/t",
                        R"({"keyspace":"ks","name":"t","id":)" + std::to_string(id) +
                            R"(,"gc_grace_seconds":100,"default_ttl_seconds":0})")
                  .ok());
  reopen();
  EXPECT_EQ(node_->table("ks", "t")->tombstone_gc, TombstoneGc::kTimeout);
}

TEST_F(TombstoneGcTest, AlteringAnUnknownTableChangesNothing) {
  TableSchema t;
  t.keyspace = "ks";
  t.name = "nope";
  t.tombstone_gc = TombstoneGc::kImmediate;
  EXPECT_EQ(node_->alter_table(t).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(node_->table("ks", "nope").ok());
  EXPECT_EQ(node_->table("ks", "t")->tombstone_gc, TombstoneGc::kTimeout);
}

TEST_F(TombstoneGcTest, RecordingNeedsAPositiveTimeAndAKnownTable) {
  EXPECT_EQ(node_->record_repair("ks", "t", TokenRange::full_ring(), 0).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(node_->record_repair("ks", "nope", TokenRange::full_ring(), 5).code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(node_->repair_history("ks", "t")->empty());
}

// Validation leaves out what the mode lets compaction purge: a replica that purged the tombstone
// after the repair and one that has not compacted yet give the same tree.
TEST_F(TombstoneGcTest, ValidationInRepairModeLeavesOutTombstonesARepairCovered) {
  set_mode(TombstoneGc::kRepair);
  ASSERT_TRUE(put("keep", "c", "v", "x", 10).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  auto before = node_->validate("ks", "t", TokenRange::full_ring(), DataScope::kAll, 4);
  ASSERT_TRUE(before.ok());
  clock_.advance_seconds(1);
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange::full_ring(), clock_.now_micros()).ok());
  auto uncompacted = node_->validate("ks", "t", TokenRange::full_ring(), DataScope::kAll, 4);
  ASSERT_TRUE(node_->compact().ok());  // folds the versions
  ASSERT_TRUE(node_->compact().ok());  // purges
  ASSERT_EQ(stored(*node_), 1u);
  auto purged = node_->validate("ks", "t", TokenRange::full_ring(), DataScope::kAll, 4);
  ASSERT_TRUE(uncompacted.ok() && purged.ok());
  EXPECT_EQ(uncompacted->root(), purged->root());
  EXPECT_NE(before->root(), purged->root());
}

// ---- the history's step function ---------------------------------------------------------

TEST(RangeTimes, RaisingARangeLeavesTheRestAndNeverLowers) {
  RangeTimes h = RangeTimes().raised(TokenRange(0, 100), 50);
  EXPECT_EQ(h.at(0), 0);
  EXPECT_EQ(h.at(1), 50);
  EXPECT_EQ(h.at(100), 50);
  EXPECT_EQ(h.at(101), 0);
  h = h.raised(TokenRange(50, 200), 40);
  EXPECT_EQ(h.at(60), 50);   // kept the later time
  EXPECT_EQ(h.at(150), 40);  // raised from never
  EXPECT_EQ(h.at(201), 0);
  h = h.raised(TokenRange(-10, 10), 70);
  EXPECT_EQ(h.at(-5), 70);
  EXPECT_EQ(h.at(10), 70);
  EXPECT_EQ(h.at(11), 50);
}

TEST(RangeTimes, WrappingAndWholeRingRanges) {
  RangeTimes h = RangeTimes().raised(TokenRange(100, -100), 7);
  EXPECT_EQ(h.at(kMaxToken), 7);
  EXPECT_EQ(h.at(kMinToken + 1), 7);
  EXPECT_EQ(h.at(-100), 7);
  EXPECT_EQ(h.at(0), 0);
  EXPECT_EQ(h.at(101), 7);
  h = h.raised(TokenRange::full_ring(), 9);
  for (Token t : {kMinToken + 1, Token{-100}, Token{0}, kMaxToken}) EXPECT_EQ(h.at(t), 9);
  ASSERT_EQ(h.ranges().size(), 1u);
  EXPECT_EQ(h.ranges()[0].first, TokenRange::full_ring());
}

TEST(RangeTimes, TheLookedUpStepIsReturnedWithItsBounds) {
  RangeTimes h = RangeTimes().raised(TokenRange(0, 100), 5);
  Token lo = 0, hi = 0;
  EXPECT_EQ(h.at(42, &lo, &hi), 5);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 100);
  EXPECT_EQ(h.at(101, &lo, &hi), 0);
  EXPECT_EQ(lo, 100);
  EXPECT_EQ(hi, kMaxToken);
}

TEST(RangeTimes, EncodesAndDecodes) {
  RangeTimes h = RangeTimes().raised(TokenRange(0, 100), 5).raised(TokenRange(200, 300), 6);
  auto back = RangeTimes::decode(h.encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ranges(), h.ranges());
  EXPECT_FALSE(RangeTimes::decode("[[1, 2]]").ok());  // must start at the minimum token
  EXPECT_FALSE(RangeTimes::decode("{}").ok());
  EXPECT_FALSE(RangeTimes::decode("[[-9223372036854775808, 0], [5, 1], [3, 1]]").ok());
}

}  // namespace
}  // namespace rk::storage
