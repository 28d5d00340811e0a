// Putting a backup's schema back on a scheduler that lacks it: when a whole cluster is restored
// onto a scheduler with a fresh database (docs/backup.md, "Runbook: restore the whole cluster"),
// its keyspaces and tables must exist before the restored nodes serve. Every node manifest carries
// the cluster schema the node served with; this turns it back into keyspaces and tables and
// creates, through the cluster service (audited, pushed to the agents), those the catalog does not
// have. It only ever creates: what exists with the same settings is left alone, and a keyspace or
// table that exists with other settings stops it before anything is created.
#pragma once

#include <string>
#include <vector>

#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/core/status.h"
#include "backup/service.h"
#include "cluster/service.h"
#include "cluster/schema_catalog.h"

namespace rk::scheduler {

// The keyspaces (with their tables) of the newest schema among `manifests` (by its "version"):
// nodes back up one after the other, and a schema change in between leaves the later ones newer.
// NotFound when there is no manifest; Corruption naming the host when a schema does not parse.
Result<std::vector<KeyspaceDef>> backup_schema(const std::vector<backup::NodeManifest>& manifests);

struct SchemaRestoreReport {
  std::string tag;
  std::vector<std::string> created;   // "ks" and "ks.table", in the order they were created
  std::vector<std::string> existing;  // already there with the same settings
};

// Creates the keyspaces and tables of `keyspaces` that `cluster` does not have, as `actor`.
// FailedPrecondition naming it (and nothing created) when one exists with another replication,
// gc_grace_seconds or default_ttl_seconds. Idempotent.
Result<SchemaRestoreReport> restore_schema(ClusterService& cluster, const std::string& actor,
                                           const std::vector<KeyspaceDef>& keyspaces);

// The whole step for `POST /api/v1/backups/{tag}/restore-schema`: reads the tag's node
// manifests from the backup store, and restores their schema as above. Audited as
// `schema.restore` with the tag (the keyspaces and tables it creates are audited too).
// InvalidArgument for a bad tag, NotFound when the store has no manifest of it.
Result<SchemaRestoreReport> restore_backup_schema(BackupService& backups, ClusterService& cluster,
                                                  const std::string& actor, const std::string& tag);

}  // namespace rk::scheduler
