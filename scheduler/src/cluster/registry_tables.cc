// SQL access to the registry's tables (see registry_tables.h).
#include "cluster/registry_tables.h"

#include <fmt/format.h>

namespace rk::scheduler {
namespace {

constexpr std::string_view kNodeColumns = R"sql(
  SELECT n.id, n.host_id, c.name, d.name, r.name, n.address, n.ops_port, n.internode_port,
         n.client_port, n.slot, n.state, COALESCE(n.replaces_host_id, ''),
         COALESCE(n.replaced_by_host_id, ''), n.agent_version, n.storage_version,
         n.registered_at_us, n.last_heartbeat_us, n.state_changed_at_us, n.joined_at_us,
         n.cluster_id, n.datacenter_id, n.rack_id, n.load_bytes
  FROM nodes n
  JOIN clusters c ON c.id = n.cluster_id
  JOIN datacenters d ON d.id = n.datacenter_id
  JOIN racks r ON r.id = n.rack_id
)sql";

}  // namespace

Result<std::vector<NodeRow>> select_nodes(Database& db, std::string_view where,
                                          const Binder& bind) {
  RK_ASSIGN_OR_RETURN(
      Statement stmt,
      db.prepare(fmt::format("{} {} ORDER BY d.name, n.slot, n.host_id", kNodeColumns, where)));
  bind(stmt);
  std::vector<NodeRow> rows;
  RK_RETURN_IF_ERROR(stmt.each_row([&]() -> Status {
    NodeRow row;
    row.id = stmt.column_int64(0);
    NodeInfo& n = row.info;
    n.host_id = stmt.column_text(1);
    n.cluster = stmt.column_text(2);
    n.datacenter = stmt.column_text(3);
    n.rack = stmt.column_text(4);
    n.address = stmt.column_text(5);
    n.ops_port = static_cast<int>(stmt.column_int64(6));
    n.internode_port = static_cast<int>(stmt.column_int64(7));
    n.client_port = static_cast<int>(stmt.column_int64(8));
    n.slot = static_cast<uint64_t>(stmt.column_int64(9));
    RK_ASSIGN_OR_RETURN(n.state, parse_node_state(stmt.column_text(10)));
    n.replaces_host_id = stmt.column_text(11);
    n.replaced_by_host_id = stmt.column_text(12);
    n.agent_version = stmt.column_text(13);
    n.storage_version = stmt.column_text(14);
    n.registered_at_us = stmt.column_int64(15);
    n.last_heartbeat_us = stmt.column_int64(16);
    n.state_changed_at_us = stmt.column_int64(17);
    row.joined = !stmt.column_is_null(18);
    row.cluster_id = stmt.column_int64(19);
    row.datacenter_id = stmt.column_int64(20);
    row.rack_id = stmt.column_int64(21);
    n.load_bytes = stmt.column_int64(22);
    rows.push_back(std::move(row));
    return Status::OK();
  }));
  RK_ASSIGN_OR_RETURN(
      Statement tokens,
      db.prepare("SELECT token FROM node_tokens WHERE node_id = ? ORDER BY position"));
  for (NodeRow& row : rows) {
    tokens.reset();
    tokens.bind(1, row.id);
    RK_RETURN_IF_ERROR(tokens.each_row([&] { row.info.tokens.push_back(tokens.column_int64(0)); }));
  }
  return rows;
}

Result<std::optional<NodeRow>> find_node(Database& db, std::string_view host_id) {
  RK_ASSIGN_OR_RETURN(auto rows, select_nodes(db, "WHERE n.host_id = ?",
                                              [&](Statement& s) { s.bind(1, host_id); }));
  if (rows.empty()) return std::optional<NodeRow>();
  return std::optional<NodeRow>(std::move(rows.front()));
}

Result<NodeRow> must_find_node(Database& db, std::string_view host_id) {
  RK_ASSIGN_OR_RETURN(auto row, find_node(db, host_id));
  if (!row) return Status::NotFound(fmt::format("no node with host id {}", host_id));
  return std::move(*row);
}

Result<std::optional<int64_t>> lookup_id(Database& db, std::string_view sql, const Binder& bind) {
  RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(sql));
  bind(stmt);
  RK_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt.column_int64(0));
}

Result<int64_t> ensure_cluster(Database& db, const std::string& name, int64_t now) {
  RK_ASSIGN_OR_RETURN(auto id, lookup_id(db, "SELECT id FROM clusters WHERE name = ?",
                                         [&](Statement& s) { s.bind(1, name); }));
  if (id) return *id;
  RK_ASSIGN_OR_RETURN(Statement insert,
                      db.prepare("INSERT INTO clusters (name, created_at_us) VALUES (?, ?)"));
  RK_RETURN_IF_ERROR(insert.bind_all(name, now).run());
  return db.last_insert_rowid();
}

Result<std::optional<StoredDatacenter>> load_datacenter(Database& db, int64_t cluster_id,
                                                        std::string_view name) {
  RK_ASSIGN_OR_RETURN(
      Statement dc,
      db.prepare("SELECT id, slot_count, num_tokens FROM datacenters WHERE cluster_id = ? AND "
                 "name = ?"));
  dc.bind_all(cluster_id, name);
  RK_ASSIGN_OR_RETURN(bool found, dc.step());
  if (!found) return std::optional<StoredDatacenter>();
  StoredDatacenter out;
  out.id = dc.column_int64(0);
  out.layout.name = std::string(name);
  out.layout.slot_count = static_cast<uint64_t>(dc.column_int64(1));
  out.layout.num_tokens = static_cast<uint32_t>(dc.column_int64(2));
  RK_ASSIGN_OR_RETURN(
      Statement racks,
      db.prepare("SELECT id, name FROM racks WHERE datacenter_id = ? ORDER BY position"));
  racks.bind(1, out.id);
  RK_RETURN_IF_ERROR(racks.each_row([&] {
    out.rack_ids.push_back(racks.column_int64(0));
    out.layout.racks.push_back(racks.column_text(1));
  }));
  return std::optional<StoredDatacenter>(std::move(out));
}

Status append_racks(Database& db, StoredDatacenter& dc, const std::vector<std::string>& racks) {
  RK_ASSIGN_OR_RETURN(
      Statement insert,
      db.prepare("INSERT INTO racks (datacenter_id, name, position) VALUES (?, ?, ?)"));
  for (size_t i = dc.layout.racks.size(); i < racks.size(); ++i) {
    insert.reset();
    RK_RETURN_IF_ERROR(insert.bind_all(dc.id, racks[i], static_cast<int64_t>(i)).run());
    dc.layout.racks.push_back(racks[i]);
    dc.rack_ids.push_back(db.last_insert_rowid());
  }
  return Status::OK();
}

Result<StoredDatacenter> create_datacenter(Database& db, int64_t cluster_id,
                                           const RegisterRequest& req) {
  std::vector<std::string> racks = req.datacenter_racks;
  for (const auto& r : racks) {
    if (r.empty()) return Status::InvalidArgument("datacenter_racks has an empty rack name");
    if (std::count(racks.begin(), racks.end(), r) > 1) {
      return Status::InvalidArgument(fmt::format("datacenter_racks names {} twice", r));
    }
  }
  if (std::find(racks.begin(), racks.end(), req.rack) == racks.end()) racks.push_back(req.rack);
  StoredDatacenter dc;
  dc.layout = {.name = req.datacenter,
               .slot_count = racks.size() * req.nodes_per_rack,
               .num_tokens = req.num_tokens};
  RK_ASSIGN_OR_RETURN(Statement insert,
                      db.prepare("INSERT INTO datacenters (cluster_id, name, slot_count, "
                                 "num_tokens) VALUES (?, ?, ?, ?)"));
  RK_RETURN_IF_ERROR(insert
                         .bind_all(cluster_id, req.datacenter,
                                   static_cast<int64_t>(dc.layout.slot_count),
                                   static_cast<int64_t>(req.num_tokens))
                         .run());
  dc.id = db.last_insert_rowid();
  RK_RETURN_IF_ERROR(append_racks(db, dc, racks));
  return dc;
}

Status insert_tokens(Database& db, int64_t cluster_id, int64_t node_id,
                     const std::vector<Token>& tokens) {
  RK_ASSIGN_OR_RETURN(
      Statement insert,
      db.prepare("INSERT INTO node_tokens (cluster_id, token, node_id, position) VALUES (?, ?, ?, "
                 "?)"));
  for (size_t i = 0; i < tokens.size(); ++i) {
    insert.reset();
    Status s =
        insert.bind_all(cluster_id, int64_t{tokens[i]}, node_id, static_cast<int64_t>(i)).run();
    if (s.code() == ErrorCode::kAlreadyExists) {
      return Status::Internal(fmt::format("token {} is already held by another node", tokens[i]));
    }
    RK_RETURN_IF_ERROR(s);
  }
  return Status::OK();
}

Result<int64_t> insert_node(Database& db, const RegisterRequest& req, const NewNodeRow& row,
                            int64_t now) {
  RK_ASSIGN_OR_RETURN(Statement insert, db.prepare(R"sql(
    INSERT INTO nodes (host_id, cluster_id, datacenter_id, rack_id, address, ops_port,
                       internode_port, client_port, slot, state, replaces_host_id, agent_version,
                       storage_version, registered_at_us, last_heartbeat_us, state_changed_at_us)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'JOINING', ?, ?, ?, ?, ?, ?))sql"));
  std::optional<std::string> replaces;
  if (row.replaces != nullptr) replaces = row.replaces;
  RK_RETURN_IF_ERROR(insert
                         .bind_all(req.host_id, row.cluster_id, row.datacenter_id, row.rack_id,
                                   req.address, req.ops_port, req.internode_port, req.client_port,
                                   static_cast<int64_t>(row.slot), replaces, req.agent_version,
                                   req.storage_version, now, now, now)
                         .run());
  return db.last_insert_rowid();
}

Status change_state(Database& db, int64_t id, NodeState state, int64_t now) {
  RK_ASSIGN_OR_RETURN(Statement update, db.prepare(R"sql(
    UPDATE nodes SET state = ?, state_changed_at_us = ?,
                     joined_at_us = CASE WHEN ? = 'NORMAL' THEN COALESCE(joined_at_us, ?)
                                         ELSE joined_at_us END
    WHERE id = ?)sql"));
  const std::string name(node_state_name(state));
  return update.bind_all(name, now, name, now, id).run();
}

Result<int64_t> ring_version_of(Database& db, int64_t cluster_id) {
  RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare("SELECT ring_version FROM clusters WHERE id = ?"));
  stmt.bind(1, cluster_id);
  RK_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return Status::Internal(fmt::format("cluster id {} vanished", cluster_id));
  return stmt.column_int64(0);
}

}  // namespace rk::scheduler
