// Merging replicas' raw partitions by timestamp (see read_reconcile.h).
#include "data/read_reconcile.h"

#include <map>
#include <string>

namespace rk::agent {

storage::Partition merge_partitions(const std::vector<storage::Partition>& versions) {
  storage::Partition out;
  if (versions.empty()) return out;
  out.partition_key = versions.front().partition_key;
  out.token = versions.front().token;
  for (const auto& v : versions) {
    if (v.deletion.supersedes(out.deletion)) out.deletion = v.deletion;
  }
  std::map<std::string, storage::Row> rows;  // clustering key -> merged row (bytewise order)
  for (const auto& v : versions) {
    for (const auto& row : v.rows) {
      auto [it, inserted] = rows.try_emplace(row.clustering_key);
      storage::Row& merged = it->second;
      if (inserted) merged.clustering_key = row.clustering_key;
      if (row.deletion.supersedes(merged.deletion)) merged.deletion = row.deletion;
      for (const auto& [column, cell] : row.cells) {
        auto [cit, fresh] = merged.cells.try_emplace(column, cell);
        if (!fresh) cit->second = storage::reconcile(cit->second, cell);
      }
    }
  }
  for (auto& [key, row] : rows) {
    // A row deletion older than the partition deletion says nothing more: drop it.
    if (!row.deletion.is_live() && !row.deletion.supersedes(out.deletion)) {
      row.deletion = storage::Deletion{};
    }
    const storage::Deletion& effective =
        row.deletion.supersedes(out.deletion) ? row.deletion : out.deletion;
    for (auto it = row.cells.begin(); it != row.cells.end();) {
      it = effective.deletes(it->second.timestamp) ? row.cells.erase(it) : std::next(it);
    }
    if (row.cells.empty() && row.deletion.is_live()) continue;
    out.rows.push_back(std::move(row));
  }
  return out;
}

storage::Partition live_view(const storage::Partition& raw, int64_t now_seconds) {
  storage::Partition out;
  out.partition_key = raw.partition_key;
  out.token = raw.token;
  for (const auto& row : raw.rows) {
    const storage::Deletion& effective =
        row.deletion.supersedes(raw.deletion) ? row.deletion : raw.deletion;
    storage::Row live;
    live.clustering_key = row.clustering_key;
    for (const auto& [column, cell] : row.cells) {
      if (effective.deletes(cell.timestamp) || !cell.is_live(now_seconds)) continue;
      live.cells.emplace(column, cell);
    }
    if (!live.cells.empty()) out.rows.push_back(std::move(live));
  }
  return out;
}

}  // namespace rk::agent
