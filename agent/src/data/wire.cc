// JSON encoding of storage types (see wire.h for the shapes). Decoders check every object with
// api::check so that unknown fields and wrong types are refused with the field named.
#include "ringkeeper/agent/wire.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/schema_limits.h"
#include "ringkeeper/core/token.h"

namespace rk::agent::wire {
namespace {

using api::Field;
using api::kRequired;
using api::Spec;
using api::Type;
using nlohmann::json;

constexpr int64_t kMaxReplicationFactor = 1000;

Status check_object(const json& j, const Spec& spec, std::string_view what) {
  Status s = api::check(j, spec);
  return s.ok() ? s : s.with_context(what);
}

const char* kind_name(storage::CellKind kind) {
  switch (kind) {
    case storage::CellKind::kLive:
      return "live";
    case storage::CellKind::kExpiring:
      return "expiring";
    case storage::CellKind::kTombstone:
      return "tombstone";
  }
  return "live";
}

}  // namespace

json cell_to_json(const storage::Cell& cell) {
  json j = {{"kind", kind_name(cell.kind)}, {"timestamp", cell.timestamp}};
  if (cell.kind != storage::CellKind::kTombstone) j["value"] = cell.value;
  if (cell.kind == storage::CellKind::kExpiring) j["ttl"] = cell.ttl_seconds;
  if (cell.kind != storage::CellKind::kLive) j["local_deletion_time"] = cell.local_deletion_time;
  return j;
}

Result<storage::Cell> cell_from_json(const json& j) {
  static const Spec kCell = {
      {"kind", Type::kString, kRequired},
      {"timestamp", Type::kInteger, kRequired},
      {"value", Type::kString},
      {.name = "ttl", .type = Type::kInteger, .min = 0, .max = kMaxTtlSeconds},
      {"local_deletion_time", Type::kInteger},
  };
  RK_RETURN_IF_ERROR(check_object(j, kCell, "cell"));
  storage::Cell c;
  const std::string kind = j["kind"].get<std::string>();
  c.timestamp = j["timestamp"].get<int64_t>();
  if (kind == "live") {
    c.kind = storage::CellKind::kLive;
  } else if (kind == "expiring") {
    c.kind = storage::CellKind::kExpiring;
  } else if (kind == "tombstone") {
    c.kind = storage::CellKind::kTombstone;
  } else {
    return Status::InvalidArgument("cell: 'kind' must be live, expiring or tombstone, got '" +
                                   kind + "'");
  }
  if (c.kind != storage::CellKind::kTombstone) {
    if (!j.contains("value")) return Status::InvalidArgument("cell: missing 'value'");
    c.value = j["value"].get<std::string>();
  } else if (j.contains("value")) {
    return Status::InvalidArgument("cell: a tombstone has no 'value'");
  }
  if (c.kind == storage::CellKind::kExpiring) {
    if (!j.contains("ttl")) return Status::InvalidArgument("cell: expiring cell without 'ttl'");
    c.ttl_seconds = j["ttl"].get<int64_t>();
  }
  if (c.kind != storage::CellKind::kLive) {
    if (!j.contains("local_deletion_time")) {
      return Status::InvalidArgument("cell: missing 'local_deletion_time'");
    }
    c.local_deletion_time = j["local_deletion_time"].get<int64_t>();
  }
  return c;
}

json deletion_to_json(const storage::Deletion& d) {
  return {{"marked_for_delete_at", d.marked_for_delete_at},
          {"local_deletion_time", d.local_deletion_time}};
}

Result<storage::Deletion> deletion_from_json(const json& j) {
  static const Spec kDeletion = {
      {"marked_for_delete_at", Type::kInteger, kRequired},
      {"local_deletion_time", Type::kInteger, kRequired},
  };
  RK_RETURN_IF_ERROR(check_object(j, kDeletion, "deletion"));
  storage::Deletion d;
  d.marked_for_delete_at = j["marked_for_delete_at"].get<int64_t>();
  d.local_deletion_time = j["local_deletion_time"].get<int64_t>();
  return d;
}

json row_to_json(const storage::Row& row) {
  json cells = json::object();
  for (const auto& [column, cell] : row.cells) cells[column] = cell_to_json(cell);
  json j = {{"clustering", row.clustering_key}, {"cells", std::move(cells)}};
  if (!row.deletion.is_live()) j["deletion"] = deletion_to_json(row.deletion);
  return j;
}

Result<storage::Row> row_from_json(const json& j) {
  static const Spec kRow = {
      {"clustering", Type::kString, kRequired},
      {"deletion", Type::kObject},
      {"cells", Type::kObject, kRequired},
  };
  RK_RETURN_IF_ERROR(check_object(j, kRow, "row"));
  storage::Row row;
  row.clustering_key = j["clustering"].get<std::string>();
  if (j.contains("deletion")) {
    RK_ASSIGN_OR_RETURN(row.deletion, deletion_from_json(j["deletion"]));
  }
  for (const auto& [column, cell_json] : j["cells"].items()) {
    auto cell = cell_from_json(cell_json);
    if (!cell.ok()) return cell.status().with_context("column '" + column + "'");
    row.cells.emplace(column, std::move(*cell));
  }
  return row;
}

json partition_to_json(const storage::Partition& p) {
  json rows = json::array();
  for (const auto& row : p.rows) rows.push_back(row_to_json(row));
  json j = {{"partition", p.partition_key},
            {"token", token_to_string(p.token)},
            {"rows", std::move(rows)}};
  if (!p.deletion.is_live()) j["deletion"] = deletion_to_json(p.deletion);
  return j;
}

Result<storage::Partition> partition_from_json(const json& j) {
  static const Spec kPartition = {
      {"partition", Type::kString, kRequired},
      {"token", Type::kString},
      {"deletion", Type::kObject},
      {"rows", Type::kArray, kRequired},
  };
  RK_RETURN_IF_ERROR(check_object(j, kPartition, "partition"));
  storage::Partition p;
  p.partition_key = j["partition"].get<std::string>();
  p.token = murmur3_token(p.partition_key);
  if (j.contains("token")) {
    RK_ASSIGN_OR_RETURN(Token given, parse_token(j["token"].get<std::string>()));
    if (given != p.token) {
      return Status::InvalidArgument("partition: token " + token_to_string(given) +
                                     " is not the token of the key (" + token_to_string(p.token) +
                                     ")");
    }
  }
  if (j.contains("deletion")) {
    RK_ASSIGN_OR_RETURN(p.deletion, deletion_from_json(j["deletion"]));
  }
  for (const auto& row_json : j["rows"]) {
    RK_ASSIGN_OR_RETURN(storage::Row row, row_from_json(row_json));
    p.rows.push_back(std::move(row));
  }
  return p;
}

json live_partition_to_json(const storage::Partition& p) {
  json rows = json::array();
  for (const auto& row : p.rows) {
    json cells = json::object();
    for (const auto& [column, cell] : row.cells) {
      cells[column] = {{"value", cell.value}, {"timestamp", cell.timestamp}};
    }
    rows.push_back({{"clustering", row.clustering_key}, {"cells", std::move(cells)}});
  }
  return {{"partition", p.partition_key},
          {"token", token_to_string(p.token)},
          {"rows", std::move(rows)}};
}

namespace {

json op_to_json(const storage::MutationOp& op) {
  using Kind = storage::MutationOp::Kind;
  switch (op.kind) {
    case Kind::kSetCell: {
      json j = {{"op", "set"},
                {"clustering", op.clustering_key},
                {"column", op.column},
                {"value", op.value},
                {"timestamp", op.timestamp}};
      if (op.ttl_seconds) j["ttl"] = *op.ttl_seconds;
      return j;
    }
    case Kind::kDeleteCell:
      return {{"op", "delete_cell"},
              {"clustering", op.clustering_key},
              {"column", op.column},
              {"timestamp", op.timestamp}};
    case Kind::kDeleteRow:
      return {{"op", "delete_row"}, {"clustering", op.clustering_key}, {"timestamp", op.timestamp}};
    case Kind::kDeletePartition:
      return {{"op", "delete_partition"}, {"timestamp", op.timestamp}};
  }
  return json::object();
}

// One op; `with_timestamp`: internode ops carry their own timestamp, clients' ops must not.
Result<storage::MutationOp> op_from_json(const json& j, bool with_timestamp, int64_t timestamp) {
  using Kind = storage::MutationOp::Kind;
  if (!j.is_object()) return Status::InvalidArgument("must be an object");
  if (!j.contains("op") || !j["op"].is_string()) {
    return Status::InvalidArgument("missing string field 'op'");
  }
  const std::string name = j["op"].get<std::string>();
  storage::MutationOp op;
  // The fields each op takes; "timestamp" is added for internode ops.
  std::vector<Field> fields = {{"op", Type::kString, kRequired}};
  if (name == "set") {
    op.kind = Kind::kSetCell;
    fields.push_back({"clustering", Type::kString, kRequired});
    fields.push_back({"column", Type::kString, kRequired});
    fields.push_back({"value", Type::kString, kRequired});
    fields.push_back({.name = "ttl", .type = Type::kInteger, .min = 0, .max = kMaxTtlSeconds});
  } else if (name == "delete_cell") {
    op.kind = Kind::kDeleteCell;
    fields.push_back({"clustering", Type::kString, kRequired});
    fields.push_back({"column", Type::kString, kRequired});
  } else if (name == "delete_row") {
    op.kind = Kind::kDeleteRow;
    fields.push_back({"clustering", Type::kString, kRequired});
  } else if (name == "delete_partition") {
    op.kind = Kind::kDeletePartition;
  } else {
    return Status::InvalidArgument(
        "'op' must be set, delete_cell, delete_row or delete_partition, "
        "got '" +
        name + "'");
  }
  if (with_timestamp) fields.push_back({"timestamp", Type::kInteger, kRequired});
  Spec spec{};
  spec.fields = std::move(fields);
  RK_RETURN_IF_ERROR(api::check(j, spec));
  if (j.contains("clustering")) op.clustering_key = j["clustering"].get<std::string>();
  if (j.contains("column")) op.column = j["column"].get<std::string>();
  if (j.contains("value")) op.value = j["value"].get<std::string>();
  if (j.contains("ttl")) op.ttl_seconds = j["ttl"].get<int64_t>();
  op.timestamp = with_timestamp ? j["timestamp"].get<int64_t>() : timestamp;
  return op;
}

Result<std::vector<storage::MutationOp>> ops_from_json(const json& ops, bool with_timestamp,
                                                       int64_t timestamp) {
  if (!ops.is_array()) return Status::InvalidArgument("'ops' must be an array");
  if (ops.empty()) return Status::InvalidArgument("'ops' must not be empty");
  std::vector<storage::MutationOp> out;
  out.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    auto op = op_from_json(ops[i], with_timestamp, timestamp);
    if (!op.ok()) return op.status().with_context("ops[" + std::to_string(i) + "]");
    out.push_back(std::move(*op));
  }
  return out;
}

}  // namespace

json mutation_to_json(const storage::Mutation& m) {
  json ops = json::array();
  for (const auto& op : m.ops) ops.push_back(op_to_json(op));
  return {{"keyspace", m.keyspace},
          {"table", m.table},
          {"partition", m.partition_key},
          {"ops", std::move(ops)}};
}

Result<storage::Mutation> mutation_from_json(const json& j) {
  static const Spec kMutation = {
      {"keyspace", Type::kString, kRequired},
      {"table", Type::kString, kRequired},
      {"partition", Type::kString, kRequired},
      {"ops", Type::kArray, kRequired},
  };
  RK_RETURN_IF_ERROR(check_object(j, kMutation, "mutation"));
  storage::Mutation m(j["keyspace"].get<std::string>(), j["table"].get<std::string>(),
                      j["partition"].get<std::string>());
  RK_ASSIGN_OR_RETURN(m.ops, ops_from_json(j["ops"], /*with_timestamp=*/true, 0));
  return m;
}

Result<std::vector<storage::MutationOp>> client_ops_from_json(const json& ops, int64_t timestamp) {
  return ops_from_json(ops, /*with_timestamp=*/false, timestamp);
}

Result<storage::ClusteringSlice> slice_from_json(const json& j) {
  static const Spec kSlice = {{"start", Type::kString}, {"end", Type::kString}};
  RK_RETURN_IF_ERROR(check_object(j, kSlice, "slice"));
  storage::ClusteringSlice s;
  if (j.contains("start")) s.start = j["start"].get<std::string>();
  if (j.contains("end")) s.end = j["end"].get<std::string>();
  return s;
}

json slice_to_json(const storage::ClusteringSlice& s) {
  json j = json::object();
  if (s.start) j["start"] = *s.start;
  if (s.end) j["end"] = *s.end;
  return j;
}

Result<storage::Replication> replication_from_json(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("replication: must be an object");
  if (!j.contains("class") || !j["class"].is_string()) {
    return Status::InvalidArgument("replication: missing string field 'class'");
  }
  const std::string cls = j["class"].get<std::string>();
  storage::Replication r;
  if (cls == "SimpleStrategy" || cls == "org.apache.cassandra.locator.SimpleStrategy") {
    static const Spec kSimple = {{"class", Type::kString, kRequired},
                                 {.name = "replication_factor",
                                  .type = Type::kInteger,
                                  .required = kRequired,
                                  .min = 1,
                                  .max = kMaxReplicationFactor}};
    RK_RETURN_IF_ERROR(check_object(j, kSimple, "replication"));
    r.strategy = storage::Replication::Strategy::kSimple;
    r.replication_factor = static_cast<int>(j["replication_factor"].get<int64_t>());
    return r;
  }
  if (cls == "NetworkTopologyStrategy" ||
      cls == "org.apache.cassandra.locator.NetworkTopologyStrategy") {
    r.strategy = storage::Replication::Strategy::kNetworkTopology;
    r.replication_factor = 0;
    for (const auto& item : j.items()) {
      if (item.key() == "class") continue;
      Result<int64_t> factor = api::get_int(j, item.key(), 0, kMaxReplicationFactor, 0);
      if (!factor.ok()) return factor.status().with_context("replication");
      r.dc_factors[item.key()] = static_cast<int>(*factor);
    }
    if (r.dc_factors.empty()) {
      return Status::InvalidArgument("replication: NetworkTopologyStrategy names no datacenter");
    }
    return r;
  }
  return Status::InvalidArgument(
      "replication: 'class' must be SimpleStrategy or NetworkTopologyStrategy, got '" + cls + "'");
}

json replication_to_json(const storage::Replication& r) {
  if (r.strategy == storage::Replication::Strategy::kSimple) {
    return {{"class", "SimpleStrategy"}, {"replication_factor", r.replication_factor}};
  }
  json j = {{"class", "NetworkTopologyStrategy"}};
  for (const auto& [dc, factor] : r.dc_factors) j[dc] = factor;
  return j;
}

}  // namespace rk::agent::wire
