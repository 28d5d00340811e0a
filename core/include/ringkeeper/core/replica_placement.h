// Which nodes hold the replicas of a token or a token range, for a keyspace's replication.
//
// SimpleStrategy(RF): walk the ring clockwise from the token's primary range and take the first
// RF distinct nodes, ignoring datacenters and racks.
// NetworkTopologyStrategy({dc: RF}): for each datacenter, walk clockwise and take that
// datacenter's nodes in distinct racks first; a node in a rack already used is set aside and taken,
// in walk order, only once every rack of the datacenter has a replica (Cassandra's
// NetworkTopologyStrategy.calculateNaturalReplicas behaves this way). So RF 3 over three racks puts
// one replica in each rack, and RF 3 over two racks still gets three replicas.
// With fewer nodes than RF (in the ring or in a datacenter) every available node is a replica.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/ring.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/core/token_range.h"

namespace rk {

// A keyspace's replication.
struct Replication {
  enum class Strategy { kSimple, kNetworkTopology };
  Strategy strategy = Strategy::kSimple;
  // SimpleStrategy's replication factor.
  int replication_factor = 1;
  // NetworkTopologyStrategy's replication factor per datacenter.
  std::map<std::string, int> datacenter_factors;

  static Replication simple(int rf) { return {Strategy::kSimple, rf, {}}; }
  static Replication network_topology(std::map<std::string, int> factors) {
    return {Strategy::kNetworkTopology, 0, std::move(factors)};
  }
  // InvalidArgument for RF < 1 (Simple), no datacenter, an empty name or an RF < 0 (NTS).
  Status validate() const;
  // Replicas wanted in total (RF, or the sum over datacenters).
  int total_factor() const;
  // The factor for datacenter `dc` (0 when NTS does not name it; RF for SimpleStrategy).
  int factor_for(std::string_view dc) const;
};

// A token range with the nodes that replicate it.
struct RangeReplicas {
  TokenRange range;
  std::vector<const RingNode*> replicas;
};

// Replicas of every primary range of a ring, computed once; lookups are O(log tokens).
class ReplicaPlacement {
 public:
  // InvalidArgument when `replication` is invalid.
  static Result<ReplicaPlacement> create(Ring ring, Replication replication);

  const Ring& ring() const { return ring_; }
  const Replication& replication() const { return replication_; }

  // Replicas of `token`, in placement order (SimpleStrategy: the primary first; NTS: datacenter by
  // datacenter in name order, each in walk order). Empty on an empty ring.
  std::vector<const RingNode*> replicas(Token token) const;
  // The same as indices into ring().nodes(), without allocating (for the per-request data path).
  // Valid as long as this placement lives.
  std::span<const size_t> replica_indices(Token token) const;
  // The replica sets covering `range`: one entry per primary range it meets, clipped to `range`,
  // in ring order starting at range.start().
  std::vector<RangeReplicas> replicas_for_range(const TokenRange& range) const;
  // Every primary range with its replicas, in ring order.
  std::vector<RangeReplicas> all_ranges() const;
  // The ranges `host_id` replicates (primary or not), in ring order.
  std::vector<TokenRange> ranges_of(std::string_view host_id) const;
  // Each node's share of the ring as any replica (host id -> fraction). Fractions sum to the
  // number of replicas per range (RF when there are enough nodes). This is `nodetool status`
  // "owns" for a keyspace.
  std::map<std::string, double> effective_ownership() const;

 private:
  ReplicaPlacement(Ring ring, Replication replication)
      : ring_(std::move(ring)), replication_(std::move(replication)) {}
  std::vector<const RingNode*> to_nodes(const std::vector<size_t>& indices) const;

  Ring ring_;
  Replication replication_;
  std::vector<std::vector<size_t>> replicas_;  // per ring token index: node indices
};

}  // namespace rk
