// Which tables a returning node is quarantined for.
#include "ringkeeper/repair/quarantine.h"

#include <gtest/gtest.h>

namespace rk::repair {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kLeft = 1'700'000'000 * kSecond;

ReplicatedTable table(std::string name, int64_t grace, TombstoneGc mode = TombstoneGc::kTimeout) {
  return {"ks", std::move(name), grace, mode};
}

std::vector<std::string> names(const QuarantineDecision& d) {
  std::vector<std::string> out;
  for (const auto& t : d.tables) out.push_back(t.table);
  return out;
}

TEST(Quarantine, NodeAwayLongerThanGcGraceIsQuarantinedForThatTable) {
  auto d = decide_quarantine(kLeft, kLeft + 21 * kSecond, {table("t", 20)});
  EXPECT_EQ(names(d), std::vector<std::string>{"t"});
  EXPECT_EQ(d.away_us, 21 * kSecond);
  EXPECT_EQ(d.smallest_gc_grace_seconds, 20);
}

TEST(Quarantine, NodeBackWithinGcGraceIsNotQuarantined) {
  EXPECT_TRUE(decide_quarantine(kLeft, kLeft + 19 * kSecond, {table("t", 20)}).tables.empty());
  // Exactly gc_grace: a deletion made as it left is not purgeable yet.
  EXPECT_TRUE(decide_quarantine(kLeft, kLeft + 20 * kSecond, {table("t", 20)}).tables.empty());
}

TEST(Quarantine, OnlyTablesWhoseGcGraceTheAbsenceOutlastedAreQuarantined) {
  auto d = decide_quarantine(kLeft, kLeft + 3600 * kSecond,
                             {table("short", 60), table("long", 864000), table("shorter", 30)});
  EXPECT_EQ(names(d), (std::vector<std::string>{"short", "shorter"}));
  EXPECT_EQ(d.smallest_gc_grace_seconds, 30);
}

TEST(Quarantine, RepairDisabledAndImmediateModesNeedNoQuarantine) {
  auto d = decide_quarantine(kLeft, kLeft + 3600 * kSecond,
                             {table("r", 1, TombstoneGc::kRepair),
                              table("d", 1, TombstoneGc::kDisabled),
                              table("i", 0, TombstoneGc::kImmediate), table("t", 1)});
  EXPECT_EQ(names(d), std::vector<std::string>{"t"});
}

TEST(Quarantine, UnknownOrFutureDepartureQuarantinesNothing) {
  EXPECT_TRUE(decide_quarantine(0, kLeft, {table("t", 0)}).tables.empty());
  EXPECT_TRUE(decide_quarantine(kLeft, kLeft, {table("t", 0)}).tables.empty());
  EXPECT_TRUE(decide_quarantine(kLeft + kSecond, kLeft, {table("t", 0)}).tables.empty());
}

TEST(Quarantine, MessageSaysWhyAndWhatToDo) {
  auto d = decide_quarantine(kLeft, kLeft + 90 * kSecond, {table("b", 20), table("a", 30)});
  const std::string m = quarantine_message("h3", d);
  EXPECT_NE(m.find("after 90s away"), std::string::npos) << m;
  EXPECT_NE(m.find("ks.a, ks.b"), std::string::npos) << m;
  EXPECT_NE(m.find("(20s)"), std::string::npos) << m;
  EXPECT_NE(m.find("rkctl node rebuild h3"), std::string::npos) << m;
  EXPECT_NE(m.find("rkctl node unquarantine h3 --accept-risk"), std::string::npos) << m;
}

}  // namespace
}  // namespace rk::repair
