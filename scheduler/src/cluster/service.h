// The scheduler's cluster service: what the REST API's cluster endpoints do, with no HTTP in it.
// It ties the registry (nodes, tokens, states), the schema catalog (keyspaces, tables), the audit
// log and the versions agents converge on (the registry's ring_version, the catalog's schema
// version), and pushes a new schema
// to the agents after each schema change commits.
//
// One scheduler manages one cluster (ClusterServiceOptions::cluster); agents of another cluster
// are refused. Everything is in SQLite.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "cluster/quarantine.h"
#include "cluster/schema_catalog.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/heartbeat.h"
#include "ringkeeper/core/registration.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/scheduler/registry.h"

namespace rk::scheduler {

class Store;

// A node as the API shows it: the registry's record, the last load it reported, and the tables
// it is quarantined for (docs/cluster.md "Quarantine"; empty: none).
struct NodeView {
  NodeInfo info;
  int64_t load_bytes = 0;
  std::vector<QuarantinedTable> quarantine;
};

// The ring as agents and rkctl see it: every node that holds tokens (REPLACED ones excluded).
struct RingView {
  int64_t version = 0;
  std::string cluster;
  std::vector<NodeView> nodes;
};

struct ClusterServiceOptions {
  std::string cluster = "ringkeeper";  // the one cluster this scheduler manages
  // The plan of a datacenter created by a registration (docs/tokens.md): its racks in order and
  // nodes per rack. Empty racks: the first node's rack (the ring then doubles as nodes arrive).
  std::vector<std::string> datacenter_racks;
  uint32_t nodes_per_rack = 1;
};

// Sends a schema to agents after a change (best effort; failures are the agents' to catch up on
// through heartbeats). Called outside any transaction, with the NORMAL nodes.
using SchemaPush =
    std::function<void(const ClusterSchema& schema, const std::vector<NodeView>& targets)>;

struct RegisterReply {
  NodeInfo node;
  RingView ring;
  ClusterSchema schema;
};

// The scheduler's side of the heartbeat (core/heartbeat.h).
using AgentHeartbeatReply = HeartbeatAnswer<RingView, ClusterSchema>;

class ClusterService {
 public:
  // Everything passed in must outlive the service. `push` may be empty (no pushing).
  ClusterService(Store& store, Registry& registry, SchemaCatalog& catalog, AuditLog& audit,
                 Clock& clock, ClusterServiceOptions options, SchemaPush push = {},
                 NodeQuarantine* quarantine = nullptr);

  // An agent registers (first start, restart or replacement); `actor` is the token's name. A new
  // node is NORMAL at once; a replacement stays JOINING until it reports NORMAL. Errors as
  // Registry::register_node, plus FailedPrecondition for another cluster's agent.
  Result<RegisterReply> register_agent(const std::string& actor, const AgentRegistration& request);
  // A heartbeat. NotFound for an unknown host (the agent should register again).
  Result<AgentHeartbeatReply> heartbeat(const std::string& actor, std::string_view host_id,
                                        const AgentHeartbeat& request);
  // Marks silent nodes DOWN (the scheduler's loop calls this every second or so).
  Result<std::vector<NodeInfo>> sweep();

  Result<RingView> ring();
  Result<std::vector<NodeView>> nodes();  // REPLACED nodes included
  Result<NodeView> node(std::string_view host_id);

  // The ways out of a quarantine (NodeQuarantine::rebuild, unquarantine), audited as
  // node.rebuild and node.unquarantine. NotFound for an unknown host.
  Result<NodeView> rebuild(const std::string& actor, std::string_view host_id);
  Result<NodeView> unquarantine(const std::string& actor, std::string_view host_id,
                                bool accept_risk);
  // The node's DOWN intervals, oldest first.
  Result<std::vector<DownInterval>> down_intervals(std::string_view host_id);

  Result<KeyspaceDef> create_keyspace(const std::string& actor, const KeyspaceDef& keyspace);
  Result<KeyspaceDef> create_table(const std::string& actor, std::string_view keyspace,
                                   const TableDef& table, bool force = false);
  // SchemaCatalog::alter_table, audited; the agents get the new schema.
  Result<KeyspaceDef> alter_table(const std::string& actor, std::string_view keyspace,
                                  std::string_view table, const TableAlter& alter);
  Result<ClusterSchema> schema();
  Result<KeyspaceDef> keyspace(std::string_view name);

  Result<AuditPage> audit(const AuditQuery& query);
  // Records a call that failed before it reached the service (bad body, ...).
  void record(const std::string& actor, const std::string& action, const std::string& target,
              const Status& outcome);

  const ClusterServiceOptions& options() const { return options_; }

 private:
  NodeView view(NodeInfo info);
  // record() with words for the operator on success as well.
  void record_detail(const std::string& actor, const std::string& action,
                     const std::string& target, const Status& outcome, const std::string& detail);
  // Every node's quarantined tables (empty without a NodeQuarantine).
  Result<std::map<std::string, std::vector<QuarantinedTable>, std::less<>>> quarantined();
  NodeView view(NodeInfo info,
                const std::map<std::string, std::vector<QuarantinedTable>, std::less<>>& q);
  void push_schema();

  Store& store_;
  Registry& registry_;
  SchemaCatalog& catalog_;
  AuditLog& audit_;
  Clock& clock_;
  ClusterServiceOptions options_;
  SchemaPush push_;
  NodeQuarantine* quarantine_;
};

}  // namespace rk::scheduler
