// How the ring moved under a repair session or a planned segment: the replica set a session
// started with (or a segment was planned with) against the replica sets the current ring gives
// the same token range. The agent coordinating a session stops it when the set moved; the
// scheduler plans the segment again over the new ring (docs/repair.md, "When the ring changes").
//
// Pure logic over core's placement: no I/O, no clock.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/token_range.h"

namespace rk::repair {

struct RingChange {
  std::vector<std::string> left;    // replicas that no longer replicate (part of) the range
  std::vector<std::string> joined;  // hosts that now replicate (part of) it and were not replicas
  bool empty() const { return left.empty() && joined.empty(); }
};

// Compares `replicas` (host ids, any order) with the replica sets `placement` gives each piece of
// `range`: empty when every piece has exactly those replicas. With `datacenters` non-empty only
// replicas in those datacenters count (a run's datacenter filter).
RingChange replica_set_change(const ReplicaPlacement& placement, const TokenRange& range,
                              const std::vector<std::string>& replicas,
                              const std::vector<std::string>& datacenters = {});

// A host as the operator reads it, and its ring state ("NORMAL", "DOWN", "REPLACED", ..., or ""
// when the ring no longer has it).
struct HostInfo {
  std::function<std::string(const std::string& host_id)> label;
  std::function<std::string(const std::string& host_id)> state;
  // The host that replaced this one, or "" (may be left empty when nobody knows).
  std::function<std::string(const std::string& host_id)> replaced_by = {};
};

// One line for logs and records: "host A replaced by B", "host A left the replica set (LEAVING)",
// "host A left the ring", "host C joined the replica set", joined by "; ". A host that left is
// paired with the joined host that replaced it; without that knowledge one that left in state
// REPLACED is paired with a joined host, in order.
std::string describe(const RingChange& change, const HostInfo& hosts);

}  // namespace rk::repair
