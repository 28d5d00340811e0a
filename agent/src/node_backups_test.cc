// The agent's backup jobs against a file:// store: upload, deduplication, resume, restore (staged
// and swapped), and the bad inputs a restore must refuse.
#include "node_backups.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "atomic_file.h"
#include "backup_restore.h"
#include "ringkeeper/backup/store_factory.h"

namespace rk::agent {
namespace {

namespace fs = std::filesystem;

class NodeBackupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            (std::string("rk-node-backups-") + info->name() + "-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "agent");
    settings_.store.url = "file://" + (root_ / "store").string();
    settings_.store.file.fsync = false;
    open_node();
  }
  void TearDown() override {
    backups_.reset();
    node_.reset();
    fs::remove_all(root_);
  }

  std::string data_dir() const { return (root_ / "agent").string(); }

  void open_node() {
    storage::Options o;
    o.data_dir = data_dir() + "/storage";
    auto n = storage::Node::open(o);
    ASSERT_TRUE(n.ok()) << n.status().to_string();
    node_ = std::move(*n);
    if (!node_->keyspace("ks").ok()) {
      ASSERT_TRUE(node_->create_keyspace({"ks", {}}).ok());
      storage::TableSchema t;
      t.keyspace = "ks";
      t.name = "t";
      ASSERT_TRUE(node_->create_table(t).ok());
    }
  }

  void start_backups() {
    NodeBackups::Deps deps;
    deps.node = node_.get();
    deps.data_dir = data_dir();
    deps.identity = [] {
      NodeIdentity id;
      id.cluster = "ringkeeper";
      id.host_id = "host-a";
      id.datacenter = "dc1";
      id.rack = "r1";
      id.tokens = {100};
      return id;
    };
    deps.request_restart = [this] { restart_requested_ = true; };
    auto b = NodeBackups::start(settings_, deps);
    ASSERT_TRUE(b.ok()) << b.status().to_string();
    backups_ = std::move(*b);
  }

  void write_rows(int from, int to) {
    for (int i = from; i < to; ++i) {
      storage::Mutation m("ks", "t", "p" + std::to_string(i));
      m.set("c", "v", std::string(200, static_cast<char>('a' + i % 26)), 1000 + i);
      ASSERT_TRUE(node_->apply(m).ok());
    }
    ASSERT_TRUE(node_->flush().ok());
  }

  BackupJob wait_backup(const std::string& tag) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = backups_->backup_job(tag);
      if (job.ok() && job->state != JobState::kRunning) return *job;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "backup " << tag << " did not finish";
    return {};
  }

  RestoreJob wait_restore() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = backups_->restore_job();
      if (job && job->state != JobState::kRunning) return *job;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "restore did not finish";
    return {};
  }

  std::unique_ptr<backup::ObjectStore> open_store() {
    auto s = backup::open_store(settings_.store);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }

  fs::path root_;
  BackupSettings settings_;
  std::unique_ptr<storage::Node> node_;
  std::unique_ptr<NodeBackups> backups_;
  std::atomic<bool> restart_requested_{false};
};

TEST_F(NodeBackupsTest, UploadsFilesThenTheManifest) {
  write_rows(0, 50);
  start_backups();
  auto started = backups_->start_backup("b1");
  ASSERT_TRUE(started.ok()) << started.status().to_string();
  EXPECT_TRUE(started->second);
  BackupJob job = wait_backup("b1");
  ASSERT_EQ(job.state, JobState::kSucceeded) << job.error;
  EXPECT_GT(job.progress.files_total, 0u);
  EXPECT_EQ(job.progress.files_done, job.progress.files_total);
  auto report = backups_->verify("b1", "");
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->files_checked, job.progress.files_total);
  // The same tag again is the same job; the local snapshot is gone once uploaded.
  auto again = backups_->start_backup("b1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->second);
  EXPECT_TRUE(node_->list_snapshots()->empty());
}

TEST_F(NodeBackupsTest, ASecondBackupSendsOnlyWhatIsNew) {
  write_rows(0, 400);
  start_backups();
  ASSERT_TRUE(backups_->start_backup("day1").ok());
  BackupJob first = wait_backup("day1");
  ASSERT_EQ(first.state, JobState::kSucceeded) << first.error;
  write_rows(400, 404);  // 1% new rows
  ASSERT_TRUE(backups_->start_backup("day2").ok());
  BackupJob second = wait_backup("day2");
  ASSERT_EQ(second.state, JobState::kSucceeded) << second.error;
  // The new SST is small; metadata files (MANIFEST, OPTIONS, schema) change every time.
  EXPECT_LE(second.progress.bytes_sent, first.progress.bytes_sent * 2 / 100 + 16384)
      << "first " << first.progress.bytes_sent << " second " << second.progress.bytes_sent;
  EXPECT_GT(second.progress.files_skipped, 0u);
}

TEST_F(NodeBackupsTest, AResumedUploadSendsNoFinishedFileAgain) {
  write_rows(0, 100);
  auto snapshot = node_->snapshot("resume");
  ASSERT_TRUE(snapshot.ok());
  // A journal that says every file but the last is in the store (as after a kill -9): those are
  // neither looked up nor sent again.
  fs::create_directories(data_dir() + "/backup/jobs");
  {
    std::ofstream j(data_dir() + "/backup/jobs/resume.journal");
    for (size_t i = 0; i + 1 < snapshot->files.size(); ++i)
      j << snapshot->files[i].sha256 << " " << snapshot->files[i].path << "\n";
    j << "torn-line-without-newline";
  }
  BackupJob running;
  running.tag = "resume";
  running.started_at_us = 1;
  ASSERT_TRUE(write_file_atomically(data_dir() + "/backup/jobs/resume.json",
                                    backup_job_to_json(running).dump())
                  .ok());
  start_backups();  // resumes the RUNNING job on its own
  BackupJob job = wait_backup("resume");
  ASSERT_EQ(job.state, JobState::kSucceeded) << job.error;
  EXPECT_EQ(job.progress.files_skipped, snapshot->files.size() - 1);
  EXPECT_EQ(job.progress.bytes_sent, snapshot->files.back().size);
}

TEST_F(NodeBackupsTest, RestoreStagesChecksAndSwapsAtTheNextStart) {
  write_rows(0, 30);
  start_backups();
  ASSERT_TRUE(backups_->start_backup("full").ok());
  ASSERT_EQ(wait_backup("full").state, JobState::kSucceeded);
  // Live data is not overwritten unless asked.
  auto refused = backups_->start_restore("latest", "", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  write_rows(30, 60);  // data the backup does not have
  ASSERT_TRUE(backups_->start_restore("latest", "", true).ok());
  RestoreJob job = wait_restore();
  ASSERT_EQ(job.state, JobState::kSucceeded) << job.error;
  EXPECT_EQ(job.tag, "full");
  EXPECT_TRUE(restart_requested_);
  // The node still serves its old data until the restart.
  EXPECT_TRUE(node_->read_row("ks", "t", "p45", "c")->has_value());
  backups_.reset();
  node_.reset();
  auto applied = apply_pending_restore(data_dir());
  ASSERT_TRUE(applied.ok()) << applied.status().to_string();
  ASSERT_TRUE(applied->has_value());
  EXPECT_EQ((*applied)->tokens, std::vector<Token>{100});
  EXPECT_EQ(*read_small_file(data_dir() + "/host_id"), "host-a\n");
  open_node();
  EXPECT_TRUE(node_->read_row("ks", "t", "p10", "c")->has_value());
  EXPECT_FALSE(node_->read_row("ks", "t", "p45", "c")->has_value());
  // Applying again is a no-op.
  EXPECT_FALSE(apply_pending_restore(data_dir())->has_value());
}

TEST_F(NodeBackupsTest, TamperedOrTruncatedObjectsRestoreNothing) {
  write_rows(0, 30);
  start_backups();
  ASSERT_TRUE(backups_->start_backup("t1").ok());
  ASSERT_EQ(wait_backup("t1").state, JobState::kSucceeded);
  auto store = open_store();
  auto manifest = fetch_manifest(*store, "t1", "host-a");
  ASSERT_TRUE(manifest.ok());
  const backup::ManifestFile* sst = nullptr;
  for (const auto& f : manifest->files)
    if (f.path.ends_with(".sst")) sst = &f;
  ASSERT_NE(sst, nullptr);
  const std::string object = (root_ / "store" / backup::data_key(sst->sha256)).string();
  std::string original = *read_small_file(object);

  // Tampered: one byte flipped, sizes equal.
  std::string tampered = original;
  tampered[tampered.size() / 2] ^= 0x55;
  { std::ofstream(object, std::ios::binary | std::ios::trunc) << tampered; }
  const std::string staging = staging_dir(data_dir());
  Status s = stage_restore(*store, *manifest, staging, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kCorruption) << s.to_string();
  EXPECT_FALSE(fs::exists(staging));

  // Truncated.
  { std::ofstream(object, std::ios::binary | std::ios::trunc) << original.substr(0, 100); }
  s = stage_restore(*store, *manifest, staging, {});
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(fs::exists(staging));
  auto report = backups_->verify("t1", "");
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].path, sst->path);
}

TEST_F(NodeBackupsTest, BadTagsAndEscapingManifestsAreRefused) {
  start_backups();
  auto store = open_store();
  for (const char* tag : {"a/b", "..", "../x", ""}) {
    EXPECT_EQ(backups_->start_backup(tag).status().code(), ErrorCode::kInvalidArgument) << tag;
    EXPECT_EQ(fetch_manifest(*store, tag, "host-a").status().code(), ErrorCode::kInvalidArgument)
        << tag;
  }
  // A manifest naming a file outside the restore directory.
  backup::NodeManifest evil;
  evil.tag = "evil";
  evil.host_id = "host-a";
  evil.files = {{"data/000001.sst", 3, std::string(64, 'a')}};
  auto j = backup::manifest_to_json(evil);
  j["files"][0]["path"] = "../../outside";
  auto src = backup::memory_source(j.dump());
  ASSERT_TRUE(store->put(backup::manifest_key("evil", "host-a"), *src).ok());
  auto m = fetch_manifest(*store, "evil", "host-a");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(m.status().message().find("leave the restore directory"), std::string::npos)
      << m.status().message();
  ASSERT_TRUE(backups_->start_restore("evil", "", true).ok());
  RestoreJob job = wait_restore();
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_FALSE(restart_requested_);
  EXPECT_FALSE(fs::exists(root_ / "outside"));
}

TEST_F(NodeBackupsTest, IncrementalUploadShipsNewFilesAndDropsTheirLinks) {
  node_.reset();
  storage::Options o;
  o.data_dir = data_dir() + "/storage";
  o.incremental_backups = true;
  auto reopened = storage::Node::open(o);
  ASSERT_TRUE(reopened.ok());
  node_ = std::move(reopened).value();
  write_rows(0, 20);
  start_backups();
  ASSERT_TRUE(backups_->upload_incremental_now().ok());
  IncrementalStatus inc = backups_->incremental();
  EXPECT_GE(inc.files_uploaded, 1u);
  EXPECT_TRUE(fs::is_empty(data_dir() + "/storage/backups"));
}

TEST_F(NodeBackupsTest, ArchivedWalFilesAreUploadedThenRemovedWithAManifestPerHost) {
  settings_.archive_wal = true;
  settings_.wal_close_interval = std::chrono::milliseconds(0);
  settings_.incremental_interval = std::chrono::hours(1);  // passes run by hand below
  const fs::path archive = fs::path(data_dir()) / "storage" / "wal_archive";
  fs::create_directories(archive);
  { std::ofstream(archive / "000012.log", std::ios::binary) << std::string(3000, 'w'); }
  { std::ofstream(archive / "000009.log", std::ios::binary) << std::string(1000, 'v'); }
  start_backups();
  ASSERT_TRUE(backups_->upload_wal_now().ok());
  EXPECT_TRUE(fs::is_empty(archive));
  IncrementalStatus wal = backups_->wal();
  EXPECT_TRUE(wal.enabled);
  EXPECT_EQ(wal.files_uploaded, 2u);
  EXPECT_EQ(wal.bytes_uploaded, 4000u);
  auto store = open_store();
  std::vector<std::string> keys;
  ASSERT_TRUE(store
                  ->list(backup::wal_prefix("host-a"),
                         [&](const backup::ObjectInfo& o) {
                           keys.push_back(o.key);
                           return Status::OK();
                         })
                  .ok());
  ASSERT_EQ(keys.size(), 1u);
  ASSERT_TRUE(backup::parse_wal_manifest_key(keys[0]).ok()) << keys[0];
  backup::StringSink sink;
  ASSERT_TRUE(store->get(keys[0], sink).ok());
  auto m = backup::manifest_from_text(sink.data);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->kind, "wal");
  EXPECT_EQ(m->host_id, "host-a");
  ASSERT_EQ(m->files.size(), 2u);
  EXPECT_EQ(m->files[0].path, "wal/000009.log");  // file-number order
  EXPECT_EQ(m->files[1].path, "wal/000012.log");
  EXPECT_TRUE(store->head(backup::data_key(m->files[1].sha256)).ok());
  // Nothing new: no empty manifest.
  ASSERT_TRUE(backups_->upload_wal_now().ok());
  keys.clear();
  ASSERT_TRUE(store
                  ->list("wal/",
                         [&](const backup::ObjectInfo& o) {
                           keys.push_back(o.key);
                           return Status::OK();
                         })
                  .ok());
  EXPECT_EQ(keys.size(), 1u);
}

}  // namespace
}  // namespace rk::agent
