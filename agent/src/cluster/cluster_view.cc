// RING / SCHEMA JSON (the scheduler contract) and the atomic ring cache file.
#include "ringkeeper/agent/cluster_view.h"

#include <nlohmann/json.hpp>

#include "atomic_file.h"

#include "ringkeeper/agent/wire.h"
#include "ringkeeper/core/schema_limits.h"

namespace rk::agent {
namespace {

using nlohmann::json;

Result<std::string> string_field(const json& j, const char* name, bool required,
                                 std::string_view what) {
  if (!j.contains(name) || j[name].is_null()) {
    if (required) {
      return Status::InvalidArgument(std::string(what) + ": missing field '" + name + "'");
    }
    return std::string();
  }
  if (!j[name].is_string()) {
    return Status::InvalidArgument(std::string(what) + ": '" + name + "' must be a string");
  }
  return j[name].get<std::string>();
}

Result<int64_t> int_field(const json& j, const char* name, bool required, int64_t fallback,
                          std::string_view what) {
  if (!j.contains(name) || j[name].is_null()) {
    if (required) {
      return Status::InvalidArgument(std::string(what) + ": missing field '" + name + "'");
    }
    return fallback;
  }
  if (!j[name].is_number_integer()) {
    return Status::InvalidArgument(std::string(what) + ": '" + name + "' must be an integer");
  }
  return j[name].get<int64_t>();
}

// Tokens are decimal strings by contract; integers are accepted too.
Result<std::vector<Token>> tokens_from_json(const json& j, std::string_view what) {
  std::vector<Token> tokens;
  if (j.is_null()) return tokens;
  if (!j.is_array()) return Status::InvalidArgument(std::string(what) + ": 'tokens' not a list");
  for (const auto& t : j) {
    if (t.is_string()) {
      RK_ASSIGN_OR_RETURN(Token token, parse_token(t.get<std::string>()));
      tokens.push_back(token);
    } else if (t.is_number_integer()) {
      tokens.push_back(t.get<int64_t>());
    } else {
      return Status::InvalidArgument(std::string(what) + ": a token must be a decimal string");
    }
  }
  return tokens;
}

json tokens_to_json(const std::vector<Token>& tokens) {
  json out = json::array();
  for (Token t : tokens) out.push_back(token_to_string(t));
  return out;
}

json quarantine_to_json(const std::set<std::string, std::less<>>& tables) {
  json out = json::array();
  for (const std::string& name : tables) {
    const size_t dot = name.find('.');
    out.push_back({{"keyspace", name.substr(0, dot)}, {"table", name.substr(dot + 1)}});
  }
  return out;
}

Result<RingMember> member_from_json(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("ring node must be an object");
  RingMember m;
  RK_ASSIGN_OR_RETURN(m.host_id, string_field(j, "host_id", true, "ring node"));
  const std::string what = "ring node " + m.host_id;
  RK_ASSIGN_OR_RETURN(m.datacenter, string_field(j, "datacenter", false, what));
  RK_ASSIGN_OR_RETURN(m.rack, string_field(j, "rack", false, what));
  RK_ASSIGN_OR_RETURN(m.state, string_field(j, "state", false, what));
  if (m.state.empty()) m.state = "NORMAL";
  RK_ASSIGN_OR_RETURN(m.slot, int_field(j, "slot", false, 0, what));
  RK_ASSIGN_OR_RETURN(m.load_bytes, int_field(j, "load_bytes", false, 0, what));
  RK_ASSIGN_OR_RETURN(m.version, string_field(j, "version", false, what));
  RK_ASSIGN_OR_RETURN(m.tokens, tokens_from_json(j.value("tokens", json()), what));
  if (j.contains("addresses") && j["addresses"].is_object()) {
    const json& a = j["addresses"];
    RK_ASSIGN_OR_RETURN(m.addresses.ops, string_field(a, "ops", false, what));
    RK_ASSIGN_OR_RETURN(m.addresses.internode, string_field(a, "internode", false, what));
    RK_ASSIGN_OR_RETURN(m.addresses.client, string_field(a, "client", false, what));
  }
  if (j.contains("quarantine")) {
    const json& q = j["quarantine"];
    if (!q.is_array()) return Status::InvalidArgument(what + ": 'quarantine' must be a list");
    for (const json& t : q) {
      if (!t.is_object()) return Status::InvalidArgument(what + ": a quarantined table is {...}");
      RK_ASSIGN_OR_RETURN(std::string ks, string_field(t, "keyspace", true, what));
      RK_ASSIGN_OR_RETURN(std::string table, string_field(t, "table", true, what));
      m.quarantined_tables.insert(ks + "." + table);
    }
  }
  return m;
}

}  // namespace

bool RingMember::quarantined(std::string_view keyspace, std::string_view table) const {
  if (quarantined_tables.empty()) return false;
  std::string name;
  name.reserve(keyspace.size() + 1 + table.size());
  name.append(keyspace).append(".").append(table);
  return quarantined_tables.contains(name);
}

const KeyspaceDef* SchemaView::find_keyspace(std::string_view name) const {
  for (const auto& ks : keyspaces) {
    if (ks.name == name) return &ks;
  }
  return nullptr;
}

Result<RingView> ring_from_json(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("ring must be an object");
  RingView ring;
  RK_ASSIGN_OR_RETURN(ring.version, int_field(j, "version", false, 0, "ring"));
  RK_ASSIGN_OR_RETURN(ring.cluster, string_field(j, "cluster", false, "ring"));
  if (j.contains("nodes")) {
    if (!j["nodes"].is_array()) return Status::InvalidArgument("ring: 'nodes' must be a list");
    for (const auto& n : j["nodes"]) {
      RK_ASSIGN_OR_RETURN(RingMember m, member_from_json(n));
      ring.nodes.push_back(std::move(m));
    }
  }
  return ring;
}

json member_to_json(const RingMember& m) {
  return {{"host_id", m.host_id},
          {"datacenter", m.datacenter},
          {"rack", m.rack},
          {"state", m.state},
          {"slot", m.slot},
          {"tokens", tokens_to_json(m.tokens)},
          {"addresses",
           {{"ops", m.addresses.ops},
            {"internode", m.addresses.internode},
            {"client", m.addresses.client}}},
          {"load_bytes", m.load_bytes},
          {"version", m.version},
          {"quarantine", quarantine_to_json(m.quarantined_tables)}};
}

json ring_to_json(const RingView& ring) {
  json nodes = json::array();
  for (const auto& m : ring.nodes) nodes.push_back(member_to_json(m));
  return {{"version", ring.version}, {"cluster", ring.cluster}, {"nodes", std::move(nodes)}};
}

Result<SchemaView> schema_from_json(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("schema must be an object");
  SchemaView schema;
  RK_ASSIGN_OR_RETURN(schema.version, int_field(j, "version", false, 0, "schema"));
  if (!j.contains("keyspaces")) return schema;
  if (!j["keyspaces"].is_array()) {
    return Status::InvalidArgument("schema: 'keyspaces' must be a list");
  }
  for (const auto& k : j["keyspaces"]) {
    if (!k.is_object()) return Status::InvalidArgument("schema: a keyspace must be an object");
    KeyspaceDef ks;
    RK_ASSIGN_OR_RETURN(ks.name, string_field(k, "name", true, "keyspace"));
    const std::string what = "keyspace " + ks.name;
    if (!k.contains("replication")) {
      return Status::InvalidArgument(what + ": missing field 'replication'");
    }
    auto replication = wire::replication_from_json(k["replication"]);
    if (!replication.ok()) return replication.status().with_context(what);
    ks.replication = std::move(*replication);
    if (k.contains("tables") && !k["tables"].is_null()) {
      if (!k["tables"].is_array()) return Status::InvalidArgument(what + ": 'tables' not a list");
      for (const auto& t : k["tables"]) {
        if (!t.is_object()) return Status::InvalidArgument(what + ": a table must be an object");
        TableDef table;
        RK_ASSIGN_OR_RETURN(table.name, string_field(t, "name", true, what));
        RK_ASSIGN_OR_RETURN(
            table.gc_grace_seconds,
            int_field(t, "gc_grace_seconds", false, storage::kDefaultGcGraceSeconds, what));
        RK_ASSIGN_OR_RETURN(table.default_ttl_seconds,
                            int_field(t, "default_ttl_seconds", false, 0, what));
        if (t.contains("tombstone_gc")) {
          if (!t["tombstone_gc"].is_string())
            return Status::InvalidArgument(what + ": 'tombstone_gc' must be a string");
          auto mode = parse_tombstone_gc(t["tombstone_gc"].get<std::string>());
          if (!mode.ok()) return mode.status().with_context(what);
          table.tombstone_gc = *mode;
        }
        RK_RETURN_IF_ERROR(validate_gc_grace_seconds(table.gc_grace_seconds).with_context(what));
        RK_RETURN_IF_ERROR(validate_ttl_seconds(table.default_ttl_seconds).with_context(what));
        ks.tables.push_back(std::move(table));
      }
    }
    schema.keyspaces.push_back(std::move(ks));
  }
  return schema;
}

json schema_to_json(const SchemaView& schema) {
  json keyspaces = json::array();
  for (const auto& ks : schema.keyspaces) {
    json tables = json::array();
    for (const auto& t : ks.tables) {
      tables.push_back({{"name", t.name},
                        {"gc_grace_seconds", t.gc_grace_seconds},
                        {"default_ttl_seconds", t.default_ttl_seconds},
                        {"tombstone_gc", tombstone_gc_name(t.tombstone_gc)}});
    }
    keyspaces.push_back({{"name", ks.name},
                         {"replication", wire::replication_to_json(ks.replication)},
                         {"tables", std::move(tables)}});
  }
  return {{"version", schema.version}, {"keyspaces", std::move(keyspaces)}};
}

Status write_ring_cache(const std::string& path, const RingCache& cache) {
  const json j = {{"host_id", cache.host_id},
                  {"tokens", tokens_to_json(cache.tokens)},
                  {"state", cache.state},
                  {"ring", ring_to_json(cache.ring)},
                  {"schema", schema_to_json(cache.schema)}};
  return write_file_atomically(path, j.dump(1) + "\n");
}

Result<RingCache> read_ring_cache(const std::string& path) {
  auto text = read_small_file(path);
  if (!text.ok()) return Status::NotFound("no ring cache at " + path);
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("ring cache " + path + " is not valid JSON");
  }
  RingCache cache;
  auto fail = [&](const Status& s) {
    return Status::Corruption("ring cache " + path + ": " + s.message());
  };
  auto host_id = string_field(j, "host_id", false, "cache");
  if (!host_id.ok()) return fail(host_id.status());
  cache.host_id = *host_id;
  auto state = string_field(j, "state", false, "cache");
  if (!state.ok()) return fail(state.status());
  cache.state = *state;
  auto tokens = tokens_from_json(j.value("tokens", json()), "cache");
  if (!tokens.ok()) return fail(tokens.status());
  cache.tokens = *tokens;
  auto ring = ring_from_json(j.value("ring", json::object()));
  if (!ring.ok()) return fail(ring.status());
  cache.ring = std::move(*ring);
  auto schema = schema_from_json(j.value("schema", json::object()));
  if (!schema.ok()) return fail(schema.status());
  cache.schema = std::move(*schema);
  return cache;
}

}  // namespace rk::agent
