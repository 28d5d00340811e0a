// What a repair session streams from which replica to which (see
// ringkeeper/repair/transfer_plan.h).
#include "ringkeeper/repair/transfer_plan.h"

#include <map>
#include <string>
#include <utility>

#include "tree_shape.h"

namespace rk::repair {
namespace {

// Request k's tree of every replica, after checking that each replica has one per request.
Result<std::vector<ReplicaTree>> trees_of_request(std::span<const std::vector<ReplicaTree>> trees,
                                                  size_t k) {
  std::vector<ReplicaTree> out;
  out.reserve(trees.size());
  for (const auto& per_replica : trees) out.push_back(per_replica[k]);
  RK_RETURN_IF_ERROR(check_same_shape(out));
  return out;
}

}  // namespace

Result<std::vector<Transfer>> plan_transfers(std::span<const std::vector<ReplicaTree>> trees,
                                             std::optional<size_t> local) {
  if (trees.empty()) return Status::InvalidArgument("no replica trees to plan transfers from");
  const size_t replicas = trees.size();
  const size_t requests = trees[0].size();
  for (const auto& per_replica : trees) {
    if (per_replica.size() != requests) {
      return Status::InvalidArgument(
          "replicas sent different numbers of trees: " + std::to_string(requests) + " and " +
          std::to_string(per_replica.size()));
    }
  }
  if (local && *local >= replicas) {
    return Status::InvalidArgument("local replica " + std::to_string(*local) + " of " +
                                   std::to_string(replicas));
  }

  std::map<std::pair<size_t, size_t>, std::vector<Transfer>> plan;
  std::vector<size_t> group(replicas);
  for (size_t k = 0; k < requests; ++k) {
    RK_ASSIGN_OR_RETURN(std::vector<ReplicaTree> request, trees_of_request(trees, k));
    const uint64_t leaves = request[0].leaf_hashes.size();
    for (uint64_t i = 0; i < leaves; ++i) {
      // group[m]: the first replica whose leaf hash equals replica m's.
      bool all_same = true;
      for (size_t m = 0; m < replicas; ++m) {
        group[m] = m;
        for (size_t g = 0; g < m; ++g) {
          if (request[g].leaf_hashes[i] == request[m].leaf_hashes[i]) {
            group[m] = group[g];
            break;
          }
        }
        all_same = all_same && group[m] == 0;
      }
      if (all_same) continue;
      const TokenRange range = request[0].range.split_piece(leaves, i);
      for (size_t g = 0; g < replicas; ++g) {
        if (group[g] != g || request[g].leaf_rows[i] == 0) continue;
        const size_t source = local && group[*local] == g ? *local : g;
        // Every member of the group counted the same rows (equal hashes); the sender's are sent.
        const uint64_t rows = request[source].leaf_rows[i];
        const uint64_t bytes =
            request[source].leaf_bytes.empty() ? 0 : request[source].leaf_bytes[i];
        for (size_t m = 0; m < replicas; ++m) {
          if (group[m] == g) continue;
          auto& transfers = plan[{source, m}];
          if (!transfers.empty() && transfers.back().range.end() == range.start()) {
            Transfer& last = transfers.back();
            last.range = TokenRange(last.range.start(), range.end());
            last.rows += rows;
            last.bytes += bytes;
          } else {
            transfers.push_back({source, m, range, rows, bytes});
          }
        }
      }
    }
  }

  std::vector<Transfer> out;
  for (auto& [pair, transfers] : plan) {
    for (Transfer& t : transfers) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace rk::repair
