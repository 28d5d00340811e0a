// The node's schema: keyspaces and tables, validated, persisted in the metadata column family,
// and read concurrently by writes, reads and the compaction filter (gc_grace and tombstone_gc per
// table id).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/schema.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace rk::storage {

class SchemaCatalog {
 public:
  // Loads the persisted schema from `cf` of `db` (both must outlive the catalog).
  Status load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf);

  // Validates and persists; AlreadyExists if the name is taken.
  Status create_keyspace(const KeyspaceSchema& keyspace);
  // Validates, assigns the table id and persists; NotFound for an unknown keyspace.
  Result<TableSchema> create_table(const TableSchema& table);
  // Replaces a table's options (gc_grace_seconds, default TTL, tombstone_gc), keeping its id, and
  // persists them; NotFound for an unknown table.
  Result<TableSchema> alter_table(const TableSchema& table);

  // Takes over a schema record replayed from another copy of this node's data (a WAL file or a
  // metadata SST): a keyspace or table this node does not know is created as recorded (a table
  // keeps its id). true when it was created; false for a known one or a record that is not a
  // keyspace or table; FailedPrecondition when the name or id is taken by another table (the
  // record comes from another node).
  Result<bool> adopt(std::string_view record_key, std::string_view record_value);
  // Makes sure create_table never assigns `id`: data of a table this node does not know yet
  // carries it.
  void reserve_table_id(uint32_t id);

  Result<KeyspaceSchema> keyspace(std::string_view name) const;
  // NotFound (naming the keyspace or the table) unless both exist; InvalidArgument for bad names.
  Result<TableSchema> table(std::string_view keyspace, std::string_view name) const;
  std::optional<TableSchema> table_by_id(uint32_t id) const;
  std::vector<KeyspaceSchema> keyspaces() const;
  std::vector<TableSchema> tables() const;

  // The whole schema as JSON (stored with snapshots).
  std::string to_json() const;

 private:
  // Persists `t` and publishes it (creator lock held).
  Result<TableSchema> store_table(const TableSchema& t);

  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;
  // Serializes creators. The write to RocksDB happens outside mu_: the compaction filter reads the
  // schema under mu_, and a write may wait for compactions (write stall).
  std::mutex create_mu_;
  mutable std::shared_mutex mu_;
  std::map<std::string, KeyspaceSchema, std::less<>> keyspaces_;
  std::map<std::pair<std::string, std::string>, TableSchema> tables_;
  std::map<uint32_t, TableSchema> tables_by_id_;
  uint32_t next_table_id_ = 1;
};

}  // namespace rk::storage
