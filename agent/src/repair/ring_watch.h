// Whether the ring a repair session started with still holds for it. The coordinator asks at
// every step boundary (before each replica call, each streamed chunk, each mark and each history
// record): when the session's range has another replica set now (a node joined, left, was
// replaced or removed) or one of its replicas left NORMAL (DOWN, LEAVING, or any state a later
// version adds, such as QUARANTINED), the session stops ABORTED with the reason, and the
// scheduler plans the segment again over the new ring (docs/repair.md, "When the ring changes").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/topology.h"
#include "ringkeeper/core/token_range.h"

namespace rk::agent {

// nullopt while `now` holds for a session over `replicas` of `range` in `keyspace` that started
// at `started`; otherwise why not, e.g. "ring changed (version 4 -> 6): host a1 (10.0.0.1:7000)
// replaced by b7 (10.0.0.9:7000)". A ring whose version did not move always holds.
std::optional<std::string> ring_change(const Topology& started, const Topology& now,
                                       std::string_view keyspace, const TokenRange& range,
                                       const std::vector<std::string>& replicas);

}  // namespace rk::agent
