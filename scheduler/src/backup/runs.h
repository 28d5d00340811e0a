// The backup tables (schema/0006_backups.sql): runs, their nodes, schedules. Plain reads and
// writes inside the caller's transaction; BackupService decides what to write.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backup/service.h"
#include "db/sqlite.h"

namespace rk::scheduler::backup_runs {

Status insert_run(Database& db, const BackupRun& run);
// NotFound when there is no run with that tag.
Result<BackupRun> load_run(Database& db, const std::string& tag);
// Newest first (by start time), with nodes; state filter optional.
Result<std::vector<BackupRun>> load_runs(Database& db, int limit,
                                         std::optional<BackupRunState> state = std::nullopt);
Status update_run_state(Database& db, const std::string& tag, BackupRunState state,
                        const std::string& error, int64_t completed_at_us, int64_t now_us);
Status update_node(Database& db, const std::string& tag, const BackupRunNode& node);
Status delete_run(Database& db, const std::string& tag);

Result<BackupSchedule> insert_schedule(Database& db, BackupSchedule schedule, int64_t now_us);
Result<std::vector<BackupSchedule>> load_schedules(Database& db);
Status set_next_run(Database& db, int64_t id, int64_t next_run_at_us);
// NotFound when there is no schedule with that name.
Status delete_schedule(Database& db, const std::string& name);

}  // namespace rk::scheduler::backup_runs
