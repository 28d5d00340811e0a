// Tombstone purge by compaction; rules in tombstone_purge.h.
#include "tombstone_purge.h"

#include <optional>
#include <string>

#include <rocksdb/db.h>

#include "cell_codec.h"
#include "key_codec.h"
#include "purge_rule.h"
#include "repair_history.h"
#include "schema_catalog.h"

namespace rk::storage {
namespace {

class TombstonePurgeFilter final : public rocksdb::CompactionFilter {
 public:
  TombstonePurgeFilter(std::shared_ptr<PurgeContext> ctx, uint32_t cf_id)
      : ctx_(std::move(ctx)), now_(ctx_->clock->now_seconds()) {
    own_ = ctx_->unrepaired->GetID() == cf_id ? ctx_->unrepaired : ctx_->repaired;
    other_ = own_ == ctx_->unrepaired ? ctx_->repaired : ctx_->unrepaired;
  }

  Decision FilterV2(int /*level*/, const rocksdb::Slice& key, ValueType type,
                    const rocksdb::Slice& value, std::string* /*new_value*/,
                    std::string* /*skip_until*/) const override {
    rocksdb::DB* db = ctx_->db.load();
    if (db == nullptr || type == ValueType::kBlobIndex) return Decision::kKeep;
    std::string_view k(key.data(), key.size());
    auto decoded = decode_key(k);
    auto cell = decode_cell(std::string_view(value.data(), value.size()));
    if (!decoded || !cell) return Decision::kKeep;
    track_partition(*decoded);
    const bool plain = type == ValueType::kValue;

    if (decoded->kind == EntryKind::kPartitionDeletion) {
      // Any later version of this key is a deletion at least as new (LWW keeps the maximum).
      partition_deletion_ = cell->timestamp;
      if (plain && gc_able(*decoded, cell->local_deletion_time) &&
          !others_under(
              db, partition_prefix(decoded->table_id, decoded->token, decoded->partition_key), k))
        return Decision::kRemove;
      return Decision::kKeep;
    }
    if (decoded->kind == EntryKind::kRowDeletion) {
      row_key_ = decoded->clustering_key;
      row_deletion_ = cell->timestamp;
      if (!plain) return Decision::kKeep;
      if (partition_deletion_ && cell->timestamp <= *partition_deletion_) return Decision::kRemove;
      if (gc_able(*decoded, cell->local_deletion_time) &&
          !others_under(db,
                        row_prefix(decoded->table_id, decoded->token, decoded->partition_key,
                                   decoded->clustering_key),
                        k))
        return Decision::kRemove;
      return Decision::kKeep;
    }
    if (!plain) return Decision::kKeep;
    if (partition_deletion_ && cell->timestamp <= *partition_deletion_) return Decision::kRemove;
    if (row_deletion_ && row_key_ == decoded->clustering_key && cell->timestamp <= *row_deletion_)
      return Decision::kRemove;
    const bool deletion = cell->kind == CellKind::kTombstone ||
                          (cell->kind == CellKind::kExpiring && now_ >= cell->local_deletion_time);
    if (deletion && gc_able(*decoded, cell->local_deletion_time) && !in_other_set(db, key))
      return Decision::kRemove;
    return Decision::kKeep;
  }

  const char* Name() const override { return "RingkeeperTombstonePurge"; }

 private:
  // Resets the per-partition state when the compaction moves on to another partition.
  void track_partition(const DecodedKey& d) const {
    if (d.table_id == table_id_ && d.token == token_ && d.partition_key == partition_key_) {
      if (d.kind != EntryKind::kPartitionDeletion && d.clustering_key != row_key_)
        row_deletion_.reset();
      return;
    }
    table_id_ = d.table_id;
    token_ = d.token;
    partition_key_ = d.partition_key;
    partition_deletion_.reset();
    row_deletion_.reset();
    row_key_.clear();
  }

  bool gc_able(const DecodedKey& d, int64_t local_deletion_time) const {
    if (!rule_ || rule_table_id_ != d.table_id) {
      auto t = ctx_->schema->table_by_id(d.table_id);
      rule_table_id_ = d.table_id;
      rule_ =
          t ? PurgeRule(*t, now_, ctx_->history->of(d.table_id)) : PurgeRule();  // unknown: keep
    }
    return rule_->purgeable(d.token, local_deletion_time);
  }

  bool in_other_set(rocksdb::DB* db, const rocksdb::Slice& key) const {
    std::string ignored;
    auto s = db->Get(rocksdb::ReadOptions(), other_, key, &ignored);
    return !s.IsNotFound();  // errors count as "present": keep
  }

  // True when a key other than `own_key` in this set, or any key in the other set, starts with
  // `prefix`.
  bool others_under(rocksdb::DB* db, const std::string& prefix, std::string_view own_key) const {
    const std::string upper = prefix_successor(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    for (auto* cf : {own_, other_}) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
      for (it->Seek(prefix); it->Valid(); it->Next()) {
        if (cf == own_ && it->key() == rocksdb::Slice(own_key.data(), own_key.size())) continue;
        return true;
      }
      if (!it->status().ok()) return true;
    }
    return false;
  }

  std::shared_ptr<PurgeContext> ctx_;
  int64_t now_;
  rocksdb::ColumnFamilyHandle* own_ = nullptr;
  rocksdb::ColumnFamilyHandle* other_ = nullptr;
  // Keys reach a compaction filter in order, one compaction per filter (single-threaded).
  mutable uint32_t table_id_ = 0;
  mutable Token token_ = 0;
  mutable std::string partition_key_;
  mutable std::optional<int64_t> partition_deletion_;
  mutable std::string row_key_;
  mutable std::optional<int64_t> row_deletion_;
  mutable uint32_t rule_table_id_ = 0;
  mutable std::optional<PurgeRule> rule_;
};

class TombstonePurgeFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit TombstonePurgeFactory(std::shared_ptr<PurgeContext> ctx) : ctx_(std::move(ctx)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override {
    if (ctx_->db.load() == nullptr) return nullptr;
    return std::make_unique<TombstonePurgeFilter>(ctx_, context.column_family_id);
  }
  const char* Name() const override { return "RingkeeperTombstonePurgeFactory"; }

 private:
  std::shared_ptr<PurgeContext> ctx_;
};

}  // namespace

std::shared_ptr<rocksdb::CompactionFilterFactory> make_tombstone_purge_factory(
    std::shared_ptr<PurgeContext> context) {
  return std::make_shared<TombstonePurgeFactory>(std::move(context));
}

}  // namespace rk::storage
