// The zombie-safety proof over simulated months, on the virtual clock: the repair scheduler runs
// its schedule against agents faked in memory while a node goes away and comes back and a table's
// tombstone_gc mode is altered; the proof follows the record the scheduler keeps.
#include <gtest/gtest.h>

#include "cluster/schema_catalog.h"
#include "repair/service_test_fixture.h"

namespace rk::scheduler {
namespace {

constexpr int64_t kHour = 3600 * int64_t{1'000'000};
constexpr int64_t kDay = 24 * kHour;

class RepairProofTest : public RepairSchedulerFixture {
 protected:
  void SetUp() override {
    RepairSchedulerFixture::SetUp();
    catalog_ = std::make_unique<SchemaCatalog>(*store_);
    ASSERT_TRUE(catalog_->create_keyspace({"ks", Replication::simple(3), {}}).ok());
    TableDef timeout{"timed", 86400};  // gc_grace one day
    timeout.tombstone_gc = TombstoneGc::kTimeout;
    ASSERT_TRUE(catalog_->create_table("ks", timeout).ok());
    ASSERT_TRUE(catalog_->create_table("ks", {"guarded", 86400}).ok());  // tombstone_gc repair
    created_ = clock_.now_micros();
    reload_schema();
  }

  void reload_schema() {
    auto schema = catalog_->schema();
    ASSERT_TRUE(schema.ok()) << schema.status().to_string();
    cluster_.schema = *schema;
  }

  void set_down(const std::string& host, bool down) {
    for (NodeView& n : cluster_.nodes) {
      if (n.info.host_id == host) n.info.state = down ? NodeState::kDown : NodeState::kNormal;
    }
    if (down) {
      agents_.down.insert(host);
    } else {
      agents_.down.erase(host);
    }
  }

  // Lets the scheduler work until `until`: a tick every hour, sessions finishing at once.
  void run_until(int64_t until) {
    while (clock_.now_micros() < until) {
      ASSERT_OK(service_->tick());
      agents_.finish_all();
      clock_.advance_micros(kHour);
    }
  }

  TableProof proof_of(const std::string& table) {
    auto p = service_->proofs("ks", table);
    EXPECT_TRUE(p.ok()) << p.status().to_string();
    return p.ok() && p->size() == 1 ? p->front() : TableProof{};
  }

  std::unique_ptr<SchemaCatalog> catalog_;
  int64_t created_ = 0;
};

TEST_F(RepairProofTest, ThreeMonthsOfScheduledRepairsWithAnOutageAndAnAlter) {
  // Every 12 hours: within the one-day gc_grace with room for the run itself.
  ASSERT_TRUE(service_->add_schedule("ops", {.keyspace = "ks", .interval_seconds = 43200}).ok());
  run_until(created_ + 30 * kDay);
  TableProof timed = proof_of("timed");
  EXPECT_TRUE(timed.proof.safe_now) << timed.message;
  EXPECT_TRUE(timed.proof.windows.empty()) << timed.message;
  EXPECT_EQ(timed.proof.safe_since_us, created_);
  EXPECT_EQ(timed.record_since_us, created_);
  EXPECT_GT(timed.proof.safe_until_us, clock_.now_micros());
  EXPECT_LE(timed.proof.safe_until_us, clock_.now_micros() + kDay);

  // h3 is away for three days: with three nodes and RF 3 it replicates every range, so nothing
  // is repaired and the timed table's tombstones may be purged unrepaired from a day on.
  set_down("h3", true);
  run_until(created_ + 33 * kDay);
  timed = proof_of("timed");
  EXPECT_FALSE(timed.proof.safe_now) << timed.message;
  EXPECT_GE(timed.proof.exposed_since_us, created_ + 30 * kDay);
  EXPECT_LE(timed.proof.exposed_since_us, created_ + 31 * kDay);
  EXPECT_NE(timed.message.find("NOT zombie-safe since"), std::string::npos) << timed.message;
  EXPECT_TRUE(proof_of("guarded").proof.safe_now);  // tombstone_gc repair waits for the repair

  // Back: the next scheduled run repairs every range and closes the window.
  set_down("h3", false);
  run_until(created_ + 35 * kDay);
  timed = proof_of("timed");
  ASSERT_TRUE(timed.proof.safe_now) << timed.message;
  ASSERT_EQ(timed.proof.episodes.size(), 1u);
  const int64_t closed = timed.proof.episodes[0].to_us;
  EXPECT_GT(closed, created_ + 33 * kDay);
  EXPECT_LT(closed, created_ + 34 * kDay);
  EXPECT_DOUBLE_EQ(timed.proof.episodes[0].ring_share, 1.0);
  EXPECT_EQ(timed.proof.safe_since_us, closed);

  // The timed table moves to tombstone_gc repair; a second, longer outage exposes nothing.
  ASSERT_TRUE(catalog_->alter_table("ks", "timed", {.tombstone_gc = TombstoneGc::kRepair}).ok());
  reload_schema();
  run_until(created_ + 45 * kDay);
  set_down("h2", true);
  run_until(created_ + 60 * kDay);
  set_down("h2", false);
  run_until(created_ + 91 * kDay);
  timed = proof_of("timed");
  EXPECT_TRUE(timed.proof.safe_now) << timed.message;
  EXPECT_EQ(timed.proof.safe_since_us, closed);
  EXPECT_EQ(timed.windows_total, timed.proof.windows.size());
  ASSERT_EQ(timed.modes.size(), 2u);
  EXPECT_EQ(timed.modes[1].mode, TombstoneGc::kRepair);
  EXPECT_EQ(timed.proof.safe_until_us, 0);  // no deadline under tombstone_gc repair
  TableProof guarded = proof_of("guarded");
  EXPECT_TRUE(guarded.proof.windows.empty()) << guarded.message;
  EXPECT_EQ(guarded.proof.safe_since_us, created_);
  EXPECT_NE(guarded.message.find("protected by tombstone_gc repair"), std::string::npos);
}

TEST_F(RepairProofTest, ADatacenterFilteredRunIsNoCoverage) {
  RepairRunView v = must_create({.keyspace = "ks", .datacenters = {"dc1"}});
  drive(v.run.id);
  ASSERT_EQ(state_of(v.run.id), RunState::kDone);
  clock_.set_micros(created_ + 2 * kDay);
  EXPECT_FALSE(proof_of("timed").proof.safe_now);
  // The same run without the filter covers every replica.
  v = must_create({.keyspace = "ks"});
  drive(v.run.id);
  ASSERT_EQ(state_of(v.run.id), RunState::kDone);
  TableProof timed = proof_of("timed");
  EXPECT_TRUE(timed.proof.safe_now) << timed.message;
  // Never covered before: every range exposed from a day after creation until its segment.
  ASSERT_FALSE(timed.proof.windows.empty());
  for (const repair::ExposureWindow& w : timed.proof.windows) {
    EXPECT_EQ(w.from_us, created_ + kDay);
    EXPECT_EQ(w.repaired_before_us, created_);
  }
}

TEST_F(RepairProofTest, UnknownNamesAreRefused) {
  EXPECT_EQ(service_->proofs("nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->proofs("ks", "nope").status().code(), ErrorCode::kNotFound);
  auto all = service_->proofs();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);  // guarded, timed
}

}  // namespace
}  // namespace rk::scheduler
