// The cluster registry over the scheduler's SQLite store (see registry.h and docs/cluster.md).
#include "ringkeeper/scheduler/registry.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cluster/registry_tables.h"
#include "db/sqlite.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

Status validate(const RegisterRequest& req) {
  const auto bad = [](std::string m) { return Status::InvalidArgument(std::move(m)); };
  if (req.cluster.empty()) return bad("cluster name is empty");
  if (req.host_id.empty() || req.host_id.size() > 128)
    return bad("host_id must be 1..128 characters");
  if (req.datacenter.empty()) return bad("datacenter name is empty");
  if (req.rack.empty()) return bad("rack name is empty");
  if (req.address.empty()) return bad("address is empty");
  for (auto [name, port] :
       {std::pair{"ops_port", req.ops_port}, std::pair{"internode_port", req.internode_port},
        std::pair{"client_port", req.client_port}}) {
    if (port < 1 || port > 65535)
      return bad(fmt::format("{} must be 1..65535, got {}", name, port));
  }
  if (req.num_tokens < 1 || req.num_tokens > kMaxNumTokens) {
    return bad(fmt::format("num_tokens must be 1..{}, got {}", kMaxNumTokens, req.num_tokens));
  }
  if (req.nodes_per_rack < 1 || req.nodes_per_rack > kMaxNodesPerRack) {
    return bad(
        fmt::format("nodes_per_rack must be 1..{}, got {}", kMaxNodesPerRack, req.nodes_per_rack));
  }
  if (!req.replace_host_id.empty() && !req.replace_address.empty()) {
    return bad("give replace_host_id or replace_address, not both");
  }
  if (req.replace_host_id == req.host_id) return bad("a node cannot replace itself");
  if (!req.tokens.empty() && req.tokens.size() != req.num_tokens) {
    return bad(
        fmt::format("{} tokens requested; num_tokens is {}", req.tokens.size(), req.num_tokens));
  }
  return Status::OK();
}

// Whether `held` and `requested` are the same tokens (order aside).
bool same_tokens(std::vector<Token> held, std::vector<Token> requested) {
  std::sort(held.begin(), held.end());
  std::sort(requested.begin(), requested.end());
  return held == requested;
}

std::string token_list(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (Token t : tokens) out.push_back(token_to_string(t));
  return fmt::format("[{}]", fmt::join(out, ", "));
}

// The node a replacement names: by host id, or by "address[:internode_port]" among the cluster's
// nodes that still hold a slot.
Result<NodeRow> find_replaced(Database& db, int64_t cluster_id, const RegisterRequest& req) {
  if (!req.replace_host_id.empty()) {
    RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, req.replace_host_id));
    if (row.cluster_id != cluster_id) {
      return Status::NotFound(
          fmt::format("no node {} in cluster {}", req.replace_host_id, req.cluster));
    }
    return row;
  }
  std::string host = req.replace_address;
  std::optional<int64_t> port;
  if (const auto colon = host.rfind(':');
      colon != std::string::npos && host.find(':') == colon) {  // one colon: host:port
    try {
      port = std::stoll(host.substr(colon + 1));
    } catch (...) {
      return Status::InvalidArgument(fmt::format("bad replace_address {}", req.replace_address));
    }
    host.resize(colon);
  }
  RK_ASSIGN_OR_RETURN(
      auto rows, select_nodes(db,
                              "WHERE n.cluster_id = ? AND n.address = ? AND "
                              "n.state <> 'REPLACED' AND (? IS NULL OR n.internode_port = ?)",
                              [&](Statement& s) { s.bind_all(cluster_id, host, port, port); }));
  if (rows.empty()) {
    return Status::NotFound(fmt::format("no node at {} to replace", req.replace_address));
  }
  if (rows.size() > 1) {
    return Status::InvalidArgument(
        fmt::format("{} nodes are at {}; give address:internode_port or replace_host_id",
                    rows.size(), req.replace_address));
  }
  return std::move(rows.front());
}

Result<Registration> register_replacement(Database& db, const RegisterRequest& req,
                                          int64_t cluster_id, int64_t now) {
  RK_ASSIGN_OR_RETURN(NodeRow old, find_replaced(db, cluster_id, req));
  if (old.info.state != NodeState::kDown) {
    return Status::FailedPrecondition(fmt::format("node {} is {}; only a DOWN node can be replaced",
                                                  old.info.host_id,
                                                  node_state_name(old.info.state)));
  }
  if (old.info.datacenter != req.datacenter || old.info.rack != req.rack) {
    return Status::FailedPrecondition(
        fmt::format("node {} is in {}/{}; its replacement must be too, not {}/{}", old.info.host_id,
                    old.info.datacenter, old.info.rack, req.datacenter, req.rack));
  }
  if (old.info.tokens.size() != req.num_tokens) {
    return Status::InvalidArgument(fmt::format("node {} has {} tokens; num_tokens is {}",
                                               old.info.host_id, old.info.tokens.size(),
                                               req.num_tokens));
  }
  if (!req.tokens.empty() && !same_tokens(old.info.tokens, req.tokens)) {
    return Status::FailedPrecondition(fmt::format("node {} holds tokens {}, not the requested {}",
                                                  old.info.host_id, token_list(old.info.tokens),
                                                  token_list(req.tokens)));
  }
  RK_ASSIGN_OR_RETURN(int64_t id, insert_node(db, req,
                                              {old.cluster_id, old.datacenter_id, old.rack_id,
                                               old.info.slot, old.info.host_id.c_str()},
                                              now));
  RK_ASSIGN_OR_RETURN(Statement move_tokens,
                      db.prepare("UPDATE node_tokens SET node_id = ? WHERE node_id = ?"));
  RK_RETURN_IF_ERROR(move_tokens.bind_all(id, old.id).run());
  RK_ASSIGN_OR_RETURN(Statement retire, db.prepare(R"sql(
    UPDATE nodes SET state = 'REPLACED', replaced_by_host_id = ?, state_changed_at_us = ?
    WHERE id = ?)sql"));
  RK_RETURN_IF_ERROR(retire.bind_all(req.host_id, now, old.id).run());
  RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, req.host_id));
  return Registration{std::move(row.info), false};
}

// The datacenter a new node joins, created with the request's plan when it is the first.
Result<StoredDatacenter> datacenter_for(Database& db, const RegisterRequest& req,
                                        int64_t cluster_id) {
  RK_ASSIGN_OR_RETURN(auto existing_dc, load_datacenter(db, cluster_id, req.datacenter));
  if (!existing_dc) return create_datacenter(db, cluster_id, req);
  if (existing_dc->layout.num_tokens != req.num_tokens) {
    return Status::InvalidArgument(
        fmt::format("datacenter {} uses num_tokens {}; this node asks for {}", req.datacenter,
                    existing_dc->layout.num_tokens, req.num_tokens));
  }
  return std::move(*existing_dc);
}

// Every node of the cluster holding a slot: token uniqueness is cluster-wide.
Result<std::vector<NodeRow>> slot_holders(Database& db, int64_t cluster_id) {
  return select_nodes(db, "WHERE n.cluster_id = ? AND n.state <> 'REPLACED'",
                      [&](Statement& s) { s.bind(1, cluster_id); });
}

// The datacenter's ring doubled `scale` times over: every slot multiplied, tokens unchanged.
Status grow_datacenter(Database& db, StoredDatacenter& dc, uint64_t scale, uint64_t slot_count) {
  if (scale == 1) return Status::OK();
  RK_ASSIGN_OR_RETURN(Statement grow_slots,
                      db.prepare("UPDATE nodes SET slot = slot * ? WHERE datacenter_id = ?"));
  RK_RETURN_IF_ERROR(grow_slots.bind_all(static_cast<int64_t>(scale), dc.id).run());
  RK_ASSIGN_OR_RETURN(Statement grow,
                      db.prepare("UPDATE datacenters SET slot_count = ? WHERE id = ?"));
  RK_RETURN_IF_ERROR(grow.bind_all(static_cast<int64_t>(slot_count), dc.id).run());
  dc.layout.slot_count = slot_count;
  return Status::OK();
}

// Inserts the new node of `req` into slot `slot` of `dc` (appending its rack if new).
Result<Registration> insert_new_node(Database& db, const RegisterRequest& req, int64_t cluster_id,
                                     StoredDatacenter& dc, const std::vector<std::string>& racks,
                                     uint64_t slot, const std::vector<Token>& tokens, int64_t now) {
  RK_RETURN_IF_ERROR(append_racks(db, dc, racks));
  const auto rack_pos =
      std::find(dc.layout.racks.begin(), dc.layout.racks.end(), req.rack) - dc.layout.racks.begin();
  RK_ASSIGN_OR_RETURN(
      int64_t id,
      insert_node(db, req,
                  {cluster_id, dc.id, dc.rack_ids[static_cast<size_t>(rack_pos)], slot, nullptr},
                  now));
  RK_RETURN_IF_ERROR(insert_tokens(db, cluster_id, id, tokens));
  RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, req.host_id));
  return Registration{std::move(row.info), false};
}

// A new node that brings its tokens (restored from a backup): it takes the slot they are, in
// whatever order the nodes of the old ring come back.
Result<Registration> register_at_tokens(Database& db, const RegisterRequest& req,
                                        int64_t cluster_id, int64_t now) {
  RK_ASSIGN_OR_RETURN(StoredDatacenter dc, datacenter_for(db, req, cluster_id));
  const std::optional<SlotOfTokens> found = find_slot_of_tokens(dc.layout, req.tokens);
  if (!found) {
    return Status::InvalidArgument(fmt::format(
        "no slot of datacenter {} ({} slots of {} tokens, or that ring doubled) has tokens {}; "
        "was the old cluster planned with other datacenter_racks, nodes_per_rack or num_tokens, "
        "or a datacenter of another name?",
        req.datacenter, dc.layout.slot_count, dc.layout.num_tokens, token_list(req.tokens)));
  }
  RK_ASSIGN_OR_RETURN(auto holders, slot_holders(db, cluster_id));
  for (const NodeRow& h : holders) {
    const NodeInfo& n = h.info;
    const bool same_slot =
        n.datacenter == req.datacenter && n.slot * found->slot_scale == found->slot;
    const auto shared =
        std::find_first_of(n.tokens.begin(), n.tokens.end(), req.tokens.begin(), req.tokens.end());
    if (!same_slot && shared == n.tokens.end()) continue;
    std::string what = same_slot ? fmt::format("slot {} of datacenter {}", n.slot, n.datacenter)
                                 : fmt::format("token {}", token_to_string(*shared));
    return Status::AlreadyExists(fmt::format(
        "{} is held by host {} ({}, {}){}", what, n.host_id, n.address, node_state_name(n.state),
        n.state == NodeState::kDown ? "; to take its place, replace it (replace_address)" : ""));
  }
  RK_RETURN_IF_ERROR(grow_datacenter(db, dc, found->slot_scale, found->slot_count));
  std::vector<std::string> racks = dc.layout.racks;
  if (std::find(racks.begin(), racks.end(), req.rack) == racks.end()) racks.push_back(req.rack);
  return insert_new_node(db, req, cluster_id, dc, racks, found->slot, found->tokens, now);
}

Result<Registration> register_new(Database& db, const RegisterRequest& req, int64_t cluster_id,
                                  int64_t now) {
  RK_ASSIGN_OR_RETURN(StoredDatacenter dc, datacenter_for(db, req, cluster_id));
  RK_ASSIGN_OR_RETURN(auto holders, slot_holders(db, cluster_id));
  std::vector<SlottedNode> slotted;
  for (const NodeRow& h : holders) {
    slotted.push_back({h.info.host_id, h.info.datacenter, h.info.rack, h.info.slot, h.info.tokens});
  }
  RK_ASSIGN_OR_RETURN(TokenAssignment a, assign_tokens(dc.layout, slotted, req.rack));
  RK_RETURN_IF_ERROR(grow_datacenter(db, dc, a.slot_scale, a.layout.slot_count));
  return insert_new_node(db, req, cluster_id, dc, a.layout.racks, a.slot, a.tokens, now);
}

// A known host id registering again (agent restart): same slot and tokens, fresh addresses.
Result<Registration> register_again(Database& db, const RegisterRequest& req, const NodeRow& row,
                                    int64_t now) {
  const NodeInfo& n = row.info;
  if (n.state == NodeState::kReplaced) {
    return Status::FailedPrecondition(
        fmt::format("host {} was replaced by {}; start the node with a new host id", n.host_id,
                    n.replaced_by_host_id));
  }
  if (n.cluster != req.cluster || n.datacenter != req.datacenter || n.rack != req.rack) {
    return Status::FailedPrecondition(fmt::format("host {} is registered in {}/{}/{}, not {}/{}/{}",
                                                  n.host_id, n.cluster, n.datacenter, n.rack,
                                                  req.cluster, req.datacenter, req.rack));
  }
  const bool back = n.state == NodeState::kDown;
  const NodeState state = back ? (row.joined ? NodeState::kNormal : NodeState::kJoining) : n.state;
  RK_ASSIGN_OR_RETURN(Statement update, db.prepare(R"sql(
    UPDATE nodes SET address = ?, ops_port = ?, internode_port = ?, client_port = ?,
                     agent_version = ?, storage_version = ?, last_heartbeat_us = ?, state = ?,
                     state_changed_at_us = CASE WHEN state = ? THEN state_changed_at_us ELSE ? END
    WHERE id = ?)sql"));
  const std::string state_name(node_state_name(state));
  RK_RETURN_IF_ERROR(update
                         .bind_all(req.address, req.ops_port, req.internode_port, req.client_port,
                                   req.agent_version, req.storage_version, now, state_name,
                                   state_name, now, row.id)
                         .run());
  RK_ASSIGN_OR_RETURN(NodeRow updated, must_find_node(db, req.host_id));
  return Registration{std::move(updated.info), true};
}

Status validate_plan(const DatacenterPlan& plan) {
  if (plan.name.empty()) return Status::InvalidArgument("datacenter name is empty");
  if (plan.racks.empty()) {
    return Status::InvalidArgument(fmt::format("datacenter {} needs at least one rack", plan.name));
  }
  for (const auto& r : plan.racks) {
    if (r.empty()) return Status::InvalidArgument("empty rack name");
    if (std::count(plan.racks.begin(), plan.racks.end(), r) > 1) {
      return Status::InvalidArgument(fmt::format("rack {} is named twice", r));
    }
  }
  if (plan.nodes_per_rack < 1 || plan.nodes_per_rack > kMaxNodesPerRack) {
    return Status::InvalidArgument(
        fmt::format("nodes_per_rack must be 1..{}, got {}", kMaxNodesPerRack, plan.nodes_per_rack));
  }
  if (plan.num_tokens < 1 || plan.num_tokens > kMaxNumTokens) {
    return Status::InvalidArgument(
        fmt::format("num_tokens must be 1..{}, got {}", kMaxNumTokens, plan.num_tokens));
  }
  return Status::OK();
}

// Whether a datacenter laid out as `stored` can have started from `plan` (racks appended, slot
// count doubled since).
bool follows_plan(const DatacenterLayout& stored, const DatacenterPlan& plan) {
  if (stored.num_tokens != plan.num_tokens || stored.racks.size() < plan.racks.size() ||
      !std::equal(plan.racks.begin(), plan.racks.end(), stored.racks.begin())) {
    return false;
  }
  uint64_t slots = plan.racks.size() * plan.nodes_per_rack;
  while (slots < stored.slot_count) slots *= 2;
  return slots == stored.slot_count;
}

Status refuse_replaced(std::string_view host_id, const NodeInfo& node) {
  return Status::FailedPrecondition(
      fmt::format("host {} was replaced by {}", host_id, node.replaced_by_host_id));
}

// The ring of the nodes that hold tokens (every state but REPLACED).
Result<Ring> ring_of(const std::vector<NodeInfo>& nodes) {
  std::vector<RingNode> ring_nodes;
  for (const NodeInfo& n : nodes) {
    if (n.state == NodeState::kReplaced || n.tokens.empty()) continue;
    ring_nodes.push_back({n.host_id, n.datacenter, n.rack, n.tokens});
  }
  return Ring::build(std::move(ring_nodes));
}

}  // namespace

std::string_view node_state_name(NodeState state) {
  switch (state) {
    case NodeState::kJoining:
      return "JOINING";
    case NodeState::kNormal:
      return "NORMAL";
    case NodeState::kDown:
      return "DOWN";
    case NodeState::kLeaving:
      return "LEAVING";
    case NodeState::kReplaced:
      return "REPLACED";
  }
  return "UNKNOWN";
}

Result<NodeState> parse_node_state(std::string_view name) {
  for (NodeState s : {NodeState::kJoining, NodeState::kNormal, NodeState::kDown,
                      NodeState::kLeaving, NodeState::kReplaced}) {
    if (node_state_name(s) == name) return s;
  }
  return Status::InvalidArgument(fmt::format(
      "unknown node state {}; expected JOINING, NORMAL, DOWN, LEAVING or REPLACED", name));
}

Registry::Registry(Store& store, Clock& clock, RegistryOptions options)
    : store_(store), clock_(clock), options_(options) {}

Result<Registration> Registry::register_node(const RegisterRequest& req) {
  RK_RETURN_IF_ERROR(validate(req));
  std::optional<Registration> out;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    const int64_t now = clock_.now_micros();
    RK_ASSIGN_OR_RETURN(auto known, find_node(db, req.host_id));
    if (known) {
      if (!req.tokens.empty() && known->info.state != NodeState::kReplaced &&
          !same_tokens(known->info.tokens, req.tokens)) {
        return Status::FailedPrecondition(
            fmt::format("host {} is registered with tokens {}, not the requested {}", req.host_id,
                        token_list(known->info.tokens), token_list(req.tokens)));
      }
      RK_ASSIGN_OR_RETURN(out, register_again(db, req, *known, now));
      return Status::OK();
    }
    RK_ASSIGN_OR_RETURN(int64_t cluster_id, ensure_cluster(db, req.cluster, now));
    if (!req.replace_host_id.empty() || !req.replace_address.empty()) {
      RK_ASSIGN_OR_RETURN(out, register_replacement(db, req, cluster_id, now));
    } else if (!req.tokens.empty()) {
      RK_ASSIGN_OR_RETURN(out, register_at_tokens(db, req, cluster_id, now));
    } else {
      RK_ASSIGN_OR_RETURN(out, register_new(db, req, cluster_id, now));
    }
    // The row has the time of this registration; the memory must not lag it.
    remember(out->node.host_id, out->node.last_heartbeat_us, -1);
    return Status::OK();
  }));
  overlay(out->node);
  return std::move(*out);
}

void Registry::remember(std::string_view host_id, int64_t at_us, int64_t load_bytes) {
  std::lock_guard lock(seen_mu_);
  auto it = seen_.find(host_id);
  if (it == seen_.end()) it = seen_.emplace(std::string(host_id), Seen{}).first;
  it->second.at_us = std::max(it->second.at_us, at_us);
  if (load_bytes >= 0) it->second.load_bytes = load_bytes;
}

void Registry::overlay(NodeInfo& node) const {
  std::lock_guard lock(seen_mu_);
  auto it = seen_.find(node.host_id);
  if (it == seen_.end()) return;
  node.last_heartbeat_us = std::max(node.last_heartbeat_us, it->second.at_us);
  if (it->second.load_bytes >= 0) node.load_bytes = it->second.load_bytes;
}

std::optional<Registry::Seen> Registry::seen(std::string_view host_id) const {
  std::lock_guard lock(seen_mu_);
  auto it = seen_.find(host_id);
  if (it == seen_.end()) return std::nullopt;
  return it->second;
}

int64_t Registry::persist_interval_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::min(options_.heartbeat_persist_interval, options_.heartbeat_timeout / 2))
      .count();
}

Result<HeartbeatReply> Registry::heartbeat(std::string_view host_id, const HeartbeatReport& report,
                                           const ReturnCheck& returning) {
  // Most heartbeats change nothing but the time and the load: a read, and memory. The memory is
  // written under the store's lock, so a sweep sees either the row or the remembered time.
  std::optional<HeartbeatReply> out;
  std::optional<NodeInfo> down;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    const int64_t now = clock_.now_micros();
    RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, host_id));
    if (row.info.state == NodeState::kReplaced) return refuse_replaced(host_id, row.info);
    if (row.info.state == NodeState::kDown) {
      overlay(row.info);
      down = std::move(row.info);
      return Status::OK();
    }
    if (now - row.info.last_heartbeat_us >= persist_interval_us()) return Status::OK();  // due
    remember(host_id, now, report.load_bytes);
    overlay(row.info);
    RK_ASSIGN_OR_RETURN(int64_t version, ring_version_of(db, row.cluster_id));
    out = HeartbeatReply{std::move(row.info), version};
    return Status::OK();
  }));
  if (out) return std::move(*out);
  if (down && returning) RK_RETURN_IF_ERROR(returning(*down));
  return write_heartbeat(host_id, report);
}

Result<HeartbeatReply> Registry::write_heartbeat(std::string_view host_id,
                                                 const HeartbeatReport& report) {
  // A heartbeat without a load persists the last one reported.
  const std::optional<Seen> before = seen(host_id);
  const int64_t load = report.load_bytes >= 0 ? report.load_bytes
                       : before               ? before->load_bytes
                                              : -1;
  std::optional<HeartbeatReply> out;
  RK_RETURN_IF_ERROR(store_.write(
      [&](Database& db) -> Status {
        const int64_t now = clock_.now_micros();
        RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, host_id));
        if (row.info.state == NodeState::kReplaced) return refuse_replaced(host_id, row.info);
        RK_ASSIGN_OR_RETURN(Statement beat,
                            db.prepare("UPDATE nodes SET last_heartbeat_us = ?, load_bytes = CASE "
                                       "WHEN ? < 0 THEN load_bytes ELSE ? END WHERE id = ?"));
        RK_RETURN_IF_ERROR(beat.bind_all(now, load, load, row.id).run());
        if (row.info.state == NodeState::kDown) {
          RK_RETURN_IF_ERROR(
              change_state(db, row.id, row.joined ? NodeState::kNormal : NodeState::kJoining, now));
        }
        remember(host_id, now, load);
        RK_ASSIGN_OR_RETURN(NodeRow updated, must_find_node(db, host_id));
        RK_ASSIGN_OR_RETURN(int64_t version, ring_version_of(db, updated.cluster_id));
        out = HeartbeatReply{std::move(updated.info), version};
        return Status::OK();
      },
      WriteDurability::kRelaxed));  // a lost heartbeat costs nothing: the next one replaces it
  return std::move(*out);
}

Result<NodeInfo> Registry::set_state(std::string_view host_id, NodeState state) {
  std::optional<NodeInfo> out;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, host_id));
    const NodeState from = row.info.state;
    const bool allowed =
        from == state || (state == NodeState::kNormal && from == NodeState::kJoining) ||
        (state == NodeState::kLeaving &&
         (from == NodeState::kJoining || from == NodeState::kNormal || from == NodeState::kDown));
    if (!allowed) {
      return Status::FailedPrecondition(fmt::format("node {} cannot go from {} to {}", host_id,
                                                    node_state_name(from), node_state_name(state)));
    }
    if (from != state) RK_RETURN_IF_ERROR(change_state(db, row.id, state, clock_.now_micros()));
    RK_ASSIGN_OR_RETURN(NodeRow updated, must_find_node(db, host_id));
    out = std::move(updated.info);
    return Status::OK();
  }));
  overlay(*out);
  return std::move(*out);
}

Result<NodeInfo> Registry::remove_node(std::string_view host_id) {
  std::optional<NodeInfo> out;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, host_id));
    if (row.info.state != NodeState::kLeaving && row.info.state != NodeState::kDown) {
      return Status::FailedPrecondition(
          fmt::format("node {} is {}; only a LEAVING or DOWN node can be removed", host_id,
                      node_state_name(row.info.state)));
    }
    RK_ASSIGN_OR_RETURN(Statement remove, db.prepare("DELETE FROM nodes WHERE id = ?"));
    RK_RETURN_IF_ERROR(remove.bind(1, row.id).run());  // node_tokens go with it (cascade)
    out = std::move(row.info);
    return Status::OK();
  }));
  overlay(*out);
  std::lock_guard lock(seen_mu_);
  seen_.erase(std::string(host_id));
  return std::move(*out);
}

Status Registry::define_datacenter(std::string_view cluster, const DatacenterPlan& plan) {
  RK_RETURN_IF_ERROR(validate_plan(plan));
  if (cluster.empty()) return Status::InvalidArgument("cluster name is empty");
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(int64_t cluster_id,
                        ensure_cluster(db, std::string(cluster), clock_.now_micros()));
    RK_ASSIGN_OR_RETURN(auto existing, load_datacenter(db, cluster_id, plan.name));
    if (existing) {
      if (follows_plan(existing->layout, plan)) return Status::OK();
      RK_ASSIGN_OR_RETURN(auto members,
                          lookup_id(db, "SELECT COUNT(*) FROM nodes WHERE datacenter_id = ?",
                                    [&](Statement& s) { s.bind(1, existing->id); }));
      if (members.value_or(0) > 0) {
        return Status::FailedPrecondition(fmt::format(
            "datacenter {} already has nodes and is laid out as racks [{}], {} slots, {} tokens "
            "per node; its plan cannot change",
            plan.name, fmt::join(existing->layout.racks, ", "), existing->layout.slot_count,
            existing->layout.num_tokens));
      }
      RK_ASSIGN_OR_RETURN(Statement drop, db.prepare("DELETE FROM datacenters WHERE id = ?"));
      RK_RETURN_IF_ERROR(drop.bind(1, existing->id).run());  // its racks go with it
    }
    RegisterRequest as_request;
    as_request.datacenter = plan.name;
    as_request.rack = plan.racks.front();
    as_request.datacenter_racks = plan.racks;
    as_request.nodes_per_rack = plan.nodes_per_rack;
    as_request.num_tokens = plan.num_tokens;
    RK_ASSIGN_OR_RETURN(StoredDatacenter created, create_datacenter(db, cluster_id, as_request));
    (void)created;
    return Status::OK();
  });
}

Result<ClusterSnapshot> Registry::snapshot(std::string_view cluster) {
  ClusterSnapshot out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(auto id, lookup_id(db, "SELECT id FROM clusters WHERE name = ?",
                                           [&](Statement& s) { s.bind(1, cluster); }));
    if (!id) return Status::NotFound(fmt::format("no cluster named {}", cluster));
    RK_ASSIGN_OR_RETURN(out.ring_version, ring_version_of(db, *id));
    RK_ASSIGN_OR_RETURN(auto rows, select_nodes(db, "WHERE n.cluster_id = ?",
                                                [&](Statement& s) { s.bind(1, *id); }));
    for (NodeRow& row : rows) {
      overlay(row.info);
      out.nodes.push_back(std::move(row.info));
    }
    return Status::OK();
  }));
  return out;
}

Result<std::vector<NodeInfo>> Registry::sweep() {
  std::vector<NodeInfo> out;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    const int64_t now = clock_.now_micros();
    const int64_t cutoff =
        now -
        std::chrono::duration_cast<std::chrono::microseconds>(options_.heartbeat_timeout).count();
    // Rows may lag the remembered heartbeats: a stale row is judged by the remembered time, and
    // a node not heard since this process started by its row plus the most the row may lag.
    RK_ASSIGN_OR_RETURN(auto candidates,
                        select_nodes(db,
                                     "WHERE n.state IN ('JOINING', 'NORMAL', 'LEAVING') AND "
                                     "n.last_heartbeat_us < ?",
                                     [&](Statement& s) { s.bind(1, cutoff); }));
    RK_ASSIGN_OR_RETURN(
        Statement exact,
        db.prepare(
            "UPDATE nodes SET last_heartbeat_us = ? WHERE id = ? AND last_heartbeat_us < ?"));
    for (NodeRow& row : candidates) {
      const std::optional<Seen> heard = seen(row.info.host_id);
      if (heard ? heard->at_us >= cutoff
                : row.info.last_heartbeat_us + persist_interval_us() >= cutoff) {
        continue;
      }
      // The DOWN interval starts at the last heartbeat heard: the row keeps it exactly.
      overlay(row.info);
      exact.reset();
      RK_RETURN_IF_ERROR(
          exact.bind_all(row.info.last_heartbeat_us, row.id, row.info.last_heartbeat_us).run());
      RK_RETURN_IF_ERROR(change_state(db, row.id, NodeState::kDown, now));
      row.info.state = NodeState::kDown;
      row.info.state_changed_at_us = now;
      out.push_back(std::move(row.info));
    }
    return Status::OK();
  }));
  return out;
}

Result<NodeInfo> Registry::node(std::string_view host_id) {
  std::optional<NodeInfo> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(NodeRow row, must_find_node(db, host_id));
    out = std::move(row.info);
    return Status::OK();
  }));
  overlay(*out);
  return std::move(*out);
}

Result<std::vector<NodeInfo>> Registry::nodes(std::string_view cluster) {
  std::vector<NodeInfo> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(auto rows,
                        select_nodes(db, "WHERE (? = '' OR c.name = ?)",
                                     [&](Statement& s) { s.bind_all(cluster, cluster); }));
    for (NodeRow& row : rows) {
      overlay(row.info);
      out.push_back(std::move(row.info));
    }
    return Status::OK();
  }));
  return out;
}

Result<std::vector<std::string>> Registry::clusters() {
  std::vector<std::string> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare("SELECT name FROM clusters ORDER BY name"));
    return stmt.each_row([&] { out.push_back(stmt.column_text(0)); });
  }));
  return out;
}

Result<std::vector<DatacenterInfo>> Registry::datacenters(std::string_view cluster) {
  std::vector<DatacenterInfo> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(R"sql(
      SELECT c.id, d.name FROM datacenters d JOIN clusters c ON c.id = d.cluster_id
      WHERE c.name = ? ORDER BY d.name)sql"));
    stmt.bind(1, cluster);
    return stmt.each_row([&]() -> Status {
      RK_ASSIGN_OR_RETURN(auto dc, load_datacenter(db, stmt.column_int64(0), stmt.column_text(1)));
      if (dc) out.push_back({std::string(cluster), std::move(dc->layout)});
      return Status::OK();
    });
  }));
  return out;
}

Result<Ring> Registry::ring(std::string_view cluster) {
  RK_ASSIGN_OR_RETURN(std::vector<NodeInfo> all, nodes(cluster));
  return ring_of(all);
}

Result<std::vector<NodeStatus>> Registry::status(std::string_view cluster,
                                                 const std::optional<Replication>& replication) {
  RK_ASSIGN_OR_RETURN(std::vector<NodeInfo> all, nodes(cluster));
  RK_ASSIGN_OR_RETURN(Ring ring, ring_of(all));
  std::map<std::string, double> owns;
  if (replication) {
    RK_ASSIGN_OR_RETURN(ReplicaPlacement placement,
                        ReplicaPlacement::create(std::move(ring), *replication));
    owns = placement.effective_ownership();
  } else {
    owns = ring.primary_ownership();
  }
  std::vector<NodeStatus> out;
  for (NodeInfo& n : all) {
    const auto it = owns.find(n.host_id);
    const double share = it == owns.end() ? 0.0 : it->second;
    out.push_back({std::move(n), share});
  }
  return out;
}

}  // namespace rk::scheduler
