// The node's private state, shared by the files that implement Node (node.cc, read_path.cc,
// repaired_sets.cc, ...). Not part of the public API.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "leaf_digest_cache.h"
#include "repair_history.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/storage/node.h"
#include "schema_catalog.h"
#include "tombstone_purge.h"

namespace rk::storage {

// Column family names: "default" holds node metadata (schema, repaired ranges, repair history).
inline constexpr const char* kUnrepairedSet = "unrepaired";
inline constexpr const char* kRepairedSet = "repaired";

struct Node::Impl {
  Options options;
  Clock* clock = nullptr;
  std::unique_ptr<rocksdb::Env> env;  // the WAL-archiving Env (archive_wal), outlives db
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* unrepaired = nullptr;
  rocksdb::ColumnFamilyHandle* repaired = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  SchemaCatalog schema;
  RepairHistory history;
  // Leaf aggregates of unchanged files, reused by validation (Options::validation_cache_bytes).
  LeafDigestCache kept_leaves;
  std::shared_ptr<PurgeContext> purge = std::make_shared<PurgeContext>();
  // Writes hold it shared; moving data between sets holds it exclusively so that a write cannot
  // land between reading a key and deleting it from the unrepaired set.
  mutable std::shared_mutex set_move_mutex;

  rocksdb::WriteOptions write_options() const {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync_writes;
    return wo;
  }
  // The column families a scope reads, unrepaired first.
  std::vector<rocksdb::ColumnFamilyHandle*> sets(DataScope scope) const;
  ~Impl();
};

// Access to a node's private state for the module's own code and tests.
class NodeInternals {
 public:
  static Node::Impl& of(Node& node) { return *node.impl_; }
  static const Node::Impl& of(const Node& node) { return *node.impl_; }
  // The snapshot `view` holds on `node`: nullptr without a view, InvalidArgument for a view of
  // another node.
  static Result<const rocksdb::Snapshot*> snapshot_of(const Node& node, const View* view);
  static View* make_view(const Node& node, const rocksdb::Snapshot* snapshot, int64_t at_micros) {
    return new View(&node, snapshot, at_micros);
  }
  static void release(View& view);
};

// Metadata keys "repaired_at/<table id>/<range>" -> repaired_at hold every mark_repaired.
std::string repaired_at_prefix(uint32_t table_id);

// Converts a RocksDB status into ours, with `context` in front of the message.
Status from_rocksdb(const rocksdb::Status& s, std::string_view context);

}  // namespace rk::storage
