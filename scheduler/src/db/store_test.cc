// The scheduler's SQLite store: migrations applied once and in order, WAL and foreign keys on,
// newer databases refused, writes rolled back on failure, relaxed durability, and the sqlite
// wrapper's binding, error mapping and lock waits.
#include "ringkeeper/scheduler/store.h"

#include <gtest/gtest.h>

#include <chrono>

#include "db/migrations.h"
#include "db/sqlite.h"
#include "db/test_db.h"

namespace rk::scheduler {
namespace {

Result<std::unique_ptr<Store>> open_store(const std::string& path, Clock& clock) {
  return Store::open({.path = path}, clock);
}

int count_rows(Store& store, const std::string& table) {
  int n = -1;
  Status s = store.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare("SELECT COUNT(*) FROM " + table));
    RK_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (row) n = static_cast<int>(stmt.column_int64(0));
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.to_string();
  return n;
}

TEST(Store, FreshDatabaseGetsEveryMigration) {
  TempDir dir;
  ManualClock clock;
  auto store = open_store(dir.file("s.db"), clock);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ((*store)->schema_version(), Store::latest_schema_version());
  EXPECT_GE(Store::latest_schema_version(), 2);
  EXPECT_EQ(count_rows(**store, "schema_migrations"), Store::latest_schema_version());
  EXPECT_EQ(count_rows(**store, "nodes"), 0);
  EXPECT_EQ(count_rows(**store, "audit_log"), 0);
}

TEST(Store, ReopeningAppliesNothingTwice) {
  TempDir dir;
  ManualClock clock;
  ASSERT_TRUE(open_store(dir.file("s.db"), clock).ok());
  auto again = open_store(dir.file("s.db"), clock);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(count_rows(**again, "schema_migrations"), Store::latest_schema_version());
}

TEST(Store, OpensInWalModeWithForeignKeysOn) {
  TempDir dir;
  ManualClock clock;
  auto store = open_store(dir.file("s.db"), clock);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)
                  ->read([](Database& db) -> Status {
                    RK_ASSIGN_OR_RETURN(Statement mode, db.prepare("PRAGMA journal_mode"));
                    RK_ASSIGN_OR_RETURN(bool row, mode.step());
                    EXPECT_TRUE(row);
                    EXPECT_EQ(mode.column_text(0), "wal");
                    RK_ASSIGN_OR_RETURN(Statement fk, db.prepare("PRAGMA foreign_keys"));
                    RK_ASSIGN_OR_RETURN(row, fk.step());
                    EXPECT_EQ(fk.column_int64(0), 1);
                    return Status::OK();
                  })
                  .ok());
}

TEST(Store, UpgradesADatabaseFromAnOlderSchedulerKeepingItsData) {
  TempDir dir;
  ManualClock clock;
  {
    // What an rk-scheduler that knew only migration 0001 left behind.
    auto db = Database::open(dir.file("s.db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(apply_migrations(**db, builtin_migrations().first(1), 1).ok());
    ASSERT_TRUE((*db)->exec("INSERT INTO clusters (name, created_at_us) VALUES ('old', 1)").ok());
  }
  auto store = open_store(dir.file("s.db"), clock);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ((*store)->schema_version(), Store::latest_schema_version());
  EXPECT_EQ(count_rows(**store, "clusters"), 1);
  EXPECT_EQ(count_rows(**store, "audit_log"), 0);  // from 0002, added by the upgrade
  EXPECT_EQ(count_rows(**store, "schema_migrations"), Store::latest_schema_version());
}

TEST(Store, TheProofsRecordOfTablesThatExistedBeforeItBeginsAtTheUpgrade) {
  TempDir dir;
  ManualClock clock;
  {
    // A scheduler that knew migrations up to 0012, with a table and its last repair of a range.
    auto db = Database::open(dir.file("s.db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(apply_migrations(**db, builtin_migrations().first(12), 1).ok());
    ASSERT_TRUE((*db)->exec(R"sql(
      INSERT INTO keyspaces (name, replication, created_at_us) VALUES ('ks', '{}', 5);
      INSERT INTO keyspace_tables (keyspace, name, gc_grace_seconds, default_ttl_seconds,
        created_at_us, tombstone_gc) VALUES ('ks', 't', 864000, 0, 5, 'timeout');
      INSERT INTO repair_history (keyspace, table_name, range_start, range_end, repaired_at_us,
        kind) VALUES ('ks', 't', '0', '100', 42, 'full');)sql")
                    .ok());
  }
  const int64_t before_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            1'000'000;
  auto store = open_store(dir.file("s.db"), clock);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  Status s = (*store)->read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement mode, db.prepare(
        "SELECT since_us, tombstone_gc FROM table_tombstone_gc_history WHERE table_name = 't'"));
    RK_ASSIGN_OR_RETURN(bool row, mode.step());
    EXPECT_TRUE(row);
    EXPECT_GE(mode.column_int64(0), before_us);  // the upgrade, not the table's creation
    EXPECT_EQ(mode.column_text(1), "timeout");
    RK_ASSIGN_OR_RETURN(Statement cover, db.prepare(
        "SELECT range_start, range_end, started_at_us, finished_at_us FROM repair_coverage"));
    RK_ASSIGN_OR_RETURN(row, cover.step());
    EXPECT_TRUE(row);
    EXPECT_EQ(cover.column_text(0), "0");
    EXPECT_EQ(cover.column_text(1), "100");
    EXPECT_EQ(cover.column_int64(2), 42);
    EXPECT_GE(cover.column_int64(3), before_us);  // counted as finishing at the upgrade
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.to_string();
}

TEST(Store, RefusesADatabaseFromANewerScheduler) {
  TempDir dir;
  ManualClock clock;
  {
    auto db = Database::open(dir.file("s.db"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("CREATE TABLE future (x); PRAGMA user_version = 999").ok());
  }
  auto store = open_store(dir.file("s.db"), clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 999"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("newer rk-scheduler"), std::string::npos);
  // Nothing was changed.
  auto db = Database::open(dir.file("s.db"));
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*schema_version(**db), 999);
}

TEST(Migrations, AFailingMigrationLeavesTheDatabaseUntouched) {
  TempDir dir;
  auto db = Database::open(dir.file("m.db"));
  ASSERT_TRUE(db.ok());
  const Migration first[] = {{1, "0001_a", "CREATE TABLE a (x INTEGER);"}};
  ASSERT_TRUE(apply_migrations(**db, first, 1).ok());
  const Migration broken[] = {{1, "0001_a", "CREATE TABLE a (x INTEGER);"},
                              {2, "0002_b", "CREATE TABLE b (y INTEGER);"},
                              {3, "0003_c", "CREATE TABLE oops ("}};
  Status s = apply_migrations(**db, broken, 2);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("0003_c"), std::string::npos) << s.message();
  EXPECT_EQ(*schema_version(**db), 1);
  EXPECT_FALSE((*db)->prepare("SELECT * FROM b").ok());  // 0002 was rolled back with 0003
  EXPECT_FALSE((*db)->in_transaction());
}

TEST(Migrations, RejectsGapsInNumbering) {
  TempDir dir;
  auto db = Database::open(dir.file("m.db"));
  ASSERT_TRUE(db.ok());
  const Migration gap[] = {{1, "0001_a", "SELECT 1;"}, {3, "0003_c", "SELECT 1;"}};
  EXPECT_EQ(apply_migrations(**db, gap, 1).code(), ErrorCode::kInvalidArgument);
}

TEST(Store, WriteRollsBackWhenTheWorkFails) {
  TempDir dir;
  ManualClock clock;
  auto store = open_store(dir.file("s.db"), clock);
  ASSERT_TRUE(store.ok());
  Status s = (*store)->write([](Database& db) -> Status {
    RK_RETURN_IF_ERROR(db.exec("INSERT INTO clusters (name, created_at_us) VALUES ('c', 1)"));
    return Status::Internal("changed my mind");
  });
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_EQ(count_rows(**store, "clusters"), 0);
  ASSERT_TRUE((*store)
                  ->write([](Database& db) {
                    return db.exec("INSERT INTO clusters (name, created_at_us) VALUES ('c', 1)");
                  })
                  .ok());
  EXPECT_EQ(count_rows(**store, "clusters"), 1);
}

TEST(Store, RelaxedWritesRestoreTheConfiguredSynchronousMode) {
  TempDir dir;
  ManualClock clock;
  auto store = open_store(dir.file("s.db"), clock);
  ASSERT_TRUE(store.ok());
  auto synchronous = [&](Database& db) {
    auto stmt = db.prepare("PRAGMA synchronous");
    EXPECT_TRUE(stmt.ok());
    EXPECT_TRUE(*stmt->step());
    return stmt->column_int64(0);  // 1 NORMAL, 2 FULL
  };
  ASSERT_TRUE((*store)
                  ->write(
                      [&](Database& db) {
                        EXPECT_EQ(synchronous(db), 1);
                        return db.exec(
                            "INSERT INTO clusters (name, created_at_us) VALUES ('c', 1)");
                      },
                      WriteDurability::kRelaxed)
                  .ok());
  ASSERT_TRUE((*store)
                  ->write([&](Database& db) {
                    EXPECT_EQ(synchronous(db), 2);
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(count_rows(**store, "clusters"), 1);
}

TEST(Sqlite, StatementsBindAndReadEveryType) {
  TempDir dir;
  auto db = Database::open(dir.file("t.db"));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n TEXT)").ok());
  auto insert = (*db)->prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(insert.ok());
  std::optional<std::string> none;
  ASSERT_TRUE(
      insert->bind_all(int64_t{-9223372036854775807LL - 1}, 2.5, std::string("a\0b", 3), none)
          .run()
          .ok());
  auto select = (*db)->prepare("SELECT i, d, s, n FROM t");
  ASSERT_TRUE(select.ok());
  auto row = select->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->column_int64(0), INT64_MIN);
  EXPECT_DOUBLE_EQ(select->column_double(1), 2.5);
  EXPECT_EQ(select->column_text(2), std::string("a\0b", 3));
  EXPECT_EQ(select->column_optional_text(3), std::nullopt);
  EXPECT_FALSE(*select->step());
}

TEST(Sqlite, ConstraintViolationsMapToStatusCodes) {
  TempDir dir;
  auto db = Database::open(dir.file("t.db"));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)").ok());
  ASSERT_TRUE((*db)->exec("INSERT INTO t VALUES (1, 'x')").ok());
  EXPECT_EQ((*db)->exec("INSERT INTO t VALUES (1, 'y')").code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ((*db)->exec("INSERT INTO t VALUES (2, NULL)").code(), ErrorCode::kFailedPrecondition);
  EXPECT_FALSE((*db)->prepare("SELEC nonsense").ok());
}

TEST(Sqlite, SecondWriterWaitsThenGivesUpWithUnavailable) {
  TempDir dir;
  auto a = Database::open(dir.file("t.db"), {.busy_timeout = std::chrono::milliseconds(50)});
  auto b = Database::open(dir.file("t.db"), {.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(a.ok() && b.ok());
  auto held = Transaction::begin_immediate(**a);
  ASSERT_TRUE(held.ok());
  auto blocked = Transaction::begin_immediate(**b);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace rk::scheduler
