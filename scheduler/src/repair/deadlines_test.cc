// Repair schedules and gc_grace deadlines: schedules start runs at their interval (derived from
// the smallest gc_grace when not given), deadlines follow the repair history, and changes of a
// deadline's state or severity become scheduler alerts.
#include <gtest/gtest.h>

#include "alerts/store.h"
#include "repair/service_test_fixture.h"

namespace rk::scheduler {
namespace {

class RepairDeadlineTest : public RepairSchedulerFixture {};

TEST_F(RepairDeadlineTest, SchedulesStartRunsAtTheirInterval) {
  auto sc = service_->add_schedule("ops", {.keyspace = "ks", .interval_seconds = 60});
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  ASSERT_OK(service_->tick());
  auto runs = service_->list_runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().run.options.kind, RepairKind::kIncremental);
  EXPECT_EQ(runs->front().run.schedule_id, sc->id);
  drive(runs->front().run.id);
  EXPECT_EQ(service_->list_runs()->size(), 1u);  // the next activation is 60 s after the first
  clock_.advance_seconds(60);
  ASSERT_OK(service_->tick());
  EXPECT_EQ(service_->list_runs()->size(), 2u);
  ASSERT_OK(service_->remove_schedule("ops", sc->id));
  EXPECT_TRUE(service_->schedules()->empty());
}

TEST_F(RepairDeadlineTest, DerivedIntervalFollowsTheSmallestGcGrace) {
  // t1's gc_grace of 100 s is shorter than the planner's safety margin: half of it.
  auto sc = service_->add_schedule("ops", {.keyspace = "ks"});
  ASSERT_TRUE(sc.ok());
  EXPECT_TRUE(sc->interval_derived);
  EXPECT_EQ(sc->interval_seconds, 50);
}

TEST_F(RepairDeadlineTest, DeadlinesFollowTheRepairHistory) {
  auto before = service_->deadlines();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 2u);
  EXPECT_EQ((*before)[0].state, DeadlineState::kNeverRepaired);
  const int64_t start = clock_.now_micros();
  RepairRunView v = must_create({.keyspace = "ks", .tables = {"t1"}});
  drive(v.run.id);
  auto after = service_->deadlines();
  ASSERT_TRUE(after.ok());
  const TableDeadline& t1 = (*after)[0];
  EXPECT_EQ(t1.table, "t1");
  EXPECT_GE(t1.oldest_repaired_at_us, start);
  EXPECT_EQ(t1.deadline_us, t1.oldest_repaired_at_us + 100'000'000);
  EXPECT_EQ(t1.state, DeadlineState::kOk) << t1.message;
  EXPECT_EQ((*after)[1].state, DeadlineState::kNeverRepaired);
  // Without a known pace it stays OK until the safety margin (a fifth of gc_grace) begins.
  clock_.set_micros(t1.deadline_us - 19'000'000);
  EXPECT_EQ(service_->deadlines()->front().state, DeadlineState::kAtRisk)
      << service_->deadlines()->front().message;
  clock_.set_micros(t1.deadline_us + 1'000'000);
  EXPECT_EQ(service_->deadlines()->front().state, DeadlineState::kOverdue);
}

TEST_F(RepairDeadlineTest, DeadlineChangesBecomeSchedulerAlerts) {
  std::unique_ptr<AlertStore> store_alerts;
  open([&](const TableDeadline& d, DeadlineState previous) {
    repair_deadline_alert (*store_alerts)(d, previous);
  });
  store_alerts = std::make_unique<AlertStore>(*store_, clock_);  // on the reopened store
  AlertStore& alerts = *store_alerts;
  RepairRunView v = must_create({.keyspace = "ks", .tables = {"t1"}});
  drive(v.run.id);
  auto t1 = service_->deadlines()->front();
  clock_.set_micros(t1.deadline_us - 19'000'000);  // inside the safety margin
  ASSERT_OK(service_->tick());
  auto active = alerts.query({.active = true});
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].source, "scheduler");
  EXPECT_EQ((*active)[0].signal, "repair_deadline/ks.t1");
  EXPECT_EQ((*active)[0].state, monitor::State::kWarning);
  clock_.set_micros(t1.deadline_us + 1'000'000);
  ASSERT_OK(service_->tick());
  active = alerts.query({.active = true});
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].state, monitor::State::kCritical);
}

TEST_F(RepairDeadlineTest, ANeverRepairedTableIsOkWhileYoungAndCriticalOnceOlderThanGcGrace) {
  std::unique_ptr<AlertStore> store_alerts;
  open([&](const TableDeadline& d, DeadlineState previous) {
    repair_deadline_alert (*store_alerts)(d, previous);
  });
  store_alerts = std::make_unique<AlertStore>(*store_, clock_);  // on the reopened store
  const int64_t created = clock_.now_micros();
  ASSERT_OK(service_->tick());
  auto young = service_->deadlines();
  ASSERT_TRUE(young.ok());
  ASSERT_EQ(young->size(), 2u);
  for (const TableDeadline& d : *young) {
    EXPECT_EQ(d.state, DeadlineState::kNeverRepaired);
    EXPECT_EQ(d.deadline_us, created + d.gc_grace_seconds * 1'000'000) << d.table;
    EXPECT_EQ(d.severity, DeadlineSeverity::kOk) << d.message;
  }
  EXPECT_TRUE(store_alerts->query({.active = true})->empty());
  // t1 (gc_grace 100 s) is now older than its gc_grace without a repair; t2 (200 s) is not.
  clock_.set_micros(created + 150'000'000);
  ASSERT_OK(service_->tick());
  auto old = service_->deadlines();
  ASSERT_TRUE(old.ok());
  EXPECT_EQ((*old)[0].table, "t1");
  EXPECT_EQ((*old)[0].severity, DeadlineSeverity::kCritical) << (*old)[0].message;
  EXPECT_EQ((*old)[1].severity, DeadlineSeverity::kOk) << (*old)[1].message;
  auto active = store_alerts->query({.active = true});
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].signal, "repair_deadline/ks.t1");
  EXPECT_EQ((*active)[0].state, monitor::State::kCritical);
}

}  // namespace
}  // namespace rk::scheduler
