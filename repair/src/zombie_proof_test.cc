// The zombie-safety proof: worked cases for each tombstone_gc mode, and a check against the
// definition itself on random histories (a tombstone of token x deleted at d, purged at t by the
// mode in force at t, with no repair of x started after d and finished by t).
#include "ringkeeper/repair/zombie_proof.h"

#include <gtest/gtest.h>

#include <random>

namespace rk::repair {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kDay = 86400 * kSecond;

TokenRange R(Token a, Token b) { return TokenRange(a, b); }

// Three ranges that make up the ring.
const std::vector<TokenRange> kRing = {R(kMinToken, -100), R(-100, 100), R(100, kMinToken)};

ProofInput base(TombstoneGc mode) {
  ProofInput in;
  in.record_since_us = 1000 * kDay;
  in.gc_grace_seconds = 10 * 86400;
  in.replicas = 3;
  in.modes = {{in.record_since_us, mode}};
  return in;
}

// Every range repaired every `every` days from `first` for `count` times, each taking an hour.
void repair_ring(ProofInput& in, int64_t first, int64_t every, int count) {
  for (int i = 0; i < count; ++i) {
    for (const TokenRange& r : kRing) {
      const int64_t s = first + i * every;
      in.repairs.push_back({r, s, s + 3600 * kSecond});
    }
  }
}

TEST(ZombieProof, RepairsWithinGcGraceForSixMonthsAreSafeSinceTheRecordBegan) {
  ProofInput in = base(TombstoneGc::kTimeout);
  repair_ring(in, in.record_since_us + kDay, 5 * kDay, 36);
  in.now_us = in.record_since_us + 180 * kDay;
  ZombieProof p = prove_zombie_safety(in);
  EXPECT_TRUE(p.safe_now);
  EXPECT_TRUE(p.windows.empty());
  EXPECT_EQ(p.safe_since_us, in.record_since_us);
  // The last repairs started on day 176: exposed on day 186 unless repaired again.
  EXPECT_EQ(p.safe_until_us, in.record_since_us + 176 * kDay + 10 * kDay);
}

TEST(ZombieProof, ARangeLeftUnrepairedPastGcGraceIsAWindowUntilItsNextRepair) {
  ProofInput in = base(TombstoneGc::kTimeout);
  const int64_t t0 = in.record_since_us;
  repair_ring(in, t0 + kDay, 5 * kDay, 4);  // days 1, 6, 11, 16
  // (-100, 100] misses days 21 and 26 (a replica was down); repaired again on day 31.
  for (int64_t day : {21, 26, 31}) {
    for (const TokenRange& r : kRing) {
      if (day != 31 && r == kRing[1]) continue;
      in.repairs.push_back({r, t0 + day * kDay, t0 + day * kDay + 3600 * kSecond});
    }
  }
  in.now_us = t0 + 35 * kDay;
  ZombieProof p = prove_zombie_safety(in);
  ASSERT_EQ(p.windows.size(), 1u);
  const ExposureWindow& w = p.windows[0];
  EXPECT_EQ(w.ranges, std::vector<TokenRange>{kRing[1]});
  EXPECT_EQ(w.repaired_before_us, t0 + 16 * kDay);
  EXPECT_EQ(w.from_us, t0 + 26 * kDay);                    // day 16 + gc_grace
  EXPECT_EQ(w.to_us, t0 + 31 * kDay + 3600 * kSecond);  // day 31's repair finished
  EXPECT_EQ(w.mode, TombstoneGc::kTimeout);
  EXPECT_TRUE(p.safe_now);
  EXPECT_EQ(p.safe_since_us, w.to_us);
  ASSERT_EQ(p.episodes.size(), 1u);
  EXPECT_NEAR(p.episodes[0].ring_share, 200.0 / 18446744073709551616.0, 1e-18);
}

TEST(ZombieProof, AWindowStillOpenMeansNotSafeNow) {
  ProofInput in = base(TombstoneGc::kTimeout);
  const int64_t t0 = in.record_since_us;
  repair_ring(in, t0 + kDay, 5 * kDay, 2);  // days 1 and 6
  in.now_us = t0 + 20 * kDay;
  ZombieProof p = prove_zombie_safety(in);
  EXPECT_FALSE(p.safe_now);
  EXPECT_EQ(p.safe_since_us, 0);
  EXPECT_EQ(p.safe_until_us, 0);
  EXPECT_EQ(p.exposed_since_us, t0 + 16 * kDay);
  ASSERT_EQ(p.windows.size(), 1u);
  EXPECT_EQ(p.windows[0].to_us, 0);
  EXPECT_EQ(p.windows[0].ranges, std::vector<TokenRange>{TokenRange::full_ring()});
  ASSERT_EQ(p.episodes.size(), 1u);
  EXPECT_EQ(p.episodes[0].to_us, 0);
  EXPECT_DOUBLE_EQ(p.episodes[0].ring_share, 1.0);
}

TEST(ZombieProof, ANeverRepairedTableIsExposedGcGraceAfterTheRecordBegan) {
  ProofInput in = base(TombstoneGc::kTimeout);
  in.now_us = in.record_since_us + 11 * kDay;
  ZombieProof p = prove_zombie_safety(in);
  EXPECT_FALSE(p.safe_now);
  EXPECT_EQ(p.exposed_since_us, in.record_since_us + 10 * kDay);
  in.now_us = in.record_since_us + 9 * kDay;
  p = prove_zombie_safety(in);
  EXPECT_TRUE(p.safe_now);
  EXPECT_EQ(p.safe_until_us, in.record_since_us + 10 * kDay);
}

TEST(ZombieProof, ATableOlderThanItsRecordCountsFromItsLastKnownRepair) {
  // The record began (ringkeeper was upgraded) 9 days after the last repair known then, which is
  // counted as finishing when the record began.
  ProofInput in = base(TombstoneGc::kTimeout);
  const int64_t t0 = in.record_since_us;
  in.created_us = t0 - 100 * kDay;
  in.repairs.push_back({TokenRange::full_ring(), t0 - 9 * kDay, t0});
  in.now_us = t0 + 2 * kDay;
  ZombieProof p = prove_zombie_safety(in);
  EXPECT_FALSE(p.safe_now);
  EXPECT_EQ(p.exposed_since_us, t0 + kDay);
  // Never repaired: exposed from the record's first moment.
  in.repairs.clear();
  p = prove_zombie_safety(in);
  EXPECT_EQ(p.exposed_since_us, t0);
  ASSERT_EQ(p.windows.size(), 1u);
  EXPECT_EQ(p.windows[0].repaired_before_us, in.created_us);
}

TEST(ZombieProof, RepairModeAndDisabledAreNeverExposedEvenWithoutRepairs) {
  for (TombstoneGc mode : {TombstoneGc::kRepair, TombstoneGc::kDisabled}) {
    ProofInput in = base(mode);
    in.now_us = in.record_since_us + 365 * kDay;
    ZombieProof p = prove_zombie_safety(in);
    EXPECT_TRUE(p.safe_now) << tombstone_gc_name(mode);
    EXPECT_TRUE(p.windows.empty());
    EXPECT_EQ(p.safe_since_us, in.record_since_us);
    EXPECT_EQ(p.safe_until_us, 0);  // no deadline: time alone purges nothing
  }
}

TEST(ZombieProof, ImmediateIsExposedWithReplicasAndSafeWithOne) {
  ProofInput in = base(TombstoneGc::kImmediate);
  repair_ring(in, in.record_since_us + kDay, kDay, 30);
  in.now_us = in.record_since_us + 30 * kDay;
  ZombieProof p = prove_zombie_safety(in);
  EXPECT_FALSE(p.safe_now);
  EXPECT_EQ(p.exposed_since_us, in.record_since_us);
  in.replicas = 1;
  p = prove_zombie_safety(in);
  EXPECT_TRUE(p.safe_now);
  EXPECT_TRUE(p.windows.empty());
  in.modes = {{in.record_since_us, TombstoneGc::kTimeout}};  // nothing to resurrect from either
  in.repairs.clear();
  EXPECT_TRUE(prove_zombie_safety(in).safe_now);
}

TEST(ZombieProof, AlterFromRepairToTimeoutExposesOldUnrepairedTombstonesAtOnce) {
  ProofInput in = base(TombstoneGc::kRepair);
  const int64_t t0 = in.record_since_us;
  repair_ring(in, t0 + kDay, 30 * kDay, 2);  // days 1 and 31: too far apart for timeout
  in.modes.push_back({t0 + 50 * kDay, TombstoneGc::kTimeout});
  in.modes.push_back({t0 + 55 * kDay, TombstoneGc::kRepair});
  in.now_us = t0 + 90 * kDay;
  ZombieProof p = prove_zombie_safety(in);
  // Under repair mode the 30-day gap is no exposure; the 5 days of timeout are (day 31 + 10 < 50).
  ASSERT_EQ(p.windows.size(), 1u);
  EXPECT_EQ(p.windows[0].from_us, t0 + 50 * kDay);
  EXPECT_EQ(p.windows[0].to_us, t0 + 55 * kDay);
  EXPECT_EQ(p.windows[0].repaired_before_us, t0 + 31 * kDay);
  EXPECT_TRUE(p.safe_now);
  EXPECT_EQ(p.safe_since_us, t0 + 55 * kDay);
}

TEST(ZombieProof, ARepairFinishingNowClosesTheWindowNow) {
  ProofInput in = base(TombstoneGc::kTimeout);
  const int64_t t0 = in.record_since_us;
  in.now_us = t0 + 20 * kDay;
  in.repairs.push_back({TokenRange::full_ring(), t0 + 19 * kDay, in.now_us});
  ZombieProof p = prove_zombie_safety(in);
  EXPECT_TRUE(p.safe_now);
  ASSERT_EQ(p.windows.size(), 1u);
  EXPECT_EQ(p.windows[0].to_us, in.now_us);
  EXPECT_EQ(p.safe_since_us, in.now_us);
  EXPECT_EQ(p.safe_until_us, t0 + 29 * kDay);
}

TEST(ZombieProof, WrappingAndOverlappingRangesCountForEveryTokenTheyHold) {
  ProofInput in = base(TombstoneGc::kTimeout);
  const int64_t t0 = in.record_since_us;
  // Day 5: (100, -100] wraps; day 6: (-200, 200] overlaps it. Together: the ring.
  in.repairs.push_back({R(100, -100), t0 + 5 * kDay, t0 + 5 * kDay + kSecond});
  in.repairs.push_back({R(-200, 200), t0 + 6 * kDay, t0 + 6 * kDay + kSecond});
  in.now_us = t0 + 15 * kDay + 12 * 3600 * kSecond;  // past day 5 + 10 only
  ZombieProof p = prove_zombie_safety(in);
  ASSERT_FALSE(p.safe_now);
  ASSERT_EQ(p.windows.size(), 1u);
  EXPECT_EQ(p.windows[0].from_us, t0 + 15 * kDay);
  // Exposed: the tokens only the day-5 repair held, (200, -200] as normalize() gives it.
  EXPECT_EQ(p.windows[0].ranges,
            (std::vector<TokenRange>{R(kMinToken, -200), R(200, kMinToken)}));
}

// The definition, token by token and moment by moment: at t, could the mode in force purge a
// tombstone of x deleted at some d in [created, t) that no repair of x started after d and
// finished by t covers? Times are whole seconds (repairs last at least one); t and d are probed
// between them.
bool exposed_by_definition(const ProofInput& in, Token x, int64_t t_half) {
  if (in.replicas <= 1) return false;
  TombstoneGc mode = in.modes.front().mode;
  for (const GcModeSpan& m : in.modes) {
    if (m.since_us <= t_half) mode = m.mode;
  }
  if (mode == TombstoneGc::kRepair || mode == TombstoneGc::kDisabled) return false;
  for (int64_t d = in.created_us + kSecond / 4; d < t_half; d += kSecond / 2) {
    if (mode == TombstoneGc::kTimeout && d + in.gc_grace_seconds * kSecond > t_half) break;
    bool covered = false;
    for (const CoveringRepair& r : in.repairs) {
      if (r.range.contains(x) && r.started_us >= d && r.finished_us <= t_half) covered = true;
    }
    if (!covered) return true;
  }
  return false;
}

bool exposed_by_proof(const ZombieProof& p, Token x, int64_t t_half) {
  for (const ExposureWindow& w : p.windows) {
    if (t_half < w.from_us || (w.to_us != 0 && t_half >= w.to_us)) continue;
    for (const TokenRange& r : w.ranges) {
      if (r.contains(x)) return true;
    }
  }
  return false;
}

TEST(ZombieProof, AgreesWithTheDefinitionOnRandomHistories) {
  const std::vector<Token> bounds = {kMinToken, -300, -100, 0, 100, 300};
  const std::vector<Token> probes = {kMinToken + 1, -200, -50, 50, 200, kMaxToken};
  const TombstoneGc modes[] = {TombstoneGc::kTimeout, TombstoneGc::kRepair,
                               TombstoneGc::kDisabled, TombstoneGc::kImmediate};
  std::mt19937_64 rng(20261208);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int round = 0; round < 300; ++round) {
    ProofInput in;
    in.record_since_us = 10 * kSecond;
    in.created_us = in.record_since_us - static_cast<int64_t>(pick(3)) * 4 * kSecond;
    in.gc_grace_seconds = 1 + static_cast<int64_t>(pick(8));
    in.replicas = pick(5) == 0 ? 1 : 3;
    in.modes = {{in.record_since_us, pick(3) == 0 ? modes[pick(4)] : TombstoneGc::kTimeout}};
    for (size_t i = pick(3); i > 0; --i) {
      in.modes.push_back({in.modes.back().since_us + static_cast<int64_t>(1 + pick(15)) * kSecond,
                          modes[pick(4)]});
    }
    for (size_t i = pick(12); i > 0; --i) {
      const int64_t s = in.created_us + static_cast<int64_t>(pick(48)) * kSecond;
      in.repairs.push_back({R(bounds[pick(bounds.size())], bounds[pick(bounds.size())]), s,
                            s + static_cast<int64_t>(1 + pick(4)) * kSecond});
    }
    in.now_us = in.record_since_us + static_cast<int64_t>(20 + pick(30)) * kSecond;
    const ZombieProof p = prove_zombie_safety(in);
    for (int64_t t = in.record_since_us + kSecond / 2; t < in.now_us; t += kSecond) {
      for (Token x : probes) {
        ASSERT_EQ(exposed_by_proof(p, x, t), exposed_by_definition(in, x, t))
            << "round " << round << " token " << x << " t " << t / kSecond << " s";
      }
    }
    bool exposed_now = false;
    for (Token x : probes) exposed_now = exposed_now || exposed_by_definition(in, x, in.now_us);
    EXPECT_EQ(p.safe_now, !exposed_now) << "round " << round;
  }
}

}  // namespace
}  // namespace rk::repair
