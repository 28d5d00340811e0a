// A restore's swap before the node opens and its replay once it is open (see startup_restore.h).
#include "backup/startup_restore.h"

#include <spdlog/spdlog.h>

#include "atomic_file.h"
#include "backup/restore_replay.h"
#include "ringkeeper/core/time_text.h"

namespace rk::agent {

Result<std::optional<RestoreRecord>> swap_in_restore(const AgentOptions& options, Clock& clock) {
  RK_ASSIGN_OR_RETURN(std::optional<RestoreRecord> swapped,
                      apply_pending_restore(options.data_dir));
  std::string existing;
  if (auto text = read_small_file(options.data_dir + "/host_id"); text.ok()) {
    existing = text->substr(0, text->find_first_of(" \r\n"));
  }
  RK_ASSIGN_OR_RETURN(auto on_start, NodeBackups::restore_on_start(options.backup,
                                                                   options.data_dir, existing,
                                                                   clock));
  if (on_start) swapped = std::move(on_start);
  return swapped;
}

Result<std::optional<RestoreJob>> restore_at_start(const std::string& data_dir,
                                                   const std::optional<RestoreRecord>& swapped,
                                                   NodeBackups& backups, Clock& clock) {
  RK_ASSIGN_OR_RETURN(std::optional<RestoreRecord> replay, pending_replay(data_dir));
  if (!replay && !swapped) return std::optional<RestoreJob>();
  const RestoreRecord& r = replay ? *replay : *swapped;
  RestoreJob job;
  job.tag = r.tag;
  job.host_id = r.host_id;
  job.until_us = r.until_us;
  job.started_at_us = r.at_us;
  job.replay_files = r.replay.size();
  job.progress.files_total = replay ? r.replay.size() : 0;
  job.phase = replay ? "replaying" : "done";
  job.state = replay ? JobState::kRunning : JobState::kSucceeded;
  if (!replay) job.finished_at_us = clock.now_micros();
  backups.report_restore(job);
  return std::optional<RestoreJob>(job);
}

Status finish_restore(const std::string& data_dir, RestoreJob job, storage::Node& node,
                      NodeBackups& backups, Clock& clock, StopSignal& stop) {
  if (job.state != JobState::kRunning) return Status::OK();
  RK_ASSIGN_OR_RETURN(std::optional<RestoreRecord> replay, pending_replay(data_dir));
  if (!replay) return Status::Internal("the restore's replay plan vanished");
  spdlog::info("restore of {}: replaying {} incremental and WAL files{}", job.tag,
               replay->replay.size(),
               replay->until_us ? " up to " + format_time_us(replay->until_us) : "");
  Status s = replay_restore(
      data_dir, *replay, node,
      [&](const ReplayProgress& p) {
        job.progress.files_total = p.files_total;
        job.progress.files_done = p.files_done;
        job.progress.bytes_total = p.bytes_total;
        job.progress.bytes_done = p.bytes_done;
        job.progress.updated_at_us = clock.now_micros();
        job.cells_applied = p.cells_applied;
        backups.report_restore(job);
      },
      [&stop] { return stop.stopping(); });
  job.finished_at_us = clock.now_micros();
  if (!s.ok()) {
    job.state = s.code() == ErrorCode::kCancelled ? JobState::kAborted : JobState::kFailed;
    job.error = s.message() + " (the agent replays again at its next start)";
    backups.report_restore(job);
    return s;
  }
  job.state = JobState::kSucceeded;
  job.phase = "done";
  backups.report_restore(job);
  return Status::OK();
}

}  // namespace rk::agent
