// Compaction headroom, tombstone ratios and the node verdict on synthetic facts.
#include "ringkeeper/monitor/node_signals.h"

#include <gtest/gtest.h>

namespace rk::monitor {
namespace {

constexpr uint64_t GiB = 1ull << 30;

NodeFactsInput facts(uint64_t unrepaired, uint64_t repaired, uint64_t pending_bytes) {
  NodeFactsInput f;
  f.sets = {{"ks.a", "unrepaired", unrepaired / 2, 10, 0, 0},
            {"ks.b", "unrepaired", unrepaired - unrepaired / 2, 10, 0, 0},
            {"ks.a", "repaired", repaired, 5, 0, 0}};
  f.sst_files = 25;
  f.pending_compaction_bytes = pending_bytes;
  return f;
}

TEST(CompactionHeadroom, TheLargestDataSetDecidesWhenItExceedsThePendingBytes) {
  auto h = compaction_headroom(facts(40 * GiB, 10 * GiB, 5 * GiB), 60 * GiB);
  EXPECT_EQ(h.largest_compaction_bytes, 40 * GiB);
  ASSERT_TRUE(h.ratio.has_value());
  EXPECT_DOUBLE_EQ(*h.ratio, 1.5);
}

TEST(CompactionHeadroom, PendingBytesDecideWhenLarger) {
  auto h = compaction_headroom(facts(4 * GiB, 1 * GiB, 8 * GiB), 4 * GiB);
  EXPECT_EQ(h.largest_compaction_bytes, 8 * GiB);
  EXPECT_DOUBLE_EQ(*h.ratio, 0.5);
}

TEST(CompactionHeadroom, AnEmptyNodeHasNoLimit) {
  EXPECT_FALSE(compaction_headroom(NodeFactsInput{}, GiB).ratio.has_value());
}

TEST(TombstoneRatio, TheWorstTableOverBothSetsAndUnknownEntriesSkipped) {
  NodeFactsInput f;
  f.sets = {{"ks.a", "unrepaired", 1, 1, 10, 100},
            {"ks.a", "repaired", 1, 1, 30, 100},  // ks.a: 40 / 200 = 0.2
            {"ks.b", "unrepaired", 1, 1, 5, 10},  // ks.b: 0.5
            {"ks.c", "unrepaired", 1, 1, 9, 0}};  // entries unknown: skipped
  TombstoneRatio t = worst_tombstone_ratio(f);
  EXPECT_EQ(t.table, "ks.b");
  EXPECT_DOUBLE_EQ(t.ratio, 0.5);
  EXPECT_TRUE(worst_tombstone_ratio(NodeFactsInput{}).table.empty());
}

TEST(EvaluateNode, HeadroomBelowOneIsCriticalBelowOneAndAHalfWarning) {
  NodeCheckOptions o;
  EXPECT_EQ(evaluate_node(facts(10 * GiB, 0, 0), 20 * GiB, o).state, State::kOk);
  EXPECT_EQ(evaluate_node(facts(10 * GiB, 0, 0), 14 * GiB, o).state, State::kWarning);
  PluginResult r = evaluate_node(facts(10 * GiB, 0, 0), 9 * GiB, o);
  EXPECT_EQ(r.state, State::kCritical);
  EXPECT_EQ(format_plugin_output(r),
            "NODE CRITICAL - compaction headroom 0.90x (9.0GiB free, largest compaction 10.0GiB), "
            "25 SSTs, 0 compaction(s) pending, 0 running | 'headroom'=0.9;1.5:;1:;0 "
            "'largest_compaction'=10737418240B;;;0 'sst_files'=25;5000;20000;0 "
            "'pending_compactions'=0;;;0 'running_compactions'=0;;;0 "
            "'pending_compaction_bytes'=0B;;;0\n");
}

TEST(EvaluateNode, TombstonesAndFilesRaiseTheirOwnStates) {
  NodeCheckOptions o;
  NodeFactsInput f;
  f.sets = {{"ks.t", "unrepaired", 100, 3, 30, 100}};
  f.sst_files = 3;
  PluginResult r = evaluate_node(f, 100 * GiB, o);
  EXPECT_EQ(r.state, State::kWarning);
  EXPECT_NE(r.text.find("tombstones 30.0% in ks.t"), std::string::npos) << r.text;
  f.sst_files = 25000;
  EXPECT_EQ(evaluate_node(f, 100 * GiB, o).state, State::kCritical);
}

}  // namespace
}  // namespace rk::monitor
