// The zombie-safety proof with real processes (docs/repair.md, "Proof"): a table in tombstone_gc
// timeout mode with a 3 s gc_grace is safe after a full repair, becomes NOT safe once gc_grace
// passes without another, and is safe again after the next repair, with the window in between
// shown by the API and by rkctl; a table in repair mode stays safe without any repair.
#include <gtest/gtest.h>

#include <algorithm>

#include "repair_e2e_fixture.h"
#include "ringkeeper/core/token_range.h"

namespace rk::testing {
namespace {

using std::chrono::seconds;

class ZombieProofE2E : public RepairE2E {
 protected:
  Result<json> proof(const std::string& ks, const std::string& table) {
    RK_ASSIGN_OR_RETURN(json all, cluster_->scheduler_get("/api/v1/repair/proof?keyspace=" + ks +
                                                          "&table=" + table));
    if (all["tables"].size() != 1) return Status::Internal("not one table: " + all.dump());
    return all["tables"][0];
  }
};

TEST_F(ZombieProofE2E, FollowsRealRepairsThroughAWindowAndBack) {
  ASSERT_NO_FATAL_FAILURE(start());
  REQUIRE_SESSIONS();
  const int grace = 3;
  ASSERT_OK(create_keyspace("proof", {{"timed", grace}}, "timeout"));
  ASSERT_OK(scheduler_call("POST", "/api/v1/keyspaces/proof/tables",
                           {{"name", "guarded"}, {"gc_grace_seconds", grace}}));
  ASSERT_OK(write(0, "proof", "timed", "k", "v", "ALL"));

  auto first = start_run({{"keyspace", "proof"}, {"kind", "full"}, {"tables", {"timed"}}});
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_OK(wait_run_done(*first, seconds(60)));
  auto p = proof("proof", "timed");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  // Safe since its record began, until gc_grace after the repair's sessions started.
  EXPECT_TRUE((*p)["safe_now"].get<bool>()) << p->dump();
  EXPECT_EQ((*p)["windows_total"], 0) << p->dump();
  EXPECT_EQ((*p)["safe_since_us"], (*p)["record_since_us"]);
  const int64_t until = (*p)["safe_until_us"].get<int64_t>();
  EXPECT_GT(until, (*p)["now_us"].get<int64_t>());
  EXPECT_LE(until, (*p)["now_us"].get<int64_t>() + grace * 1'000'000);

  // No repair for longer than gc_grace: a tombstone written now could be purged unrepaired.
  ASSERT_OK(wait_until(
      [&] {
        auto q = proof("proof", "timed");
        return q.ok() && !(*q)["safe_now"].get<bool>();
      },
      seconds(grace + 10), "the proof to say NOT safe"));
  p = proof("proof", "timed");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["exposed_since_us"], until) << p->dump();
  auto [rc, out] = run_rkctl(*cluster_, "repair proof proof.timed");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("NOT zombie-safe since"), std::string::npos) << out;

  // The next repair closes the window.
  auto second = start_run({{"keyspace", "proof"}, {"kind", "full"}, {"tables", {"timed"}}});
  ASSERT_TRUE(second.ok());
  ASSERT_OK(wait_run_done(*second, seconds(60)));
  p = proof("proof", "timed");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)["safe_now"].get<bool>()) << p->dump();
  // One window per segment (each range was repaired at its own moment), together the whole ring.
  const json& windows = (*p)["windows"];
  ASSERT_GE(windows.size(), 1u) << p->dump();
  ASSERT_LE(windows.size(), 3u) << p->dump();
  EXPECT_EQ(windows[0]["from_us"], until);
  int64_t last_closed = 0;
  std::vector<TokenRange> exposed;
  for (const json& w : windows) {
    EXPECT_EQ(w["from_us"].get<int64_t>(),
              w["repaired_before_us"].get<int64_t>() + grace * 1'000'000);
    EXPECT_GT(w["to_us"].get<int64_t>(), w["from_us"].get<int64_t>());
    EXPECT_EQ(w["tombstone_gc"], "timeout");
    last_closed = std::max(last_closed, w["to_us"].get<int64_t>());
    for (const json& r : w["ranges"]) {
      auto range = TokenRange::parse(r.get<std::string>());
      ASSERT_TRUE(range.ok()) << r;
      exposed.push_back(*range);
    }
  }
  EXPECT_TRUE(covered_size(exposed) == kRingSize) << p->dump();
  EXPECT_EQ((*p)["safe_since_us"], last_closed);
  std::tie(rc, out) = run_rkctl(*cluster_, "repair proof proof.timed");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("zombie-safe since"), std::string::npos) << out;
  EXPECT_NE(out.find("earlier window"), std::string::npos) << out;

  // tombstone_gc repair (the default): never repaired, never exposed.
  p = proof("proof", "guarded");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE((*p)["safe_now"].get<bool>()) << p->dump();
  EXPECT_EQ((*p)["windows_total"], 0);
  EXPECT_EQ((*p)["tombstone_gc"], "repair");
  std::tie(rc, out) = run_rkctl(*cluster_, "repair proof proof");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("proof.guarded"), std::string::npos) << out;
  std::tie(rc, out) = run_rkctl(*cluster_, "repair proof proof.nope");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("no table proof.nope"), std::string::npos) << out;
}

}  // namespace
}  // namespace rk::testing
