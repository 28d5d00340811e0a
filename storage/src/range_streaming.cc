// Export of a token range's raw partitions as stream chunks, and LWW import of streamed
// partitions: the node side of repair's streaming.
#include <rocksdb/write_batch.h>

#include "cell_codec.h"
#include "key_codec.h"
#include "node_impl.h"
#include "ringkeeper/storage/range_stream.h"

namespace rk::storage {
namespace {

constexpr size_t kMaxKeyComponent = 65535;

size_t approximate_size(const Partition& p) {
  size_t n = p.partition_key.size() + 32;
  for (const Row& r : p.rows) {
    n += r.clustering_key.size() + 24;
    for (const auto& [column, c] : r.cells) n += column.size() + c.value.size() + 24;
  }
  return n;
}

Status validate_partition(const Partition& p) {
  if (p.partition_key.empty() || p.partition_key.size() > kMaxKeyComponent)
    return Status::InvalidArgument("streamed partition key is empty or longer than 65535 bytes");
  if (murmur3_token(p.partition_key) != p.token)
    return Status::InvalidArgument("streamed partition's token " + std::to_string(p.token) +
                                   " is not the token of its key");
  for (const Row& r : p.rows) {
    if (r.clustering_key.size() > kMaxKeyComponent)
      return Status::InvalidArgument("streamed clustering key is longer than 65535 bytes");
    for (const auto& [column, c] : r.cells) {
      if (column.empty() || column.size() > kMaxKeyComponent)
        return Status::InvalidArgument("streamed column name is empty or too long");
      if (c.timestamp == std::numeric_limits<int64_t>::min())
        return Status::InvalidArgument("streamed cell has the reserved timestamp INT64_MIN");
      if (c.kind == CellKind::kExpiring && c.ttl_seconds <= 0)
        return Status::InvalidArgument("streamed expiring cell has no TTL");
    }
  }
  return Status::OK();
}

}  // namespace

Status Node::export_range(std::string_view keyspace, std::string_view table,
                          const TokenRange& range, DataScope scope, size_t chunk_bytes,
                          const std::function<Status(std::string_view chunk)>& sink,
                          const View* view) const {
  std::vector<Partition> pending;
  size_t pending_bytes = 0;
  Status sink_status;
  auto emit = [&]() {
    if (pending.empty()) return true;
    sink_status = sink(encode_partitions(pending));
    pending.clear();
    pending_bytes = 0;
    return sink_status.ok();
  };
  RK_RETURN_IF_ERROR(scan_raw(
      keyspace, table, range, scope,
      [&](const Partition& p) {
        pending_bytes += approximate_size(p);
        pending.push_back(p);
        return pending_bytes < chunk_bytes || emit();
      },
      view));
  RK_RETURN_IF_ERROR(sink_status);
  emit();
  return sink_status;
}

Status Node::import_partitions(std::string_view keyspace, std::string_view table,
                               std::span<const Partition> partitions) {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  rocksdb::WriteBatch batch;
  std::string value;
  auto merge = [&](const std::string& key) {
    return from_rocksdb(batch.Merge(impl_->unrepaired, key, value), "building import batch");
  };
  for (const Partition& p : partitions) {
    RK_RETURN_IF_ERROR(validate_partition(p));
    if (!p.deletion.is_live()) {
      value = encode_deletion(p.deletion);
      RK_RETURN_IF_ERROR(merge(partition_deletion_key(t.id, p.token, p.partition_key)));
    }
    for (const Row& r : p.rows) {
      if (!r.deletion.is_live()) {
        value = encode_deletion(r.deletion);
        RK_RETURN_IF_ERROR(
            merge(row_deletion_key(t.id, p.token, p.partition_key, r.clustering_key)));
      }
      for (const auto& [column, c] : r.cells) {
        value = encode_cell(c);
        RK_RETURN_IF_ERROR(
            merge(cell_key(t.id, p.token, p.partition_key, r.clustering_key, column)));
      }
    }
  }
  std::shared_lock lock(impl_->set_move_mutex);
  return from_rocksdb(impl_->db->Write(impl_->write_options(), &batch), "importing");
}

Status Node::import_stream(std::string_view keyspace, std::string_view table,
                           std::string_view chunk) {
  RK_ASSIGN_OR_RETURN(std::vector<Partition> partitions, decode_partitions(chunk));
  return import_partitions(keyspace, table, partitions);
}

}  // namespace rk::storage
