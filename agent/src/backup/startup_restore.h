// A restore's steps at the agent's start (docs/backup.md "How a node restores"): before the node
// opens, the staged restore (or the one BackupSettings::restore_tag names) is swapped in, so the
// node never serves a half-restored directory; once it is open, and with only the ops API up, the
// incremental and WAL files are replayed into it (restore_replay.h) while GET /v1/restore shows
// the progress. The node serves no client or peer and does not register before that is done.
#pragma once

#include <optional>
#include <string>

#include "backup/node_backups.h"
#include "backup/restore.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/storage/node.h"
#include "stop_signal.h"

namespace rk::agent {

// Swaps in a staged restore, or runs the one configured to run at start. Returns the restore
// swapped in at this start, nullopt when none was.
Result<std::optional<RestoreRecord>> swap_in_restore(const AgentOptions& options, Clock& clock);

// The restore swapped in at this start (or at an earlier one whose replay did not finish), as
// the restore status shows it from the first answer on: "replaying" while files are left to
// replay, else "done". nullopt when there is none.
Result<std::optional<RestoreJob>> restore_at_start(const std::string& data_dir,
                                                   const std::optional<RestoreRecord>& swapped,
                                                   NodeBackups& backups, Clock& clock);

// Replays a "replaying" restore's files into the node, showing the progress in `backups`. A
// failed or stopped replay is shown and returned; the next start replays again.
Status finish_restore(const std::string& data_dir, RestoreJob job, storage::Node& node,
                      NodeBackups& backups, Clock& clock, StopSignal& stop);

}  // namespace rk::agent
