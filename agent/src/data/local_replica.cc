// Raw single-partition reads against the local storage node.
#include "data/local_replica.h"

#include <string>

namespace rk::agent {
namespace {

bool in_slice(const std::string& key, const storage::ClusteringSlice& slice) {
  if (slice.start && key < *slice.start) return false;
  if (slice.end && key >= *slice.end) return false;
  return true;
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

}  // namespace rk::agent
