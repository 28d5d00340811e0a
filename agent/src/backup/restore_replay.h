// The last step of a restore: once the restored storage is swapped in and the node has opened
// it, the incremental and WAL files downloaded with the snapshot (<data_dir>/restore.replay/,
// listed in its plan.json) are replayed into the node, in order — before the node serves any
// client or peer and before it registers with the scheduler (startup_restore.cc).
//
// Crash safety: plan.json stays until every file is replayed, then it and the directory go.
// Replay is idempotent (last-write-wins), so a start that finds plan.json replays every file
// again from the first: a half-replayed node never serves.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backup/restore.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

// The restore whose files are still to be replayed; nullopt when there is none. Corruption for
// an unreadable plan (the agent must not start as if the restore were complete).
Result<std::optional<RestoreRecord>> pending_replay(const std::string& data_dir);

struct ReplayProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  uint64_t cells_applied = 0;
  uint64_t cells_skipped = 0;  // written after up_to_us, or inside the snapshot already
};

// Replays every file of `record` into `node` (incremental files with replay_data_file, WAL
// files with replay_wal_file and the record's after_sequence; both with its up_to_us), calling
// `on_progress` after each, then removes restore.replay/. `stop` (may be empty) is asked
// between files: true stops with Cancelled (the plan stays, the next start replays again).
Status replay_restore(const std::string& data_dir, const RestoreRecord& record, storage::Node& node,
                      const std::function<void(const ReplayProgress&)>& on_progress,
                      const std::function<bool()>& stop = {});

}  // namespace rk::agent
