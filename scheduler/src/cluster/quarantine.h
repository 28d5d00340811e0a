// Quarantine of returning nodes (docs/cluster.md "Quarantine"): the scheduler's record of when
// nodes were DOWN (schema/0012_node_quarantine.sql), the decision when one comes back
// (repair::decide_quarantine over the timeout-mode tables it replicates), the tables it is
// quarantined for, and the two ways out: a rebuild (the agent discards its copy of those tables
// and streams them from the other replicas) or an operator accepting the risk.
//
// The cluster service calls it around registrations, heartbeats and the sweep; the ring it sends
// agents names each node's quarantined tables, and the agents' coordinators route around them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/schema_catalog.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/repair/quarantine.h"
#include "ringkeeper/scheduler/registry.h"

namespace rk::scheduler {

class Store;

struct QuarantinedTable {
  std::string keyspace;
  std::string table;
  int64_t gc_grace_seconds = 0;
  int64_t left_at_us = 0;  // the absence that caused it
  int64_t back_at_us = 0;
};

struct DownInterval {
  int64_t down_since_us = 0;
  int64_t marked_down_at_us = 0;
  std::optional<int64_t> up_at_us;  // nullopt: still away
};

// Raised and cleared: (host id, quarantined?, the operator's message).
using QuarantineNotice =
    std::function<void(const std::string& host_id, bool quarantined, const std::string& message)>;
// Asks the node's agent to discard its data of `tables` ("ks.t") and stream them again from the
// other replicas; returns once done.
using RebuildCall =
    std::function<Status(const NodeInfo& node, const std::vector<std::string>& tables)>;

class NodeQuarantine {
 public:
  // Everything passed in must outlive this. `notice` and `rebuild` may be empty.
  NodeQuarantine(Store& store, Registry& registry, SchemaCatalog& catalog, Clock& clock,
                 QuarantineNotice notice = {}, RebuildCall rebuild = {});

  // The sweep marked `node` DOWN: opens an interval from its last heartbeat, or from this
  // scheduler's start when it was not running then (it cannot vouch for what it did not see).
  Status node_down(const NodeInfo& node);
  // `before` is coming back (a registration of a known host id, or a heartbeat of a DOWN node),
  // its agent's own record of when it was last a healthy member in `agent_last_healthy_us` (0:
  // none). Quarantines it for the tables the absence outlasted (before it serves again: the
  // ring moves with it) and raises the alert. Returns the tables newly quarantined.
  Result<std::vector<QuarantinedTable>> node_returning(const NodeInfo& before,
                                                       int64_t agent_last_healthy_us);
  // Closes the node's open DOWN interval once it is back.
  Status node_back(const NodeInfo& node);

  // The node's quarantined tables (empty: none).
  Result<std::vector<QuarantinedTable>> tables(std::string_view host_id);
  // Every quarantined node's tables, by host id.
  Result<std::map<std::string, std::vector<QuarantinedTable>, std::less<>>> all();
  Result<std::vector<DownInterval>> down_intervals(std::string_view host_id);

  // Rebuilds a quarantined node: FailedPrecondition when it is not quarantined, not NORMAL, or
  // the last usable replica (NORMAL, not quarantined for the table) of any range of a
  // quarantined table (named in the message); nothing changes then. On success the quarantine
  // is lifted. Returns the tables rebuilt.
  Result<std::vector<QuarantinedTable>> rebuild(const NodeInfo& node);
  // Lifts the quarantine without a rebuild. InvalidArgument without `accept_risk`;
  // FailedPrecondition when the node is not quarantined. Returns the tables released.
  Result<std::vector<QuarantinedTable>> unquarantine(const NodeInfo& node, bool accept_risk);

 private:
  Result<std::vector<repair::ReplicatedTable>> replicated_tables(const NodeInfo& node);
  Status check_other_replicas(const NodeInfo& node, const std::vector<QuarantinedTable>& tables);
  Status release(const NodeInfo& node, const std::string& how);

  Store& store_;
  Registry& registry_;
  SchemaCatalog& catalog_;
  Clock& clock_;
  QuarantineNotice notice_;
  RebuildCall rebuild_;
  const int64_t started_at_us_;
};

// "ks.t" of each table.
std::vector<std::string> table_names(const std::vector<QuarantinedTable>& tables);

}  // namespace rk::scheduler
