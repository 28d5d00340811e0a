// Opening the node, its schema operations and its write path.
#include "ringkeeper/storage/node.h"

#include <filesystem>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "cell_codec.h"
#include "incremental_backup.h"
#include "key_codec.h"
#include "lww_merge_operator.h"
#include "node_facts.h"
#include "node_impl.h"
#include "wal_archive.h"

namespace rk::storage {
namespace {

constexpr size_t kMaxKeyComponent = 65535;     // Cassandra's limit on key component sizes
constexpr int64_t kMaxTtlSeconds = 630720000;  // 20 years, Cassandra's MAX_TTL
constexpr size_t kMaxValueBytes = 16ull << 20;

rocksdb::ColumnFamilyOptions data_set_options(const Options& o,
                                              const std::shared_ptr<rocksdb::Cache>& cache,
                                              std::shared_ptr<PurgeContext> purge) {
  rocksdb::ColumnFamilyOptions cf;
  cf.merge_operator = make_lww_merge_operator();
  cf.compaction_filter_factory = make_tombstone_purge_factory(std::move(purge));
  cf.table_properties_collector_factories.push_back(make_tombstone_counter_factory());
  cf.write_buffer_size = o.write_buffer_bytes;
  cf.max_write_buffer_number = 2;
  cf.target_file_size_base = o.target_file_size_bytes;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return cf;
}

Status validate_op(const MutationOp& op) {
  using K = MutationOp::Kind;
  if (op.timestamp == std::numeric_limits<int64_t>::min())
    return Status::InvalidArgument("timestamp INT64_MIN is reserved");
  if (op.kind != K::kDeletePartition && op.clustering_key.size() > kMaxKeyComponent)
    return Status::InvalidArgument("clustering key is longer than 65535 bytes");
  if (op.kind == K::kSetCell || op.kind == K::kDeleteCell) {
    if (op.column.empty()) return Status::InvalidArgument("column name is empty");
    if (op.column.size() > kMaxKeyComponent)
      return Status::InvalidArgument("column name is longer than 65535 bytes");
  }
  if (op.kind == K::kSetCell) {
    if (op.value.size() > kMaxValueBytes)
      return Status::InvalidArgument("value is larger than 16 MiB");
    if (op.ttl_seconds && *op.ttl_seconds < 0)
      return Status::InvalidArgument("TTL must not be negative, got " +
                                     std::to_string(*op.ttl_seconds));
    if (op.ttl_seconds && *op.ttl_seconds > kMaxTtlSeconds)
      return Status::InvalidArgument("TTL must be at most 630720000 seconds (20 years)");
  }
  return Status::OK();
}

}  // namespace

Status from_rocksdb(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  std::string m = std::string(context) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(m));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(m));
  if (s.IsNotFound()) return Status::NotFound(std::move(m));
  if (s.IsBusy() || s.IsTryAgain()) return Status::Unavailable(std::move(m));
  return Status::IOError(std::move(m));
}

std::vector<rocksdb::ColumnFamilyHandle*> Node::Impl::sets(DataScope scope) const {
  switch (scope) {
    case DataScope::kAll:
      return {unrepaired, repaired};
    case DataScope::kUnrepaired:
      return {unrepaired};
    case DataScope::kRepaired:
      return {repaired};
  }
  return {};
}

Node::Impl::~Impl() {
  if (!db) return;
  rocksdb::CancelAllBackgroundWork(db.get(), /*wait=*/true);
  purge->db.store(nullptr);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  db->Close();
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

Result<std::unique_ptr<Node>> Node::open(const Options& options, Clock& clock) {
  if (options.data_dir.empty()) return Status::InvalidArgument("Options::data_dir is empty");
  std::error_code ec;
  std::filesystem::path dir(options.data_dir);
  std::filesystem::create_directories(dir / "data", ec);
  if (ec) return Status::IOError("creating " + (dir / "data").string() + ": " + ec.message());

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = &clock;
  impl->kept_leaves.set_budget(options.validation_cache_bytes);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.db_write_buffer_size = options.total_memtable_bytes;
  db_options.max_background_jobs = options.max_background_jobs;
  db_options.keep_log_file_num = 3;
  db_options.max_log_file_size = 8 << 20;
  db_options.max_total_wal_size = options.total_memtable_bytes * 2;
  db_options.use_direct_reads = options.direct_reads;

  if (options.archive_wal) {
    RK_ASSIGN_OR_RETURN(
        impl->env, make_wal_archiving_env((dir / "data").string(), (dir / "wal_archive").string()));
    db_options.env = impl->env.get();
  }
  if (options.incremental_backups)
    db_options.listeners.push_back(make_incremental_backup_listener((dir / "backups").string()));
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::ColumnFamilyOptions meta_options;
  auto data_options = data_set_options(options, cache, impl->purge);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, meta_options},
      {kUnrepairedSet, data_options},
      {kRepairedSet, data_options},
  };
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(db_options, (dir / "data").string(), families, &impl->handles, &raw);
  if (!s.ok()) return from_rocksdb(s, "opening the storage node in " + options.data_dir);
  impl->db.reset(raw);
  impl->meta = impl->handles[0];
  impl->unrepaired = impl->handles[1];
  impl->repaired = impl->handles[2];
  RK_RETURN_IF_ERROR(impl->schema.load(impl->db.get(), impl->meta));
  RK_RETURN_IF_ERROR(impl->history.load(impl->db.get(), impl->meta));
  // Replayed data may hold tables whose schema has not arrived (yet): never reuse their ids.
  for (auto* cf : {impl->unrepaired, impl->repaired}) {
    std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator(rocksdb::ReadOptions(), cf));
    it->SeekToLast();
    if (it->Valid() && it->key().size() >= 4) {
      auto b = reinterpret_cast<const unsigned char*>(it->key().data());
      impl->schema.reserve_table_id(uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 |
                                    uint32_t{b[2]} << 8 | uint32_t{b[3]});
    }
    RK_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading the newest table id"));
  }
  impl->purge->unrepaired = impl->unrepaired;
  impl->purge->repaired = impl->repaired;
  impl->purge->schema = &impl->schema;
  impl->purge->history = &impl->history;
  impl->purge->clock = &clock;
  impl->purge->db.store(impl->db.get());
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

const Options& Node::options() const { return impl_->options; }

Status Node::create_keyspace(const KeyspaceSchema& keyspace) {
  return impl_->schema.create_keyspace(keyspace);
}
Result<TableSchema> Node::create_table(const TableSchema& table) {
  return impl_->schema.create_table(table);
}
Result<TableSchema> Node::alter_table(const TableSchema& table) {
  return impl_->schema.alter_table(table);
}
Status Node::record_repair(std::string_view keyspace, std::string_view table,
                           const TokenRange& range, int64_t repaired_at_us) {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  return impl_->history.record(t.id, range, repaired_at_us);
}
Result<std::vector<RepairedRange>> Node::repair_history(std::string_view keyspace,
                                                        std::string_view table) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  std::vector<RepairedRange> out;
  for (const auto& [range, at] : impl_->history.of(t.id)->ranges()) out.push_back({range, at});
  return out;
}
Result<KeyspaceSchema> Node::keyspace(std::string_view name) const {
  return impl_->schema.keyspace(name);
}
Result<TableSchema> Node::table(std::string_view keyspace, std::string_view name) const {
  return impl_->schema.table(keyspace, name);
}
std::vector<KeyspaceSchema> Node::keyspaces() const { return impl_->schema.keyspaces(); }
std::vector<TableSchema> Node::tables() const { return impl_->schema.tables(); }

Status Node::apply(const Mutation& mutation) { return apply_batch({&mutation, 1}); }

Status Node::apply_batch(std::span<const Mutation> mutations) {
  rocksdb::WriteBatch batch;
  const int64_t now = impl_->clock->now_seconds();
  std::optional<TableSchema> t;  // the previous mutation's table, looked up once per run of them
  std::string prefix;
  std::string key;
  std::string value;
  for (const Mutation& m : mutations) {
    if (!t || t->name != m.table || t->keyspace != m.keyspace) {
      RK_ASSIGN_OR_RETURN(TableSchema found, impl_->schema.table(m.keyspace, m.table));
      t = std::move(found);
    }
    if (m.partition_key.empty()) return Status::InvalidArgument("partition key is empty");
    if (m.partition_key.size() > kMaxKeyComponent)
      return Status::InvalidArgument("partition key is longer than 65535 bytes");
    const Token token = murmur3_token(m.partition_key);
    prefix = partition_prefix(t->id, token, m.partition_key);
    for (const MutationOp& op : m.ops) {
      RK_RETURN_IF_ERROR(validate_op(op));
      value.clear();
      key = prefix;
      switch (op.kind) {
        case MutationOp::Kind::kSetCell: {
          int64_t ttl = op.ttl_seconds.value_or(t->default_ttl_seconds);
          append_cell_suffix(&key, op.clustering_key, op.column);
          if (ttl > 0) {
            encode_cell_to(&value, CellKind::kExpiring, op.timestamp, ttl, now + ttl, op.value);
          } else {
            encode_cell_to(&value, CellKind::kLive, op.timestamp, 0, kNoDeletionTime, op.value);
          }
          break;
        }
        case MutationOp::Kind::kDeleteCell:
          append_cell_suffix(&key, op.clustering_key, op.column);
          encode_cell_to(&value, CellKind::kTombstone, op.timestamp, 0, now, {});
          break;
        case MutationOp::Kind::kDeleteRow:
          key = row_deletion_key(t->id, token, m.partition_key, op.clustering_key);
          encode_cell_to(&value, CellKind::kTombstone, op.timestamp, 0, now, {});
          break;
        case MutationOp::Kind::kDeletePartition:
          key = partition_deletion_key(t->id, token, m.partition_key);
          encode_cell_to(&value, CellKind::kTombstone, op.timestamp, 0, now, {});
          break;
      }
      auto s = batch.Merge(impl_->unrepaired, key, value);
      if (!s.ok()) return from_rocksdb(s, "building write batch");
    }
  }
  std::shared_lock lock(impl_->set_move_mutex);
  return from_rocksdb(impl_->db->Write(impl_->write_options(), &batch), "writing");
}

Status Node::flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> families = {impl_->unrepaired, impl_->repaired};
  // With WAL archiving the metadata set too: a WAL file stays live (and out of wal_archive)
  // while any set still holds unflushed writes from it.
  if (impl_->options.archive_wal) families.push_back(impl_->meta);
  auto s = impl_->db->Flush(fo, families);
  return from_rocksdb(s, "flushing");
}

Status Node::compact() {
  RK_RETURN_IF_ERROR(flush());
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* cf : {impl_->unrepaired, impl_->repaired}) {
    auto s = impl_->db->CompactRange(co, cf, nullptr, nullptr);
    if (!s.ok()) return from_rocksdb(s, "compacting");
  }
  return Status::OK();
}

}  // namespace rk::storage
