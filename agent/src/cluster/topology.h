// The agent's working view of the cluster: the ring (from the scheduler or the ring cache) and
// the schema, with replica placement per keyspace computed once per ring version. Immutable after
// construction except for the placement cache; shared as shared_ptr<const Topology> and replaced
// whole when the scheduler sends a newer ring or schema.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "data/consistency_level.h"
#include "ringkeeper/agent/cluster_view.h"
#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/ring.h"

namespace rk::agent {

// The core placement's view of a keyspace's replication.
Replication to_core_replication(const storage::Replication& r);

class Topology {
 public:
  // InvalidArgument when the ring's tokens clash (two nodes with one token).
  static Result<std::shared_ptr<const Topology>> create(RingView ring, SchemaView schema,
                                                        std::string self_host_id);

  const RingView& ring_view() const { return ring_view_; }
  const SchemaView& schema() const { return schema_; }
  const Ring& ring() const { return ring_; }
  const std::string& self() const { return self_; }
  // The member with this host id, or nullptr.
  const RingMember* member(std::string_view host_id) const;

  // Placement of a keyspace over the ring. NotFound for an unknown keyspace; Unavailable when the
  // ring is empty.
  Result<std::shared_ptr<const ReplicaPlacement>> placement(std::string_view keyspace) const;

  // The replicas of `token` in `keyspace` as coordinator targets (self marked local, JOINING
  // marked pending). With `table`, replicas quarantined for it are left out and their host ids
  // added to `*quarantined` when given: they are no replicas of the table until rebuilt.
  Result<std::vector<ReplicaTarget>> replicas(std::string_view keyspace, Token token,
                                              std::string_view table = {},
                                              std::vector<std::string>* quarantined = nullptr) const;
  // Whether this node is quarantined for the table.
  bool self_quarantined(std::string_view keyspace, std::string_view table) const;
  ReplicaTarget target_of(const RingMember& member) const;

 private:
  Topology() = default;
  RingView ring_view_;
  SchemaView schema_;
  std::string self_;
  Ring ring_;
  std::map<std::string, size_t, std::less<>> by_host_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const ReplicaPlacement>, std::less<>> placements_;
};

}  // namespace rk::agent
