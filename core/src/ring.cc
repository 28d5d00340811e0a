// The sorted token ring and primary ownership (see ring.h).
#include "ringkeeper/core/ring.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

namespace rk {

Result<Ring> Ring::build(std::vector<RingNode> nodes) {
  Ring ring;
  std::unordered_set<std::string> hosts;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const RingNode& node = nodes[i];
    if (node.host_id.empty()) return Status::InvalidArgument("ring node with an empty host id");
    if (!hosts.insert(node.host_id).second) {
      return Status::InvalidArgument(fmt::format("host id {} appears twice", node.host_id));
    }
    if (node.tokens.empty()) {
      return Status::InvalidArgument(fmt::format("node {} has no tokens", node.host_id));
    }
    for (Token t : node.tokens) ring.entries_.push_back({t, i});
  }
  std::sort(ring.entries_.begin(), ring.entries_.end(),
            [](const Entry& a, const Entry& b) { return a.token < b.token; });
  for (size_t i = 1; i < ring.entries_.size(); ++i) {
    if (ring.entries_[i].token == ring.entries_[i - 1].token) {
      return Status::InvalidArgument(fmt::format(
          "token {} is held by both {} and {}", ring.entries_[i].token,
          nodes[ring.entries_[i - 1].node].host_id, nodes[ring.entries_[i].node].host_id));
    }
  }
  ring.nodes_ = std::move(nodes);
  return ring;
}

const RingNode* Ring::find(std::string_view host_id) const {
  const int i = node_index(host_id);
  return i < 0 ? nullptr : &nodes_[static_cast<size_t>(i)];
}

int Ring::node_index(std::string_view host_id) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].host_id == host_id) return static_cast<int>(i);
  }
  return -1;
}

TokenRange Ring::range_at(size_t i) const {
  const size_t prev = i == 0 ? entries_.size() - 1 : i - 1;
  return TokenRange(entries_[prev].token, entries_[i].token);
}

size_t Ring::token_index_for(Token token) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), token,
                             [](const Entry& e, Token t) { return e.token < t; });
  return it == entries_.end() ? 0 : static_cast<size_t>(it - entries_.begin());
}

const RingNode& Ring::primary_replica(Token token) const {
  return nodes_[entries_[token_index_for(token)].node];
}

std::vector<TokenRange> Ring::primary_ranges(std::string_view host_id) const {
  std::vector<TokenRange> out;
  const int node = node_index(host_id);
  if (node < 0) return out;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].node == static_cast<size_t>(node)) out.push_back(range_at(i));
  }
  return out;
}

std::map<std::string, double> Ring::primary_ownership() const {
  std::vector<uint128_t> owned(nodes_.size(), 0);
  for (size_t i = 0; i < entries_.size(); ++i) owned[entries_[i].node] += range_at(i).size();
  std::map<std::string, double> out;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    out[nodes_[n].host_id] = static_cast<double>(owned[n]) / static_cast<double>(kRingSize);
  }
  return out;
}

}  // namespace rk
