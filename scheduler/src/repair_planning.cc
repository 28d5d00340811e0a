// The scheduler's planning seam (see repair_planning.h).
#include "repair_planning.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace rk::scheduler {

Result<std::vector<PlannedSegment>> plan_segments(const RepairRunOptions& options,
                                                  const std::vector<NodeView>& nodes,
                                                  const Replication& replication) {
  std::vector<RingNode> ring_nodes;
  std::map<std::string, const NodeView*> by_host;
  for (const NodeView& n : nodes) {
    if (n.info.tokens.empty() || n.info.state == NodeState::kReplaced) continue;
    ring_nodes.push_back({n.info.host_id, n.info.datacenter, n.info.rack, n.info.tokens});
    by_host[n.info.host_id] = &n;
  }
  RK_ASSIGN_OR_RETURN(Ring ring, Ring::build(std::move(ring_nodes)));
  RK_ASSIGN_OR_RETURN(ReplicaPlacement placement,
                      ReplicaPlacement::create(std::move(ring), replication));
  const std::map<std::string, double> owns = placement.effective_ownership();
  std::vector<PlannedSegment> out;
  for (const RangeReplicas& rr : placement.all_ranges()) {
    std::vector<std::string> replicas;
    bool wanted = options.nodes.empty();
    for (const RingNode* r : rr.replicas) {
      if (std::find(options.nodes.begin(), options.nodes.end(), r->host_id) !=
          options.nodes.end()) {
        wanted = true;
      }
      if (!options.datacenters.empty() &&
          std::find(options.datacenters.begin(), options.datacenters.end(), r->datacenter) ==
              options.datacenters.end()) {
        continue;
      }
      replicas.push_back(r->host_id);
    }
    if (!wanted || replicas.size() < 2) continue;
    // The range's data as the largest replica estimates it: its load times the range's share of
    // what it replicates.
    int64_t estimate = 0;
    for (const std::string& h : replicas) {
      auto it = owns.find(h);
      if (it == owns.end() || it->second <= 0) continue;
      const double share = rr.range.ownership() / it->second;
      estimate = std::max(
          estimate, static_cast<int64_t>(static_cast<double>(by_host[h]->load_bytes) * share));
    }
    uint64_t pieces = static_cast<uint64_t>(std::max(1, options.segments_per_range));
    if (options.max_segment_bytes > 0 && estimate > options.max_segment_bytes) {
      pieces = std::max<uint64_t>(pieces,
                                  static_cast<uint64_t>((estimate + options.max_segment_bytes - 1) /
                                                        options.max_segment_bytes));
    }
    pieces =
        static_cast<uint64_t>(std::min<uint128_t>(static_cast<uint128_t>(pieces), rr.range.size()));
    RK_ASSIGN_OR_RETURN(std::vector<TokenRange> parts, rr.range.split(pieces));
    for (const TokenRange& p : parts) {
      out.push_back({p, replicas, estimate / static_cast<int64_t>(pieces)});
    }
  }
  return out;
}

std::vector<int64_t> choose_segments(const std::vector<StartCandidate>& candidates,
                                     const WaveState& state) {
  std::vector<int64_t> out;
  const int limit =
      state.parallelism == RepairParallelism::kSequential ? 1 : std::max(1, state.max_sessions);
  int running = state.running_in_run;
  if (running >= limit) return out;
  std::set<std::string> busy = state.busy;
  const auto free = [&](const StartCandidate& c) {
    return std::none_of(c.replicas->begin(), c.replicas->end(),
                        [&](const std::string& h) { return busy.count(h) > 0; });
  };
  const auto take = [&](const StartCandidate& c) {
    out.push_back(c.id);
    busy.insert(c.replicas->begin(), c.replicas->end());
    ++running;
  };
  if (state.parallelism == RepairParallelism::kSequential) {
    const auto disjoint_from_last = [&](const StartCandidate& c) {
      return std::none_of(c.replicas->begin(), c.replicas->end(), [&](const std::string& h) {
        return std::find(state.last_replicas.begin(), state.last_replicas.end(), h) !=
               state.last_replicas.end();
      });
    };
    for (const StartCandidate& c : candidates) {
      if (free(c) && disjoint_from_last(c)) {
        take(c);
        return out;
      }
    }
    // With fewer nodes than two disjoint replica sets need, the next one overlaps anyway; an
    // identical set is still the last resort.
    for (const StartCandidate& c : candidates) {
      if (free(c) && *c.replicas != state.last_replicas) {
        take(c);
        return out;
      }
    }
    for (const StartCandidate& c : candidates) {
      if (free(c)) {
        take(c);
        return out;
      }
    }
    return out;
  }
  for (const StartCandidate& c : candidates) {
    if (running >= limit) break;
    if (free(c)) take(c);
  }
  return out;
}

int64_t rest_after_us(int64_t duration_us, double intensity) {
  if (intensity >= 1.0 || intensity <= 0 || duration_us <= 0) return 0;
  return static_cast<int64_t>(static_cast<double>(duration_us) * (1.0 - intensity) / intensity);
}

int64_t default_interval_seconds(int64_t gc_grace_seconds) {
  return std::max<int64_t>(1, gc_grace_seconds / 2);
}

}  // namespace rk::scheduler
