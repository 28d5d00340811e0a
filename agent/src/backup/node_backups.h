// The agent's backup work (docs/backup.md): snapshot backups under a tag, continuous incremental
// uploads, restores and verification, each a job in the background with progress that the ops
// API shows (backup/api.cc) and the scheduler polls.
//
// Crash safety: a backup job's state is kept in <data_dir>/backup/jobs/<tag>.json (rewritten
// atomically) and its finished files in <tag>.journal; an agent that restarts resumes every job
// that was RUNNING, sending none of the files already in the store. The same tag asked for again
// is the same job (the scheduler may re-send after its own restart).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "backup/restore.h"
#include "backup/upload.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/backup/backup_verify.h"
#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/backup/transfer_progress.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

// Who this node is, for its manifests.
struct NodeIdentity {
  std::string cluster;
  std::string host_id;
  std::string datacenter;
  std::string rack;
  std::vector<Token> tokens;
  nlohmann::json schema = nlohmann::json::object();
};

enum class JobState { kRunning, kSucceeded, kFailed, kAborted };
std::string_view job_state_name(JobState s);  // "RUNNING", "SUCCEEDED", "FAILED", "ABORTED"

struct BackupJob {
  std::string tag;
  JobState state = JobState::kRunning;
  std::string phase = "snapshot";  // snapshot, uploading, done
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
  std::string error;
  backup::TransferProgress progress;
};

struct RestoreJob {
  std::string tag;       // as resolved ("latest" becomes the tag)
  std::string host_id;   // the backed-up node
  int64_t until_us = 0;  // point-in-time restore: nothing written after it; 0: everything
  // RUNNING from the manifest to the end of the replay; SUCCEEDED once the node holds it all.
  JobState state = JobState::kRunning;
  // manifest, downloading (snapshot and files to replay), swapping (the agent restarts to swap
  // the staged storage in), then, in the restarted agent, replaying (the incremental and WAL
  // files), done.
  std::string phase = "manifest";
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;
  std::string error;
  std::string warning;  // e.g. WAL files left out of the replay
  // Downloading: the snapshot's files and the files to replay; replaying: the files replayed.
  backup::TransferProgress progress;
  uint64_t replay_files = 0;   // incremental and WAL files to replay on top of the snapshot
  uint64_t cells_applied = 0;  // by the replay so far
};

struct IncrementalStatus {
  bool enabled = false;
  uint64_t files_uploaded = 0;
  uint64_t bytes_uploaded = 0;
  uint64_t files_skipped = 0;  // already in the store
  int64_t last_upload_at_us = 0;
  std::string last_error;
};

nlohmann::json backup_job_to_json(const BackupJob& job);
nlohmann::json restore_job_to_json(const RestoreJob& job);

class NodeBackups {
 public:
  struct Deps {
    storage::Node* node = nullptr;
    std::string data_dir;  // the agent's data directory
    Clock* clock = &SystemClock::instance();
    std::function<NodeIdentity()> identity;
    // Called once a restore is staged: the agent restarts so that the swap happens before the
    // node opens again.
    std::function<void()> request_restart;
  };

  // Loads the jobs kept in the data directory and resumes the RUNNING ones; starts the
  // incremental uploader when configured. The store is opened on first use.
  static Result<std::unique_ptr<NodeBackups>> start(const BackupSettings& settings, Deps deps);
  ~NodeBackups();  // stop()
  // Stops the background threads; running jobs stay RUNNING on disk and resume at next start.
  void stop();

  // Starts (or resumes) the backup of this node under `tag`. The same tag again: the job as it
  // is (a FAILED or ABORTED one starts again, resuming). Returns the job and whether it was
  // (re)started. InvalidArgument for a bad tag; FailedPrecondition while another backup runs.
  Result<std::pair<BackupJob, bool>> start_backup(const std::string& tag);
  Result<BackupJob> backup_job(const std::string& tag) const;  // NotFound when unknown
  std::vector<BackupJob> backup_jobs() const;                  // newest first
  // Aborts a running backup (it ends ABORTED; starting the tag again resumes it).
  Result<BackupJob> abort_backup(const std::string& tag);

  // Starts restoring `tag` ("latest") of `host_id` ("" = this node) into the staging directory,
  // with the incremental and WAL files uploaded after it; with `until_us`, to that point in time
  // (restore_plan.h). FailedPrecondition when the node holds live data and !force, or a restore
  // is running; InvalidArgument for a bad tag or host id, or a tag taken after until_us.
  Result<RestoreJob> start_restore(const std::string& tag, const std::string& host_id, bool force,
                                   std::optional<int64_t> until_us = std::nullopt);
  std::optional<RestoreJob> restore_job() const;
  // Shows a restore the agent applied at this start (the swap and replay happen in
  // startup_restore.cc, before the node serves) as restore_job().
  void report_restore(const RestoreJob& job);
  Result<RestoreJob> abort_restore();

  // Checks the objects of `tag` ("latest") of `host_id` ("" = this node).
  Result<backup::VerifyReport> verify(const std::string& tag, const std::string& host_id);

  IncrementalStatus incremental() const;
  // Runs one pass of the incremental uploader now (tests; the loop calls it every interval).
  Status upload_incremental_now();
  // The archived WAL uploads (BackupSettings::archive_wal): counters like incremental().
  IncrementalStatus wal() const;
  // One pass of the WAL uploader: closes the live WAL when wal_close_interval has passed, then
  // uploads every file under storage/wal_archive/ with a manifest wal/<host_id>/<µs>.json and
  // removes them locally.
  Status upload_wal_now();

  // Restore on start (BackupSettings::restore_tag, restore_until): downloads and checks the
  // backup and the files to replay on it, and swaps it in before the node opens (the replay
  // follows once the node is open). Does nothing when no tag is configured or it was applied
  // before.
  // Returns the restore swapped in, nullopt when none was.
  static Result<std::optional<RestoreRecord>> restore_on_start(const BackupSettings& settings,
                                                               const std::string& data_dir,
                                                               const std::string& own_host_id,
                                                               Clock& clock);

 private:
  NodeBackups(const BackupSettings& settings, Deps deps);
  Result<backup::ObjectStore*> store();
  void run_backup(std::string tag);
  void run_restore(std::string tag, std::string host_id, std::optional<int64_t> until_us);
  void incremental_loop();
  // The store-transfer settings every upload and download of this agent shares (clock, pacer,
  // files at once), stopped by `cancel`.
  TransferControl transfer_control(const std::atomic<bool>* cancel);
  // A manifest naming this node (identity, encryption key id), without files.
  backup::NodeManifest manifest_for(std::string kind, std::string tag, int64_t created_at_us) const;
  static std::vector<std::string> files_in(const std::string& dir, std::string_view suffix);
  // Uploads `files` with a manifest of `kind` ("incremental", "wal"), then removes them.
  Status upload_log_files(const std::string& kind, const std::vector<std::string>& files,
                          IncrementalStatus& counters);
  Status persist(const BackupJob& job) const;
  std::string jobs_dir() const;

  BackupSettings settings_;
  Deps deps_;
  TransferLimits limits_;  // the store to open and the pacer's rate (one bandwidth limit)
  Pacer pacer_;
  mutable std::mutex store_mu_;
  std::unique_ptr<backup::ObjectStore> store_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, BackupJob> jobs_;
  std::string running_tag_;  // the backup running now ("" = none)
  std::atomic<bool> cancel_backup_{false};
  std::thread backup_thread_;
  std::optional<RestoreJob> restore_;
  std::atomic<bool> cancel_restore_{false};
  std::thread restore_thread_;
  IncrementalStatus incremental_;
  IncrementalStatus wal_;
  std::mutex incremental_mu_;  // one incremental or WAL pass at a time, none during a snapshot
  int64_t last_wal_close_us_ = 0;
  std::thread incremental_thread_;
};

}  // namespace rk::agent
