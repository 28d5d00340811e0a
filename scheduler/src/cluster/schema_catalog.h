// The cluster's schema: keyspaces (with their replication) and tables (with gc_grace_seconds and
// a default TTL), kept in the scheduler's SQLite file with a version that moves with every change.
// Agents hold a copy and converge on the latest version (pushed after each change, and through
// heartbeats). Keyspaces and tables are created, never dropped; a table's tombstone_gc mode can
// be altered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/schema_limits.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/repair/zombie_proof.h"

namespace rk::scheduler {

class Store;

struct TableDef {
  std::string name;
  int64_t gc_grace_seconds = 864000;  // Cassandra's default: 10 days
  int64_t default_ttl_seconds = 0;    // 0: cells do not expire unless written with a TTL
  // When the catalog created it (set on reads; ignored by create_table). A table never repaired
  // has its first gc_grace deadline counted from here (docs/repair.md).
  int64_t created_at_us = 0;
  // When compaction may purge the table's tombstones; tables created before the mode existed
  // were given kTimeout by the migration (schema/0010_tombstone_gc.sql).
  TombstoneGc tombstone_gc = kDefaultTombstoneGc;
};

// What ALTER of a table's options changes.
struct TableAlter {
  std::optional<TombstoneGc> tombstone_gc;
  bool force = false;  // allows tombstone_gc immediate with more than one replica
};

struct KeyspaceDef {
  std::string name;
  Replication replication;
  std::vector<TableDef> tables;  // by name
};

struct ClusterSchema {
  int64_t version = 0;                 // 0 before the first keyspace; +1 per change
  std::vector<KeyspaceDef> keyspaces;  // by name
};

class SchemaCatalog {
 public:
  // `store` must outlive the catalog.
  explicit SchemaCatalog(Store& store) : store_(store) {}

  // The whole schema at its current version.
  Result<ClusterSchema> schema();
  // The current version alone (what a heartbeat compares with the agent's).
  Result<int64_t> version();
  // One keyspace with its tables. NotFound when it does not exist.
  Result<KeyspaceDef> keyspace(std::string_view name);

  // Creates a keyspace (its `tables` are ignored) and returns it. InvalidArgument for a bad name
  // (names.h) or replication; AlreadyExists when a keyspace of that name exists.
  Result<KeyspaceDef> create_keyspace(const KeyspaceDef& keyspace);
  // Creates a table in `keyspace` and returns the keyspace. NotFound for an unknown keyspace;
  // InvalidArgument for a bad name or a negative gc_grace/TTL; AlreadyExists for a known table;
  // FailedPrecondition for tombstone_gc immediate on a keyspace with more than one replica
  // unless `force` (check_tombstone_gc).
  Result<KeyspaceDef> create_table(std::string_view keyspace, const TableDef& table,
                                   bool force = false);
  // Changes a table's options and returns the keyspace; the schema version moves when anything
  // changed. NotFound for an unknown keyspace or table; InvalidArgument when `alter` changes
  // nothing it could; FailedPrecondition as create_table. On error nothing changes.
  Result<KeyspaceDef> alter_table(std::string_view keyspace, std::string_view table,
                                  const TableAlter& alter);

  // The table's tombstone_gc modes over time, oldest first: one span from its creation (or from
  // the upgrade that began the record, schema/0013_zombie_proof.sql) and one per change. Empty for
  // an unknown table.
  Result<std::vector<repair::GcModeSpan>> tombstone_gc_history(std::string_view keyspace,
                                                            std::string_view table);

 private:
  Store& store_;
};

}  // namespace rk::scheduler
