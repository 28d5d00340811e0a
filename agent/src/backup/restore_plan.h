// What a restore applies: the snapshot of a host to start from (its manifest looked up in the
// store), and the files uploaded after it that bring the node forward — incremental SSTs and
// archived write-ahead-log files — with the bounds of the replay (docs/backup.md "Point-in-time
// restore").
//
// Choosing the snapshot: a tag, the newest backup of the host ("latest"), or, with `until`, the
// newest COMPLETE backup (meta/<tag>/backup.json present) of the host taken at or before it.
//
// Which files come after snapshot S of host H (times are H's clock, as S's created_at_us):
//   incremental  manifests meta/inc-<µs>/<H>.json with <µs> > S.created_at_us, and of those the
//                SSTs whose file number is above every SST number in S (an SST written before
//                S — a flush of S itself, an older file uploaded late — holds nothing S lacks,
//                and could hold data whose tombstone S already purged);
//   wal          manifests wal/<H>/<µs>.json with <µs> >= S.created_at_us, every file (records
//                at or before S.sequence are skipped at replay, whatever file they are in).
// Both are found from the keys of two listings; only the chosen manifests are read. The agent
// runs no upload pass while it takes a snapshot (node_backups.cc), so a manifest's time is either
// before the snapshot started (its files are in the snapshot) or after its created_at_us.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/backup/object_store.h"

namespace rk::agent {

// "No upper bound" for a replay's up_to_us.
inline constexpr int64_t kReplayEverything = INT64_MAX;

struct ReplayFile {
  std::string kind;            // "incremental" (an SST) or "wal"
  backup::ManifestFile file;   // path as in its manifest ("data/000123.sst", "wal/000045.log")
  int64_t uploaded_at_us = 0;  // its manifest's time
  uint64_t number = 0;         // the engine's file number
};

struct RestorePlan {
  backup::NodeManifest snapshot;
  // Replayed in this order: incremental files, then WAL files, each by (upload time, number).
  std::vector<ReplayFile> files;
  uint64_t after_sequence = 0;           // WAL records at or before it are in the snapshot
  int64_t up_to_us = kReplayEverything;  // cells written after it are not applied
  // Set when WAL files exist but the snapshot did not record its sequence (an older manifest):
  // they are left out, as replaying records the snapshot already holds could bring back
  // deleted data.
  std::string warning;

  uint64_t replay_bytes() const;
};

// The newest tag (by the manifest's created_at_us) holding a manifest of `host_id`. NotFound when
// there is none.
Result<std::string> latest_backup_tag(backup::ObjectStore& store, const std::string& host_id);

// Reads and strictly validates the manifest of `host_id` under `tag` ("latest": the newest).
// InvalidArgument for a bad tag or host id (before the store is touched), NotFound when the
// store has no such manifest, Corruption for a manifest that fails validation or names another
// tag or host.
Result<backup::NodeManifest> fetch_manifest(backup::ObjectStore& store, const std::string& tag,
                                            const std::string& host_id);

// The snapshot manifest a restore starts from: `tag` ("latest": the newest of `host_id`), or
// with `until_us` the newest complete backup of the host taken at or before it (tag "latest"),
// or `tag` checked against it. InvalidArgument for a bad tag or host id, or a tag taken after
// `until_us`; NotFound when no backup qualifies.
Result<backup::NodeManifest> choose_snapshot(backup::ObjectStore& store, const std::string& tag,
                                             const std::string& host_id,
                                             std::optional<int64_t> until_us);

// The incremental and WAL files of the snapshot's host uploaded after it (see above).
// FailedPrecondition when `until_us` is given but the snapshot did not record its sequence.
Result<RestorePlan> plan_restore(backup::ObjectStore& store, backup::NodeManifest snapshot,
                                 std::optional<int64_t> until_us);

}  // namespace rk::agent
