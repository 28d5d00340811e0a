// The token ring: every node's tokens sorted into one circle, with Cassandra's ownership rule.
//
// A token T owned by node X makes X the primary replica of (previous token, T]: the range from the
// next lower token on the ring (exclusive, wrapping) up to T (inclusive). A key's token t therefore
// belongs to the first ring token >= t, wrapping past kMaxToken to the lowest ring token. The ring
// is an immutable value: build it from the registry's (or an agent's cached) view and replace it
// when membership changes. Replica placement on top of it lives in replica_placement.h.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/core/token_range.h"

namespace rk {

// A node as the ring sees it.
struct RingNode {
  std::string host_id;
  std::string datacenter;
  std::string rack;
  std::vector<Token> tokens;
};

class Ring {
 public:
  // The empty ring (no nodes).
  Ring() = default;

  // InvalidArgument when a node has no tokens or an empty host id, two nodes share a host id, or
  // two tokens are equal (within a node or across nodes).
  static Result<Ring> build(std::vector<RingNode> nodes);

  bool empty() const { return entries_.empty(); }
  // The nodes in the order given to build(); node indices below index this vector.
  const std::vector<RingNode>& nodes() const { return nodes_; }
  // nullptr when no node has that host id.
  const RingNode* find(std::string_view host_id) const;
  // Index of the node into nodes(), or -1.
  int node_index(std::string_view host_id) const;

  // Number of tokens on the ring (the number of primary ranges).
  size_t token_count() const { return entries_.size(); }
  // The i-th token in ascending order (0 <= i < token_count()).
  Token token_at(size_t i) const { return entries_[i].token; }
  // Index into nodes() of the i-th token's owner.
  size_t owner_at(size_t i) const { return entries_[i].node; }
  // The primary range of the i-th token: (token_at(i - 1), token_at(i)], wrapping; the whole ring
  // (token, token] when the ring has one token.
  TokenRange range_at(size_t i) const;

  // Index of the token whose primary range holds `token`: the first ring token >= token, or 0
  // past the highest. The ring must not be empty.
  size_t token_index_for(Token token) const;
  // The node whose primary range holds `token`. The ring must not be empty.
  const RingNode& primary_replica(Token token) const;

  // The primary ranges of a node, in ring order; empty for an unknown host id.
  std::vector<TokenRange> primary_ranges(std::string_view host_id) const;
  // Each node's share of the ring as primary replica (host id -> fraction; sums to 1). This is
  // `nodetool status` "owns" without a keyspace.
  std::map<std::string, double> primary_ownership() const;

 private:
  struct Entry {
    Token token;
    size_t node;
  };
  std::vector<RingNode> nodes_;
  std::vector<Entry> entries_;  // sorted by token
};

}  // namespace rk
