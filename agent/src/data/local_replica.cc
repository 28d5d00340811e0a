// Raw reads, range export pages and LWW imports against the local storage node.
#include "data/local_replica.h"

#include <string>

namespace rk::agent {
namespace {

bool in_slice(const std::string& key, const storage::ClusteringSlice& slice) {
  if (slice.start && key < *slice.start) return false;
  if (slice.end && key >= *slice.end) return false;
  return true;
}

size_t approximate_bytes(const storage::Partition& p) {
  size_t n = p.partition_key.size() + 32;
  for (const auto& row : p.rows) {
    n += row.clustering_key.size() + 32;
    for (const auto& [column, cell] : row.cells) n += column.size() + cell.value.size() + 48;
  }
  return n;
}

}  // namespace

Result<storage::Partition> read_raw_partition(const storage::Node& node, std::string_view keyspace,
                                              std::string_view table,
                                              std::string_view partition_key,
                                              const storage::ClusteringSlice& slice) {
  const Token token = murmur3_token(partition_key);
  storage::Partition out;
  out.token = token;
  out.partition_key = std::string(partition_key);
  // The one-token range (token - 1, token]; murmur3 never gives kMinToken for a non-empty key.
  const TokenRange range(token == kMinToken ? kMaxToken : token - 1, token);
  RK_RETURN_IF_ERROR(node.scan_raw(keyspace, table, range, storage::DataScope::kAll,
                                   [&](const storage::Partition& p) {
                                     if (p.partition_key != partition_key) return true;
                                     out.deletion = p.deletion;
                                     for (const auto& row : p.rows) {
                                       if (in_slice(row.clustering_key, slice)) {
                                         out.rows.push_back(row);
                                       }
                                     }
                                     return false;
                                   }));
  return out;
}

Result<ExportPage> export_page(const storage::Node& node, std::string_view keyspace,
                               std::string_view table, const TokenRange& range,
                               storage::DataScope scope, size_t max_partitions, size_t max_bytes,
                               const storage::View* view) {
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
    RK_RETURN_IF_ERROR(node.scan_raw(
        keyspace, table, piece, scope,
        [&](const storage::Partition& p) {
          if (full && p.token != *last_token) {
            stopped_early = true;
            return false;
          }
          bytes += approximate_bytes(p);
          last_token = p.token;
          page.partitions.push_back(p);
          if (page.partitions.size() >= max_partitions || bytes >= max_bytes) {
            full = true;
          }
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

}  // namespace rk::agent
