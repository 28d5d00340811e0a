// Deterministic digests of reconciled rows, the units a Merkle tree is built from.
//
// A digest covers what replicas must agree on — keys, deletion timestamps, and each cell's kind,
// timestamp, TTL and value, columns in order — and leaves out local times (local deletion time,
// expiry), which each replica stamps with its own clock. Everything is length-prefixed so that
// no two different rows hash the same bytes.
#pragma once

#include <cstdint>
#include <functional>

#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/row.h"

namespace rk::storage {

// Calls `unit(digest, bytes)` once for the partition's deletion (when it is set and not
// purgeable) and once per row with anything left after dropping what is purgeable at
// `gc_before` (deletions and expired cells whose local_deletion_time <= gc_before).
// `bytes` approximates the unit's size for streaming estimates.
void digest_partition(const Partition& partition, int64_t now_seconds, int64_t gc_before,
                      const std::function<void(const Digest&, uint64_t)>& unit);

}  // namespace rk::storage
