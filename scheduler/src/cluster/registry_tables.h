// How the registry is stored: reading and writing the rows of the clusters, datacenters, racks,
// nodes and node_tokens tables (scheduler/schema/0001_registry.sql and later migrations). The
// registry's rules (who may register, replace, change state) live in registry.cc; this file only
// moves rows. Every function runs on the caller's connection, inside the caller's transaction.
// Private to scheduler/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_assignment.h"
#include "ringkeeper/scheduler/registry.h"
#include "db/sqlite.h"

namespace rk::scheduler {

// A node as stored: its public view plus the row ids the registry works with.
struct NodeRow {
  int64_t id = 0;
  int64_t cluster_id = 0;
  int64_t datacenter_id = 0;
  int64_t rack_id = 0;
  bool joined = false;  // reached NORMAL at least once
  NodeInfo info;
};

using Binder = std::function<void(Statement&)>;

// Nodes matching `where` (a WHERE clause over nodes n, clusters c, datacenters d, racks r; its
// parameters bound by `bind`), ordered by datacenter, slot and host id, with their tokens.
Result<std::vector<NodeRow>> select_nodes(Database& db, std::string_view where, const Binder& bind);
// The node with `host_id`, or nullopt.
Result<std::optional<NodeRow>> find_node(Database& db, std::string_view host_id);
// The node with `host_id`; NotFound when there is none.
Result<NodeRow> must_find_node(Database& db, std::string_view host_id);
// The first column of the first row `sql` selects, or nullopt.
Result<std::optional<int64_t>> lookup_id(Database& db, std::string_view sql, const Binder& bind);
// Id of the cluster named `name`, created when missing.
Result<int64_t> ensure_cluster(Database& db, const std::string& name, int64_t now);
// The cluster's ring_version (see 0004_ring_version.sql).
Result<int64_t> ring_version_of(Database& db, int64_t cluster_id);

// A datacenter's row and its racks.
struct StoredDatacenter {
  int64_t id = 0;
  DatacenterLayout layout;
  std::vector<int64_t> rack_ids;  // parallel to layout.racks
};

// The datacenter `name` of the cluster, or nullopt.
Result<std::optional<StoredDatacenter>> load_datacenter(Database& db, int64_t cluster_id,
                                                        std::string_view name);
// Adds the racks of `racks` beyond the ones `dc` has (racks are only ever appended).
Status append_racks(Database& db, StoredDatacenter& dc, const std::vector<std::string>& racks);
// Creates the datacenter `req` names with the plan it carries (see RegisterRequest).
Result<StoredDatacenter> create_datacenter(Database& db, int64_t cluster_id,
                                           const RegisterRequest& req);

// Where a new node row goes.
struct NewNodeRow {
  int64_t cluster_id, datacenter_id, rack_id;
  uint64_t slot;
  const char* replaces;  // nullptr or a host id
};

// Inserts a JOINING node for `req`; returns its row id.
Result<int64_t> insert_node(Database& db, const RegisterRequest& req, const NewNodeRow& row,
                            int64_t now);
// Records `tokens` as held by node `node_id` (in position order). Internal error if one is taken.
Status insert_tokens(Database& db, int64_t cluster_id, int64_t node_id,
                     const std::vector<Token>& tokens);
// Sets a node's state (and, the first time it is NORMAL, when it joined).
Status change_state(Database& db, int64_t id, NodeState state, int64_t now);

}  // namespace rk::scheduler
