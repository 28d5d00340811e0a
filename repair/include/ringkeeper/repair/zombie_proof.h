// The zombie-safety proof of one table: over the time ringkeeper has a record of it, could a
// tombstone have been purged from some replica before a repair had put it on every replica?
// When that cannot have happened, no deleted row can have come back (docs/repair.md, "Proof").
//
// The rule, per token x of the ring and moment t:
//   L_x(t) = the latest start of a repair of x that covered every replica and finished by t
//            (the table's creation when there is none: no delete is older);
//   every delete of x made before L_x(t) is on every replica by t (that repair saw it).
// So a tombstone that is not yet safe at t was written after L_x(t), and compaction may purge it:
//   tombstone_gc timeout    once gc_grace has passed since its delete: exposed when
//                           t > L_x(t) + gc_grace;
//   tombstone_gc immediate  at once: exposed whenever the table has more than one replica;
//   tombstone_gc repair     only after a repair covered it on every replica: never exposed;
//   tombstone_gc disabled   never: never exposed.
// A table with one replica is never exposed (no other replica holds what a tombstone deletes).
// The mode that counts is the one in force at t (an ALTER from repair to timeout exposes at once
// the tombstones that are older than gc_grace and not yet repaired).
//
// A window is a stretch of time in which some ranges were exposed; the table is zombie-safe since
// the end of its last window (or the record's start when there was none) while no window is open.
// Pure logic: no clock, no I/O.
#pragma once

#include <cstdint>
#include <vector>

#include "ringkeeper/core/schema_limits.h"
#include "ringkeeper/core/token_range.h"

namespace rk::repair {

// A tombstone_gc mode in force from `since_us` until the next entry's since_us.
struct GcModeSpan {
  int64_t since_us = 0;
  TombstoneGc mode = TombstoneGc::kTimeout;
};

// A repair that finished successfully on every replica of `range`: it covers every delete made
// before `started_us` from `finished_us` on.
struct CoveringRepair {
  TokenRange range = TokenRange::full_ring();
  int64_t started_us = 0;
  int64_t finished_us = 0;
};

struct ProofInput {
  int64_t record_since_us = 0;  // when the record begins (table created, or first seen)
  // When the table was created: no delete is older. Before the record began, only what the
  // repairs finishing by its start say is known (0: the table is as old as its record).
  int64_t created_us = 0;
  int64_t gc_grace_seconds = 864000;
  int replicas = 3;  // the keyspace's replication factor, every datacenter together
  // By since_us; the first entry's mode also holds before its since_us.
  std::vector<GcModeSpan> modes;
  std::vector<CoveringRepair> repairs;  // any order; those finishing after now_us are ignored
  int64_t now_us = 0;
};

// Ranges exposed over [from_us, to_us).
struct ExposureWindow {
  std::vector<TokenRange> ranges;  // normalize()d
  int64_t from_us = 0;
  int64_t to_us = 0;  // 0: still open at now_us
  // The start of the ranges' last covering repair when the window opened (the table's creation
  // when they had none): deletes after it were not yet on every replica.
  int64_t repaired_before_us = 0;
  TombstoneGc mode = TombstoneGc::kTimeout;  // the mode that let compaction purge
};

// Time in which any range was exposed: windows that overlap in time, merged.
struct ExposureEpisode {
  int64_t from_us = 0;
  int64_t to_us = 0;          // 0: still open
  double ring_share = 0;      // the share of the ring exposed at some point of it, in (0, 1]
};

struct ZombieProof {
  bool safe_now = true;
  // safe_now: since when no range has been exposed (the end of the last window, or the record's
  // start). Otherwise 0.
  int64_t safe_since_us = 0;
  // !safe_now: when the earliest window still open began. Otherwise 0.
  int64_t exposed_since_us = 0;
  // safe_now under a mode that purges by time (timeout, more than one replica): when the first
  // range becomes exposed unless repaired again (the earliest L_x(now) + gc_grace). 0: no such
  // moment (repair or disabled mode, one replica) or already exposed.
  int64_t safe_until_us = 0;
  std::vector<ExposureWindow> windows;    // by from_us, then by first range
  std::vector<ExposureEpisode> episodes;  // by from_us
};

ZombieProof prove_zombie_safety(const ProofInput& input);

}  // namespace rk::repair
