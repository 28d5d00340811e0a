// The cluster domain's JSON shapes (docs/api.md "Shapes": RING, NODE, SCHEMA): the one place that
// turns nodes, rings, keyspaces and tables into JSON and replication objects back. Used by the
// REST handlers, the schema catalog (replication is kept as its JSON object) and the agent client
// (schema pushes).
#pragma once

#include <nlohmann/json.hpp>

#include "cluster/schema_catalog.h"
#include "cluster/service.h"
#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/status.h"

namespace rk::scheduler {

// {"class":"SimpleStrategy","replication_factor":3} or {"class":"NetworkTopologyStrategy",
// "dc1":3,...}.
nlohmann::json replication_json(const Replication& replication);
// The inverse; InvalidArgument naming the problem (unknown class, a factor that is not a whole
// number 1..100 (SimpleStrategy) or 0..100 (per datacenter), an unknown field).
Result<Replication> replication_from_json(const nlohmann::json& value);

nlohmann::json table_json(const TableDef& table);
nlohmann::json keyspace_json(const KeyspaceDef& keyspace);
nlohmann::json schema_json(const ClusterSchema& schema);

// "host:port".
std::string host_port(const std::string& host, int port);
// A node's quarantined tables (docs/api.md "NODE"): [{"keyspace","table","gc_grace_seconds",
// "left_at","back_at"}], empty when it serves every table.
nlohmann::json quarantine_json(const std::vector<QuarantinedTable>& tables);
nlohmann::json node_json(const NodeView& node);
nlohmann::json ring_json(const RingView& ring);

}  // namespace rk::scheduler
