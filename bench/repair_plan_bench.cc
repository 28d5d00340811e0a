// Repair planning at scale: a 1000-node, 256-vnode, RF 3 cluster (NetworkTopologyStrategy, one
// datacenter, three racks, random tokens, 500 GiB per node) planned into segments and
// conflict-free waves, plus one selection tick in each mode, with wall time and peak RSS printed
// against the targets (planning under 1 s, under 200 MiB). The replica placement itself (core) is
// timed separately: the scheduler builds it once per ring version for every purpose, not per plan.
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bench_support.h"
#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/repair/segment_plan.h"
#include "ringkeeper/repair/segment_selection.h"

namespace {

using Clock = std::chrono::steady_clock;
using rk::bench::peak_rss_mib;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main() {
  constexpr int kNodes = 1000;
  constexpr int kVnodes = 256;
  constexpr int64_t kGiB = int64_t{1} << 30;
  std::mt19937_64 rng(1000256);
  std::set<rk::Token> used;
  std::vector<rk::RingNode> nodes;
  for (int i = 0; i < kNodes; ++i) {
    rk::RingNode n{"node-" + std::to_string(i), "dc1", "r" + std::to_string(i % 3 + 1), {}};
    while (n.tokens.size() < kVnodes) {
      const auto t = static_cast<rk::Token>(rng());
      if (t != rk::kMinToken && used.insert(t).second) n.tokens.push_back(t);
    }
    nodes.push_back(std::move(n));
  }
  used.clear();
  const double rss_before = peak_rss_mib();

  auto t0 = Clock::now();
  auto ring = rk::Ring::build(std::move(nodes));
  auto placement = rk::ReplicaPlacement::create(std::move(ring).value(),
                                                rk::Replication::network_topology({{"dc1", 3}}));
  const double placement_ms = ms_since(t0);
  const double rss_placement = peak_rss_mib();

  rk::repair::SizeEstimates sizes;
  for (const rk::RingNode& n : placement->ring().nodes()) sizes[n.host_id]["t"] = 500 * kGiB;

  auto t1 = Clock::now();
  auto plan = rk::repair::plan_segments(*placement, "ks", {"t"}, sizes);
  const double plan_ms = ms_since(t1);
  auto t2 = Clock::now();
  auto waves = rk::repair::plan_waves(*plan);
  const double waves_ms = ms_since(t2);

  // One tick of each mode on a fresh run (every segment pending, every node NORMAL).
  std::vector<rk::repair::SegmentProgress> progress(plan->segments.size());
  std::vector<rk::repair::NodeCondition> conditions;
  for (const auto& h : plan->hosts) {
    conditions.push_back({h.host_id, "", rk::repair::NodeState::kNormal});
  }
  rk::repair::SelectionOptions parallel;
  parallel.mode = rk::repair::RepairMode::kParallel;
  auto t3 = Clock::now();
  auto tick = rk::repair::select_segments({&*plan, progress, conditions, 0}, parallel);
  const double parallel_ms = ms_since(t3);
  auto t4 = Clock::now();
  auto seq = rk::repair::select_segments({&*plan, progress, conditions, 0}, {});
  const double sequential_ms = ms_since(t4);
  const double rss_after = peak_rss_mib();

  const double planning_ms = plan_ms + waves_ms + parallel_ms + sequential_ms;
  std::printf("cluster: %d nodes x %d vnodes = %zu ranges, RF 3, 500 GiB/node, 1 GiB target\n",
              kNodes, kVnodes, placement->ring().token_count());
  std::printf("replica placement (core, once per ring): %8.1f ms\n", placement_ms);
  std::printf("plan_segments:  %8.1f ms  -> %zu segments (%.2f GiB average)\n", plan_ms,
              plan->segments.size(),
              static_cast<double>(plan->total_estimated_bytes()) /
                  static_cast<double>(plan->segments.size()) / static_cast<double>(kGiB));
  std::printf("plan_waves:     %8.1f ms  -> %zu waves (largest %zu sessions)\n", waves_ms,
              waves.size(), waves.empty() ? size_t{0} : waves.front().size());
  std::printf("select (parallel tick):   %8.1f ms  -> %zu starts\n", parallel_ms,
              tick->start.size());
  std::printf("select (sequential tick): %8.1f ms  -> %zu start\n", sequential_ms,
              seq->start.size());
  std::printf("planning total: %8.1f ms   target < 1000 ms   %s\n", planning_ms,
              planning_ms < 1000 ? "OK" : "MISSED");
  std::printf(
      "peak RSS: %.1f MiB after ring input, %.1f MiB with placement, %.1f MiB after "
      "planning (planning added %.1f MiB)   target < 200 MiB   %s\n",
      rss_before, rss_placement, rss_after, rss_after - rss_placement,
      rss_after < 200 ? "OK" : "MISSED");
  return 0;
}
