// Restoring a node from a backup: find the manifest (a tag, or the latest one of a node), download
// every file it names into a staging directory and check each against the manifest's size and
// SHA-256, then — only once all of it is there and correct — swap it in for the node's storage at
// the agent's next start, before the node opens. A half-restored node therefore never serves:
// either the old storage or the complete restored one is in place.
//
// Files in <data_dir>:
//   restore.staging/        the downloaded storage directory (a RocksDB checkpoint + schema)
//   restore.replay.staging/ the downloaded incremental and WAL files to replay on top of it
//   restore.pending         written (atomically) once staging is complete: {tag, host_id, tokens,
//                           replay: the files in order, after_sequence, up_to_us}
//   restore.replay/         the files to replay, moved in at the swap with plan.json (the
//                           record); removed once every file is replayed (restore_replay.h)
//   restore.applied         written when the swap is done; the first registration afterwards
//                           checks the scheduler gave the node the backed-up tokens
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backup/restore_plan.h"
#include "backup/upload.h"
#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/core/token.h"

namespace rk::agent {

// Downloads every file of `manifest` into `staging_dir` (emptied first) and checks its size and
// SHA-256. Corruption naming the file on a mismatch or a truncated object; nothing of a bad
// object stays in the staging directory.
Status stage_restore(backup::ObjectStore& store, const backup::NodeManifest& manifest,
                     const std::string& staging_dir, const TransferControl& control);

// One file to replay after the swap: its kind ("incremental", "wal") and its name in
// restore.replay/.
struct ReplayStep {
  std::string kind;
  std::string file;
  uint64_t size = 0;
};

struct RestoreRecord {
  std::string tag;
  std::string host_id;
  std::vector<Token> tokens;
  int64_t at_us = 0;
  std::vector<ReplayStep> replay;  // in order
  int64_t until_us = 0;            // point-in-time restore: the time asked for; 0: none
  uint64_t after_sequence = 0;
  int64_t up_to_us = kReplayEverything;
};

// Downloads the plan's snapshot into staging_dir(data_dir) and its replay files into
// replay_staging_dir(data_dir), checking each (as stage_restore); returns the record to write
// with write_pending_restore. Progress counts both.
Result<RestoreRecord> stage_restore_plan(backup::ObjectStore& store, const RestorePlan& plan,
                                         const std::string& data_dir,
                                         const TransferControl& control, int64_t now_us);

std::string staging_dir(const std::string& data_dir);
std::string replay_staging_dir(const std::string& data_dir);
std::string replay_dir(const std::string& data_dir);
// The record of a restore as JSON (restore.pending, restore.replay/plan.json) and back.
nlohmann::json restore_record_to_json(const RestoreRecord& record);
Result<RestoreRecord> read_restore_record(const std::string& path);
// Marks the staged restore complete and ready to be swapped in at the next start.
Status write_pending_restore(const std::string& data_dir, const RestoreRecord& record);
// At start-up, before the node opens: when a restore is pending, moves the staging directory in
// place of <data_dir>/storage (the old one is removed), moves the replay files in (with
// restore.replay/plan.json) when there are any, writes the backed-up host id, drops the ring cache
// (the node learns its ring from the scheduler before it serves) and records restore.applied. Safe
// to repeat after a crash at any step. Returns the applied restore, or nullopt when none was
// pending.
Result<std::optional<RestoreRecord>> apply_pending_restore(const std::string& data_dir);
// The restore applied at the last start whose tokens were not yet checked; nullopt when none.
std::optional<RestoreRecord> applied_restore(const std::string& data_dir);
// Called once the registration confirmed the tokens: the record is kept as restore.done.
void confirm_applied_restore(const std::string& data_dir);

// Whether <storage_dir> holds any data file (an SST): restoring over it needs `force`.
bool storage_has_data(const std::string& storage_dir);

}  // namespace rk::agent
