// Retention: which backups to keep and which stored objects a purge may delete. Pure logic; the
// scheduler lists the store and deletes (scheduler/src/backup_service.cc).
//
// A complete backup is kept when any configured rule keeps it: it is among the newest keep_last
// complete backups, or it completed less than keep_days days ago. The newest complete backup is
// always kept, whatever the rules. Backups that never completed (FAILED, ABORTED) are purged;
// RUNNING ones never are. A data object may be deleted only when no kept manifest references it
// (cassandra-medusa's rule), and only when it is older than a grace period, so that files a
// running upload has just written (its manifest not yet there) survive.
//
// Files uploaded between snapshots (incremental SSTs, archived WAL files: "log manifests") are
// what point-in-time restore replays on top of a snapshot: restore of snapshot S of a host uses
// that host's log manifests created at or after S. Kept snapshots' windows chain (each up to the
// next kept one, the newest up to now), so a host's log manifests are kept from its oldest kept
// snapshot on; older ones serve no kept snapshot and are purged. A host with no kept snapshot
// has no use for its log manifests (a later snapshot only needs what comes after it): they are
// purged once older than the grace period.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace rk::backup {

struct RetentionPolicy {
  int keep_last = 7;      // newest complete backups kept; 0: no count rule
  int64_t keep_days = 0;  // complete backups younger than this are kept; 0: no age rule
};

enum class BackupOutcome { kRunning, kComplete, kFailed };

struct BackupRecord {
  std::string tag;
  BackupOutcome outcome = BackupOutcome::kComplete;
  int64_t completed_at_us = 0;  // for complete backups; else when it started or ended
};

// The tags retention purges, oldest first. With neither rule set, only never-completed backups.
std::vector<std::string> tags_to_purge(std::span<const BackupRecord> backups,
                                       const RetentionPolicy& policy, int64_t now_us);

struct StoredObject {
  std::string key;
  int64_t modified_at_us = 0;  // 0: unknown (treated as old enough)
};

// Keys of data objects ("data/<sha256>") referenced by none of `referenced` (sha256 values) and
// modified before `older_than_us`.
std::vector<std::string> unreferenced_data(std::span<const StoredObject> data_objects,
                                           const std::set<std::string>& referenced,
                                           int64_t older_than_us);

struct LogManifest {
  std::string key;  // meta/inc-<µs>/<host_id>.json or wal/<host_id>/<µs>.json
  std::string host_id;
  int64_t created_at_us = 0;  // from the key (the agent's clock)
};

// Keys of the log manifests a purge deletes: a host's manifests created before its oldest kept
// snapshot (`oldest_kept_snapshot_us`, by host id: the kept snapshot manifests' created_at_us),
// and those of hosts without a kept snapshot created before `older_than_us`.
std::vector<std::string> log_manifests_to_purge(
    std::span<const LogManifest> logs,
    const std::map<std::string, int64_t>& oldest_kept_snapshot_us, int64_t older_than_us);

}  // namespace rk::backup
