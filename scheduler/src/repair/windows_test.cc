// Maintenance windows of repair runs: nothing starts outside the window, the configured default
// applies to runs without one, the close either stops or lets sessions finish, windows survive a
// restart, and bad windows are refused.
#include <gtest/gtest.h>

#include "repair/service_test_fixture.h"

namespace rk::scheduler {
namespace {

class RepairWindowTest : public RepairSchedulerFixture {};

// Monday 2026-11-23 01:00 UTC; the window below opens an hour later.
constexpr int64_t kMonday0100Us = 1'795'395'600'000'000;
const RepairWindowSpec kMondayWindow{"mon 02:00-03:00", "UTC", "finish"};

TEST_F(RepairWindowTest, OutsideTheWindowNothingStartsAndAtTheOpenItDoes) {
  clock_.set_micros(kMonday0100Us);
  RepairRunView v = must_create({.keyspace = "ks", .window = kMondayWindow});
  ASSERT_TRUE(v.run.options.window.has_value());
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());
  auto waiting = service_->run(v.run.id);
  ASSERT_TRUE(waiting.ok());
  ASSERT_FALSE(waiting->progress.postponed.empty());
  EXPECT_NE(waiting->progress.postponed[0].find("outside maintenance window"), std::string::npos)
      << waiting->progress.postponed[0];
  clock_.advance_seconds(3599);
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());
  clock_.advance_seconds(1);  // 02:00: the window opens
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.started.size(), 1u);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
}

TEST_F(RepairWindowTest, DefaultWindowFromTheConfigurationAppliesToRunsWithoutOne) {
  options_.windows = "mon 02:00-03:00";
  open();
  clock_.set_micros(kMonday0100Us);
  RepairRunView limited = must_create({.keyspace = "ks", .tables = {"t1"}});
  EXPECT_FALSE(limited.run.options.window.has_value());
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.started.empty());
  // A run's own window overrides the default: empty is always open.
  RepairRunView open_run =
      must_create({.keyspace = "ks", .tables = {"t2"}, .window = RepairWindowSpec{}});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.started.size(), 1u);
  EXPECT_NE(agents_.started[0].find("-r" + std::to_string(open_run.run.id) + "-"),
            std::string::npos);
}

TEST_F(RepairWindowTest, StopPolicyCancelsSessionsAtTheCloseWithoutCountingAnAttempt) {
  options_.segment_timeout = std::chrono::hours(2);  // longer than the window
  open();
  clock_.set_micros(kMonday0100Us + 3600'000'000);  // 02:00, open
  RepairRunView v =
      must_create({.keyspace = "ks", .window = RepairWindowSpec{"mon 02:00-03:00", "UTC", "stop"}});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.running().size(), 1u);
  const std::string session = agents_.running()[0];
  clock_.advance_seconds(1800);
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.cancelled.empty());  // still inside the window
  clock_.advance_seconds(1800);            // 03:00: closed
  ASSERT_OK(service_->tick());
  EXPECT_EQ(agents_.cancelled, std::vector<std::string>{session});
  EXPECT_TRUE(agents_.running().empty());
  auto pending = service_->segments(v.run.id, SegmentState::kPending);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  for (const RepairSegment& g : *pending) EXPECT_EQ(g.attempts, 0) << g.last_error;
  // A week later the window opens again and the run goes on.
  clock_.set_micros(kMonday0100Us + 3600'000'000 + 7 * 86400'000'000LL);
  drive(v.run.id);
  EXPECT_EQ(state_of(v.run.id), RunState::kDone);
}

TEST_F(RepairWindowTest, FinishPolicyLetsRunningSessionsEndAfterTheClose) {
  options_.segment_timeout = std::chrono::hours(2);  // longer than the window
  open();
  clock_.set_micros(kMonday0100Us + 3600'000'000);
  RepairRunView v = must_create({.keyspace = "ks", .window = kMondayWindow});
  ASSERT_OK(service_->tick());
  ASSERT_EQ(agents_.running().size(), 1u);
  clock_.advance_seconds(3600);  // closed
  ASSERT_OK(service_->tick());
  EXPECT_TRUE(agents_.cancelled.empty());
  agents_.finish_all();
  ASSERT_OK(service_->tick());
  EXPECT_EQ(service_->run(v.run.id)->progress.segments.done, 1);
  EXPECT_EQ(agents_.started.size(), 1u);  // nothing new outside the window
}

TEST_F(RepairWindowTest, WindowsOfRunsAndSchedulesSurviveARestart) {
  clock_.set_micros(kMonday0100Us);
  RepairScheduleSpec spec{.keyspace = "ks", .interval_seconds = 3600};
  spec.run_options.window = RepairWindowSpec{"sat,sun 00:00-24:00", "+05:30", "stop"};
  auto sc = service_->add_schedule("ops", spec);
  ASSERT_TRUE(sc.ok()) << sc.status().to_string();
  ASSERT_OK(service_->tick());  // starts the schedule's run
  open();
  auto schedules = service_->schedules();
  ASSERT_TRUE(schedules.ok());
  ASSERT_EQ(schedules->size(), 1u);
  ASSERT_TRUE(schedules->front().spec.run_options.window.has_value());
  EXPECT_EQ(schedules->front().spec.run_options.window->windows, "sat,sun 00:00-24:00");
  EXPECT_EQ(schedules->front().spec.run_options.window->time_zone, "+05:30");
  auto runs = service_->list_runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  ASSERT_TRUE(runs->front().run.options.window.has_value());
  EXPECT_EQ(runs->front().run.options.window->on_close, "stop");
  EXPECT_TRUE(agents_.started.empty());  // Monday: outside the weekend window
}

TEST_F(RepairWindowTest, BadWindowsAreRefusedAndNothingIsStored) {
  for (const RepairWindowSpec& w : {RepairWindowSpec{"mnd 02:00-03:00", "UTC", "finish"},
                                    RepairWindowSpec{"mon 25:00-26:00", "UTC", "finish"},
                                    RepairWindowSpec{"mon 02:00-03:00", "Nowhere/City", "finish"},
                                    RepairWindowSpec{"mon 02:00-03:00", "UTC", "later"}}) {
    auto r = service_->create_run("ops", {.keyspace = "ks", .window = w});
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << w.windows << " " << w.time_zone;
    EXPECT_NE(r.status().message().find("window"), std::string::npos) << r.status().to_string();
    RepairScheduleSpec spec{.keyspace = "ks"};
    spec.run_options.window = w;
    EXPECT_EQ(service_->add_schedule("ops", spec).status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(service_->list_runs()->empty());
  EXPECT_TRUE(service_->schedules()->empty());
  auto config = load_config_string("windows: mnd 02:00-03:00\n", repair_options_schema());
  EXPECT_EQ(config.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("mnd"), std::string::npos)
      << config.status().to_string();
  EXPECT_TRUE(load_config_string("windows: mon-fri 22:00-06:00\nwindow_time_zone: \"+01:00\"\n",
                                 repair_options_schema())
                  .ok());
}

}  // namespace
}  // namespace rk::scheduler
