// Segment planning (see segment_plan.h): primary ranges with their replica sets, split by size
// and token count, merged while small.
#include "ringkeeper/repair/segment_plan.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

namespace rk::repair {

int SegmentPlan::host_index(std::string_view host_id) const {
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (hosts[i].host_id == host_id) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> SegmentPlan::replica_ids(const Segment& segment) const {
  std::vector<std::string> out;
  out.reserve(segment.replicas.size());
  for (uint32_t r : segment.replicas) out.push_back(hosts[r].host_id);
  return out;
}

int64_t SegmentPlan::total_estimated_bytes() const {
  int64_t total = 0;
  for (const Segment& s : segments) total += s.estimated_bytes;
  return total;
}

namespace {

// ceil(a / b) for positive long doubles, as a piece count of at least 1.
uint128_t pieces_for(long double amount, long double limit) {
  if (limit <= 0 || amount <= limit) return 1;
  return static_cast<uint128_t>(std::ceil(amount / limit));
}

// Whether two replica lists hold the same nodes (in any order); lists are RF long at most.
bool same_set(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.size() != b.size()) return false;
  for (uint32_t x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) return false;
  }
  return true;
}

// A guard against limits that would cut one range into absurdly many sessions.
constexpr uint64_t kMaxPiecesPerRange = 10'000'000;

}  // namespace

Result<SegmentPlan> plan_segments(const ReplicaPlacement& placement, std::string_view keyspace,
                                  std::vector<std::string> tables, const SizeEstimates& sizes,
                                  const SegmentPlanOptions& options) {
  const Ring& ring = placement.ring();
  if (ring.empty()) return Status::InvalidArgument("cannot plan segments on an empty ring");
  if (tables.empty()) return Status::InvalidArgument("a segment plan needs at least one table");
  if (options.target_segment_bytes < 0) {
    return Status::InvalidArgument("target_segment_bytes must not be negative");
  }

  SegmentPlan plan;
  plan.keyspace = std::string(keyspace);
  plan.tables = std::move(tables);
  plan.hosts.reserve(ring.nodes().size());
  for (const RingNode& n : ring.nodes()) plan.hosts.push_back({n.host_id, n.datacenter});

  const size_t count = ring.token_count();
  const size_t node_count = ring.nodes().size();

  // Each node's reported bytes over the plan's tables, and the tokens it replicates.
  std::vector<long double> node_bytes(node_count, 0);
  for (size_t n = 0; n < node_count; ++n) {
    auto it = sizes.find(ring.nodes()[n].host_id);
    if (it == sizes.end()) continue;
    for (const std::string& t : plan.tables) {
      auto tt = it->second.find(t);
      if (tt != it->second.end() && tt->second > 0) node_bytes[n] += tt->second;
    }
  }
  std::vector<long double> replicated(node_count, 0);
  for (size_t i = 0; i < count; ++i) {
    const long double size = ring.range_at(i).size_ld();
    for (size_t r : placement.replica_indices(ring.token_at(i))) replicated[r] += size;
  }
  auto range_bytes = [&](size_t i, long double size) {
    long double best = 0;
    for (size_t r : placement.replica_indices(ring.token_at(i))) {
      if (replicated[r] > 0) best = std::max(best, node_bytes[r] * size / replicated[r]);
    }
    return best;
  };

  // Each range's replicas after the filters, or none when the range is not planned.
  for (const std::string& dc : options.datacenters) {
    if (std::none_of(plan.hosts.begin(), plan.hosts.end(),
                     [&](const PlanHost& h) { return h.datacenter == dc; })) {
      return Status::InvalidArgument(fmt::format("no node in datacenter '{}'", dc));
    }
  }
  std::vector<char> node_wanted(node_count, options.nodes.empty() ? 1 : 0);
  for (const std::string& id : options.nodes) {
    const int idx = ring.node_index(id);
    if (idx < 0) return Status::InvalidArgument(fmt::format("unknown node '{}'", id));
    node_wanted[static_cast<size_t>(idx)] = 1;
  }
  auto replicas_of = [&](size_t i) {
    std::vector<uint32_t> out;
    bool wanted = false;
    for (size_t r : placement.replica_indices(ring.token_at(i))) {
      wanted |= node_wanted[r] != 0;
      if (!options.datacenters.empty() &&
          std::find(options.datacenters.begin(), options.datacenters.end(),
                    ring.nodes()[r].datacenter) == options.datacenters.end()) {
        continue;
      }
      out.push_back(static_cast<uint32_t>(r));
    }
    if (!wanted || out.size() < std::max<size_t>(options.min_replicas, 1)) out.clear();
    return out;
  };

  const long double target = static_cast<long double>(options.target_segment_bytes);
  const long double max_tokens = static_cast<long double>(options.max_segment_tokens);
  auto fits = [&](long double bytes, long double tokens) {
    return (target <= 0 || bytes <= target) && (max_tokens <= 0 || tokens <= max_tokens);
  };

  plan.segments.reserve(count);
  size_t i = 0;
  std::vector<uint32_t> next_replicas = replicas_of(0);
  while (i < count) {
    std::vector<uint32_t> replicas = std::move(next_replicas);
    next_replicas = i + 1 < count ? replicas_of(i + 1) : std::vector<uint32_t>();
    if (replicas.empty()) {
      ++i;
      continue;
    }
    const TokenRange range = ring.range_at(i);
    const long double size = range.size_ld();
    const long double bytes = range_bytes(i, size);
    const uint32_t primary = static_cast<uint32_t>(ring.owner_at(i));

    uint128_t n =
        std::max({pieces_for(bytes, target), pieces_for(size, max_tokens),
                  static_cast<uint128_t>(std::max<uint32_t>(options.min_pieces_per_range, 1))});
    n = std::min(n, range.size());
    if (n > kMaxPiecesPerRange) {
      return Status::InvalidArgument(fmt::format(
          "range {} would be cut into more than {} segments; raise target_segment_bytes or "
          "max_segment_tokens",
          range.to_string(), kMaxPiecesPerRange));
    }
    if (n > 1) {
      const uint64_t pieces = static_cast<uint64_t>(n);
      const long double per_piece = bytes / static_cast<long double>(pieces);
      for (uint64_t k = 0; k < pieces; ++k) {
        plan.segments.push_back(Segment{range.split_piece(pieces, k), replicas, primary,
                                        static_cast<int64_t>(std::llround(per_piece))});
      }
      ++i;
      continue;
    }

    // Merge the following ranges while they share this replica set and the sum still fits.
    size_t j = i + 1;
    long double merged_bytes = bytes;
    long double merged_size = size;
    if (options.merge_adjacent) {
      while (j < count && same_set(next_replicas, replicas)) {
        const long double next_size = ring.range_at(j).size_ld();
        const long double next_bytes = range_bytes(j, next_size);
        if (!fits(merged_bytes + next_bytes, merged_size + next_size)) break;
        merged_bytes += next_bytes;
        merged_size += next_size;
        ++j;
        next_replicas = j < count ? replicas_of(j) : std::vector<uint32_t>();
      }
    }
    const TokenRange merged(range.start(), ring.token_at(j - 1));
    plan.segments.push_back(Segment{merged, std::move(replicas), primary,
                                    static_cast<int64_t>(std::llround(merged_bytes))});
    i = j;
  }
  return plan;
}

Result<SegmentPlan> restore_plan(
    std::string keyspace, std::vector<std::string> tables,
    const std::vector<SegmentRecord>& records,
    const std::map<std::string, std::string, std::less<>>& datacenters) {
  SegmentPlan plan;
  plan.keyspace = std::move(keyspace);
  plan.tables = std::move(tables);
  plan.segments.reserve(records.size());
  std::unordered_map<std::string, uint32_t> index;
  auto intern = [&](const std::string& host_id) {
    auto [it, added] = index.emplace(host_id, static_cast<uint32_t>(plan.hosts.size()));
    if (added) {
      auto dc = datacenters.find(host_id);
      plan.hosts.push_back({host_id, dc == datacenters.end() ? std::string() : dc->second});
    }
    return it->second;
  };
  for (size_t i = 0; i < records.size(); ++i) {
    const SegmentRecord& rec = records[i];
    if (rec.replicas.empty()) {
      return Status::InvalidArgument(fmt::format("segment {} has no replicas", i));
    }
    Segment seg;
    seg.range = rec.range;
    seg.estimated_bytes = rec.estimated_bytes;
    bool primary_found = false;
    for (const std::string& r : rec.replicas) {
      const uint32_t h = intern(r);
      if (std::find(seg.replicas.begin(), seg.replicas.end(), h) != seg.replicas.end()) {
        return Status::InvalidArgument(fmt::format("segment {} repeats replica {}", i, r));
      }
      seg.replicas.push_back(h);
      if (r == rec.primary) {
        seg.primary = h;
        primary_found = true;
      }
    }
    if (!primary_found) {
      return Status::InvalidArgument(
          fmt::format("segment {}: primary {} is not one of its replicas", i, rec.primary));
    }
    plan.segments.push_back(std::move(seg));
  }
  return plan;
}

std::vector<SegmentRecord> plan_records(const SegmentPlan& plan) {
  std::vector<SegmentRecord> out;
  out.reserve(plan.segments.size());
  for (const Segment& s : plan.segments) {
    out.push_back(SegmentRecord{s.range, plan.replica_ids(s), plan.hosts[s.primary].host_id,
                                s.estimated_bytes});
  }
  return out;
}

}  // namespace rk::repair
