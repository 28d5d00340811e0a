// SimpleStrategy and NetworkTopologyStrategy replica placement (see replica_placement.h).
#include "ringkeeper/core/replica_placement.h"

#include <algorithm>
#include <deque>

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

// One datacenter as NetworkTopologyStrategy walks it: which nodes are in it and their racks as
// small integers, computed once per placement rather than once per range.
struct DatacenterView {
  std::vector<int> rack_of;  // per node index: rack number in this datacenter, -1 if elsewhere
  size_t node_count = 0;
  size_t rack_count = 0;
};

DatacenterView view_of(const Ring& ring, const std::string& dc) {
  DatacenterView v;
  v.rack_of.assign(ring.nodes().size(), -1);
  std::vector<std::string_view> racks;
  for (size_t n = 0; n < ring.nodes().size(); ++n) {
    if (ring.nodes()[n].datacenter != dc) continue;
    const std::string_view rack = ring.nodes()[n].rack;
    auto it = std::find(racks.begin(), racks.end(), rack);
    if (it == racks.end()) it = racks.insert(racks.end(), rack);
    v.rack_of[n] = static_cast<int>(it - racks.begin());
    ++v.node_count;
  }
  v.rack_count = racks.size();
  return v;
}

// Replicas within one datacenter: distinct racks first, then the nodes set aside, in walk order.
void datacenter_replicas(const Ring& ring, size_t start, const DatacenterView& dc, int rf,
                         std::vector<size_t>& out) {
  const size_t target = std::min(static_cast<size_t>(rf), dc.node_count);
  std::vector<size_t> chosen;
  std::vector<bool> rack_used(dc.rack_count, false);
  size_t racks_used = 0;
  std::deque<size_t> set_aside;
  const size_t count = ring.token_count();
  for (size_t k = 0; k < count && chosen.size() < target; ++k) {
    const size_t node = ring.owner_at((start + k) % count);
    const int rack = dc.rack_of[node];
    if (rack < 0 || contains(chosen, node) ||
        std::find(set_aside.begin(), set_aside.end(), node) != set_aside.end()) {
      continue;
    }
    if (racks_used == dc.rack_count) {
      chosen.push_back(node);  // every rack has a replica: fill in walk order
    } else if (!rack_used[static_cast<size_t>(rack)]) {
      rack_used[static_cast<size_t>(rack)] = true;
      ++racks_used;
      chosen.push_back(node);
      if (racks_used == dc.rack_count) {
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
  std::vector<std::pair<DatacenterView, int>> dcs;
  for (const auto& [dc, rf] : p.replication_.datacenter_factors) {
    if (rf > 0) dcs.emplace_back(view_of(r, dc), rf);
  }
  for (size_t i = 0; i < r.token_count(); ++i) {
    if (p.replication_.strategy == Replication::Strategy::kSimple) {
      p.replicas_[i] = simple_replicas(r, i, p.replication_.replication_factor);
    } else {
      for (const auto& [view, rf] : dcs) datacenter_replicas(r, i, view, rf, p.replicas_[i]);
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

std::span<const size_t> ReplicaPlacement::replica_indices(Token token) const {
  if (ring_.empty()) return {};
  return replicas_[ring_.token_index_for(token)];
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
