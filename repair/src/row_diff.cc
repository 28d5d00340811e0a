// The row-level exchange's plan: who receives which rows from whom (see
// ringkeeper/repair/row_diff.h).
#include "ringkeeper/repair/row_diff.h"

#include <algorithm>
#include <map>
#include <utility>

namespace rk::repair {
namespace {

const CellVersion* find_cell(const RowVersions& unit, const std::string& column) {
  auto it = std::lower_bound(
      unit.cells.begin(), unit.cells.end(), column,
      [](const CellVersion& c, const std::string& name) { return c.column < name; });
  return it != unit.cells.end() && it->column == column ? &*it : nullptr;
}

// One key's units across the replicas (null where a replica has none), with what shadows its
// cells once the session is done: the newest deletion of its row or partition on any replica.
class UnitAcross {
 public:
  UnitAcross(std::vector<const RowVersions*> units, int64_t partition_deleted_at)
      : units_(std::move(units)), partition_deleted_at_(partition_deleted_at) {
    shadow_ = partition_deleted_at;
    for (const RowVersions* u : units_) {
      if (u != nullptr) shadow_ = std::max(shadow_, u->deleted_at);
    }
  }

  // Whether `source`'s deletion is one `target` lacks and keeps.
  bool needs_deletion(size_t target, size_t source) const {
    const RowVersions* s = units_[source];
    if (s == nullptr || s->deleted_at == kNotDeleted) return false;
    // A row deletion no newer than its partition's deletion deletes nothing more.
    if (!s->key.partition_deletion && s->deleted_at <= partition_deleted_at_) return false;
    const RowVersions* t = units_[target];
    return s->deleted_at > (t != nullptr ? t->deleted_at : kNotDeleted);
  }

  // Whether `target` lacks `cell` of another replica and would keep it.
  bool needs_cell(size_t target, const CellVersion& cell) const {
    if (cell.timestamp <= shadow_) return false;  // a deletion of its row or partition wins
    const RowVersions* t = units_[target];
    const CellVersion* own = t != nullptr ? find_cell(*t, cell.column) : nullptr;
    return own == nullptr || !certainly_supersedes(*own, cell);
  }

  bool needs(size_t target, size_t source) const {
    const RowVersions* s = units_[source];
    if (s == nullptr || source == target) return false;
    if (needs_deletion(target, source)) return true;
    return std::any_of(s->cells.begin(), s->cells.end(),
                       [&](const CellVersion& c) { return needs_cell(target, c); });
  }

  // Whether `by` holds everything `target` needs from `source`, at least as new.
  bool covers(size_t target, size_t by, size_t source) const {
    const RowVersions* b = units_[by];
    const RowVersions* s = units_[source];
    if (needs_deletion(target, source) && b->deleted_at < s->deleted_at) return false;
    for (const CellVersion& c : s->cells) {
      if (!needs_cell(target, c)) continue;
      const CellVersion* other = find_cell(*b, c.column);
      if (other == nullptr || !certainly_supersedes(*other, c)) return false;
    }
    return true;
  }

  // The replicas `target` receives the unit from (see plan_row_transfers); `rank[r]` is replica
  // r's preference, lower first.
  std::vector<size_t> sources(size_t target, const std::vector<size_t>& rank) const {
    std::vector<size_t> candidates;
    for (size_t s = 0; s < units_.size(); ++s) {
      if (needs(target, s)) candidates.push_back(s);
    }
    std::vector<size_t> out;
    for (size_t s : candidates) {
      const bool redundant = std::any_of(candidates.begin(), candidates.end(), [&](size_t o) {
        if (o == s || !covers(target, o, s)) return false;
        return !covers(target, s, o) || rank[o] < rank[s];
      });
      if (!redundant) out.push_back(s);
    }
    return out;
  }

  const RowVersions& unit(size_t r) const { return *units_[r]; }

 private:
  std::vector<const RowVersions*> units_;
  int64_t partition_deleted_at_;
  int64_t shadow_ = kNotDeleted;
};

Status check_listing(const std::vector<RowVersions>& units, const TokenRange& range,
                     size_t replica) {
  for (size_t i = 0; i < units.size(); ++i) {
    if (!range.contains(units[i].key.token)) {
      return Status::InvalidArgument(
          "replica " + std::to_string(replica) + " listed a row of token " +
          std::to_string(units[i].key.token) + " outside " + range.to_string());
    }
    if (i > 0 && !(units[i - 1].key < units[i].key)) {
      return Status::InvalidArgument("replica " + std::to_string(replica) + "'s listing of " +
                                     range.to_string() + " is out of order or repeats a row");
    }
  }
  return Status::OK();
}

}  // namespace

bool certainly_supersedes(const CellVersion& a, const CellVersion& b) {
  if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;
  if (a.tombstone != b.tombstone) return a.tombstone;
  return a.content == b.content;
}

Result<std::vector<RowTransfer>> plan_row_transfers(
    std::span<const TokenRange> ranges,
    std::span<const std::vector<std::vector<RowVersions>>> versions, std::optional<size_t> local) {
  const size_t replicas = versions.size();
  if (replicas == 0) return Status::InvalidArgument("no replica listings to plan transfers from");
  if (local && *local >= replicas) {
    return Status::InvalidArgument("local replica " + std::to_string(*local) + " of " +
                                   std::to_string(replicas));
  }
  for (size_t r = 0; r < replicas; ++r) {
    if (versions[r].size() != ranges.size()) {
      return Status::InvalidArgument("replica " + std::to_string(r) + " listed " +
                                     std::to_string(versions[r].size()) + " ranges, not " +
                                     std::to_string(ranges.size()));
    }
    for (size_t k = 0; k < ranges.size(); ++k) {
      RK_RETURN_IF_ERROR(check_listing(versions[r][k], ranges[k], r));
    }
  }
  std::vector<size_t> rank(replicas);
  for (size_t r = 0; r < replicas; ++r) rank[r] = r + 1;
  if (local) rank[*local] = 0;

  std::vector<RowTransfer> out;
  for (size_t k = 0; k < ranges.size(); ++k) {
    std::map<std::pair<size_t, size_t>, RowTransfer> plan;
    // Merge the replicas' sorted listings key by key.
    std::vector<size_t> next(replicas, 0);
    const RowKey* partition = nullptr;  // the partition of the last key (token, partition key)
    int64_t partition_deleted_at = kNotDeleted;
    while (true) {
      const RowKey* key = nullptr;
      for (size_t r = 0; r < replicas; ++r) {
        if (next[r] < versions[r][k].size() &&
            (key == nullptr || versions[r][k][next[r]].key < *key))
          key = &versions[r][k][next[r]].key;
      }
      if (key == nullptr) break;
      std::vector<const RowVersions*> units(replicas, nullptr);
      for (size_t r = 0; r < replicas; ++r) {
        if (next[r] < versions[r][k].size() && versions[r][k][next[r]].key == *key) {
          units[r] = &versions[r][k][next[r]];
        }
      }
      if (partition == nullptr || partition->token != key->token ||
          partition->partition_key != key->partition_key) {
        partition = key;
        partition_deleted_at = kNotDeleted;
      }
      if (key->partition_deletion) {
        // It comes before the partition's rows: their cells are judged against it.
        for (const RowVersions* u : units) {
          if (u != nullptr) partition_deleted_at = std::max(partition_deleted_at, u->deleted_at);
        }
      }
      const UnitAcross across(units, key->partition_deletion ? kNotDeleted : partition_deleted_at);
      for (size_t t = 0; t < replicas; ++t) {
        for (size_t s : across.sources(t, rank)) {
          RowTransfer& transfer = plan[{s, t}];
          transfer.source = s;
          transfer.target = t;
          transfer.range = ranges[k];
          transfer.rows.push_back(*key);
          transfer.bytes += across.unit(s).bytes;
        }
      }
      for (size_t r = 0; r < replicas; ++r) {
        if (units[r] != nullptr) ++next[r];
      }
    }
    for (auto& [pair, transfer] : plan) out.push_back(std::move(transfer));
  }
  return out;
}

}  // namespace rk::repair
