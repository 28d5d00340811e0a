// Persisted schema. Records live in the metadata column family under "schema/keyspace/<name>" and
// "schema/table/<keyspace>/<name>" as JSON, written synchronously: a created table survives
// kill -9 like any acknowledged write.
#include "schema_catalog.h"

#include "ringkeeper/core/names.h"

#include <memory>

#include <rocksdb/db.h>
#include <nlohmann/json.hpp>

namespace rk::storage {
namespace {

constexpr std::string_view kKeyspacePrefix = "schema/keyspace/";
constexpr std::string_view kTablePrefix = "schema/table/";

nlohmann::json keyspace_json(const KeyspaceSchema& ks) {
  nlohmann::json j;
  j["name"] = ks.name;
  j["strategy"] = ks.replication.strategy == Replication::Strategy::kSimple
                      ? "SimpleStrategy"
                      : "NetworkTopologyStrategy";
  j["replication_factor"] = ks.replication.replication_factor;
  j["dc_factors"] = ks.replication.dc_factors;
  return j;
}

nlohmann::json table_json(const TableSchema& t) {
  return nlohmann::json{{"keyspace", t.keyspace},
                        {"name", t.name},
                        {"id", t.id},
                        {"gc_grace_seconds", t.gc_grace_seconds},
                        {"default_ttl_seconds", t.default_ttl_seconds},
                        {"tombstone_gc", tombstone_gc_name(t.tombstone_gc)}};
}

Status validate_table(const TableSchema& table) {
  RK_RETURN_IF_ERROR(validate_keyspace_name(table.keyspace));
  RK_RETURN_IF_ERROR(validate_table_name(table.name));
  if (table.gc_grace_seconds < 0)
    return Status::InvalidArgument("table " + table.name + ": gc_grace_seconds must be >= 0");
  if (table.default_ttl_seconds < 0)
    return Status::InvalidArgument("table " + table.name + ": default_ttl_seconds must be >= 0");
  return Status::OK();
}

Status validate_keyspace(const KeyspaceSchema& ks) {
  RK_RETURN_IF_ERROR(validate_keyspace_name(ks.name));
  const Replication& r = ks.replication;
  if (r.strategy == Replication::Strategy::kSimple) {
    if (r.replication_factor < 1)
      return Status::InvalidArgument("keyspace " + ks.name +
                                     ": SimpleStrategy needs replication_factor >= 1");
    if (!r.dc_factors.empty())
      return Status::InvalidArgument("keyspace " + ks.name +
                                     ": SimpleStrategy takes no per-datacenter factors");
  } else {
    if (r.dc_factors.empty())
      return Status::InvalidArgument("keyspace " + ks.name +
                                     ": NetworkTopologyStrategy needs at least one datacenter");
    for (const auto& [dc, rf] : r.dc_factors) {
      if (dc.empty() || rf < 0)
        return Status::InvalidArgument("keyspace " + ks.name + ": bad datacenter factor '" + dc +
                                       "': " + std::to_string(rf));
    }
  }
  return Status::OK();
}

Result<nlohmann::json> parse_record(const std::string& key, std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("schema record " + key + " is not JSON");
  return j;
}

Result<KeyspaceSchema> parse_keyspace(const std::string& key, std::string_view value) {
  RK_ASSIGN_OR_RETURN(nlohmann::json j, parse_record(key, value));
  try {
    KeyspaceSchema ks;
    ks.name = j.at("name").get<std::string>();
    ks.replication.strategy = j.at("strategy").get<std::string>() == "SimpleStrategy"
                                  ? Replication::Strategy::kSimple
                                  : Replication::Strategy::kNetworkTopology;
    ks.replication.replication_factor = j.at("replication_factor").get<int>();
    ks.replication.dc_factors = j.at("dc_factors").get<std::map<std::string, int>>();
    return ks;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("schema record " + key + ": " + e.what());
  }
}

Result<TableSchema> parse_table(const std::string& key, std::string_view value) {
  RK_ASSIGN_OR_RETURN(nlohmann::json j, parse_record(key, value));
  try {
    TableSchema t;
    t.keyspace = j.at("keyspace").get<std::string>();
    t.name = j.at("name").get<std::string>();
    t.id = j.at("id").get<uint32_t>();
    t.gc_grace_seconds = j.at("gc_grace_seconds").get<int64_t>();
    t.default_ttl_seconds = j.at("default_ttl_seconds").get<int64_t>();
    // Tables recorded before the mode existed keep the rule they had.
    auto mode = parse_tombstone_gc(j.value("tombstone_gc", "timeout"));
    if (!mode.ok())
      return Status::Corruption("schema record " + key + ": " + mode.status().message());
    t.tombstone_gc = *mode;
    return t;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("schema record " + key + ": " + e.what());
  }
}

}  // namespace

Status SchemaCatalog::load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  db_ = db;
  cf_ = cf;
  std::unique_lock lock(mu_);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek("schema/"); it->Valid() && it->key().starts_with("schema/"); it->Next()) {
    std::string key = it->key().ToString();
    if (key.starts_with(kKeyspacePrefix)) {
      RK_ASSIGN_OR_RETURN(KeyspaceSchema ks, parse_keyspace(key, it->value().ToString()));
      keyspaces_[ks.name] = ks;
    } else if (key.starts_with(kTablePrefix)) {
      RK_ASSIGN_OR_RETURN(TableSchema t, parse_table(key, it->value().ToString()));
      tables_[{t.keyspace, t.name}] = t;
      tables_by_id_[t.id] = t;
      next_table_id_ = std::max(next_table_id_, t.id + 1);
    }
  }
  if (!it->status().ok()) return Status::IOError("reading schema: " + it->status().ToString());
  return Status::OK();
}

Status SchemaCatalog::create_keyspace(const KeyspaceSchema& keyspace) {
  RK_RETURN_IF_ERROR(validate_keyspace(keyspace));
  std::lock_guard create_lock(create_mu_);
  {
    std::shared_lock lock(mu_);
    if (keyspaces_.count(keyspace.name) != 0)
      return Status::AlreadyExists("keyspace " + keyspace.name + " already exists");
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::string key = std::string(kKeyspacePrefix) + keyspace.name;
  auto s = db_->Put(wo, cf_, key, keyspace_json(keyspace).dump());
  if (!s.ok()) return Status::IOError("persisting keyspace " + keyspace.name + ": " + s.ToString());
  std::unique_lock lock(mu_);
  keyspaces_[keyspace.name] = keyspace;
  return Status::OK();
}

Result<TableSchema> SchemaCatalog::create_table(const TableSchema& table) {
  RK_RETURN_IF_ERROR(validate_table(table));
  std::lock_guard create_lock(create_mu_);
  TableSchema t = table;
  {
    std::shared_lock lock(mu_);
    if (keyspaces_.count(table.keyspace) == 0)
      return Status::NotFound("keyspace " + table.keyspace + " does not exist");
    if (tables_.count({table.keyspace, table.name}) != 0)
      return Status::AlreadyExists("table " + table.keyspace + "." + table.name +
                                   " already exists");
    t.id = next_table_id_;
  }
  return store_table(t);
}

Result<TableSchema> SchemaCatalog::store_table(const TableSchema& t) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::string key = std::string(kTablePrefix) + t.keyspace + "/" + t.name;
  auto s = db_->Put(wo, cf_, key, table_json(t).dump());
  if (!s.ok()) return Status::IOError("persisting table " + t.name + ": " + s.ToString());
  std::unique_lock lock(mu_);
  next_table_id_ = std::max(next_table_id_, t.id + 1);
  tables_[{t.keyspace, t.name}] = t;
  tables_by_id_[t.id] = t;
  return t;
}

Result<TableSchema> SchemaCatalog::alter_table(const TableSchema& table) {
  RK_RETURN_IF_ERROR(validate_table(table));
  std::lock_guard create_lock(create_mu_);
  TableSchema t = table;
  {
    std::shared_lock lock(mu_);
    auto it = tables_.find({table.keyspace, table.name});
    if (it == tables_.end())
      return Status::NotFound("table " + table.keyspace + "." + table.name + " does not exist");
    t.id = it->second.id;
  }
  return store_table(t);
}

Result<bool> SchemaCatalog::adopt(std::string_view record_key, std::string_view record_value) {
  const std::string key(record_key);
  const bool is_keyspace = key.starts_with(kKeyspacePrefix);
  if (!is_keyspace && !key.starts_with(kTablePrefix)) return false;
  std::optional<KeyspaceSchema> ks;
  std::optional<TableSchema> t;
  if (is_keyspace) {
    RK_ASSIGN_OR_RETURN(ks, parse_keyspace(key, record_value));
    RK_RETURN_IF_ERROR(validate_keyspace(*ks));
  } else {
    RK_ASSIGN_OR_RETURN(t, parse_table(key, record_value));
    RK_RETURN_IF_ERROR(validate_keyspace_name(t->keyspace));
    RK_RETURN_IF_ERROR(validate_table_name(t->name));
  }
  std::lock_guard create_lock(create_mu_);
  {
    std::shared_lock lock(mu_);
    if (ks && keyspaces_.count(ks->name) != 0) return false;
    if (t) {
      auto by_name = tables_.find({t->keyspace, t->name});
      if (by_name != tables_.end() && by_name->second.id == t->id) return false;
      if (by_name != tables_.end())
        return Status::FailedPrecondition("table " + t->keyspace + "." + t->name + " has id " +
                                          std::to_string(by_name->second.id) +
                                          " on this node but id " + std::to_string(t->id) +
                                          " in the replayed data: it comes from another node");
      auto by_id = tables_by_id_.find(t->id);
      if (by_id != tables_by_id_.end())
        return Status::FailedPrecondition("table id " + std::to_string(t->id) + " is " +
                                          by_id->second.keyspace + "." + by_id->second.name +
                                          " on this node but " + t->keyspace + "." + t->name +
                                          " in the replayed data: it comes from another node");
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = db_->Put(wo, cf_, key, std::string(record_value));
  if (!s.ok()) return Status::IOError("persisting " + key + ": " + s.ToString());
  std::unique_lock lock(mu_);
  if (ks) keyspaces_[ks->name] = *ks;
  if (t) {
    tables_[{t->keyspace, t->name}] = *t;
    tables_by_id_[t->id] = *t;
    next_table_id_ = std::max(next_table_id_, t->id + 1);
  }
  return true;
}

void SchemaCatalog::reserve_table_id(uint32_t id) {
  std::lock_guard create_lock(create_mu_);
  std::unique_lock lock(mu_);
  next_table_id_ = std::max(next_table_id_, id + 1);
}

Result<KeyspaceSchema> SchemaCatalog::keyspace(std::string_view name) const {
  RK_RETURN_IF_ERROR(validate_keyspace_name(name));
  std::shared_lock lock(mu_);
  auto it = keyspaces_.find(name);
  if (it == keyspaces_.end())
    return Status::NotFound("keyspace " + std::string(name) + " does not exist");
  return it->second;
}

Result<TableSchema> SchemaCatalog::table(std::string_view keyspace, std::string_view name) const {
  RK_RETURN_IF_ERROR(validate_keyspace_name(keyspace));
  RK_RETURN_IF_ERROR(validate_table_name(name));
  std::shared_lock lock(mu_);
  if (keyspaces_.find(keyspace) == keyspaces_.end())
    return Status::NotFound("keyspace " + std::string(keyspace) + " does not exist");
  auto it = tables_.find({std::string(keyspace), std::string(name)});
  if (it == tables_.end())
    return Status::NotFound("table " + std::string(keyspace) + "." + std::string(name) +
                            " does not exist");
  return it->second;
}

std::optional<TableSchema> SchemaCatalog::table_by_id(uint32_t id) const {
  std::shared_lock lock(mu_);
  auto it = tables_by_id_.find(id);
  if (it == tables_by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<KeyspaceSchema> SchemaCatalog::keyspaces() const {
  std::shared_lock lock(mu_);
  std::vector<KeyspaceSchema> out;
  for (const auto& [name, ks] : keyspaces_) out.push_back(ks);
  return out;
}

std::vector<TableSchema> SchemaCatalog::tables() const {
  std::shared_lock lock(mu_);
  std::vector<TableSchema> out;
  for (const auto& [name, t] : tables_) out.push_back(t);
  return out;
}

std::string SchemaCatalog::to_json() const {
  std::shared_lock lock(mu_);
  nlohmann::json j;
  j["keyspaces"] = nlohmann::json::array();
  for (const auto& [name, ks] : keyspaces_) j["keyspaces"].push_back(keyspace_json(ks));
  j["tables"] = nlohmann::json::array();
  for (const auto& [name, t] : tables_) j["tables"].push_back(table_json(t));
  return j.dump(2);
}

}  // namespace rk::storage
