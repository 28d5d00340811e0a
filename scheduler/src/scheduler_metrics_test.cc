// The scheduler's /metrics text: alerts and nodes by state, repair progress read from its tables
// when they exist, tables that do not exist (yet) left out without an error.
#include "scheduler_metrics.h"

#include <gtest/gtest.h>

#include "ringkeeper/scheduler/store.h"
#include "db/test_db.h"

namespace rk::scheduler {
namespace {

TEST(SchedulerMetrics, AlertsByStateAndProgressTablesReadDefensively) {
  TempDir dir;
  ManualClock clock;
  auto store = Store::open({.path = dir.file("m.db"), .synchronous = "NORMAL"}, clock);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  AlertStore alerts(**store, clock);
  ASSERT_TRUE(alerts.record({"h1", "disk", monitor::State::kWarning, "", 0, {}}).ok());
  ASSERT_TRUE(alerts.record({"h2", "await", monitor::State::kCritical, "", 0, {}}).ok());
  monitor::RequestMetrics requests;
  requests.observe("api", "GET", "/metrics", 200, 100);
  const std::string text = scheduler_metrics({store->get(), nullptr, &alerts, &requests, nullptr});
  EXPECT_NE(text.find("rk_alerts{state=\"WARNING\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rk_alerts{state=\"CRITICAL\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rk_alerts{state=\"OK\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("route=\"/metrics\""), std::string::npos) << text;
  // The repair tables exist in this schema: their families appear (empty).
  EXPECT_NE(text.find("# TYPE rk_repair_runs gauge\n"), std::string::npos) << text;
  // Nothing failed to read.
  EXPECT_EQ(text.find("unavailable"), std::string::npos) << text;
}

}  // namespace
}  // namespace rk::scheduler
