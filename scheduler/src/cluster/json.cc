// The cluster domain's JSON shapes (see json.h).
#include "cluster/json.h"

#include <fmt/format.h>

#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/token.h"

namespace rk::scheduler {
namespace {

constexpr int kMaxReplicationFactor = 100;

// A replication factor: a JSON integer (a string such as "3", a fraction or an overflowing number
// is refused, naming the field, like every number of the API).
Result<int> factor(const nlohmann::json& replication, const std::string& key, int min) {
  Result<int64_t> n = api::get_int(replication, key, min, kMaxReplicationFactor, 0);
  if (!n.ok()) return n.status().with_context("replication");
  return static_cast<int>(*n);
}

}  // namespace

nlohmann::json replication_json(const Replication& replication) {
  if (replication.strategy == Replication::Strategy::kSimple) {
    return {{"class", "SimpleStrategy"}, {"replication_factor", replication.replication_factor}};
  }
  nlohmann::json out = {{"class", "NetworkTopologyStrategy"}};
  for (const auto& [dc, rf] : replication.datacenter_factors) out[dc] = rf;
  return out;
}

Result<Replication> replication_from_json(const nlohmann::json& value) {
  if (!value.is_object()) return Status::InvalidArgument("replication must be an object");
  const auto cls = value.find("class");
  if (cls == value.end() || !cls->is_string()) {
    return Status::InvalidArgument(
        "replication.class is required: SimpleStrategy or NetworkTopologyStrategy");
  }
  std::string name = cls->get<std::string>();
  // Cassandra accepts the fully qualified class names as well.
  constexpr std::string_view kPrefix = "org.apache.cassandra.locator.";
  if (name.starts_with(kPrefix)) name = name.substr(kPrefix.size());
  if (name == "SimpleStrategy") {
    Replication r = Replication::simple(1);
    bool have_rf = false;
    for (const auto& [key, v] : value.items()) {
      if (key == "class") continue;
      if (key != "replication_factor") {
        return Status::InvalidArgument(fmt::format(
            "replication.{}: unknown field for SimpleStrategy (it takes replication_factor)", key));
      }
      RK_ASSIGN_OR_RETURN(r.replication_factor, factor(value, key, 1));
      have_rf = true;
    }
    if (!have_rf) {
      return Status::InvalidArgument("SimpleStrategy needs replication.replication_factor");
    }
    return r;
  }
  if (name == "NetworkTopologyStrategy") {
    std::map<std::string, int> factors;
    for (const auto& [key, v] : value.items()) {
      if (key == "class") continue;
      if (key.empty()) return Status::InvalidArgument("replication: empty datacenter name");
      RK_ASSIGN_OR_RETURN(factors[key], factor(value, key, 0));
    }
    if (factors.empty()) {
      return Status::InvalidArgument(
          "NetworkTopologyStrategy needs a factor per datacenter, e.g. {\"dc1\": 3}");
    }
    return Replication::network_topology(std::move(factors));
  }
  return Status::InvalidArgument(fmt::format(
      "replication.class '{}' is unknown: use SimpleStrategy or NetworkTopologyStrategy", name));
}

nlohmann::json table_json(const TableDef& table) {
  return {{"name", table.name},
          {"gc_grace_seconds", table.gc_grace_seconds},
          {"default_ttl_seconds", table.default_ttl_seconds},
          {"tombstone_gc", tombstone_gc_name(table.tombstone_gc)}};
}

nlohmann::json keyspace_json(const KeyspaceDef& keyspace) {
  nlohmann::json tables = nlohmann::json::array();
  for (const TableDef& t : keyspace.tables) tables.push_back(table_json(t));
  return {{"name", keyspace.name},
          {"replication", replication_json(keyspace.replication)},
          {"tables", std::move(tables)}};
}

nlohmann::json schema_json(const ClusterSchema& schema) {
  nlohmann::json keyspaces = nlohmann::json::array();
  for (const KeyspaceDef& ks : schema.keyspaces) keyspaces.push_back(keyspace_json(ks));
  return {{"version", schema.version}, {"keyspaces", std::move(keyspaces)}};
}

std::string host_port(const std::string& host, int port) {
  // IPv6 literals need brackets to carry a port.
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

nlohmann::json quarantine_json(const std::vector<QuarantinedTable>& tables) {
  nlohmann::json out = nlohmann::json::array();
  for (const QuarantinedTable& t : tables) {
    out.push_back({{"keyspace", t.keyspace},
                   {"table", t.table},
                   {"gc_grace_seconds", t.gc_grace_seconds},
                   {"left_at", t.left_at_us},
                   {"back_at", t.back_at_us}});
  }
  return out;
}

nlohmann::json node_json(const NodeView& node) {
  const NodeInfo& n = node.info;
  nlohmann::json tokens = nlohmann::json::array();
  for (Token t : n.tokens) tokens.push_back(token_to_string(t));
  return {{"host_id", n.host_id},
          {"datacenter", n.datacenter},
          {"rack", n.rack},
          {"state", node_state_name(n.state)},
          {"slot", n.slot},
          {"tokens", std::move(tokens)},
          {"addresses",
           {{"ops", host_port(n.address, n.ops_port)},
            {"internode", host_port(n.address, n.internode_port)},
            {"client", host_port(n.address, n.client_port)}}},
          {"last_heartbeat", n.last_heartbeat_us},
          {"load_bytes", node.load_bytes},
          {"version", n.agent_version},
          {"quarantine", quarantine_json(node.quarantine)}};
}

nlohmann::json ring_json(const RingView& ring) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const NodeView& n : ring.nodes) nodes.push_back(node_json(n));
  return {{"version", ring.version}, {"cluster", ring.cluster}, {"nodes", std::move(nodes)}};
}

}  // namespace rk::scheduler
