// SimpleStrategy and NetworkTopologyStrategy replica placement (see replica_placement.h).
#include "ringkeeper/core/replica_placement.h"

#include <algorithm>
#include <deque>
#include <set>

#include <fmt/format.h>

namespace rk {
namespace {

bool contains(const std::vector<size_t>& v, size_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The first `rf` distinct nodes met walking clockwise from ring index `start`.
std::vector<size_t> simple_replicas(const Ring& ring, size_t start, int rf) {
  std::vector<size_t> out;
  const size_t count = ring.token_count();
  for (size_t k = 0; k < count && out.size() < static_cast<size_t>(rf); ++k) {
    const size_t node = ring.owner_at((start + k) % count);
    if (!contains(out, node)) out.push_back(node);
  }
  return out;
}

// Replicas within datacenter `dc`: distinct racks first, then the nodes set aside, in walk order.
void datacenter_replicas(const Ring& ring, size_t start, const std::string& dc, int rf,
                         std::vector<size_t>& out) {
  std::set<size_t> dc_nodes;
  std::set<std::string_view> dc_racks;
  for (size_t n = 0; n < ring.nodes().size(); ++n) {
    if (ring.nodes()[n].datacenter != dc) continue;
    dc_nodes.insert(n);
    dc_racks.insert(ring.nodes()[n].rack);
  }
  const size_t target = std::min(static_cast<size_t>(rf), dc_nodes.size());
  std::vector<size_t> chosen;
  std::set<std::string_view> racks_used;
  std::deque<size_t> set_aside;
  const size_t count = ring.token_count();
  for (size_t k = 0; k < count && chosen.size() < target; ++k) {
    const size_t node = ring.owner_at((start + k) % count);
    if (!dc_nodes.contains(node) || contains(chosen, node) ||
        std::find(set_aside.begin(), set_aside.end(), node) != set_aside.end()) {
      continue;
    }
    const std::string_view rack = ring.nodes()[node].rack;
    if (racks_used.size() == dc_racks.size()) {
      chosen.push_back(node);  // every rack has a replica: fill in walk order
    } else if (racks_used.insert(rack).second) {
      chosen.push_back(node);
      if (racks_used.size() == dc_racks.size()) {
        while (!set_aside.empty() && chosen.size() < target) {
          chosen.push_back(set_aside.front());
          set_aside.pop_front();
        }
      }
    } else {
      set_aside.push_back(node);
    }
  }
  while (!set_aside.empty() && chosen.size() < target) {  // not reached: every rack gets walked
    chosen.push_back(set_aside.front());
    set_aside.pop_front();
  }
  out.insert(out.end(), chosen.begin(), chosen.end());
}

}  // namespace

Status Replication::validate() const {
  if (strategy == Strategy::kSimple) {
    if (replication_factor < 1) {
      return Status::InvalidArgument(
          fmt::format("replication_factor must be at least 1, got {}", replication_factor));
    }
    return Status::OK();
  }
  if (datacenter_factors.empty()) {
    return Status::InvalidArgument("NetworkTopologyStrategy needs at least one datacenter");
  }
  for (const auto& [dc, rf] : datacenter_factors) {
    if (dc.empty()) return Status::InvalidArgument("empty datacenter name in replication");
    if (rf < 0) {
      return Status::InvalidArgument(
          fmt::format("replication factor for {} must not be negative, got {}", dc, rf));
    }
  }
  if (total_factor() < 1) return Status::InvalidArgument("every replication factor is 0");
  return Status::OK();
}

int Replication::total_factor() const {
  if (strategy == Strategy::kSimple) return replication_factor;
  int total = 0;
  for (const auto& [dc, rf] : datacenter_factors) total += rf;
  return total;
}

int Replication::factor_for(std::string_view dc) const {
  if (strategy == Strategy::kSimple) return replication_factor;
  auto it = datacenter_factors.find(std::string(dc));
  return it == datacenter_factors.end() ? 0 : it->second;
}

Result<ReplicaPlacement> ReplicaPlacement::create(Ring ring, Replication replication) {
  RK_RETURN_IF_ERROR(replication.validate());
  ReplicaPlacement p(std::move(ring), std::move(replication));
  const Ring& r = p.ring_;
  p.replicas_.resize(r.token_count());
  for (size_t i = 0; i < r.token_count(); ++i) {
    if (p.replication_.strategy == Replication::Strategy::kSimple) {
      p.replicas_[i] = simple_replicas(r, i, p.replication_.replication_factor);
    } else {
      for (const auto& [dc, rf] : p.replication_.datacenter_factors) {
        if (rf > 0) datacenter_replicas(r, i, dc, rf, p.replicas_[i]);
      }
    }
  }
  return p;
}

std::vector<const RingNode*> ReplicaPlacement::to_nodes(const std::vector<size_t>& indices) const {
  std::vector<const RingNode*> out;
  out.reserve(indices.size());
  for (size_t n : indices) out.push_back(&ring_.nodes()[n]);
  return out;
}

std::vector<const RingNode*> ReplicaPlacement::replicas(Token token) const {
  if (ring_.empty()) return {};
  return to_nodes(replicas_[ring_.token_index_for(token)]);
}

std::vector<RangeReplicas> ReplicaPlacement::replicas_for_range(const TokenRange& range) const {
  std::vector<RangeReplicas> out;
  if (ring_.empty()) return out;
  for (size_t i = 0; i < ring_.token_count(); ++i) {
    for (const TokenRange& piece : ring_.range_at(i).intersection(range)) {
      out.push_back({piece, to_nodes(replicas_[i])});
    }
  }
  // Ring order from range.start(): by clockwise distance of each piece's start.
  const auto distance = [&](const RangeReplicas& r) {
    return static_cast<uint64_t>(r.range.start()) - static_cast<uint64_t>(range.start());
  };
  std::sort(out.begin(), out.end(), [&](const RangeReplicas& a, const RangeReplicas& b) {
    return distance(a) < distance(b);
  });
  return out;
}

std::vector<RangeReplicas> ReplicaPlacement::all_ranges() const {
  std::vector<RangeReplicas> out;
  for (size_t i = 0; i < ring_.token_count(); ++i) {
    out.push_back({ring_.range_at(i), to_nodes(replicas_[i])});
  }
  return out;
}

std::vector<TokenRange> ReplicaPlacement::ranges_of(std::string_view host_id) const {
  std::vector<TokenRange> out;
  const int node = ring_.node_index(host_id);
  if (node < 0) return out;
  for (size_t i = 0; i < ring_.token_count(); ++i) {
    if (contains(replicas_[i], static_cast<size_t>(node))) out.push_back(ring_.range_at(i));
  }
  return out;
}

std::map<std::string, double> ReplicaPlacement::effective_ownership() const {
  std::vector<uint128_t> owned(ring_.nodes().size(), 0);
  for (size_t i = 0; i < ring_.token_count(); ++i) {
    const uint128_t size = ring_.range_at(i).size();
    for (size_t n : replicas_[i]) owned[n] += size;
  }
  std::map<std::string, double> out;
  for (size_t n = 0; n < ring_.nodes().size(); ++n) {
    out[ring_.nodes()[n].host_id] = static_cast<double>(owned[n]) / static_cast<double>(kRingSize);
  }
  return out;
}

}  // namespace rk
