// The cluster service (see service.h): registration, heartbeats, the ring and the schema,
// each mutating call recorded in the audit log.
#include "cluster/service.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "db/sqlite.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {

ClusterService::ClusterService(Store& store, Registry& registry, SchemaCatalog& catalog,
                               AuditLog& audit, Clock& clock, ClusterServiceOptions options,
                               SchemaPush push, NodeQuarantine* quarantine)
    : store_(store),
      registry_(registry),
      catalog_(catalog),
      audit_(audit),
      clock_(clock),
      options_(std::move(options)),
      push_(std::move(push)),
      quarantine_(quarantine) {}

NodeView ClusterService::view(NodeInfo info) {
  const int64_t load = info.load_bytes;
  NodeView out{std::move(info), load, {}};
  if (quarantine_ != nullptr) {
    // The quarantine is shown where it exists; a failed read shows none rather than no node.
    if (auto q = quarantine_->tables(out.info.host_id); q.ok()) out.quarantine = std::move(*q);
  }
  return out;
}

NodeView ClusterService::view(
    NodeInfo info, const std::map<std::string, std::vector<QuarantinedTable>, std::less<>>& q) {
  const int64_t load = info.load_bytes;
  NodeView out{std::move(info), load, {}};
  if (auto it = q.find(out.info.host_id); it != q.end()) out.quarantine = it->second;
  return out;
}

Result<std::map<std::string, std::vector<QuarantinedTable>, std::less<>>>
ClusterService::quarantined() {
  if (quarantine_ == nullptr) {
    return std::map<std::string, std::vector<QuarantinedTable>, std::less<>>{};
  }
  return quarantine_->all();
}

void ClusterService::record(const std::string& actor, const std::string& action,
                            const std::string& target, const Status& outcome) {
  // The audit trail must not turn a done operation into an error for the caller; a failure to
  // record shows in the log instead (the store reports it).
  (void)audit_.append(actor, action, target, outcome);
}

void ClusterService::record_detail(const std::string& actor, const std::string& action,
                                   const std::string& target, const Status& outcome,
                                   const std::string& detail) {
  (void)audit_.append({.actor = actor,
                       .action = action,
                       .target = target,
                       .result = outcome.ok() ? "ok" : std::string(error_code_name(outcome.code())),
                       .detail = outcome.ok() ? detail : outcome.message()});
}

Result<RegisterReply> ClusterService::register_agent(const std::string& actor,
                                                     const AgentRegistration& request) {
  Result<RegisterReply> out = [&]() -> Result<RegisterReply> {
    if (request.cluster != options_.cluster) {
      return Status::FailedPrecondition(fmt::format("this scheduler manages cluster '{}', not '{}'",
                                                    options_.cluster, request.cluster));
    }
    RegisterRequest req;
    req.cluster = request.cluster;
    req.host_id = request.host_id;
    req.datacenter = request.datacenter;
    req.rack = request.rack;
    RK_ASSIGN_OR_RETURN(NodeEndpoints endpoints, node_endpoints(request.addresses));
    req.address = endpoints.host;
    req.ops_port = endpoints.ops_port;
    req.internode_port = endpoints.internode_port;
    req.client_port = endpoints.client_port;
    req.num_tokens = request.num_tokens;
    req.agent_version = request.version;
    req.tokens = request.tokens;
    req.datacenter_racks =
        request.datacenter_racks.empty() ? options_.datacenter_racks : request.datacenter_racks;
    req.nodes_per_rack =
        request.nodes_per_rack == 0 ? options_.nodes_per_rack : request.nodes_per_rack;
    if (!request.replace_address.empty()) {
      // The contract names the DOWN node by its ops or internode address; find it by either.
      RK_ASSIGN_OR_RETURN(auto hp, split_host_port(request.replace_address));
      RK_ASSIGN_OR_RETURN(std::vector<NodeInfo> all, registry_.nodes(options_.cluster));
      std::vector<const NodeInfo*> found;
      for (const NodeInfo& n : all) {
        if (n.state == NodeState::kReplaced || n.address != hp.host) continue;
        if (hp.port && n.ops_port != *hp.port && n.internode_port != *hp.port) continue;
        found.push_back(&n);
      }
      if (found.empty()) {
        return Status::NotFound(fmt::format("no node at {} to replace", request.replace_address));
      }
      if (found.size() > 1) {
        return Status::InvalidArgument(fmt::format("{} nodes are at {}; give host:port",
                                                   found.size(), request.replace_address));
      }
      req.replace_host_id = found.front()->host_id;
    }
    // A known node coming back is quarantined before it is NORMAL again, so no ring shows it
    // serving tables its absence outlasted.
    std::optional<NodeInfo> returning;
    if (quarantine_ != nullptr && req.replace_host_id.empty()) {
      if (Result<NodeInfo> known = registry_.node(req.host_id);
          known.ok() && known->state != NodeState::kReplaced) {
        returning = std::move(*known);
        RK_ASSIGN_OR_RETURN(auto q,
                            quarantine_->node_returning(*returning, request.last_healthy_us));
        if (!q.empty()) {
          record_detail(actor, "node.quarantine", req.host_id, Status::OK(),
                        fmt::format("quarantined for {}", fmt::join(table_names(q), ", ")));
        }
      }
    }
    RK_ASSIGN_OR_RETURN(Registration reg, registry_.register_node(req));
    if (returning) RK_RETURN_IF_ERROR(quarantine_->node_back(reg.node));
    // A new node serves at once; a replacement streams first and reports NORMAL itself.
    if (!reg.existing && req.replace_host_id.empty() && reg.node.state == NodeState::kJoining) {
      RK_ASSIGN_OR_RETURN(reg.node, registry_.set_state(reg.node.host_id, NodeState::kNormal));
    }
    RegisterReply reply;
    reply.node = std::move(reg.node);
    RK_ASSIGN_OR_RETURN(reply.ring, ring());
    RK_ASSIGN_OR_RETURN(reply.schema, catalog_.schema());
    return reply;
  }();
  std::string action = request.replace_address.empty() ? "node.register" : "node.replace";
  record(actor, action, request.host_id, out.status());
  return out;
}

Result<AgentHeartbeatReply> ClusterService::heartbeat(const std::string& actor,
                                                      std::string_view host_id,
                                                      const AgentHeartbeat& request) {
  std::optional<NodeState> state;
  if (request.state) {
    RK_ASSIGN_OR_RETURN(state, parse_node_state(*request.state));
  }
  if (state && *state != NodeState::kNormal && *state != NodeState::kLeaving) {
    return Status::InvalidArgument(fmt::format(
        "a heartbeat may report state NORMAL or LEAVING, not {}", node_state_name(*state)));
  }
  // A DOWN node coming back is judged (and maybe quarantined) before it is NORMAL again.
  bool returning = false;
  Registry::ReturnCheck judge;
  if (quarantine_ != nullptr) {
    judge = [&](const NodeInfo& before) -> Status {
      returning = true;
      RK_ASSIGN_OR_RETURN(auto q, quarantine_->node_returning(before, 0));
      if (!q.empty()) {
        record_detail(actor, "node.quarantine", before.host_id, Status::OK(),
                      fmt::format("quarantined for {}", fmt::join(table_names(q), ", ")));
      }
      return Status::OK();
    };
  }
  RK_ASSIGN_OR_RETURN(rk::scheduler::HeartbeatReply beat,
                      registry_.heartbeat(host_id, {request.load_bytes.value_or(-1)}, judge));
  if (returning) RK_RETURN_IF_ERROR(quarantine_->node_back(beat.node));
  NodeInfo node = std::move(beat.node);
  const bool changed = state && *state != node.state;
  if (changed) {
    Result<NodeInfo> moved = registry_.set_state(host_id, *state);
    record(actor, "node.state", std::string(host_id), moved.status());
    RK_RETURN_IF_ERROR(moved.status());
    node = std::move(*moved);
  }

  // Ring and schema are read whole only for an agent behind them (or after a change here).
  AgentHeartbeatReply reply;
  reply.ring_version = beat.ring_version;
  if (changed || request.ring_version < beat.ring_version) {
    RK_ASSIGN_OR_RETURN(RingView r, ring());
    reply.ring_version = r.version;
    if (request.ring_version < r.version) reply.ring = std::move(r);
  }
  RK_ASSIGN_OR_RETURN(reply.schema_version, catalog_.version());
  if (request.schema_version < reply.schema_version) {
    RK_ASSIGN_OR_RETURN(ClusterSchema schema, catalog_.schema());
    reply.schema_version = schema.version;
    reply.schema = std::move(schema);
  }
  return reply;
}

Result<std::vector<NodeInfo>> ClusterService::sweep() {
  RK_ASSIGN_OR_RETURN(std::vector<NodeInfo> down, registry_.sweep());
  for (const NodeInfo& n : down) {
    record("scheduler", "node.down", n.host_id, Status::OK());
    if (quarantine_ != nullptr) RK_RETURN_IF_ERROR(quarantine_->node_down(n));
  }
  return down;
}

Result<RingView> ClusterService::ring() {
  RingView out;
  out.cluster = options_.cluster;
  // Nodes and version come from one read, so a version always names the ring sent with it.
  Result<ClusterSnapshot> snapshot = registry_.snapshot(options_.cluster);
  if (snapshot.status().code() == ErrorCode::kNotFound) return out;  // no node registered yet
  RK_RETURN_IF_ERROR(snapshot.status());
  out.version = snapshot->ring_version;
  RK_ASSIGN_OR_RETURN(auto q, quarantined());
  for (NodeInfo& n : snapshot->nodes) {
    if (n.state == NodeState::kReplaced || n.tokens.empty()) continue;
    out.nodes.push_back(view(std::move(n), q));
  }
  return out;
}

Result<std::vector<NodeView>> ClusterService::nodes() {
  RK_ASSIGN_OR_RETURN(std::vector<NodeInfo> all, registry_.nodes(options_.cluster));
  RK_ASSIGN_OR_RETURN(auto q, quarantined());
  std::vector<NodeView> out;
  out.reserve(all.size());
  for (NodeInfo& n : all) out.push_back(view(std::move(n), q));
  return out;
}

Result<NodeView> ClusterService::rebuild(const std::string& actor, std::string_view host_id) {
  Result<NodeView> out = [&]() -> Result<NodeView> {
    RK_ASSIGN_OR_RETURN(NodeView n, node(host_id));
    if (quarantine_ == nullptr) return Status::FailedPrecondition("no quarantine here");
    RK_RETURN_IF_ERROR(quarantine_->rebuild(n.info).status());
    return node(host_id);
  }();
  record(actor, "node.rebuild", std::string(host_id), out.status());
  return out;
}

Result<NodeView> ClusterService::unquarantine(const std::string& actor, std::string_view host_id,
                                              bool accept_risk) {
  std::string released;
  Result<NodeView> out = [&]() -> Result<NodeView> {
    RK_ASSIGN_OR_RETURN(NodeView n, node(host_id));
    if (quarantine_ == nullptr) return Status::FailedPrecondition("no quarantine here");
    RK_ASSIGN_OR_RETURN(auto q, quarantine_->unquarantine(n.info, accept_risk));
    released = fmt::format("risk accepted for {}", fmt::join(table_names(q), ", "));
    return node(host_id);
  }();
  record_detail(actor, "node.unquarantine", std::string(host_id), out.status(), released);
  return out;
}

Result<std::vector<DownInterval>> ClusterService::down_intervals(std::string_view host_id) {
  RK_RETURN_IF_ERROR(node(host_id).status());
  if (quarantine_ == nullptr) return std::vector<DownInterval>{};
  return quarantine_->down_intervals(host_id);
}

Result<NodeView> ClusterService::node(std::string_view host_id) {
  RK_ASSIGN_OR_RETURN(NodeInfo n, registry_.node(host_id));
  if (n.cluster != options_.cluster) {
    return Status::NotFound(fmt::format("no node {} in cluster {}", host_id, options_.cluster));
  }
  return view(std::move(n));
}

void ClusterService::push_schema() {
  if (!push_) return;
  Result<ClusterSchema> schema = catalog_.schema();
  Result<std::vector<NodeView>> all = nodes();
  if (!schema.ok() || !all.ok()) return;
  std::vector<NodeView> targets;
  for (NodeView& n : *all) {
    if (n.info.state == NodeState::kNormal) targets.push_back(std::move(n));
  }
  push_(*schema, targets);
}

Result<KeyspaceDef> ClusterService::create_keyspace(const std::string& actor,
                                                    const KeyspaceDef& keyspace) {
  Result<KeyspaceDef> out = catalog_.create_keyspace(keyspace);
  record(actor, "keyspace.create", keyspace.name, out.status());
  if (out.ok()) push_schema();
  return out;
}

Result<KeyspaceDef> ClusterService::create_table(const std::string& actor,
                                                 std::string_view keyspace, const TableDef& table,
                                                 bool force) {
  Result<KeyspaceDef> out = catalog_.create_table(keyspace, table, force);
  record(actor, "table.create", fmt::format("{}.{}", keyspace, table.name), out.status());
  if (out.ok()) push_schema();
  return out;
}

Result<KeyspaceDef> ClusterService::alter_table(const std::string& actor, std::string_view keyspace,
                                                std::string_view table, const TableAlter& alter) {
  Result<KeyspaceDef> out = catalog_.alter_table(keyspace, table, alter);
  record(actor, "table.alter", fmt::format("{}.{}", keyspace, table), out.status());
  if (out.ok()) push_schema();
  return out;
}

Result<ClusterSchema> ClusterService::schema() { return catalog_.schema(); }

Result<KeyspaceDef> ClusterService::keyspace(std::string_view name) {
  return catalog_.keyspace(name);
}

Result<AuditPage> ClusterService::audit(const AuditQuery& query) { return audit_.query(query); }

}  // namespace rk::scheduler
