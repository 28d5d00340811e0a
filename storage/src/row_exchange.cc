// The node's side of repair's row-level exchange: the partitions of many small ranges as
// validation sees them (from which a replica lists its rows' versions), and the export of
// individual rows and partition deletions. Both read many small pieces with one cursor, seeking
// from piece to piece, so that a call costs one iterator set however many pieces it reads.
#include <algorithm>
#include <optional>

#include <rocksdb/snapshot.h>

#include "key_codec.h"
#include "node_impl.h"
#include "purge_rule.h"
#include "read_path.h"

namespace rk::storage {
namespace {

bool purgeable(const Deletion& d, Token token, const PurgeRule& rule) {
  return !d.is_live() && rule.purgeable(token, d.local_deletion_time);
}

// `p` less what validation leaves out (row_digest.h's digest_partition: deletions and expired
// cells the purge rule lets compaction drop, and rows left with nothing); false when nothing is
// left.
bool keep_validated(Partition* p, int64_t now_seconds, const PurgeRule& rule) {
  if (purgeable(p->deletion, p->token, rule)) p->deletion = Deletion{};
  std::erase_if(p->rows, [&](Row& r) {
    if (purgeable(r.deletion, p->token, rule)) r.deletion = Deletion{};
    std::erase_if(r.cells, [&](const auto& entry) {
      const Cell& c = entry.second;
      return !c.is_live(now_seconds) && rule.purgeable(p->token, c.local_deletion_time);
    });
    return r.cells.empty() && r.deletion.is_live();
  });
  return !p->rows.empty() || !p->deletion.is_live();
}

// The table's whole key range, for a cursor that seeks within it.
std::pair<std::string, std::string> table_keys(uint32_t table_id) {
  std::string lower = table_prefix(table_id);
  std::string upper = prefix_successor(lower);
  return {std::move(lower), std::move(upper)};
}

// `view`'s snapshot, or one taken now and held by `own`.
Result<const rocksdb::Snapshot*> read_at(const Node& node, const View* view,
                                         std::optional<rocksdb::ManagedSnapshot>* own) {
  RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* snapshot, NodeInternals::snapshot_of(node, view));
  if (snapshot != nullptr) return snapshot;
  own->emplace(NodeInternals::of(node).db.get());
  return (*own)->snapshot();
}

}  // namespace

Status Node::scan_as_validated(std::string_view keyspace, std::string_view table,
                               std::span<const TokenRange> ranges, DataScope scope,
                               const std::function<bool(size_t range, const Partition&)>& visit,
                               const View* view) const {
  if (ranges.size() > kMaxExchangeRanges) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxExchangeRanges) +
                                   " ranges per call, got " + std::to_string(ranges.size()));
  }
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  std::optional<rocksdb::ManagedSnapshot> own;
  RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* snapshot, read_at(*this, view, &own));
  const int64_t now = impl_->clock->now_seconds();
  const PurgeRule rule(t, now, impl_->history.of(t.id));
  size_t current = 0;
  bool go_on = true;
  PartitionAssembler assembler(PartitionAssembler::Mode::kRaw, now, [&](const Partition& p) {
    Partition kept = p;
    if (keep_validated(&kept, now, rule)) go_on = visit(current, kept);
    return go_on;
  });
  auto [lower, upper] = table_keys(t.id);
  SetCursor cursor(impl_->db.get(), impl_->sets(scope), lower, upper, snapshot, /*bulk=*/false);
  RK_RETURN_IF_ERROR(cursor.status());
  for (current = 0; current < ranges.size() && go_on; ++current) {
    for (const auto& [from, to] : token_key_ranges(t.id, ranges[current])) {
      const rocksdb::Slice end(to);
      for (cursor.seek(from); go_on && cursor.valid() && cursor.key().compare(end) < 0;
           cursor.next()) {
        RK_ASSIGN_OR_RETURN(go_on, assembler.add(cursor.key(), cursor.value()));
      }
      RK_RETURN_IF_ERROR(cursor.status());
    }
    // The range's last partition goes to the range.
    if (go_on) assembler.finish();
  }
  return Status::OK();
}

Result<std::vector<Partition>> Node::export_rows(std::string_view keyspace, std::string_view table,
                                                 std::span<const RowSelector> rows, DataScope scope,
                                                 const View* view) const {
  if (rows.size() > kMaxExportRows) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxExportRows) +
                                   " rows per export, got " + std::to_string(rows.size()));
  }
  constexpr size_t kMaxKeyComponent = 65535;
  struct Wanted {
    Token token;
    const RowSelector* row;
  };
  std::vector<Wanted> wanted;
  wanted.reserve(rows.size());
  for (const RowSelector& r : rows) {
    if (r.partition_key.empty() || r.partition_key.size() > kMaxKeyComponent ||
        r.clustering_key.size() > kMaxKeyComponent) {
      return Status::InvalidArgument("a row to export has an empty or over-long key");
    }
    wanted.push_back({murmur3_token(r.partition_key), &r});
  }
  // Storage order: token, partition key, the partition's deletion before its rows, rows.
  auto order = [](const Wanted& a, const Wanted& b) {
    if (a.token != b.token) return a.token < b.token;
    if (a.row->partition_key != b.row->partition_key)
      return a.row->partition_key < b.row->partition_key;
    if (a.row->partition_deletion != b.row->partition_deletion) return a.row->partition_deletion;
    return !a.row->partition_deletion && a.row->clustering_key < b.row->clustering_key;
  };
  std::sort(wanted.begin(), wanted.end(), order);

  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  std::optional<rocksdb::ManagedSnapshot> own;
  RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* snapshot, read_at(*this, view, &own));
  std::vector<Partition> out;
  PartitionAssembler assembler(PartitionAssembler::Mode::kRaw, impl_->clock->now_seconds(),
                               [&out](const Partition& p) {
                                 out.push_back(p);
                                 return true;
                               });
  auto [lower, upper] = table_keys(t.id);
  SetCursor cursor(impl_->db.get(), impl_->sets(scope), lower, upper, snapshot, /*bulk=*/false);
  RK_RETURN_IF_ERROR(cursor.status());
  for (size_t first = 0; first < wanted.size();) {
    const Token token = wanted[first].token;
    const std::string& pk = wanted[first].row->partition_key;
    size_t end = first;
    while (end < wanted.size() && wanted[end].token == token &&
           wanted[end].row->partition_key == pk) {
      ++end;
    }
    // The partition's deletion always, whether named or not: it shadows older cells of the rows.
    const std::string deletion_key = partition_deletion_key(t.id, token, pk);
    cursor.seek(deletion_key);
    if (cursor.valid() && cursor.key() == rocksdb::Slice(deletion_key)) {
      RK_RETURN_IF_ERROR(assembler.add(cursor.key(), cursor.value()).status());
    }
    const bool deletion_named = wanted[first].row->partition_deletion;
    const std::string* previous = nullptr;
    for (size_t i = first; i < end; ++i) {
      const RowSelector& r = *wanted[i].row;
      if (r.partition_deletion || (previous != nullptr && *previous == r.clustering_key)) continue;
      previous = &r.clustering_key;
      const std::string prefix = row_prefix(t.id, token, pk, r.clustering_key);
      const rocksdb::Slice row(prefix);
      for (cursor.seek(prefix); cursor.valid() && cursor.key().starts_with(row); cursor.next()) {
        RK_RETURN_IF_ERROR(assembler.add(cursor.key(), cursor.value()).status());
      }
      RK_RETURN_IF_ERROR(cursor.status());
    }
    const size_t before = out.size();
    assembler.finish();
    if (out.size() > before && !deletion_named) {
      out.back().deletion = Deletion{};
      if (out.back().rows.empty()) out.pop_back();
    }
    first = end;
  }
  RK_RETURN_IF_ERROR(cursor.status());
  return out;
}

}  // namespace rk::storage
