// Reads: partitions, clustering slices and token-range scans, live or raw, across data sets.
#include "read_path.h"

#include <rocksdb/snapshot.h>

namespace rk::storage {

SetCursor::SetCursor(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& sets,
                     std::string lower, std::string upper, const rocksdb::Snapshot* snapshot,
                     bool bulk)
    : lower_(std::move(lower)), upper_(std::move(upper)), upper_slice_(upper_) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  if (bulk) {
    ro.fill_cache = false;
    ro.readahead_size = 2 << 20;
  }
  if (!upper_.empty()) ro.iterate_upper_bound = &upper_slice_;
  std::vector<rocksdb::Iterator*> raw;
  auto s = db->NewIterators(ro, sets, &raw);
  if (s.ok()) {
    for (auto* it : raw) iterators_.emplace_back(it);
  }
  at_current_.assign(iterators_.size(), 0);
}

void SetCursor::seek(std::string_view key) {
  rocksdb::Slice target(key.data(), key.size());
  if (target.compare(rocksdb::Slice(lower_)) < 0) target = rocksdb::Slice(lower_);
  for (auto& it : iterators_) it->Seek(target);
  pick();
}

void SetCursor::next() {
  for (size_t i = 0; i < iterators_.size(); ++i) {
    if (at_current_[i]) iterators_[i]->Next();
  }
  pick();
}

void SetCursor::pick() {
  if (iterators_.size() == 1) {  // one set: nothing to merge
    const bool valid = iterators_[0]->Valid();
    current_ = winner_ = valid ? 0 : -1;
    at_current_[0] = valid;
    return;
  }
  current_ = -1;
  winner_ = -1;
  for (size_t i = 0; i < iterators_.size(); ++i) {
    at_current_[i] = 0;
    if (!iterators_[i]->Valid()) continue;
    if (current_ < 0) {
      current_ = static_cast<int>(i);
      continue;
    }
    if (iterators_[i]->key().compare(iterators_[current_]->key()) < 0)
      current_ = static_cast<int>(i);
  }
  if (current_ < 0) return;
  winner_ = current_;
  for (size_t i = 0; i < iterators_.size(); ++i) {
    if (!iterators_[i]->Valid() || iterators_[i]->key() != iterators_[current_]->key()) continue;
    at_current_[i] = 1;
    if (static_cast<int>(i) == current_) continue;
    // The same key in two sets: the LWW winner is the value.
    auto v = iterators_[i]->value();
    auto w = iterators_[winner_]->value();
    auto vi = decode_cell(std::string_view(v.data(), v.size()));
    auto wi = decode_cell(std::string_view(w.data(), w.size()));
    if (vi && wi && !view_supersedes(*wi, *vi)) winner_ = static_cast<int>(i);
  }
}

Status SetCursor::status() const {
  if (iterators_.empty()) return Status::IOError("could not create iterators");
  for (const auto& it : iterators_) {
    if (!it->status().ok()) return from_rocksdb(it->status(), "reading");
  }
  return Status::OK();
}

Result<bool> PartitionAssembler::add(rocksdb::Slice key, rocksdb::Slice value) {
  std::string_view k(key.data(), key.size());
  auto cell = decode_cell(std::string_view(value.data(), value.size()));
  if (!cell) return Status::Corruption("undecodable value in the data set");
  // Keys are prefix-free: a key that starts with the current partition's prefix is in it, and
  // only its entry (after the prefix) needs decoding.
  if (!have_partition_ || !k.starts_with(partition_prefix_)) {
    auto decoded = decode_key(k);
    if (!decoded) return Status::Corruption("undecodable key in the data set");
    if (have_partition_ && !flush_partition()) return false;
    have_partition_ = true;
    partition_prefix_.assign(k.substr(0, partition_prefix_size(k)));
    partition_ = Partition{};
    partition_.token = decoded->token;
    partition_.partition_key = std::move(decoded->partition_key);
    have_row_ = false;
  }
  if (!decode_entry(k.substr(partition_prefix_.size()), &entry_))
    return Status::Corruption("undecodable key in the data set");
  if (entry_.kind == EntryKind::kPartitionDeletion) {
    partition_.deletion.marked_for_delete_at = cell->timestamp;
    partition_.deletion.local_deletion_time = cell->local_deletion_time;
    return true;
  }
  if (!have_row_ || entry_.clustering_key != row_.clustering_key) {
    if (have_row_ && !flush_row()) return false;
    have_row_ = true;
    row_ = Row{};
    row_.clustering_key = entry_.clustering_key;
  }
  if (entry_.kind == EntryKind::kRowDeletion) {
    if (!partition_.deletion.deletes(cell->timestamp)) {
      row_.deletion.marked_for_delete_at = cell->timestamp;
      row_.deletion.local_deletion_time = cell->local_deletion_time;
    }
    return true;
  }
  if (partition_.deletion.deletes(cell->timestamp) || row_.deletion.deletes(cell->timestamp))
    return true;
  if (mode_ == Mode::kLive) {
    if (cell->kind == CellKind::kTombstone) return true;
    if (cell->kind == CellKind::kExpiring && now_ >= cell->local_deletion_time) return true;
  }
  row_.cells.emplace(std::move(entry_.column), cell->to_cell());
  return true;
}

bool PartitionAssembler::flush_row() {
  have_row_ = false;
  if (mode_ == Mode::kLive) {
    if (row_.cells.empty()) return true;
    row_.deletion = Deletion{};
  } else if (row_.cells.empty() && row_.deletion.is_live()) {
    return true;
  }
  partition_.rows.push_back(std::move(row_));
  return true;
}

bool PartitionAssembler::flush_partition() {
  if (have_row_) flush_row();
  have_partition_ = false;
  if (mode_ == Mode::kLive) {
    if (partition_.rows.empty()) return true;
    partition_.deletion = Deletion{};
  } else if (partition_.rows.empty() && partition_.deletion.is_live()) {
    return true;
  }
  return visit_(partition_);
}

bool PartitionAssembler::finish() {
  if (!have_partition_) return true;
  return flush_partition();
}

std::vector<std::pair<std::string, std::string>> token_key_ranges(uint32_t table_id,
                                                                  const TokenRange& range) {
  const std::string table_end = prefix_successor(table_prefix(table_id));
  std::vector<std::pair<std::string, std::string>> out;
  for (const TokenRange& piece : range.unwrap()) {
    // A non-wrapping (a, b]: tokens a+1..b, or a+1..kMaxToken when b is kMinToken (ring end).
    if (piece.start() == kMaxToken) continue;
    std::string lower = token_key(table_id, piece.start() + 1);
    std::string upper = piece.end() == kMinToken || piece.end() == kMaxToken
                            ? table_end
                            : token_key(table_id, piece.end() + 1);
    out.emplace_back(std::move(lower), std::move(upper));
  }
  return out;
}

Status assemble_range(const Node::Impl& impl, DataScope scope, const std::string& lower,
                      const std::string& upper, const rocksdb::Snapshot* snapshot,
                      PartitionAssembler* assembler, bool* stopped, bool bulk) {
  SetCursor cursor(impl.db.get(), impl.sets(scope), lower, upper, snapshot, bulk);
  RK_RETURN_IF_ERROR(cursor.status());
  for (cursor.seek_to_first(); cursor.valid(); cursor.next()) {
    RK_ASSIGN_OR_RETURN(bool go_on, assembler->add(cursor.key(), cursor.value()));
    if (!go_on) {
      *stopped = true;
      return Status::OK();
    }
  }
  return cursor.status();
}

namespace {

// Reads at `pinned` when given, else at a snapshot taken now.
Status scan_ranges(const Node::Impl& impl, const TableSchema& t, const TokenRange& range,
                   DataScope scope, PartitionAssembler::Mode mode, const PartitionVisitor& visit,
                   const rocksdb::Snapshot* pinned = nullptr) {
  std::optional<rocksdb::ManagedSnapshot> own;
  if (pinned == nullptr) {
    own.emplace(impl.db.get());
    pinned = own->snapshot();
  }
  PartitionAssembler assembler(mode, impl.clock->now_seconds(), visit);
  // A 2 MiB read-ahead per scan costs more than it saves on the tiny ranges repair streams
  // (a differing leaf: a few rows).
  const bool bulk = range.size() > kRingSize / 65536;
  for (const auto& [lower, upper] : token_key_ranges(t.id, range)) {
    bool stopped = false;
    RK_RETURN_IF_ERROR(
        assemble_range(impl, scope, lower, upper, pinned, &assembler, &stopped, bulk));
    if (stopped) return Status::OK();
  }
  assembler.finish();
  return Status::OK();
}

}  // namespace

Result<Partition> Node::read_partition(std::string_view keyspace, std::string_view table,
                                       std::string_view partition_key,
                                       const ClusteringSlice& slice) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  if (partition_key.empty()) return Status::InvalidArgument("partition key is empty");
  const Token token = murmur3_token(partition_key);
  const std::string prefix = partition_prefix(t.id, token, partition_key);
  const std::string upper =
      slice.end ? row_prefix(t.id, token, partition_key, *slice.end) : prefix_successor(prefix);
  Partition result;
  result.token = token;
  result.partition_key.assign(partition_key);
  auto visit = [&](const Partition& p) {
    result = p;
    return true;
  };
  PartitionAssembler assembler(PartitionAssembler::Mode::kLive, impl_->clock->now_seconds(), visit);
  rocksdb::ManagedSnapshot snapshot(impl_->db.get());
  SetCursor cursor(impl_->db.get(), impl_->sets(DataScope::kAll), prefix, upper,
                   snapshot.snapshot());
  RK_RETURN_IF_ERROR(cursor.status());
  // The partition deletion first (it sorts before every row), then the slice's rows.
  const std::string deletion_key = partition_deletion_key(t.id, token, partition_key);
  cursor.seek(deletion_key);
  if (cursor.valid() && cursor.key() == rocksdb::Slice(deletion_key)) {
    RK_RETURN_IF_ERROR(assembler.add(cursor.key(), cursor.value()).status());
  }
  cursor.seek(slice.start ? row_prefix(t.id, token, partition_key, *slice.start) : prefix);
  for (; cursor.valid(); cursor.next()) {
    RK_RETURN_IF_ERROR(assembler.add(cursor.key(), cursor.value()).status());
  }
  RK_RETURN_IF_ERROR(cursor.status());
  assembler.finish();
  return result;
}

Result<std::optional<Row>> Node::read_row(std::string_view keyspace, std::string_view table,
                                          std::string_view partition_key,
                                          std::string_view clustering_key) const {
  ClusteringSlice slice;
  slice.start = std::string(clustering_key);
  slice.end = std::string(clustering_key) + '\0';  // the next clustering key in byte order
  RK_ASSIGN_OR_RETURN(Partition p, read_partition(keyspace, table, partition_key, slice));
  if (p.rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(p.rows.front()));
}

Status Node::scan(std::string_view keyspace, std::string_view table, const TokenRange& range,
                  const PartitionVisitor& visit) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  return scan_ranges(*impl_, t, range, DataScope::kAll, PartitionAssembler::Mode::kLive, visit);
}

Status Node::scan_raw(std::string_view keyspace, std::string_view table, const TokenRange& range,
                      DataScope scope, const PartitionVisitor& visit, const View* view) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* pinned, NodeInternals::snapshot_of(*this, view));
  return scan_ranges(*impl_, t, range, scope, PartitionAssembler::Mode::kRaw, visit, pinned);
}

}  // namespace rk::storage
