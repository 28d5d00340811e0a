// Rings and plans for the repair tests: small hand-made ones and seeded random ones.
#pragma once

#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/repair/segment_plan.h"

namespace rk::repair::testing {

inline ReplicaPlacement place(std::vector<RingNode> nodes, Replication replication) {
  auto ring = Ring::build(std::move(nodes));
  EXPECT_TRUE(ring.ok()) << ring.status().to_string();
  auto p = ReplicaPlacement::create(std::move(ring).value(), std::move(replication));
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return std::move(p).value();
}

// `nodes` nodes with `vnodes` random distinct tokens each, spread over `dcs` datacenters (nodes
// dealt round-robin, three racks per datacenter).
inline std::vector<RingNode> random_nodes(std::mt19937_64& rng, int nodes, int vnodes, int dcs) {
  std::set<Token> used;
  std::vector<RingNode> out;
  out.reserve(static_cast<size_t>(nodes));
  for (int i = 0; i < nodes; ++i) {
    RingNode n;
    n.host_id = fmt::format("h{:04}", i);
    n.datacenter = fmt::format("dc{}", i % dcs + 1);
    n.rack = fmt::format("r{}", (i / dcs) % 3 + 1);
    for (int v = 0; v < vnodes; ++v) {
      Token t;
      do {
        t = static_cast<Token>(rng());
      } while (t == kMinToken || !used.insert(t).second);
      n.tokens.push_back(t);
    }
    out.push_back(std::move(n));
  }
  return out;
}

// RF per datacenter (NetworkTopologyStrategy) with several datacenters, SimpleStrategy with one.
inline Replication replication_for(int dcs, int rf) {
  if (dcs == 1) return Replication::simple(rf);
  std::map<std::string, int> factors;
  for (int d = 0; d < dcs; ++d) factors[fmt::format("dc{}", d + 1)] = rf;
  return Replication::network_topology(std::move(factors));
}

// Every node reports `bytes_per_node` for table "t".
inline SizeEstimates uniform_sizes(const Ring& ring, int64_t bytes_per_node) {
  SizeEstimates sizes;
  for (const RingNode& n : ring.nodes()) sizes[n.host_id]["t"] = bytes_per_node;
  return sizes;
}

}  // namespace rk::repair::testing
