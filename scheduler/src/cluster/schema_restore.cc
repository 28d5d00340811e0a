// A backup's schema put back on a scheduler that lacks it (see schema_restore.h).
#include "cluster/schema_restore.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/json.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/schema_limits.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

// The agent's schema JSON (SCHEMA in docs/api.md): {"version", "keyspaces": [{"name",
// "replication", "tables": [{"name", "gc_grace_seconds", "default_ttl_seconds",
// "tombstone_gc"}]}]}.
Result<std::vector<KeyspaceDef>> keyspaces_from_json(const json& schema) {
  std::vector<KeyspaceDef> out;
  const json keyspaces = schema.value("keyspaces", json::array());
  if (!keyspaces.is_array()) return Status::InvalidArgument("keyspaces is not a list");
  for (const json& ks : keyspaces) {
    if (!ks.is_object() || !ks.contains("name") || !ks["name"].is_string()) {
      return Status::InvalidArgument("a keyspace without a name");
    }
    KeyspaceDef def;
    def.name = ks["name"];
    RK_ASSIGN_OR_RETURN(def.replication,
                        replication_from_json(ks.value("replication", json::object())));
    for (const json& t : ks.value("tables", json::array())) {
      if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) {
        return Status::InvalidArgument(fmt::format("a table of {} without a name", def.name));
      }
      TableDef table;
      table.name = t["name"];
      RK_ASSIGN_OR_RETURN(
          table.gc_grace_seconds,
          api::get_int(t, "gc_grace_seconds", 0, kMaxGcGraceSeconds, table.gc_grace_seconds));
      RK_ASSIGN_OR_RETURN(
          table.default_ttl_seconds,
          api::get_int(t, "default_ttl_seconds", 0, kMaxTtlSeconds, table.default_ttl_seconds));
      // A backup taken before the mode existed holds tables that had the timeout rule.
      const json mode = t.value("tombstone_gc", json("timeout"));
      if (!mode.is_string()) {
        return Status::InvalidArgument(
            fmt::format("table {}.{}: tombstone_gc is not a string", def.name, table.name));
      }
      RK_ASSIGN_OR_RETURN(table.tombstone_gc, parse_tombstone_gc(mode.get<std::string>()));
      def.tables.push_back(std::move(table));
    }
    out.push_back(std::move(def));
  }
  return out;
}

const TableDef* find_table(const KeyspaceDef& ks, const std::string& name) {
  auto it = std::find_if(ks.tables.begin(), ks.tables.end(),
                         [&](const TableDef& t) { return t.name == name; });
  return it == ks.tables.end() ? nullptr : &*it;
}

}  // namespace

Result<std::vector<KeyspaceDef>> backup_schema(const std::vector<backup::NodeManifest>& manifests) {
  const backup::NodeManifest* newest = nullptr;
  for (const auto& m : manifests) {
    if (newest == nullptr ||
        m.schema.value("version", int64_t{0}) > newest->schema.value("version", int64_t{0})) {
      newest = &m;
    }
  }
  if (newest == nullptr) return Status::NotFound("the backup has no node manifest");
  try {
    auto out = keyspaces_from_json(newest->schema);
    if (!out.ok()) {
      return Status::Corruption(fmt::format("the schema in the manifest of host {}: {}",
                                            newest->host_id, out.status().message()));
    }
    return out;
  } catch (const json::exception& e) {  // a field of the wrong type
    return Status::Corruption(
        fmt::format("the schema in the manifest of host {}: {}", newest->host_id, e.what()));
  }
}

Result<SchemaRestoreReport> restore_schema(ClusterService& cluster, const std::string& actor,
                                           const std::vector<KeyspaceDef>& keyspaces) {
  // Check everything first: a conflict anywhere leaves the catalog as it was.
  RK_ASSIGN_OR_RETURN(ClusterSchema current, cluster.schema());
  auto known = [&](const std::string& name) -> const KeyspaceDef* {
    auto it = std::find_if(current.keyspaces.begin(), current.keyspaces.end(),
                           [&](const KeyspaceDef& k) { return k.name == name; });
    return it == current.keyspaces.end() ? nullptr : &*it;
  };
  for (const KeyspaceDef& ks : keyspaces) {
    const KeyspaceDef* have = known(ks.name);
    if (have == nullptr) continue;
    if (replication_json(have->replication) != replication_json(ks.replication)) {
      return Status::FailedPrecondition(fmt::format(
          "keyspace {} exists with replication {}; the backup's is {}", ks.name,
          replication_json(have->replication).dump(), replication_json(ks.replication).dump()));
    }
    for (const TableDef& t : ks.tables) {
      const TableDef* table = find_table(*have, t.name);
      if (table != nullptr && (table->gc_grace_seconds != t.gc_grace_seconds ||
                               table->default_ttl_seconds != t.default_ttl_seconds)) {
        return Status::FailedPrecondition(fmt::format(
            "table {}.{} exists with gc_grace_seconds {} and default_ttl_seconds {}; the "
            "backup's are {} and {}",
            ks.name, t.name, table->gc_grace_seconds, table->default_ttl_seconds,
            t.gc_grace_seconds, t.default_ttl_seconds));
      }
    }
  }
  SchemaRestoreReport report;
  for (const KeyspaceDef& ks : keyspaces) {
    const KeyspaceDef* have = known(ks.name);
    if (have == nullptr) {
      RK_RETURN_IF_ERROR(cluster.create_keyspace(actor, {ks.name, ks.replication, {}}).status());
      report.created.push_back(ks.name);
    } else {
      report.existing.push_back(ks.name);
    }
    for (const TableDef& t : ks.tables) {
      const std::string name = ks.name + "." + t.name;
      if (have != nullptr && find_table(*have, t.name) != nullptr) {
        report.existing.push_back(name);
        continue;
      }
      // The mode as the backup recorded it: an immediate table was forced when it was created.
      RK_RETURN_IF_ERROR(cluster.create_table(actor, ks.name, t, /*force=*/true).status());
      report.created.push_back(name);
    }
  }
  return report;
}

Result<SchemaRestoreReport> restore_backup_schema(BackupService& backups, ClusterService& cluster,
                                                  const std::string& actor,
                                                  const std::string& tag) {
  Result<SchemaRestoreReport> out = [&]() -> Result<SchemaRestoreReport> {
    RK_ASSIGN_OR_RETURN(auto manifests, backups.manifests(tag));
    if (manifests.empty()) return Status::NotFound("no node manifest of backup " + tag);
    RK_ASSIGN_OR_RETURN(auto keyspaces, backup_schema(manifests));
    RK_ASSIGN_OR_RETURN(SchemaRestoreReport report, restore_schema(cluster, actor, keyspaces));
    report.tag = tag;
    return report;
  }();
  cluster.record(actor, "schema.restore", tag, out.status());
  return out;
}

}  // namespace rk::scheduler
