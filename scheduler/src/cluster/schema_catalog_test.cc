// The cluster schema's tombstone_gc: tables that existed before the mode keep timeout across the
// upgrade, new tables default to repair, and an ALTER changes the mode or nothing at all.
#include "cluster/schema_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "db/migrations.h"
#include "db/sqlite.h"
#include "db/test_db.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

TEST(SchemaCatalogTombstoneGc, TablesFromBeforeTheModeKeepTimeoutNewTablesGetRepair) {
  TempDir dir;
  ManualClock clock;
  {
    // What an rk-scheduler from before the mode left behind: one table.
    auto db = Database::open(dir.file("s.db"));
    ASSERT_TRUE(db.ok());
    auto all = builtin_migrations();
    auto mode = std::find_if(all.begin(), all.end(),
                             [](const Migration& m) { return m.name.ends_with("_tombstone_gc"); });
    ASSERT_NE(mode, all.end());
    ASSERT_TRUE(apply_migrations(**db, all.first(mode - all.begin()), 1).ok());
    ASSERT_TRUE((*db)
                    ->exec("INSERT INTO keyspaces VALUES ('ks', "
                           "'{\"class\":\"SimpleStrategy\",\"replication_factor\":3}', 1);"
                           "INSERT INTO keyspace_tables (keyspace, name, gc_grace_seconds, "
                           "default_ttl_seconds, created_at_us) VALUES ('ks', 'old', 10, 0, 1)")
                    .ok());
  }
  auto store = Store::open({.path = dir.file("s.db")}, clock);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  SchemaCatalog catalog(**store);
  auto created = catalog.create_table("ks", TableDef{"new"});
  ASSERT_TRUE(created.ok()) << created.status().to_string();
  ASSERT_EQ(created->tables.size(), 2u);
  EXPECT_EQ(created->tables[0].name, "new");
  EXPECT_EQ(created->tables[0].tombstone_gc, TombstoneGc::kRepair);
  EXPECT_EQ(created->tables[1].name, "old");
  EXPECT_EQ(created->tables[1].tombstone_gc, TombstoneGc::kTimeout);
}

TEST(SchemaCatalogTombstoneGc, RefusedAltersChangeNothing) {
  TempDir dir;
  ManualClock clock;
  auto store = Store::open({.path = dir.file("s.db")}, clock);
  ASSERT_TRUE(store.ok());
  SchemaCatalog catalog(**store);
  ASSERT_TRUE(catalog.create_keyspace({"ks", Replication::simple(2), {}}).ok());
  ASSERT_TRUE(catalog.create_table("ks", TableDef{"t"}).ok());
  const int64_t version = catalog.schema()->version;
  EXPECT_EQ(
      catalog.alter_table("ks", "t", {.tombstone_gc = TombstoneGc::kImmediate}).status().code(),
      ErrorCode::kFailedPrecondition);
  EXPECT_EQ(catalog.alter_table("ks", "t", {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      catalog.alter_table("ks", "nope", {.tombstone_gc = TombstoneGc::kTimeout}).status().code(),
      ErrorCode::kNotFound);
  EXPECT_EQ(catalog.schema()->version, version);
  EXPECT_EQ(catalog.keyspace("ks")->tables[0].tombstone_gc, TombstoneGc::kRepair);
  auto forced =
      catalog.alter_table("ks", "t", {.tombstone_gc = TombstoneGc::kImmediate, .force = true});
  ASSERT_TRUE(forced.ok()) << forced.status().to_string();
  EXPECT_EQ(forced->tables[0].tombstone_gc, TombstoneGc::kImmediate);
  EXPECT_EQ(catalog.schema()->version, version + 1);
}

}  // namespace
}  // namespace rk::scheduler
