// Quarantine of returning nodes (see quarantine.h).
#include "cluster/quarantine.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "db/sqlite.h"
#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

constexpr const char* kNodeId = "(SELECT id FROM nodes WHERE host_id = ?)";

Result<std::optional<int64_t>> open_down_since(Database& db, std::string_view host_id) {
  RK_ASSIGN_OR_RETURN(Statement stmt,
                      db.prepare(fmt::format("SELECT MIN(down_since_us) FROM node_down_intervals "
                                             "WHERE node_id = {} AND up_at_us IS NULL",
                                             kNodeId)));
  stmt.bind(1, host_id);
  std::optional<int64_t> since;
  RK_RETURN_IF_ERROR(stmt.each_row([&] { since = stmt.column_optional_int64(0); }));
  return since;
}

bool replicates(const Replication& r, const std::string& datacenter) {
  if (r.strategy == Replication::Strategy::kSimple) return r.replication_factor > 0;
  auto it = r.datacenter_factors.find(datacenter);
  return it != r.datacenter_factors.end() && it->second > 0;
}

}  // namespace

std::vector<std::string> table_names(const std::vector<QuarantinedTable>& tables) {
  std::vector<std::string> out;
  for (const QuarantinedTable& t : tables) out.push_back(t.keyspace + "." + t.table);
  return out;
}

NodeQuarantine::NodeQuarantine(Store& store, Registry& registry, SchemaCatalog& catalog,
                               Clock& clock, QuarantineNotice notice, RebuildCall rebuild)
    : store_(store),
      registry_(registry),
      catalog_(catalog),
      clock_(clock),
      notice_(std::move(notice)),
      rebuild_(std::move(rebuild)),
      started_at_us_(clock.now_micros()) {}

Status NodeQuarantine::node_down(const NodeInfo& node) {
  const int64_t since = std::max(node.last_heartbeat_us, started_at_us_);
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(std::optional<int64_t> open, open_down_since(db, node.host_id));
    if (open) return Status::OK();
    RK_ASSIGN_OR_RETURN(
        Statement stmt,
        db.prepare(fmt::format("INSERT INTO node_down_intervals (node_id, down_since_us, "
                               "marked_down_at_us) VALUES ({}, ?, ?)",
                               kNodeId)));
    return stmt.bind_all(node.host_id, since, clock_.now_micros()).run();
  });
}

Status NodeQuarantine::node_back(const NodeInfo& node) {
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt,
                        db.prepare(fmt::format("UPDATE node_down_intervals SET up_at_us = ? "
                                               "WHERE node_id = {} AND up_at_us IS NULL",
                                               kNodeId)));
    return stmt.bind_all(clock_.now_micros(), node.host_id).run();
  });
}

Result<std::vector<repair::ReplicatedTable>> NodeQuarantine::replicated_tables(
    const NodeInfo& node) {
  RK_ASSIGN_OR_RETURN(ClusterSchema schema, catalog_.schema());
  std::vector<repair::ReplicatedTable> out;
  for (const KeyspaceDef& ks : schema.keyspaces) {
    if (!replicates(ks.replication, node.datacenter)) continue;
    for (const TableDef& t : ks.tables) {
      out.push_back({ks.name, t.name, t.gc_grace_seconds, t.tombstone_gc});
    }
  }
  return out;
}

Result<std::vector<QuarantinedTable>> NodeQuarantine::node_returning(
    const NodeInfo& before, int64_t agent_last_healthy_us) {
  std::optional<int64_t> down_since;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(down_since, open_down_since(db, before.host_id));
    return Status::OK();
  }));
  // The earliest moment either side last knew the node healthy: trusting the later one could
  // shorten an absence.
  int64_t left_at = 0;
  for (int64_t t : {down_since.value_or(0), agent_last_healthy_us}) {
    if (t > 0 && (left_at == 0 || t < left_at)) left_at = t;
  }
  const int64_t now = clock_.now_micros();
  RK_ASSIGN_OR_RETURN(std::vector<repair::ReplicatedTable> replicated, replicated_tables(before));
  const repair::QuarantineDecision decision = repair::decide_quarantine(left_at, now, replicated);
  std::vector<QuarantinedTable> out;
  if (decision.tables.empty()) return out;
  for (const repair::ReplicatedTable& t : decision.tables) {
    out.push_back({t.keyspace, t.table, t.gc_grace_seconds, left_at, now});
  }
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(
        Statement stmt,
        db.prepare(fmt::format(
            "INSERT OR IGNORE INTO node_quarantine (node_id, keyspace, table_name, "
            "gc_grace_seconds, left_at_us, back_at_us) VALUES ({}, ?, ?, ?, ?, ?)",
            kNodeId)));
    for (const QuarantinedTable& t : out) {
      RK_RETURN_IF_ERROR(stmt.bind_all(before.host_id, t.keyspace, t.table, t.gc_grace_seconds,
                                       t.left_at_us, t.back_at_us)
                             .run());
      stmt.reset();
    }
    return Status::OK();
  }));
  const std::string message = repair::quarantine_message(before.host_id, decision);
  spdlog::error("{}", message);
  if (notice_) notice_(before.host_id, true, message);
  return out;
}

Result<std::vector<QuarantinedTable>> NodeQuarantine::tables(std::string_view host_id) {
  RK_ASSIGN_OR_RETURN(auto every, all());
  auto it = every.find(host_id);
  if (it == every.end()) return std::vector<QuarantinedTable>{};
  return it->second;
}

Result<std::map<std::string, std::vector<QuarantinedTable>, std::less<>>> NodeQuarantine::all() {
  std::map<std::string, std::vector<QuarantinedTable>, std::less<>> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(R"sql(
      SELECT n.host_id, q.keyspace, q.table_name, q.gc_grace_seconds, q.left_at_us, q.back_at_us
      FROM node_quarantine q JOIN nodes n ON n.id = q.node_id
      ORDER BY n.host_id, q.keyspace, q.table_name)sql"));
    return stmt.each_row([&] {
      out[stmt.column_text(0)].push_back({stmt.column_text(1), stmt.column_text(2),
                                          stmt.column_int64(3), stmt.column_int64(4),
                                          stmt.column_int64(5)});
    });
  }));
  return out;
}

Result<std::vector<DownInterval>> NodeQuarantine::down_intervals(std::string_view host_id) {
  std::vector<DownInterval> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt,
                        db.prepare(fmt::format("SELECT down_since_us, marked_down_at_us, "
                                               "up_at_us FROM node_down_intervals WHERE node_id "
                                               "= {} ORDER BY id",
                                               kNodeId)));
    stmt.bind(1, host_id);
    return stmt.each_row([&] {
      out.push_back(
          {stmt.column_int64(0), stmt.column_int64(1), stmt.column_optional_int64(2)});
    });
  }));
  return out;
}

Status NodeQuarantine::check_other_replicas(const NodeInfo& node,
                                            const std::vector<QuarantinedTable>& tables) {
  RK_ASSIGN_OR_RETURN(std::vector<NodeInfo> members, registry_.nodes(node.cluster));
  RK_ASSIGN_OR_RETURN(Ring ring, registry_.ring(node.cluster));
  RK_ASSIGN_OR_RETURN(auto quarantined, all());
  RK_ASSIGN_OR_RETURN(ClusterSchema schema, catalog_.schema());
  std::map<std::string, const NodeInfo*, std::less<>> by_host;
  for (const NodeInfo& m : members) by_host[m.host_id] = &m;
  auto usable = [&](const std::string& host, const QuarantinedTable& t) {
    auto m = by_host.find(host);
    if (m == by_host.end() || m->second->state != NodeState::kNormal) return false;
    auto q = quarantined.find(host);
    if (q == quarantined.end()) return true;
    return std::none_of(q->second.begin(), q->second.end(), [&](const QuarantinedTable& o) {
      return o.keyspace == t.keyspace && o.table == t.table;
    });
  };
  for (const QuarantinedTable& t : tables) {
    auto ks = std::find_if(schema.keyspaces.begin(), schema.keyspaces.end(),
                           [&](const KeyspaceDef& k) { return k.name == t.keyspace; });
    if (ks == schema.keyspaces.end()) continue;  // dropped since: nothing to stream
    RK_ASSIGN_OR_RETURN(ReplicaPlacement placement, ReplicaPlacement::create(ring, ks->replication));
    for (const TokenRange& mine : placement.ranges_of(node.host_id)) {
      for (const RangeReplicas& piece : placement.replicas_for_range(mine)) {
        const bool other = std::any_of(piece.replicas.begin(), piece.replicas.end(),
                                       [&](const RingNode* r) {
                                         return r->host_id != node.host_id && usable(r->host_id, t);
                                       });
        if (!other) {
          return Status::FailedPrecondition(fmt::format(
              "node {} is the last usable replica of range {} of {}.{} (no other replica is "
              "NORMAL and unquarantined): a rebuild would discard the only copy. Bring another "
              "replica back first, or accept the risk with 'rkctl node unquarantine {} "
              "--accept-risk'",
              node.host_id, piece.range.to_string(), t.keyspace, t.table, node.host_id));
        }
      }
    }
  }
  return Status::OK();
}

Status NodeQuarantine::release(const NodeInfo& node, const std::string& how) {
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(
        Statement stmt,
        db.prepare(fmt::format("DELETE FROM node_quarantine WHERE node_id = {}", kNodeId)));
    return stmt.bind_all(node.host_id).run();
  }));
  if (notice_) notice_(node.host_id, false, fmt::format("node {} is no longer quarantined: {}",
                                                        node.host_id, how));
  return Status::OK();
}

Result<std::vector<QuarantinedTable>> NodeQuarantine::rebuild(const NodeInfo& node) {
  RK_ASSIGN_OR_RETURN(std::vector<QuarantinedTable> q, tables(node.host_id));
  if (q.empty()) {
    return Status::FailedPrecondition(
        fmt::format("node {} is not quarantined: there is nothing to rebuild", node.host_id));
  }
  if (node.state != NodeState::kNormal) {
    return Status::FailedPrecondition(fmt::format("node {} is {}: only a NORMAL node is rebuilt",
                                                  node.host_id, node_state_name(node.state)));
  }
  RK_RETURN_IF_ERROR(check_other_replicas(node, q));
  if (!rebuild_) return Status::FailedPrecondition("this scheduler cannot reach agents");
  RK_RETURN_IF_ERROR(rebuild_(node, table_names(q)));
  RK_RETURN_IF_ERROR(release(
      node, fmt::format("rebuilt {} from the other replicas", fmt::join(table_names(q), ", "))));
  return q;
}

Result<std::vector<QuarantinedTable>> NodeQuarantine::unquarantine(const NodeInfo& node,
                                                                  bool accept_risk) {
  RK_ASSIGN_OR_RETURN(std::vector<QuarantinedTable> q, tables(node.host_id));
  if (!accept_risk) {
    return Status::InvalidArgument(fmt::format(
        "unquarantine serves node {}'s copy as it is, which may bring deleted rows back: say so "
        "with --accept-risk (\"accept_risk\": true), or rebuild it ('rkctl node rebuild {}')",
        node.host_id, node.host_id));
  }
  if (q.empty()) {
    return Status::FailedPrecondition(fmt::format("node {} is not quarantined", node.host_id));
  }
  RK_RETURN_IF_ERROR(release(node, fmt::format("an operator accepted the risk for {}",
                                               fmt::join(table_names(q), ", "))));
  return q;
}

}  // namespace rk::scheduler
