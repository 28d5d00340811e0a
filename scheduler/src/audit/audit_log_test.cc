// The audit log: entries carry the clock's time, filter by time, actor and action, page newest
// first without gaps or repeats, refuse incomplete entries and bad limits, and survive reopening.
#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include "audit/request_audit.h"
#include "db/test_db.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::open({.path = dir_.file("audit.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(store).value();
    log_ = std::make_unique<AuditLog>(*store_, clock_);
  }

  std::vector<std::string> targets(const AuditQuery& q) {
    auto page = log_->query(q);
    EXPECT_TRUE(page.ok()) << page.status().to_string();
    std::vector<std::string> out;
    if (page.ok()) {
      for (const auto& e : page->entries) out.push_back(e.target);
    }
    return out;
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditLog> log_;
};

using Targets = std::vector<std::string>;

TEST_F(AuditLogTest, EveryRefusedCallOnAThreadGetsItsOwnEntry) {
  // Two refusals no service recorded, then one a service did, all on this thread, as a handler
  // thread serves one request after the other.
  audit_request(*log_, {.method = "POST",
                        .route = "/api/v1/backups",
                        .path = "/api/v1/backups",
                        .status = 401,
                        .detail = "no token"});
  audit_request(*log_, {.method = "POST",
                        .route = "/api/v1/backups",
                        .path = "/api/v1/backups",
                        .principal = "grafana",
                        .status = 403,
                        .detail = "readonly"});
  ASSERT_TRUE(log_->append("alice", "backup.start", "b1", Status::FailedPrecondition("busy")).ok());
  audit_request(*log_, {.method = "POST",
                        .route = "/api/v1/backups",
                        .path = "/api/v1/backups",
                        .principal = "alice",
                        .status = 409,
                        .detail = "busy"});
  auto page = log_->query({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_EQ(page->entries[0].actor, "alice");
  EXPECT_EQ(page->entries[0].target, "b1");
  EXPECT_EQ(page->entries[0].detail, "HTTP 409 POST /api/v1/backups: busy");
  EXPECT_EQ(page->entries[1].actor, "grafana");
  EXPECT_EQ(page->entries[1].detail, "HTTP 403 POST /api/v1/backups: readonly");
  EXPECT_EQ(page->entries[2].actor, "anonymous");
  EXPECT_EQ(page->entries[2].detail, "HTTP 401 POST /api/v1/backups: no token");
}

TEST_F(AuditLogTest, RecordsOutcomesWithTheClocksTime) {
  auto ok = log_->append("ops", "node.register", "host-1", Status::OK());
  ASSERT_TRUE(ok.ok());
  clock_.advance_seconds(1);
  ASSERT_TRUE(
      log_->append("agent", "node.register", "host-2", Status::InvalidArgument("bad port")).ok());
  auto page = log_->query({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 2u);
  const AuditEntry& newest = page->entries[0];
  EXPECT_EQ(newest.target, "host-2");
  EXPECT_EQ(newest.actor, "agent");
  EXPECT_EQ(newest.result, "invalid_argument");
  EXPECT_EQ(newest.detail, "bad port");
  EXPECT_EQ(newest.at_us, clock_.now_micros());
  EXPECT_EQ(page->entries[1].result, "ok");
  EXPECT_EQ(page->entries[1].id, *ok);
  EXPECT_FALSE(page->next_before_id.has_value());
}

TEST_F(AuditLogTest, FiltersByTimeActorAndAction) {
  const int64_t t0 = clock_.now_micros();
  ASSERT_TRUE(log_->append("ops", "repair.start", "a", Status::OK()).ok());
  clock_.advance_seconds(10);
  ASSERT_TRUE(log_->append("agent", "node.register", "b", Status::OK()).ok());
  clock_.advance_seconds(10);
  ASSERT_TRUE(log_->append("ops", "node.register", "c", Status::OK()).ok());
  EXPECT_EQ(targets({.actor = "ops"}), (Targets{"c", "a"}));
  EXPECT_EQ(targets({.action = "node.register"}), (Targets{"c", "b"}));
  EXPECT_EQ(targets({.actor = "ops", .action = "node.register"}), (Targets{"c"}));
  EXPECT_EQ(targets({.since_us = t0 + 5'000'000}), (Targets{"c", "b"}));
  EXPECT_EQ(targets({.until_us = t0 + 10'000'000}), (Targets{"a"}));
  EXPECT_EQ(targets({.since_us = t0 + 10'000'000, .until_us = t0 + 20'000'000}), (Targets{"b"}));
  EXPECT_TRUE(targets({.actor = "nobody"}).empty());
}

TEST_F(AuditLogTest, PagesNewestFirstWithoutGapsOrRepeats) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(log_->append("ops", "x", std::to_string(i), Status::OK()).ok());
  }
  std::vector<std::string> seen;
  AuditQuery q{.limit = 3};
  int pages = 0;
  while (true) {
    auto page = log_->query(q);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const auto& e : page->entries) seen.push_back(e.target);
    if (!page->next_before_id) break;
    q.before_id = page->next_before_id;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (Targets{"6", "5", "4", "3", "2", "1", "0"}));
}

TEST_F(AuditLogTest, RejectsIncompleteEntriesAndBadLimits) {
  EXPECT_EQ(log_->append(AuditEntry{.action = "", .result = "ok"}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(log_->append(AuditEntry{.action = "x", .result = ""}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(log_->query({.limit = 0}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(log_->query({.limit = 1001}).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(AuditLogTest, EntriesSurviveReopening) {
  ASSERT_TRUE(log_->append("ops", "node.register", "h", Status::OK()).ok());
  log_.reset();
  store_.reset();
  auto store = Store::open({.path = dir_.file("audit.db"), .synchronous = "NORMAL"}, clock_);
  ASSERT_TRUE(store.ok());
  AuditLog reopened(**store, clock_);
  auto page = reopened.query({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].target, "h");
}

}  // namespace
}  // namespace rk::scheduler
