// The agent's backup jobs against a file:// store: upload, deduplication, resume, restore (staged
// and swapped), and the bad inputs a restore must refuse.
#include "backup/node_backups.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "atomic_file.h"
#include "backup/restore.h"
#include "backup/restore_plan.h"
#include "backup/restore_replay.h"
#include "ringkeeper/backup/store_factory.h"

namespace rk::agent {
namespace {

namespace fs = std::filesystem;

#define ASSERT_OK_STATUS(expr)                    \
  do {                                            \
    const ::rk::Status rk_s_ = (expr);            \
    ASSERT_TRUE(rk_s_.ok()) << rk_s_.to_string(); \
  } while (0)

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

  void open_node(bool incremental = false, bool archive_wal = false) {
    storage::Options o;
    o.data_dir = data_dir() + "/storage";
    o.incremental_backups = incremental;
    o.archive_wal = archive_wal;
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

  void write_rows(int from, int to, int64_t ts = 1000, bool flush = true) {
    for (int i = from; i < to; ++i) {
      storage::Mutation m("ks", "t", "p" + std::to_string(i));
      m.set("c", "v", std::string(200, static_cast<char>('a' + i % 26)), ts + i);
      ASSERT_TRUE(node_->apply(m).ok());
    }
    if (flush) {
      ASSERT_TRUE(node_->flush().ok());
    }
  }
  bool has_row(int i) {
    auto r = node_->read_row("ks", "t", "p" + std::to_string(i), "c");
    return r.ok() && r->has_value();
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

  // Until the restore ends, or is staged and waits for the restart ("swapping").
  RestoreJob wait_restore() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = backups_->restore_job();
      // "swapping" is shown just before the restart is asked for.
      if (job && (job->state != JobState::kRunning ||
                  (job->phase == "swapping" && restart_requested_)))
        return *job;
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
  ASSERT_EQ(job.phase, "swapping") << job.error;
  EXPECT_EQ(job.tag, "full");
  // The restart is asked for just after the job is marked SUCCEEDED.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!restart_requested_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
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

// A restored node purges by the repair history of the backup's moment: the table's mode and the
// ranges recorded before the backup come back; one recorded after it does not (older history only
// keeps tombstones longer).
TEST_F(NodeBackupsTest, ARestoreBringsBackTheTablesModeAndRepairHistory) {
  auto t = node_->table("ks", "t");
  ASSERT_TRUE(t.ok());
  t->tombstone_gc = TombstoneGc::kRepair;
  ASSERT_TRUE(node_->alter_table(*t).ok());
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange(0, 1000), 5'000'000).ok());
  write_rows(0, 10);
  start_backups();
  ASSERT_TRUE(backups_->start_backup("full").ok());
  ASSERT_EQ(wait_backup("full").state, JobState::kSucceeded);
  ASSERT_TRUE(node_->record_repair("ks", "t", TokenRange::full_ring(), 9'000'000).ok());
  ASSERT_TRUE(backups_->start_restore("latest", "", true).ok());
  ASSERT_EQ(wait_restore().phase, "swapping");
  backups_.reset();
  node_.reset();
  auto applied = apply_pending_restore(data_dir());
  ASSERT_TRUE(applied.ok()) << applied.status().to_string();
  open_node();
  EXPECT_EQ(node_->table("ks", "t")->tombstone_gc, TombstoneGc::kRepair);
  auto history = node_->repair_history("ks", "t");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].range, TokenRange(0, 1000));
  EXPECT_EQ((*history)[0].repaired_at_us, 5'000'000);
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

// Snapshot A; B flushed (an incremental SST); a delete and C only in the WAL. The restarted
// agent's replay brings everything back, or, with until, what was written up to it.
class ReplayRestoreTest : public NodeBackupsTest {
 protected:
  void SetUp() override {
    NodeBackupsTest::SetUp();
    node_.reset();
    open_node(/*incremental=*/true, /*archive_wal=*/true);
    settings_.incremental_upload = true;
    settings_.archive_wal = true;
    settings_.wal_close_interval = std::chrono::milliseconds(1);
    settings_.incremental_interval = std::chrono::hours(1);  // passes run by hand
    start_backups();
    const int64_t t0 = SystemClock::instance().now_micros();
    write_rows(0, 10, t0);  // A
    ASSERT_TRUE(backups_->start_backup("base").ok());
    ASSERT_EQ(wait_backup("base").state, JobState::kSucceeded);
    auto store = open_store();
    auto marker = backup::memory_source("{}");  // the scheduler's COMPLETE marker
    ASSERT_TRUE(store->put("meta/base/backup.json", *marker).ok());
    auto now = [] { return SystemClock::instance().now_micros(); };
    write_rows(10, 20, now());  // B, flushed
    ASSERT_TRUE(backups_->upload_incremental_now().ok());
    ASSERT_GE(backups_->incremental().files_uploaded, 1u);
    storage::Mutation del("ks", "t", "p1");  // deleted after the snapshot, before the cut
    del.delete_row("c", now());
    ASSERT_TRUE(node_->apply(del).ok());
    cut_ = now() + 100;
    write_rows(20, 30, cut_ + 1000, /*flush=*/false);  // C, in the live WAL only
    // Incremental uploads stop here: C reaches the store only as WAL.
    settings_.incremental_upload = false;
    // Closes the WAL and uploads it; the engine archives a closed WAL when it deletes it, which
    // may follow the flush by a moment: until only the live WAL is left and nothing waits.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      ASSERT_TRUE(backups_->upload_wal_now().ok());
      size_t logs = 0;
      for (const auto& e : fs::directory_iterator(data_dir() + "/storage/data"))
        logs += e.path().extension() == ".log" ? 1 : 0;
      if (logs == 1 && fs::is_empty(data_dir() + "/storage/wal_archive")) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << logs << " WAL files left";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GE(backups_->wal().files_uploaded, 1u);
  }

  // Restores `until` into this data directory the way the agent does: staged, swapped at the
  // "restart", replayed once the node is open.
  void stage_and_swap(std::optional<int64_t> until) {
    restart_requested_ = false;
    ASSERT_TRUE(backups_->start_restore("latest", "", true, until).ok());
    RestoreJob job = wait_restore();
    ASSERT_EQ(job.phase, "swapping") << job.error;
    EXPECT_GE(job.replay_files, 2u);
    EXPECT_TRUE(restart_requested_);
    backups_.reset();
    node_.reset();
    ASSERT_TRUE(apply_pending_restore(data_dir()).ok());
    open_node(true, true);
  }
  void restore(std::optional<int64_t> until) {
    stage_and_swap(until);
    auto pending = pending_replay(data_dir());
    ASSERT_TRUE(pending.ok() && pending->has_value());
    size_t reported = 0;
    ASSERT_OK_STATUS(replay_restore(data_dir(), **pending, *node_,
                                    [&](const ReplayProgress& p) { reported = p.files_done; }));
    EXPECT_EQ(reported, (*pending)->replay.size());
    EXPECT_FALSE(pending_replay(data_dir())->has_value());  // done: nothing left to replay
  }

  int64_t cut_ = 0;
};

TEST_F(ReplayRestoreTest, TheLatestRestoreReplaysIncrementalAndWalFiles) {
  restore(std::nullopt);
  for (int i : {0, 9, 10, 19, 20, 29}) EXPECT_TRUE(has_row(i)) << "p" << i;
  EXPECT_FALSE(has_row(1));  // the tombstone came back with the WAL
}

TEST_F(ReplayRestoreTest, UntilStopsTheReplayAtThatTime) {
  restore(cut_);
  for (int i : {0, 9, 10, 19}) EXPECT_TRUE(has_row(i)) << "p" << i;
  for (int i : {20, 29}) EXPECT_FALSE(has_row(i)) << "p" << i;
  EXPECT_FALSE(has_row(1));
}

TEST_F(ReplayRestoreTest, AReplayCutShortIsRedoneAtTheNextStart) {
  stage_and_swap(std::nullopt);
  auto pending = pending_replay(data_dir());
  ASSERT_TRUE(pending.ok() && pending->has_value());
  // Stopped after the first file (a crash mid-replay): the plan stays.
  int asked = 0;
  Status s = replay_restore(data_dir(), **pending, *node_, {}, [&] { return asked++ > 0; });
  EXPECT_EQ(s.code(), ErrorCode::kCancelled);
  node_.reset();
  open_node(true, true);
  pending = pending_replay(data_dir());
  ASSERT_TRUE(pending.ok() && pending->has_value());
  ASSERT_OK_STATUS(replay_restore(data_dir(), **pending, *node_, {}));
  for (int i : {0, 10, 20, 29}) EXPECT_TRUE(has_row(i)) << "p" << i;
  EXPECT_FALSE(has_row(1));
}

TEST_F(ReplayRestoreTest, ATagTakenAfterUntilIsRefused) {
  auto store = open_store();
  auto m = choose_snapshot(*store, "base", "host-a", int64_t{1000});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("after until"), std::string::npos) << m.status().message();
  EXPECT_EQ(choose_snapshot(*store, "latest", "host-a", int64_t{1000}).status().code(),
            ErrorCode::kNotFound);
  auto chosen = choose_snapshot(*store, "latest", "host-a", cut_ + 10'000'000);
  ASSERT_TRUE(chosen.ok()) << chosen.status().to_string();
  EXPECT_EQ(chosen->tag, "base");
  EXPECT_GT(chosen->sequence, 0u);
}

}  // namespace
}  // namespace rk::agent
