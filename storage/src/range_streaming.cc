// Export of a token range's raw partitions page by page, and LWW import of streamed partitions:
// the node side of what repair and a replacement stream between replicas.
#include <rocksdb/write_batch.h>

#include "cell_codec.h"
#include "key_codec.h"
#include "node_impl.h"
#include "ringkeeper/storage/range_stream.h"

namespace rk::storage {
namespace {

constexpr size_t kMaxKeyComponent = 65535;

// Keys, values and per-cell overhead: what a page's max_bytes counts.
size_t approximate_bytes(const Partition& p) {
  size_t n = p.partition_key.size() + 32;
  for (const Row& r : p.rows) {
    n += r.clustering_key.size() + 32;
    for (const auto& [column, c] : r.cells) n += column.size() + c.value.size() + 48;
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

Result<ExportPage> Node::export_page(std::string_view keyspace, std::string_view table,
                                     const TokenRange& range, DataScope scope,
                                     size_t max_partitions, size_t max_bytes,
                                     const View* view) const {
  ExportPage page;
  size_t bytes = 0;
  bool full = false;
  // Pages end only between tokens: once full, keep taking partitions of the last token.
  std::optional<Token> last_token;
  bool stopped_early = false;
  // Walk in ring order from range.start() (scan_raw alone would visit a wrapping range's
  // (kMinToken, end] piece first), so that "the rest after the last token" is one range.
  std::vector<TokenRange> pieces = {range};
  if (range.is_wrapping()) {
    pieces = {TokenRange(range.start(), kMinToken), TokenRange(kMinToken, range.end())};
  }
  for (const TokenRange& piece : pieces) {
    RK_RETURN_IF_ERROR(scan_raw(
        keyspace, table, piece, scope,
        [&](const Partition& p) {
          if (full && p.token != *last_token) {
            stopped_early = true;
            return false;
          }
          bytes += approximate_bytes(p);
          last_token = p.token;
          page.partitions.push_back(p);
          if (page.partitions.size() >= max_partitions || bytes >= max_bytes) full = true;
          return true;
        },
        view));
    if (stopped_early) break;
  }
  if (stopped_early && last_token && *last_token != range.end()) {
    page.next = TokenRange(*last_token, range.end());
  }
  return page;
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
