// AlertStore keeps state changes only, the current state per (source, signal), and tells its
// listeners about each stored change.
#include "alerts/store.h"

#include <gtest/gtest.h>

#include "ringkeeper/scheduler/store.h"
#include "db/test_db.h"

namespace rk::scheduler {
namespace {

using monitor::State;

class AlertStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::open({.path = dir_.file("alerts.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(store).value();
    alerts_ = std::make_unique<AlertStore>(*store_, clock_);
  }

  std::optional<AlertRecord> record(const std::string& source, const std::string& signal,
                                    State state, std::optional<double> value = std::nullopt) {
    auto r = alerts_->record({source, signal, state, "msg", 0, value});
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : std::nullopt;
  }

  std::vector<AlertRecord> query(AlertQuery q) {
    auto r = alerts_->query(q);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : std::vector<AlertRecord>{};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AlertStore> alerts_;
};

TEST_F(AlertStoreTest, StoresAChangeWithThePreviousState) {
  auto r = record("host-1", "disk", State::kWarning, 55);
  ASSERT_TRUE(r.has_value());
  EXPECT_GT(r->id, 0);
  EXPECT_EQ(r->previous_state, State::kOk);
  EXPECT_EQ(r->at_us, clock_.now_micros());
  EXPECT_EQ(r->value, 55);
  clock_.advance_seconds(1);
  auto c = record("host-1", "disk", State::kCritical, 45);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->previous_state, State::kWarning);
  auto history = query({});
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].state, State::kCritical);  // newest first
  EXPECT_EQ(history[1].state, State::kWarning);
  EXPECT_EQ(history[1].message, "msg");
}

TEST_F(AlertStoreTest, TheSameStateAgainIsNotAChange) {
  ASSERT_TRUE(record("host-1", "disk", State::kWarning).has_value());
  EXPECT_FALSE(record("host-1", "disk", State::kWarning).has_value());
  EXPECT_EQ(query({}).size(), 1u);
}

TEST_F(AlertStoreTest, OkForAKeyThatNeverAlertedIsNotStored) {
  EXPECT_FALSE(record("host-1", "disk", State::kOk).has_value());
  EXPECT_TRUE(query({}).empty());
}

TEST_F(AlertStoreTest, AnEventOlderThanTheCurrentStateIsIgnored) {
  const int64_t t0 = clock_.now_micros();
  ASSERT_TRUE(alerts_->record({"h", "disk", State::kWarning, "", t0, {}}).ok());
  auto late = alerts_->record({"h", "disk", State::kCritical, "", t0 - 5, {}});
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->has_value());
}

TEST_F(AlertStoreTest, ActiveListsTheCurrentNonOkStatePerKey) {
  record("host-1", "disk", State::kWarning);
  record("host-1", "await", State::kCritical);
  record("host-2", "disk", State::kWarning);
  record("host-1", "await", State::kOk);  // cleared
  auto active = query({.active = true});
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].source, "host-2");
  EXPECT_EQ(active[1].source, "host-1");
  EXPECT_EQ(active[1].signal, "disk");
  auto one_host = query({.active = true, .source = "host-1"});
  ASSERT_EQ(one_host.size(), 1u);
  EXPECT_EQ(query({.signal = "await"}).size(), 2u);  // history keeps the cleared alert
  auto counts = alerts_->count_by_state();
  ASSERT_TRUE(counts.ok());
  int64_t ok = 0, warning = 0;
  for (auto [s, n] : *counts) {
    if (s == State::kOk) ok = n;
    if (s == State::kWarning) warning = n;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(warning, 2);
}

TEST_F(AlertStoreTest, FiltersHistoryByTimeAndLimit) {
  record("h", "a", State::kWarning);
  clock_.advance_seconds(10);
  const int64_t t1 = clock_.now_micros();
  record("h", "b", State::kWarning);
  record("h", "c", State::kWarning);
  EXPECT_EQ(query({.since_us = t1}).size(), 2u);
  auto limited = query({.limit = 1});
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].signal, "c");
  EXPECT_FALSE(alerts_->query({.limit = 0}).ok());
  EXPECT_FALSE(alerts_->query({.limit = 1001}).ok());
}

TEST_F(AlertStoreTest, ListenersHearStoredChangesOnly) {
  std::vector<AlertRecord> heard;
  alerts_->add_listener([&](const AlertRecord& r) { heard.push_back(r); });
  record("h", "disk", State::kWarning);
  record("h", "disk", State::kWarning);
  record("h", "disk", State::kOk);
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[1].state, State::kOk);
  EXPECT_EQ(heard[1].previous_state, State::kWarning);
}

TEST_F(AlertStoreTest, RejectsEventsWithoutSourceOrSignal) {
  EXPECT_EQ(alerts_->record({"", "disk", State::kWarning, "", 0, {}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(alerts_->record({"h", "", State::kWarning, "", 0, {}}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(AlertStoreTest, SurvivesAReopen) {
  record("h", "disk", State::kCritical);
  alerts_.reset();
  store_.reset();
  auto store = Store::open({.path = dir_.file("alerts.db"), .synchronous = "NORMAL"}, clock_);
  ASSERT_TRUE(store.ok());
  store_ = std::move(store).value();
  alerts_ = std::make_unique<AlertStore>(*store_, clock_);
  EXPECT_FALSE(record("h", "disk", State::kCritical).has_value());
  EXPECT_EQ(query({.active = true}).size(), 1u);
}

}  // namespace
}  // namespace rk::scheduler
