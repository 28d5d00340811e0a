// The backup service with fake agents and a file:// store: runs complete only with every
// manifest, survive a restart, pause/abort, schedules, retention purge and verify.
#include "backup/service.h"

#include <gtest/gtest.h>

#include <openssl/sha.h>

#include <filesystem>
#include <map>

#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/core/hex.h"
#include "ringkeeper/scheduler/store.h"
#include "db/test_db.h"

namespace rk::scheduler {
namespace {

// Agents that "upload" one data object and their manifest when polled `steps` times.
class FakeAgents final : public BackupAgents {
 public:
  explicit FakeAgents(backup::ObjectStore& store) : store_(store) {}

  Result<AgentBackupJob> start_backup(const NodeInfo& node, const std::string& tag) override {
    if (down.contains(node.host_id)) return Status::Unavailable("down");
    auto& j = jobs_[{node.host_id, tag}];
    if (j.state.empty() || j.state == "ABORTED") j.state = "RUNNING";
    starts++;
    return j;
  }
  Result<AgentBackupJob> backup_job(const NodeInfo& node, const std::string& tag) override {
    if (down.contains(node.host_id)) return Status::Unavailable("down");
    auto it = jobs_.find({node.host_id, tag});
    if (it == jobs_.end()) return Status::NotFound("unknown");
    auto& j = it->second;
    if (j.state == "RUNNING") {
      if (fail.contains(node.host_id)) {
        j.state = "FAILED";
        j.error = "disk on fire";
      } else {
        // One data object per node and tag ("shared" content across tags for dedup).
        const std::string content = "data of " + node.host_id + (unique_per_tag ? tag : "");
        const std::string sha = sha_of(content);
        auto src = backup::memory_source(content);
        EXPECT_TRUE(store_.put(backup::data_key(sha), *src).ok());
        backup::NodeManifest m;
        m.tag = tag;
        m.host_id = node.host_id;
        m.created_at_us = clock != nullptr ? clock->now_micros() : 1;
        m.files = {{"data/000001.sst", content.size(), sha}};
        auto msrc = backup::memory_source(backup::manifest_to_text(m));
        EXPECT_TRUE(store_.put(backup::manifest_key(tag, node.host_id), *msrc).ok());
        j.state = "SUCCEEDED";
        j.progress.files_total = j.progress.files_done = 1;
        j.progress.bytes_total = j.progress.bytes_done = content.size();
      }
    }
    return j;
  }
  Status abort_backup(const NodeInfo& node, const std::string& tag) override {
    auto it = jobs_.find({node.host_id, tag});
    if (it != jobs_.end() && it->second.state == "RUNNING") it->second.state = "ABORTED";
    aborts++;
    return Status::OK();
  }
  void forget() { jobs_.clear(); }  // an agent restart that lost its jobs

  static std::string sha_of(const std::string& s) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
    return hex_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  }

  std::set<std::string> down, fail;
  bool unique_per_tag = true;
  Clock* clock = nullptr;  // stamps the manifests' created_at_us when set
  int starts = 0, aborts = 0;

 private:
  backup::ObjectStore& store_;
  std::map<std::pair<std::string, std::string>, AgentBackupJob> jobs_;
};

class BackupServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Real time: the file store stamps objects with the system's clock (purge grace).
    clock_.set_micros(SystemClock::instance().now_micros());
    auto store = Store::open({.path = dir_.file("s.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    registry_ = std::make_unique<Registry>(*store_, clock_);
    audit_ = std::make_unique<AuditLog>(*store_, clock_);
    options_.store.url = "file://" + dir_.file("objects");
    options_.store.file.fsync = false;
    options_.purge_grace = std::chrono::seconds(0);
    auto objects = backup::open_store(options_.store);
    ASSERT_TRUE(objects.ok());
    objects_ = std::move(objects).value();
    agents_ = std::make_unique<FakeAgents>(*objects_);
    make_service();
    for (int i = 1; i <= 3; ++i) {
      RegisterRequest r;
      r.host_id = "host-" + std::to_string(i);
      r.rack = "r" + std::to_string(i);
      r.datacenter_racks = {"r1", "r2", "r3"};
      r.ops_port = 7100 + i;
      r.internode_port = 7000 + i;
      r.client_port = 9000 + i;
      ASSERT_TRUE(registry_->register_node(r).ok());
      ASSERT_TRUE(registry_->set_state(r.host_id, NodeState::kNormal).ok());
    }
  }
  void make_service() {
    service_ = std::make_unique<BackupService>(*store_, *registry_, *audit_, *agents_, clock_,
                                               "ringkeeper", options_);
  }
  BackupRun run_to_end(const std::string& tag) {
    for (int i = 0; i < 10; ++i) {
      EXPECT_TRUE(service_->tick().ok());
      auto r = service_->run(tag);
      if (r.ok() && r->state != BackupRunState::kRunning) return *r;
    }
    return *service_->run(tag);
  }

  TempDir dir_;
  ManualClock clock_;
  BackupServiceOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<backup::ObjectStore> objects_;
  std::unique_ptr<FakeAgents> agents_;
  std::unique_ptr<BackupService> service_;
};

TEST_F(BackupServiceTest, ARunCompletesWhenEveryManifestIsThere) {
  auto run = service_->start("op", "b1");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  EXPECT_EQ(run->nodes.size(), 3u);
  BackupRun done = run_to_end("b1");
  EXPECT_EQ(done.state, BackupRunState::kComplete) << done.error;
  EXPECT_GT(done.completed_at_us, 0);
  EXPECT_TRUE(objects_->head("meta/b1/backup.json").ok());
  EXPECT_EQ(done.progress().files_total, 3u);
  auto report = service_->verify("b1");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->nodes.size(), 3u);
}

TEST_F(BackupServiceTest, BadTagsAndBusyClustersAreRefused) {
  for (const char* tag : {"a/b", "..", "latest", "inc-1", "purge"})
    EXPECT_EQ(service_->start("op", tag).status().code(), ErrorCode::kInvalidArgument) << tag;
  ASSERT_TRUE(service_->start("op", "one").ok());
  EXPECT_EQ(service_->start("op", "two").status().code(), ErrorCode::kFailedPrecondition);
  run_to_end("one");
  EXPECT_EQ(service_->start("op", "one").status().code(), ErrorCode::kAlreadyExists);
  auto generated = service_->start("op", "");
  ASSERT_TRUE(generated.ok());
  EXPECT_TRUE(generated->tag.starts_with("backup-20")) << generated->tag;
}

TEST_F(BackupServiceTest, AnUnreachableAgentDelaysARestartedSchedulerResumes) {
  agents_->down = {"host-2"};
  ASSERT_TRUE(service_->start("op", "b1").ok());
  ASSERT_TRUE(service_->tick().ok());
  auto r = service_->run("b1");
  EXPECT_EQ(r->state, BackupRunState::kRunning);
  // The scheduler restarts (a new service on the same database) and the agents lost their jobs.
  make_service();
  agents_->forget();
  agents_->down.clear();
  BackupRun done = run_to_end("b1");
  EXPECT_EQ(done.state, BackupRunState::kComplete) << done.error;
}

TEST_F(BackupServiceTest, ANodeFailureFailsTheRun) {
  agents_->fail = {"host-3"};
  ASSERT_TRUE(service_->start("op", "b1").ok());
  BackupRun done = run_to_end("b1");
  EXPECT_EQ(done.state, BackupRunState::kFailed);
  EXPECT_NE(done.error.find("disk on fire"), std::string::npos) << done.error;
  auto report = service_->verify("b1");
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());  // host-3's manifest is missing
}

TEST_F(BackupServiceTest, PauseResumeAndAbort) {
  ASSERT_TRUE(service_->start("op", "b1").ok());
  auto paused = service_->pause("op", "b1");
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(paused->state, BackupRunState::kPaused);
  ASSERT_TRUE(service_->tick().ok());
  EXPECT_EQ(service_->run("b1")->state, BackupRunState::kPaused);
  ASSERT_TRUE(service_->resume("op", "b1").ok());
  EXPECT_EQ(run_to_end("b1").state, BackupRunState::kComplete);
  ASSERT_TRUE(service_->start("op", "b2").ok());
  auto aborted = service_->abort("op", "b2");
  ASSERT_TRUE(aborted.ok());
  EXPECT_EQ(aborted->state, BackupRunState::kAborted);
  EXPECT_EQ(service_->resume("op", "b2").status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(BackupServiceTest, PurgeKeepsWhatRetentionKeepsAndItsData) {
  for (int i = 0; i < 4; ++i) {
    clock_.advance_seconds(86400);
    const std::string tag = "d" + std::to_string(i);
    ASSERT_TRUE(service_->start("op", tag).ok());
    ASSERT_EQ(run_to_end(tag).state, BackupRunState::kComplete);
  }
  clock_.advance_seconds(3600);
  auto dry = service_->purge("op", backup::RetentionPolicy{2, 0}, true);
  ASSERT_TRUE(dry.ok()) << dry.status().to_string();
  EXPECT_EQ(dry->tags, (std::vector<std::string>{"d0", "d1"}));
  EXPECT_EQ(dry->objects, 6u);  // 3 nodes x 2 tags, each with its own data object
  EXPECT_TRUE(objects_->head("meta/d0/host-1.json").ok());
  auto purged = service_->purge("op", backup::RetentionPolicy{2, 0}, false);
  ASSERT_TRUE(purged.ok());
  EXPECT_FALSE(objects_->head("meta/d0/host-1.json").ok());
  EXPECT_EQ(service_->run("d0").status().code(), ErrorCode::kNotFound);
  // What is kept still verifies: no object of it was deleted.
  EXPECT_TRUE(service_->verify("d2")->ok());
  EXPECT_TRUE(service_->verify("d3")->ok());
}

TEST_F(BackupServiceTest, SharedDataSurvivesThePurgeOfAnOlderBackup) {
  agents_->unique_per_tag = false;  // every tag names the same objects (dedup)
  for (const char* tag : {"old", "new"}) {
    clock_.advance_seconds(86400);
    ASSERT_TRUE(service_->start("op", tag).ok());
    ASSERT_EQ(run_to_end(tag).state, BackupRunState::kComplete);
  }
  auto purged = service_->purge("op", backup::RetentionPolicy{1, 0}, false);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(purged->tags, std::vector<std::string>{"old"});
  EXPECT_EQ(purged->objects, 0u);
  EXPECT_TRUE(service_->verify("new")->ok());
}

// Puts one data object and a manifest of `kind` ("incremental" or "wal") of host-1 at `at_us`;
// returns the object's key.
std::string put_log_upload(backup::ObjectStore& store, const std::string& kind, int64_t at_us) {
  const std::string content = kind + " file at " + std::to_string(at_us);
  const std::string sha = FakeAgents::sha_of(content);
  auto src = backup::memory_source(content);
  EXPECT_TRUE(store.put(backup::data_key(sha), *src).ok());
  backup::NodeManifest m;
  m.kind = kind;
  m.tag = (kind == "wal" ? "wal-" : "inc-") + std::to_string(at_us);
  m.host_id = "host-1";
  m.created_at_us = at_us;
  m.files = {{kind == "wal" ? "wal/000009.log" : "data/000009.sst", content.size(), sha}};
  auto msrc = backup::memory_source(backup::manifest_to_text(m));
  EXPECT_TRUE(store
                  .put(kind == "wal" ? backup::wal_manifest_key("host-1", at_us)
                                     : backup::manifest_key(m.tag, "host-1"),
                       *msrc)
                  .ok());
  return backup::data_key(sha);
}

TEST_F(BackupServiceTest, PurgeKeepsTheIncrementalAndWalFilesOfKeptBackupsWindows) {
  agents_->clock = &clock_;
  // d0, then uploads in d0's window, d1, uploads in d1's window, d2, uploads after d2.
  std::vector<std::pair<std::string, std::string>> window_files[3];  // (manifest kind, data key)
  for (int i = 0; i < 3; ++i) {
    clock_.advance_seconds(86400);
    const std::string tag = "d" + std::to_string(i);
    ASSERT_TRUE(service_->start("op", tag).ok());
    ASSERT_EQ(run_to_end(tag).state, BackupRunState::kComplete);
    for (const char* kind : {"incremental", "wal"}) {
      clock_.advance_seconds(600);
      window_files[i].emplace_back(kind, put_log_upload(*objects_, kind, clock_.now_micros()));
    }
  }
  clock_.advance_seconds(3600);
  // keep_last 2 keeps d1 and d2: d1's window (up to d2) and d2's (up to now) stay, d0's goes.
  auto purged = service_->purge("op", backup::RetentionPolicy{2, 0}, false);
  ASSERT_TRUE(purged.ok()) << purged.status().to_string();
  EXPECT_EQ(purged->tags, std::vector<std::string>{"d0"});
  EXPECT_EQ(purged->log_manifests, 2u);
  for (int i = 0; i < 3; ++i) {
    for (const auto& [kind, key] : window_files[i])
      EXPECT_EQ(objects_->head(key).ok(), i > 0) << "window of d" << i << ", " << kind;
  }
  std::vector<std::string> wal_left;
  ASSERT_TRUE(objects_
                  ->list("wal/",
                         [&](const backup::ObjectInfo& o) {
                           wal_left.push_back(o.key);
                           return Status::OK();
                         })
                  .ok());
  EXPECT_EQ(wal_left.size(), 2u);
  EXPECT_TRUE(service_->verify("d1")->ok());
}

TEST_F(BackupServiceTest, ADueScheduleStartsARunAndMovesOn) {
  BackupSchedule s;
  s.name = "daily";
  s.interval_seconds = 86400;
  auto added = service_->add_schedule("op", s);
  ASSERT_TRUE(added.ok()) << added.status().to_string();
  ASSERT_TRUE(service_->tick().ok());
  auto runs = service_->runs();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_TRUE((*runs)[0].tag.starts_with("daily-"));
  EXPECT_EQ((*runs)[0].schedule_id, added->id);
  auto schedules = service_->schedules();
  EXPECT_EQ((*schedules)[0].next_run_at_us, added->next_run_at_us + int64_t{86400} * 1'000'000);
  ASSERT_TRUE(service_->tick().ok());  // not due again: no second run
  EXPECT_EQ(service_->runs()->size(), 1u);
  EXPECT_TRUE(service_->remove_schedule("op", "daily").ok());
  EXPECT_EQ(service_->remove_schedule("op", "daily").code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rk::scheduler
