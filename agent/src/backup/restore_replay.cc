// Replaying a restore's incremental and WAL files into the opened node (see restore_replay.h).
#include "backup/restore_replay.h"

#include <filesystem>

#include <spdlog/spdlog.h>

namespace rk::agent {
namespace fs = std::filesystem;

Result<std::optional<RestoreRecord>> pending_replay(const std::string& data_dir) {
  const std::string plan = replay_dir(data_dir) + "/plan.json";
  std::error_code ec;
  if (!fs::exists(plan, ec)) return std::optional<RestoreRecord>();
  auto record = read_restore_record(plan);
  if (!record.ok())
    return Status::Corruption("the plan of the restore still to replay is unreadable (" +
                              record.status().message() + "): restore again, or remove " +
                              replay_dir(data_dir) + " to keep the snapshot alone");
  return std::optional<RestoreRecord>(std::move(*record));
}

Status replay_restore(const std::string& data_dir, const RestoreRecord& record, storage::Node& node,
                      const std::function<void(const ReplayProgress&)>& on_progress,
                      const std::function<bool()>& stop) {
  ReplayProgress progress;
  progress.files_total = record.replay.size();
  for (const auto& f : record.replay) progress.bytes_total += f.size;
  if (on_progress) on_progress(progress);
  const std::string dir = replay_dir(data_dir);
  for (const auto& f : record.replay) {
    if (stop && stop())
      return Status::Cancelled("stopped while replaying the restore of " + record.tag);
    const std::string path = dir + "/" + f.file;
    auto stats = f.kind == "wal"
                     ? node.replay_wal_file(path, record.after_sequence, record.up_to_us)
                     : node.replay_data_file(path, record.up_to_us);
    if (!stats.ok())
      return stats.status().with_context("replaying " + f.kind + " file " + f.file +
                                         " of the restore of " + record.tag);
    progress.files_done++;
    progress.bytes_done += f.size;
    progress.cells_applied += stats->cells_applied;
    progress.cells_skipped += stats->cells_skipped_after + stats->cells_skipped_before;
    if (on_progress) on_progress(progress);
  }
  // Durable before the plan goes: what was replayed must not be lost to a crash afterwards.
  RK_RETURN_IF_ERROR(node.flush().with_context("flushing the replayed files"));
  std::error_code ec;
  fs::remove(dir + "/plan.json", ec);
  if (ec) return Status::IOError("removing " + dir + "/plan.json: " + ec.message());
  fs::remove_all(dir, ec);
  spdlog::info("restore of {}: replayed {} files ({} cells applied, {} skipped)", record.tag,
               progress.files_done, progress.cells_applied, progress.cells_skipped);
  return Status::OK();
}

}  // namespace rk::agent
