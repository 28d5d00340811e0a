// A backup's schema put back on a fresh scheduler: the newest manifest's schema wins, missing
// keyspaces and tables are created (audited), existing equal ones are left alone, and a conflict
// stops everything before anything is created.
#include "cluster/schema_restore.h"

#include <gtest/gtest.h>

#include "db/test_db.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

class SchemaRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::open({.path = dir_.file("s.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(store).value();
    registry_ = std::make_unique<Registry>(*store_, clock_);
    catalog_ = std::make_unique<SchemaCatalog>(*store_);
    audit_ = std::make_unique<AuditLog>(*store_, clock_);
    service_ = std::make_unique<ClusterService>(*store_, *registry_, *catalog_, *audit_, clock_,
                                                ClusterServiceOptions{});
  }

  // A node manifest carrying `schema` (as an agent writes it).
  static backup::NodeManifest manifest(const std::string& host, json schema) {
    backup::NodeManifest m;
    m.tag = "full";
    m.host_id = host;
    m.schema = std::move(schema);
    return m;
  }

  static json schema(int64_t version, json keyspaces) {
    return {{"version", version}, {"keyspaces", std::move(keyspaces)}};
  }

  static json demo(int rf, json tables) {
    return {{"name", "demo"},
            {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", rf}}},
            {"tables", std::move(tables)}};
  }

  static json table(const std::string& name, int64_t gc_grace = 864000) {
    return {{"name", name}, {"gc_grace_seconds", gc_grace}, {"default_ttl_seconds", 0}};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<SchemaCatalog> catalog_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ClusterService> service_;
};

TEST_F(SchemaRestoreTest, TheNewestManifestsSchemaIsTheBackupsSchema) {
  auto keyspaces = backup_schema(
      {manifest("a", schema(2, json::array({demo(3, json::array({table("events")}))}))),
       manifest("b", schema(3, json::array({demo(
                                   3, json::array({table("events"), table("users", 3600)}))})))});
  ASSERT_TRUE(keyspaces.ok()) << keyspaces.status().to_string();
  ASSERT_EQ(keyspaces->size(), 1u);
  ASSERT_EQ((*keyspaces)[0].tables.size(), 2u);
  EXPECT_EQ((*keyspaces)[0].tables[1].gc_grace_seconds, 3600);
  EXPECT_EQ(backup_schema({}).status().code(), ErrorCode::kNotFound);
  auto bad = backup_schema({manifest("c", schema(1, json::array({{{"name", 5}}})))});
  EXPECT_EQ(bad.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(bad.status().message().find("host c"), std::string::npos);
}

TEST_F(SchemaRestoreTest, CreatesWhatIsMissingAndIsIdempotent) {
  ASSERT_TRUE(service_->create_keyspace("op", {"demo", Replication::simple(3), {}}).ok());
  ASSERT_TRUE(service_->create_table("op", "demo", {"events", 864000, 0}).ok());
  auto keyspaces = backup_schema({manifest(
      "a",
      schema(4, json::array({demo(3, json::array({table("events"), table("users")})),
                             {{"name", "other"},
                              {"replication", {{"class", "NetworkTopologyStrategy"}, {"dc1", 2}}},
                              {"tables", json::array({table("t", 60)})}}})))});
  ASSERT_TRUE(keyspaces.ok()) << keyspaces.status().to_string();
  auto report = restore_schema(*service_, "alice", *keyspaces);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->created, (std::vector<std::string>{"demo.users", "other", "other.t"}));
  EXPECT_EQ(report->existing, (std::vector<std::string>{"demo", "demo.events"}));
  auto other = service_->keyspace("other");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->replication.factor_for("dc1"), 2);
  ASSERT_EQ(other->tables.size(), 1u);
  EXPECT_EQ(other->tables[0].gc_grace_seconds, 60);

  auto again = restore_schema(*service_, "alice", *keyspaces);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->created.empty());
  EXPECT_EQ(again->existing.size(), 5u);
  auto audit = service_->audit({.actor = "alice"});
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->entries.size(), 3u);  // the keyspace and the two tables created
}

TEST_F(SchemaRestoreTest, AConflictCreatesNothing) {
  ASSERT_TRUE(service_->create_keyspace("op", {"demo", Replication::simple(1), {}}).ok());
  auto keyspaces = backup_schema({manifest(
      "a", schema(1, json::array({{{"name", "aaa"},
                                   {"replication",
                                    {{"class", "SimpleStrategy"}, {"replication_factor", 1}}},
                                   {"tables", json::array()}},
                                  demo(3, json::array({table("events")}))})))});
  ASSERT_TRUE(keyspaces.ok());
  auto report = restore_schema(*service_, "alice", *keyspaces);
  EXPECT_EQ(report.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("keyspace demo"), std::string::npos);
  EXPECT_EQ(service_->keyspace("aaa").status().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(service_->create_table("op", "demo", {"events", 100, 0}).ok());
  keyspaces = backup_schema(
      {manifest("a", schema(1, json::array({demo(1, json::array({table("events")}))})))});
  ASSERT_TRUE(keyspaces.ok());
  report = restore_schema(*service_, "alice", *keyspaces);
  EXPECT_EQ(report.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find("demo.events"), std::string::npos);
}

// A table keeps the mode the backup recorded (an immediate one on RF 3 was forced once, so it is
// restored as it was); a backup from before the mode holds tables that had the timeout rule.
TEST_F(SchemaRestoreTest, TablesComeBackWithTheirTombstoneGcMode) {
  json fast = table("fast");
  fast["tombstone_gc"] = "immediate";
  json kept = table("kept");
  kept["tombstone_gc"] = "repair";
  auto keyspaces = backup_schema(
      {manifest("a", schema(1, json::array({demo(3, json::array({table("old"), fast, kept}))})))});
  ASSERT_TRUE(keyspaces.ok()) << keyspaces.status().to_string();
  ASSERT_TRUE(restore_schema(*service_, "op", *keyspaces).ok());
  auto ks = catalog_->keyspace("demo");
  ASSERT_TRUE(ks.ok());
  ASSERT_EQ(ks->tables.size(), 3u);
  EXPECT_EQ(ks->tables[0].name, "fast");
  EXPECT_EQ(ks->tables[0].tombstone_gc, TombstoneGc::kImmediate);
  EXPECT_EQ(ks->tables[1].tombstone_gc, TombstoneGc::kRepair);
  EXPECT_EQ(ks->tables[2].tombstone_gc, TombstoneGc::kTimeout);
  json bad = table("bad");
  bad["tombstone_gc"] = "sometimes";
  EXPECT_EQ(backup_schema({manifest("b", schema(1, json::array({demo(3, json::array({bad}))})))})
                .status()
                .code(),
            ErrorCode::kCorruption);
}

}  // namespace
}  // namespace rk::scheduler
