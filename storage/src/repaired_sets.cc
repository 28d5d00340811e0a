// Anticompaction: moving a token range's data from the unrepaired set to the repaired set.
//
// Each key moves in one WriteBatch (Merge into `repaired`, Delete from `unrepaired`), so a read,
// which reconciles both sets as of one snapshot, sees the same data before and after. Chunks of
// keys move under the exclusive set_move_mutex: a write landing between reading a key and
// deleting it would otherwise be deleted with it. Only what the caller's view saw moves: the
// view's version of a key goes to the repaired set, and a newer version written since stays
// unrepaired (a Put of the current winner replaces the key's unrepaired operands). The range's
// repaired_at is recorded in the metadata column family (for node facts and incremental repair
// bookkeeping).
#include <optional>

#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include "key_codec.h"
#include "node_impl.h"
#include "read_path.h"

namespace rk::storage {
namespace {

constexpr size_t kKeysPerChunk = 4096;

std::string repaired_at_key(uint32_t table_id, const TokenRange& range) {
  return "repaired_at/" + std::to_string(table_id) + "/" + range.to_string();
}

}  // namespace

std::string repaired_at_prefix(uint32_t table_id) {
  return "repaired_at/" + std::to_string(table_id) + "/";
}

Result<uint64_t> Node::mark_repaired(std::string_view keyspace, std::string_view table,
                                     const TokenRange& range, int64_t repaired_at, const View* view,
                                     bool record) {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  if (repaired_at <= 0) return Status::InvalidArgument("repaired_at must be > 0");
  RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* pinned, NodeInternals::snapshot_of(*this, view));
  std::optional<rocksdb::ManagedSnapshot> own;
  if (pinned == nullptr) {
    own.emplace(impl_->db.get());
    pinned = own->snapshot();
  }
  uint64_t moved = 0;
  for (const auto& [lower, upper] : token_key_ranges(t.id, range)) {
    std::string cursor = lower;
    bool done = false;
    while (!done) {
      std::unique_lock lock(impl_->set_move_mutex);
      rocksdb::Slice upper_slice(upper);
      rocksdb::ReadOptions at_view;
      at_view.snapshot = pinned;
      at_view.iterate_upper_bound = &upper_slice;
      rocksdb::ReadOptions at_now;  // no write can land while the lock is held
      at_now.iterate_upper_bound = &upper_slice;
      std::unique_ptr<rocksdb::Iterator> seen(impl_->db->NewIterator(at_view, impl_->unrepaired));
      std::unique_ptr<rocksdb::Iterator> now(impl_->db->NewIterator(at_now, impl_->unrepaired));
      rocksdb::WriteBatch batch;
      size_t n = 0;
      now->Seek(cursor);
      for (seen->Seek(cursor); seen->Valid() && n < kKeysPerChunk; seen->Next(), ++n) {
        // The version the view saw (and the repair compared) becomes repaired.
        auto s = batch.Merge(impl_->repaired, seen->key(), seen->value());
        while (now->Valid() && now->key().compare(seen->key()) < 0) now->Next();
        if (s.ok() && now->Valid() && now->key() == seen->key()) {
          // Unchanged since the view: gone from the unrepaired set. Otherwise a newer write won
          // (last-write-wins): only that winner stays unrepaired, to be validated next time.
          if (now->value() == seen->value()) {
            s = batch.Delete(impl_->unrepaired, seen->key());
          } else {
            s = batch.Put(impl_->unrepaired, seen->key(), now->value());
          }
        }
        if (!s.ok()) return from_rocksdb(s, "building anticompaction batch");
      }
      RK_RETURN_IF_ERROR(from_rocksdb(seen->status(), "reading the unrepaired set at the view"));
      RK_RETURN_IF_ERROR(from_rocksdb(now->status(), "reading the unrepaired set"));
      if (seen->Valid()) {
        cursor = seen->key().ToString();
      } else {
        done = true;
      }
      if (n == 0) break;
      RK_RETURN_IF_ERROR(
          from_rocksdb(impl_->db->Write(impl_->write_options(), &batch), "moving to repaired"));
      moved += n;
    }
  }
  if (!record) return moved;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RK_RETURN_IF_ERROR(from_rocksdb(
      impl_->db->Put(wo, impl_->meta, repaired_at_key(t.id, range), std::to_string(repaired_at)),
      "recording repaired_at"));
  return moved;
}

Status Node::compact_range(std::string_view keyspace, std::string_view table,
                           const TokenRange& range, DataScope scope) {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const auto& [lower, upper] : token_key_ranges(t.id, range)) {
    rocksdb::Slice begin(lower), end(upper);
    for (auto* cf : impl_->sets(scope)) {
      RK_RETURN_IF_ERROR(
          from_rocksdb(impl_->db->CompactRange(co, cf, &begin, &end), "compacting a range"));
    }
  }
  return Status::OK();
}

}  // namespace rk::storage
