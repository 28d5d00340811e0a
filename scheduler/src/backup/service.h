// The scheduler's backup service (docs/backup.md): cluster-wide backup runs, their history and
// progress in SQLite (BackupStore), schedules, retention (purge) and verification. No HTTP in it:
// the REST routes (api.h) translate, and the rules (defaults, bounds) are here.
//
// A run backs up every node of the cluster under one tag: the service asks each node's agent to
// snapshot and upload (POST /v1/backups), polls their progress, and declares the run COMPLETE
// only when every node's manifest is in the store; it then writes meta/<tag>/backup.json. States:
//   RUNNING  → COMPLETE | FAILED | ABORTED,   RUNNING ⇄ PAUSED,   PAUSED → ABORTED
// Crash safety as for repair: everything is in SQLite; after a restart, tick() asks each agent
// for its job again and re-sends the start (agents treat the same tag as the same job and resume
// it without re-sending finished files).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "ringkeeper/backup/backup_verify.h"
#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/backup/retention.h"
#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/backup/transfer_progress.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/scheduler/registry.h"
#include "ringkeeper/scheduler/scheduler_options.h"

namespace rk::scheduler {

class Store;
class BackupStore;  // store.h: the backup tables

enum class BackupRunState { kRunning, kPaused, kComplete, kFailed, kAborted };
std::string_view backup_run_state_name(BackupRunState s);
Result<BackupRunState> parse_backup_run_state(std::string_view name);

struct BackupRunNode {
  std::string host_id;
  std::string state = "PENDING";  // PENDING, RUNNING, DONE, FAILED, ABORTED
  backup::TransferProgress progress;
  std::string error;  // the agent's error, or why it cannot be reached
  int64_t updated_at_us = 0;
};

struct BackupRun {
  std::string tag;
  BackupRunState state = BackupRunState::kRunning;
  std::optional<int64_t> schedule_id;
  std::string requested_by;
  int64_t started_at_us = 0;
  int64_t completed_at_us = 0;
  int64_t updated_at_us = 0;
  std::string error;
  std::vector<BackupRunNode> nodes;
  // The sum of the nodes' progress (rate and ETA over the whole run).
  backup::TransferProgress progress() const;
};

// A schedule's defaults are what POST /api/v1/backup/schedules gives a field it leaves out.
struct BackupSchedule {
  int64_t id = 0;
  std::string name;
  int64_t interval_seconds = 86400;   // daily; kMinBackupIntervalSeconds..kMaxBackupIntervalSeconds
  int64_t next_run_at_us = 0;         // 0: now
  backup::RetentionPolicy retention;  // keep_last 7, keep_days 0
  bool enabled = true;
};

// Schedules: at least a minute between backups, at most 2^31-1 seconds (68 years).
inline constexpr int64_t kMinBackupIntervalSeconds = 60;
inline constexpr int64_t kMaxBackupIntervalSeconds = 2147483647;
// Retention: at most a million backups kept by count, 100 years by age.
inline constexpr int64_t kMaxKeepLast = 1'000'000;
inline constexpr int64_t kMaxKeepDays = 36'500;
// InvalidArgument naming keep_last or keep_days when it is outside 0..its maximum.
Status check_retention(const backup::RetentionPolicy& policy);

struct PurgeReport {
  std::vector<std::string> tags;  // backups whose manifests were (or would be) deleted
  // Manifests of incremental and WAL uploads no kept backup needs any more (backup/retention.h).
  uint64_t log_manifests = 0;
  uint64_t objects = 0;  // data objects deleted (or that would be)
  uint64_t bytes = 0;
  bool dry_run = false;
};

// What the service needs from agents (implemented by AgentClient; tests fake it).
struct AgentBackupJob {
  std::string state;  // RUNNING, SUCCEEDED, FAILED, ABORTED
  std::string error;
  backup::TransferProgress progress;
};
class BackupAgents {
 public:
  virtual ~BackupAgents() = default;
  // POST /v1/backups {"tag"}: starts (or returns) the node's job.
  virtual Result<AgentBackupJob> start_backup(const NodeInfo& node, const std::string& tag) = 0;
  // GET /v1/backups/{tag}; NotFound when the agent does not know the tag.
  virtual Result<AgentBackupJob> backup_job(const NodeInfo& node, const std::string& tag) = 0;
  // DELETE /v1/backups/{tag}.
  virtual Status abort_backup(const NodeInfo& node, const std::string& tag) = 0;
};

class BackupService {
 public:
  // Everything passed in must outlive the service. The store is opened on first use.
  BackupService(Store& store, Registry& registry, AuditLog& audit, BackupAgents& agents,
                Clock& clock, std::string cluster, BackupServiceOptions options);
  ~BackupService();

  // Starts a backup of every node under `tag` ("" = "backup-YYYYMMDD-HHMMSS", UTC). Errors:
  // InvalidArgument (bad or reserved tag), AlreadyExists (tag taken), FailedPrecondition (a
  // node is not NORMAL, another run is RUNNING, or the cluster has no node).
  Result<BackupRun> start(const std::string& actor, const std::string& tag,
                          std::optional<int64_t> schedule_id = std::nullopt);
  Result<std::vector<BackupRun>> runs(int limit = 100);  // newest first, with nodes
  Result<BackupRun> run(const std::string& tag);         // NotFound when unknown
  Result<BackupRun> pause(const std::string& actor, const std::string& tag);
  Result<BackupRun> resume(const std::string& actor, const std::string& tag);
  Result<BackupRun> abort(const std::string& actor, const std::string& tag);
  // Checks every object of the tag's manifests, and that every node of the run has one.
  Result<backup::VerifyReport> verify(const std::string& tag);
  // The node manifests of `tag` in the store (none: an empty list), whether this scheduler ran
  // the backup or not. InvalidArgument for a bad tag; Corruption for a manifest that fails
  // validation.
  Result<std::vector<backup::NodeManifest>> manifests(const std::string& tag);
  // Deletes the backups retention does not keep (`policy`, or the configured one) and then every
  // data object no kept manifest references (older than purge_grace). Refused while a run is
  // RUNNING or PAUSED.
  Result<PurgeReport> purge(const std::string& actor,
                            const std::optional<backup::RetentionPolicy>& policy, bool dry_run);

  Result<BackupSchedule> add_schedule(const std::string& actor, BackupSchedule schedule);
  Result<std::vector<BackupSchedule>> schedules();
  Status remove_schedule(const std::string& actor, const std::string& name);

  // One pass: starts due schedules, advances every RUNNING run by asking its agents. The
  // scheduler's loop calls it every poll_interval.
  Status tick();

  const BackupServiceOptions& options() const { return options_; }

 private:
  Result<backup::ObjectStore*> object_store();
  Status advance(BackupRun run);
  Status finish_run(const BackupRun& run);
  void abort_agents(const BackupRun& run);
  Result<NodeInfo> node_of(const std::string& host_id);

  std::unique_ptr<BackupStore> store_;
  Registry& registry_;
  AuditLog& audit_;
  BackupAgents& agents_;
  Clock& clock_;
  std::string cluster_;
  BackupServiceOptions options_;
  std::mutex object_store_mu_;
  std::unique_ptr<backup::ObjectStore> object_store_;
  std::mutex tick_mu_;  // one tick at a time
};

}  // namespace rk::scheduler
