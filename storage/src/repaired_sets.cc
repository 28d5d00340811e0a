// Anticompaction: moving a token range's data from the unrepaired set to the repaired set.
//
// Each key moves in one WriteBatch (Merge into `repaired`, Delete from `unrepaired`), so a read,
// which reconciles both sets as of one snapshot, sees the same data before and after. Chunks of
// keys move under the exclusive set_move_mutex: a write landing between reading a key and
// deleting it would otherwise be deleted with it. The range's repaired_at is recorded in the
// metadata column family (for node facts and incremental repair bookkeeping).
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
                                     const TokenRange& range, int64_t repaired_at) {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  if (repaired_at <= 0) return Status::InvalidArgument("repaired_at must be > 0");
  uint64_t moved = 0;
  for (const auto& [lower, upper] : token_key_ranges(t.id, range)) {
    std::string cursor = lower;
    bool done = false;
    while (!done) {
      std::unique_lock lock(impl_->set_move_mutex);
      rocksdb::ReadOptions ro;
      rocksdb::Slice upper_slice(upper);
      ro.iterate_upper_bound = &upper_slice;
      std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->unrepaired));
      rocksdb::WriteBatch batch;
      size_t n = 0;
      for (it->Seek(cursor); it->Valid() && n < kKeysPerChunk; it->Next(), ++n) {
        auto s = batch.Merge(impl_->repaired, it->key(), it->value());
        if (s.ok()) s = batch.Delete(impl_->unrepaired, it->key());
        if (!s.ok()) return from_rocksdb(s, "building anticompaction batch");
      }
      RK_RETURN_IF_ERROR(from_rocksdb(it->status(), "reading the unrepaired set"));
      if (it->Valid()) {
        cursor = it->key().ToString();
      } else {
        done = true;
      }
      if (n == 0) break;
      RK_RETURN_IF_ERROR(
          from_rocksdb(impl_->db->Write(impl_->write_options(), &batch), "moving to repaired"));
      moved += n;
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RK_RETURN_IF_ERROR(from_rocksdb(
      impl_->db->Put(wo, impl_->meta, repaired_at_key(t.id, range), std::to_string(repaired_at)),
      "recording repaired_at"));
  return moved;
}

}  // namespace rk::storage
