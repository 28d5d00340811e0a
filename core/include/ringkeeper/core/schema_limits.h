// Bounds of the numbers in a table's schema and in writes, as Cassandra has them, so that a
// schema or a write Cassandra would refuse is refused here too (and no deadline arithmetic has
// to cope with a gc_grace of 292 000 years). The REST APIs, rkctl and the catalogs check them.
// Also a table's tombstone_gc mode, its names and when it may be chosen.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

// gc_grace_seconds is a Java int in Cassandra: 0..2^31-1 (68 years).
inline constexpr int64_t kMaxGcGraceSeconds = 2147483647;
// Cassandra's Attributes.MAX_TTL: 20 years. Applies to default_ttl_seconds and per-write TTLs.
inline constexpr int64_t kMaxTtlSeconds = 630720000;

// InvalidArgument naming `field` and the bound for a value outside 0..kMaxGcGraceSeconds.
Status validate_gc_grace_seconds(int64_t seconds, std::string_view field = "gc_grace_seconds");
// InvalidArgument naming `field` and the bound for a value outside 0..kMaxTtlSeconds.
Status validate_ttl_seconds(int64_t seconds, std::string_view field = "default_ttl_seconds");

// When compaction may purge a table's tombstones and expired cells (docs/storage.md, "Purging
// tombstones"). Stored and sent by name.
enum class TombstoneGc : uint8_t {
  kTimeout,    // gc_grace_seconds after the local deletion time (Cassandra's rule)
  kRepair,     // once a repair of its range succeeded on every replica after the deletion
  kDisabled,   // never
  kImmediate,  // at once (tables whose deletes never race writes; RF 1 unless forced)
};
// What tables created through the cluster's schema get when they do not say. Tables that existed
// before the mode did (records without it) keep kTimeout.
inline constexpr TombstoneGc kDefaultTombstoneGc = TombstoneGc::kRepair;

// "timeout", "repair", "disabled", "immediate".
std::string_view tombstone_gc_name(TombstoneGc mode);
// The mode named `name`; InvalidArgument naming the value and the modes otherwise.
Result<TombstoneGc> parse_tombstone_gc(std::string_view name);
// FailedPrecondition for kImmediate on a table with more than one replica (`replicas`: the
// keyspace's total replication factor) unless `force`: a replica that missed a delete would bring
// the data back as soon as the others purged it.
Status check_tombstone_gc(TombstoneGc mode, int replicas, bool force);

}  // namespace rk
