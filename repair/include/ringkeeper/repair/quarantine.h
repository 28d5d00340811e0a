// Quarantine of returning nodes: which tables a node that was away must not serve when it comes
// back. A table in tombstone_gc timeout mode purges a tombstone gc_grace_seconds after the
// deletion; a replica away longer than that may have missed a deletion whose tombstone the other
// replicas have purged since, and would bring the deleted data back (a zombie) if it served or
// streamed the table. Tables in repair mode purge only after a repair covered every replica, and
// tables in disabled mode never purge: they need no quarantine. Immediate mode is chosen only for
// tables without deletes racing writes (refused for more than one replica unless forced): it is
// not quarantined either.
//
// Pure logic: the scheduler feeds it the absence it knows of and the tables the node replicates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ringkeeper/core/schema_limits.h"

namespace rk::repair {

// A table a node replicates (its keyspace has replicas in the node's datacenter).
struct ReplicatedTable {
  std::string keyspace;
  std::string table;
  int64_t gc_grace_seconds = 0;
  TombstoneGc tombstone_gc = TombstoneGc::kTimeout;
};

struct QuarantineDecision {
  int64_t away_us = 0;                 // back_at_us - left_at_us (0 when it never left)
  std::vector<ReplicatedTable> tables;  // the tables to quarantine, as given; empty: none
  // The smallest gc_grace among `tables` (0 when empty), for the operator's message.
  int64_t smallest_gc_grace_seconds = 0;
};

// The tables a node away from `left_at_us` (the last moment it is known to have been a healthy
// member) until `back_at_us` comes back quarantined for: the timeout-mode tables whose gc_grace
// is shorter than the absence. left_at_us <= 0 (unknown) or not before back_at_us: none.
QuarantineDecision decide_quarantine(int64_t left_at_us, int64_t back_at_us,
                                     const std::vector<ReplicatedTable>& replicated);

// The operator's message for a quarantine of `host` ("why and what to do").
std::string quarantine_message(const std::string& host, const QuarantineDecision& decision);

}  // namespace rk::repair
