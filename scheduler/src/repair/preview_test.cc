// Preview runs against fake agents and a ManualClock: their sessions are full, preview and never
// marking; what the sessions found is stored with the run and summed per table; no repair history
// is written (the deadlines do not move); incompatible options are refused with nothing stored;
// schedules start previews.
#include <gtest/gtest.h>

#include "repair/service_test_fixture.h"

namespace rk::scheduler {
namespace {

class PreviewRunTest : public RepairSchedulerFixture {
 protected:
  // Replica h3 lacks rows of t1 in every segment: 2 rows in one range per segment.
  void report_h3_behind(const RepairRunView& v) {
    auto segs = service_->segments(v.run.id);
    ASSERT_TRUE(segs.ok());
    for (const RepairSegment& g : *segs) {
      auto range = TokenRange::parse(g.range);
      ASSERT_TRUE(range.ok());
      const std::string sub = TokenRange(range->start(), range->start() + 10).to_string();
      agents_.findings[g.range] = {{{"t1", 1, 2, 200, {"h3"}}}, {{"t1", sub, "h1", "h3", 2, 200}}};
    }
  }
};

TEST_F(PreviewRunTest, APreviewRunStoresWhatItsSessionsFoundAndRepairsNothing) {
  RepairRunView v = must_create({.keyspace = "ks", .preview = true});
  EXPECT_TRUE(v.run.options.preview);
  EXPECT_EQ(v.run.options.kind, RepairKind::kFull);
  report_h3_behind(v);
  drive(v.run.id);
  ASSERT_EQ(state_of(v.run.id), RunState::kDone);
  ASSERT_EQ(agents_.sessions.size(), 3u);
  for (const auto& [id, s] : agents_.sessions) {
    EXPECT_TRUE(s.request.preview) << id;
    EXPECT_EQ(s.request.mode, "full");
    EXPECT_FALSE(s.request.mark_repaired);
  }
  auto run = service_->run(v.run.id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->progress.segments.bytes_streamed, 0);
  ASSERT_EQ(run->differences.size(), 1u);
  EXPECT_EQ(run->differences[0].table, "t1");
  EXPECT_EQ(run->differences[0].ranges, 3);
  EXPECT_EQ(run->differences[0].rows, 6);
  EXPECT_EQ(run->differences[0].bytes, 600);
  EXPECT_EQ(run->differences[0].behind, (std::vector<std::string>{"h3"}));
  auto d = service_->differences(v.run.id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ranges_total, 3);
  ASSERT_EQ(d->ranges.size(), 3u);
  EXPECT_EQ(d->ranges[0].target, "h3");
  EXPECT_EQ(d->ranges[0].source, "h1");
  auto limited = service_->differences(v.run.id, 1);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->ranges.size(), 1u);
  EXPECT_EQ(limited->ranges_total, 3);

  // Nothing was repaired: the tables are still never repaired.
  auto deadlines = service_->deadlines();
  ASSERT_TRUE(deadlines.ok());
  for (const TableDeadline& t : *deadlines) {
    EXPECT_EQ(t.state, DeadlineState::kNeverRepaired) << t.table;
    EXPECT_EQ(t.oldest_repaired_at_us, 0) << t.table;
  }
  // Filters: previews, and repairs only.
  must_create({.keyspace = "ks", .tables = {"t2"}});
  auto previews = service_->list_runs(std::nullopt, "", 100, true);
  ASSERT_TRUE(previews.ok());
  ASSERT_EQ(previews->size(), 1u);
  EXPECT_EQ(previews->front().run.id, v.run.id);
  auto repairs = service_->list_runs(std::nullopt, "", 100, false);
  ASSERT_TRUE(repairs.ok());
  ASSERT_EQ(repairs->size(), 1u);
  EXPECT_NE(repairs->front().run.id, v.run.id);
}

TEST_F(PreviewRunTest, APreviewWithIncompatibleOptionsIsRefusedAndNothingStored) {
  auto incremental = service_->create_run(
      "ops", {.keyspace = "ks", .kind = RepairKind::kIncremental, .preview = true});
  EXPECT_EQ(incremental.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(incremental.status().message().find("cannot be incremental"), std::string::npos);
  auto marking =
      service_->create_run("ops", {.keyspace = "ks", .mark_repaired = true, .preview = true});
  EXPECT_EQ(marking.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(marking.status().message().find("mark_repaired"), std::string::npos);
  RepairScheduleSpec sc{.keyspace = "ks", .kind = RepairKind::kIncremental};
  sc.run_options.preview = true;
  EXPECT_EQ(service_->add_schedule("ops", sc).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->list_runs()->empty());
  EXPECT_TRUE(service_->schedules()->empty());
  EXPECT_TRUE(agents_.started.empty());
}

TEST_F(PreviewRunTest, ASchedulesPreviewOptionStartsPreviewRuns) {
  RepairScheduleSpec spec{.keyspace = "ks", .kind = RepairKind::kFull, .interval_seconds = 3600};
  spec.run_options.preview = true;
  auto sc = service_->add_schedule("ops", spec);
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  open();  // the option survives a restart (it is kept with the schedule's run options)
  auto schedules = service_->schedules();
  ASSERT_TRUE(schedules.ok());
  ASSERT_EQ(schedules->size(), 1u);
  EXPECT_TRUE(schedules->front().spec.run_options.preview);
  ASSERT_OK(service_->tick());
  auto runs = service_->list_runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_TRUE(runs->front().run.options.preview);
  EXPECT_EQ(runs->front().run.schedule_id, sc->id);
  drive(runs->front().run.id);
  EXPECT_EQ(state_of(runs->front().run.id), RunState::kDone);
  for (const auto& [id, s] : agents_.sessions) EXPECT_TRUE(s.request.preview) << id;
  EXPECT_EQ(service_->deadlines()->front().oldest_repaired_at_us, 0);
}

}  // namespace
}  // namespace rk::scheduler
