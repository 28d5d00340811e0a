// The ring + schema view and its per-keyspace replica placement (see topology.h).
#include "cluster/topology.h"

namespace rk::agent {

Replication to_core_replication(const storage::Replication& r) {
  if (r.strategy == storage::Replication::Strategy::kSimple) {
    return Replication::simple(r.replication_factor);
  }
  return Replication::network_topology(r.dc_factors);
}

Result<std::shared_ptr<const Topology>> Topology::create(RingView ring, SchemaView schema,
                                                         std::string self_host_id) {
  std::shared_ptr<Topology> t(new Topology());
  std::vector<RingNode> nodes;
  for (size_t i = 0; i < ring.nodes.size(); ++i) {
    const RingMember& m = ring.nodes[i];
    t->by_host_[m.host_id] = i;
    // REPLACED nodes hand their tokens to their replacement; nodes without tokens own nothing.
    if (m.state == "REPLACED" || m.tokens.empty()) continue;
    nodes.push_back(RingNode{m.host_id, m.datacenter, m.rack, m.tokens});
  }
  RK_ASSIGN_OR_RETURN(t->ring_, Ring::build(std::move(nodes)));
  t->ring_view_ = std::move(ring);
  t->schema_ = std::move(schema);
  t->self_ = std::move(self_host_id);
  return std::shared_ptr<const Topology>(std::move(t));
}

const RingMember* Topology::member(std::string_view host_id) const {
  auto it = by_host_.find(host_id);
  return it == by_host_.end() ? nullptr : &ring_view_.nodes[it->second];
}

Result<std::shared_ptr<const ReplicaPlacement>> Topology::placement(
    std::string_view keyspace) const {
  {
    std::lock_guard lock(mu_);
    auto it = placements_.find(keyspace);
    if (it != placements_.end()) return it->second;
  }
  const KeyspaceDef* ks = schema_.find_keyspace(keyspace);
  if (ks == nullptr) {
    return Status::NotFound("keyspace '" + std::string(keyspace) + "' does not exist");
  }
  if (ring_.empty()) {
    return Status::Unavailable(
        "this node does not know the ring yet (not registered and no "
        "ring cache)");
  }
  RK_ASSIGN_OR_RETURN(ReplicaPlacement p,
                      ReplicaPlacement::create(ring_, to_core_replication(ks->replication)));
  auto shared = std::make_shared<const ReplicaPlacement>(std::move(p));
  std::lock_guard lock(mu_);
  placements_.emplace(std::string(keyspace), shared);
  return shared;
}

ReplicaTarget Topology::target_of(const RingMember& m) const {
  ReplicaTarget t;
  t.host_id = m.host_id;
  t.datacenter = m.datacenter;
  t.address = m.addresses.internode;
  t.pending = m.state == "JOINING";
  t.local = m.host_id == self_;
  return t;
}

Result<std::vector<ReplicaTarget>> Topology::replicas(std::string_view keyspace, Token token,
                                                      std::string_view table,
                                                      std::vector<std::string>* quarantined) const {
  RK_ASSIGN_OR_RETURN(auto p, placement(keyspace));
  std::vector<ReplicaTarget> out;
  for (const RingNode* node : p->replicas(token)) {
    const RingMember* m = member(node->host_id);
    if (m == nullptr) continue;
    if (!table.empty() && m->quarantined(keyspace, table)) {
      if (quarantined != nullptr) quarantined->push_back(m->host_id);
      continue;
    }
    out.push_back(target_of(*m));
  }
  return out;
}

bool Topology::self_quarantined(std::string_view keyspace, std::string_view table) const {
  const RingMember* m = member(self_);
  return m != nullptr && m->quarantined(keyspace, table);
}

}  // namespace rk::agent
