// Keyspaces and tables of the storage node, in Cassandra's terms.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ringkeeper/core/schema_limits.h"

namespace rk::storage {

struct Replication {
  enum class Strategy : uint8_t { kSimple, kNetworkTopology };
  Strategy strategy = Strategy::kSimple;
  int replication_factor = 1;             // kSimple: copies of each partition in the cluster
  std::map<std::string, int> dc_factors;  // kNetworkTopology: data center -> copies there

  friend bool operator==(const Replication&, const Replication&) = default;
};

struct KeyspaceSchema {
  std::string name;  // [A-Za-z0-9_], 1..48 characters (Cassandra's rule)
  Replication replication;

  friend bool operator==(const KeyspaceSchema&, const KeyspaceSchema&) = default;
};

inline constexpr int64_t kDefaultGcGraceSeconds = 864000;  // 10 days, Cassandra's default

struct TableSchema {
  std::string keyspace;
  std::string name;  // [A-Za-z0-9_], 1..48 characters
  // How long tombstones are kept before compaction may purge them. Repair must complete within it.
  int64_t gc_grace_seconds = kDefaultGcGraceSeconds;
  // TTL applied to writes that do not give one; 0 = none.
  int64_t default_ttl_seconds = 0;
  // When compaction may purge the table's tombstones (ringkeeper/core/schema_limits.h). The node
  // defaults to the rule tables had before the mode existed (a stored table without it reads as
  // kTimeout too); the cluster's schema creates new tables with kDefaultTombstoneGc (repair).
  TombstoneGc tombstone_gc = TombstoneGc::kTimeout;
  // Assigned by the node when the table is created; the prefix of the table's keys.
  uint32_t id = 0;

  friend bool operator==(const TableSchema&, const TableSchema&) = default;
};

}  // namespace rk::storage
