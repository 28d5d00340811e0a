// Row digests; the canonical byte form is documented in row_digest.h.
#include "row_digest.h"

#include "cell_codec.h"

namespace rk::storage {
namespace {

void put_u64(Sha256& h, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
  h.update(b, 8);
}

void put_bytes(Sha256& h, std::string_view s) {
  put_u64(h, s.size());
  h.update(s);
}

bool purgeable(const Deletion& d, int64_t gc_before) {
  return !d.is_live() && d.local_deletion_time <= gc_before;
}

}  // namespace

void digest_partition(const Partition& p, int64_t now_seconds, int64_t gc_before,
                      std::vector<RowDigest>* out) {
  // One hasher per thread for the process's life: creating an OpenSSL context per partition
  // costs more than hashing a small row.
  thread_local Sha256 h;
  out->clear();
  if (!p.deletion.is_live() && !purgeable(p.deletion, gc_before)) {
    h.update("P", 1);
    put_bytes(h, p.partition_key);
    put_u64(h, static_cast<uint64_t>(p.deletion.marked_for_delete_at));
    out->push_back({h.finish(), p.partition_key.size() + 16});
  }
  for (const Row& r : p.rows) {
    bool any = false;
    uint64_t bytes = p.partition_key.size() + r.clustering_key.size();
    h.update("R", 1);
    put_bytes(h, p.partition_key);
    put_bytes(h, r.clustering_key);
    if (!r.deletion.is_live() && !purgeable(r.deletion, gc_before)) {
      h.update("D", 1);
      put_u64(h, static_cast<uint64_t>(r.deletion.marked_for_delete_at));
      any = true;
    }
    for (const auto& [column, c] : r.cells) {
      if (!c.is_live(now_seconds) && c.local_deletion_time <= gc_before) continue;
      h.update("C", 1);
      put_bytes(h, column);
      const auto kind = static_cast<unsigned char>(c.kind);
      h.update(&kind, 1);
      put_u64(h, static_cast<uint64_t>(c.timestamp));
      put_u64(h, static_cast<uint64_t>(c.ttl_seconds));
      put_bytes(h, c.value);
      bytes += column.size() + c.value.size() + 24;
      any = true;
    }
    Digest d = h.finish();  // also resets the hasher for the next row
    if (any) out->push_back({d, bytes});
  }
}

Status EntryDigester::finish_row() {
  if (!have_row_) return Status::OK();
  have_row_ = false;
  const Digest d = hash_.finish();  // also resets the hasher for the next unit
  if (!row_has_content_) return Status::OK();
  return tree_->add_row(token_, d, row_bytes_);
}

Status EntryDigester::add(std::string_view key, std::string_view value) {
  auto cell = decode_cell(value);
  if (!cell) return Status::Corruption("undecodable value in the data set");
  // Keys are prefix-free: a key that starts with the current partition's prefix is in it.
  if (!have_partition_ || !key.starts_with(partition_prefix_)) {
    RK_RETURN_IF_ERROR(finish_row());
    auto decoded = decode_key(key);
    if (!decoded) return Status::Corruption("undecodable key in the data set");
    have_partition_ = true;
    partition_prefix_.assign(key.substr(0, partition_prefix_size(key)));
    token_ = decoded->token;
    partition_key_ = std::move(decoded->partition_key);
    partition_deletion_ = Deletion{};
  }
  if (!decode_entry(key.substr(partition_prefix_.size()), &entry_)) {
    return Status::Corruption("undecodable key in the data set");
  }
  if (entry_.kind == EntryKind::kPartitionDeletion) {
    // It sorts before the partition's rows: no row is open.
    partition_deletion_.marked_for_delete_at = cell->timestamp;
    partition_deletion_.local_deletion_time = cell->local_deletion_time;
    if (!purgeable(partition_deletion_, gc_before_)) {
      hash_.update("P", 1);
      put_bytes(hash_, partition_key_);
      put_u64(hash_, static_cast<uint64_t>(partition_deletion_.marked_for_delete_at));
      RK_RETURN_IF_ERROR(tree_->add_row(token_, hash_.finish(), partition_key_.size() + 16));
    }
    return Status::OK();
  }
  if (!have_row_ || entry_.clustering_key != clustering_key_) {
    RK_RETURN_IF_ERROR(finish_row());
    have_row_ = true;
    clustering_key_ = entry_.clustering_key;
    row_deletion_ = Deletion{};
    row_has_content_ = false;
    row_bytes_ = partition_key_.size() + clustering_key_.size();
    hash_.update("R", 1);
    put_bytes(hash_, partition_key_);
    put_bytes(hash_, clustering_key_);
  }
  if (entry_.kind == EntryKind::kRowDeletion) {
    // It sorts before the row's cells.
    if (!partition_deletion_.deletes(cell->timestamp)) {
      row_deletion_.marked_for_delete_at = cell->timestamp;
      row_deletion_.local_deletion_time = cell->local_deletion_time;
      if (!purgeable(row_deletion_, gc_before_)) {
        hash_.update("D", 1);
        put_u64(hash_, static_cast<uint64_t>(row_deletion_.marked_for_delete_at));
        row_has_content_ = true;
      }
    }
    return Status::OK();
  }
  if (partition_deletion_.deletes(cell->timestamp) || row_deletion_.deletes(cell->timestamp)) {
    return Status::OK();
  }
  const bool live = cell->kind == CellKind::kLive ||
                    (cell->kind == CellKind::kExpiring && now_ < cell->local_deletion_time);
  if (!live && cell->local_deletion_time <= gc_before_) return Status::OK();
  hash_.update("C", 1);
  put_bytes(hash_, entry_.column);
  const auto kind = static_cast<unsigned char>(cell->kind);
  hash_.update(&kind, 1);
  put_u64(hash_, static_cast<uint64_t>(cell->timestamp));
  put_u64(hash_, static_cast<uint64_t>(cell->ttl_seconds));
  put_bytes(hash_, cell->value);
  row_bytes_ += entry_.column.size() + cell->value.size() + 24;
  row_has_content_ = true;
  return Status::OK();
}

}  // namespace rk::storage
