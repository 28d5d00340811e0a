// Replica lookup cost on the data path: ReplicaPlacement::replica_indices(token) (replica sets
// computed once per ring, then a binary search) compared in the same run against walking the ring
// on every call (the SimpleStrategy walk a coordinator would otherwise do per request). Also prints
// what the one-off precomputation costs. Rings: Priam tokens, 3 racks, vnodes.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/token_assignment.h"

namespace {

using Clock = std::chrono::steady_clock;

rk::Ring make_ring(int nodes, uint32_t vnodes) {
  rk::DatacenterLayout layout{.name = "dc1",
                              .racks = {"r1", "r2", "r3"},
                              .slot_count = static_cast<uint64_t>(nodes),
                              .num_tokens = vnodes};
  std::vector<rk::SlottedNode> slotted;
  for (int i = 0; i < nodes; ++i) {
    const std::string rack = layout.racks[static_cast<size_t>(i % 3)];
    auto a = rk::assign_tokens(layout, slotted, rack);
    slotted.push_back({"n" + std::to_string(i), "dc1", rack, a->slot, a->tokens});
  }
  std::vector<rk::RingNode> ring_nodes;
  for (auto& s : slotted) ring_nodes.push_back({s.host_id, s.datacenter, s.rack, s.tokens});
  return std::move(rk::Ring::build(std::move(ring_nodes))).value();
}

// Replicas by walking the ring from the token's primary range, every call.
size_t walk_replicas(const rk::Ring& ring, rk::Token token, size_t rf, size_t* out) {
  size_t found = 0;
  const size_t start = ring.token_index_for(token);
  for (size_t k = 0; k < ring.token_count() && found < rf; ++k) {
    const size_t node = ring.owner_at((start + k) % ring.token_count());
    bool seen = false;
    for (size_t j = 0; j < found; ++j) seen |= out[j] == node;
    if (!seen) out[found++] = node;
  }
  return found;
}

double ns_per(Clock::time_point start, size_t n) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(n);
}

}  // namespace

int main() {
  std::mt19937_64 rng(11);
  std::vector<rk::Token> tokens(200'000);
  for (auto& t : tokens) t = static_cast<rk::Token>(rng());
  std::printf("%6s %7s %14s %14s %14s %14s %12s\n", "nodes", "vnodes", "precomp ns/op",
              "NTS pre ns/op", "walk ns/op", "build NTS ms", "walk/precomp");
  uint64_t sink = 0;
  for (auto [nodes, vnodes] :
       {std::pair{3, 1u}, std::pair{6, 16u}, std::pair{6, 256u}, std::pair{48, 256u}}) {
    rk::Ring ring = make_ring(nodes, vnodes);
    auto simple = rk::ReplicaPlacement::create(ring, rk::Replication::simple(3)).value();
    auto t0 = Clock::now();
    auto nts =
        rk::ReplicaPlacement::create(ring, rk::Replication::network_topology({{"dc1", 3}})).value();
    const double build_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

    for (rk::Token t : tokens) sink += simple.replica_indices(t)[0];  // warm-up
    t0 = Clock::now();
    for (rk::Token t : tokens) sink += simple.replica_indices(t)[0];
    const double pre = ns_per(t0, tokens.size());
    t0 = Clock::now();
    for (rk::Token t : tokens) sink += nts.replica_indices(t)[0];
    const double pre_nts = ns_per(t0, tokens.size());
    t0 = Clock::now();
    size_t out[8];
    for (rk::Token t : tokens) sink += walk_replicas(ring, t, 3, out) + out[0];
    const double walk = ns_per(t0, tokens.size());
    std::printf("%6d %7u %14.1f %14.1f %14.1f %14.2f %12.2f\n", nodes, vnodes, pre, pre_nts, walk,
                build_ms, walk / pre);
  }
  std::printf(
      "(precomp = ReplicaPlacement::replica_indices, SimpleStrategy RF 3; walk = ring walk per "
      "call, same RF; checksum %llu)\n",
      static_cast<unsigned long long>(sink & 0xffff));
  return 0;
}
