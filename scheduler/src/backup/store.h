// The backup domain's store: cluster backup runs, their nodes' progress and backup schedules in
// the scheduler's SQLite file (schema/0009_backups.sql). Like every domain's store (RepairStore,
// AlertStore, Registry) it is a class over the one Store; each call is one transaction, and the
// SQL stays in store.cc. BackupService decides what to write; the only rule kept here is the one
// that must hold across concurrent calls: at most one run is RUNNING.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backup/service.h"
#include "ringkeeper/core/status.h"

namespace rk::scheduler {

class Store;

class BackupStore {
 public:
  // `store` must outlive this.
  explicit BackupStore(Store& store) : store_(store) {}

  // Inserts `run` and its nodes. FailedPrecondition when another run is RUNNING, AlreadyExists
  // when the tag is taken.
  Status insert_run(const BackupRun& run);
  // NotFound when there is no run with that tag.
  Result<BackupRun> run(const std::string& tag);
  // Newest first (by start time), with nodes; state filter optional.
  Result<std::vector<BackupRun>> runs(int limit,
                                      std::optional<BackupRunState> state = std::nullopt);
  // Sets the run's state, error and completion time.
  Status set_state(const std::string& tag, BackupRunState state, const std::string& error,
                   int64_t completed_at_us, int64_t now_us);
  // Makes a PAUSED run RUNNING again; FailedPrecondition when another run is RUNNING.
  Status resume(const std::string& tag, int64_t now_us);
  // Records the progress of the nodes of `run` if it is still RUNNING (a pause or abort may have
  // landed meanwhile: then nothing changes), and FAILED with `failure` when that is not empty.
  Status record_progress(const BackupRun& run, const std::string& failure, int64_t now_us);
  // Deletes the runs (purged backups).
  Status delete_runs(const std::vector<std::string>& tags);

  // Inserts `schedule` and returns it with its id.
  Result<BackupSchedule> insert_schedule(BackupSchedule schedule, int64_t now_us);
  // By name.
  Result<std::vector<BackupSchedule>> schedules();
  Status set_next_run(int64_t id, int64_t next_run_at_us);
  // NotFound when there is no schedule with that name.
  Status delete_schedule(const std::string& name);

 private:
  Store& store_;
};

}  // namespace rk::scheduler
