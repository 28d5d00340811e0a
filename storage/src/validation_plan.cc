// Planning which leaves a validation reads; see validation_plan.h for when reuse is exact.
#include "validation_plan.h"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>

#include <rocksdb/metadata.h>
#include <rocksdb/snapshot.h>

#include "node_impl.h"
#include "read_path.h"

namespace rk::storage {
namespace {

// The table id and token a key starts with, its missing bytes taken as `pad` (0x00 for a
// lower bound of the keys that start with it, 0xFF for an upper bound).
std::pair<uint32_t, Token> key_position(std::string_view key, unsigned char pad) {
  unsigned char b[12];
  for (size_t i = 0; i < sizeof b; ++i) {
    b[i] = i < key.size() ? static_cast<unsigned char>(key[i]) : pad;
  }
  const uint32_t table = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  uint64_t bits = 0;
  for (size_t i = 4; i < 12; ++i) bits = bits << 8 | b[i];
  return {table, static_cast<Token>(bits ^ 0x8000000000000000ULL)};
}

// Calls visit(first_leaf, last_leaf) for the leaves of `tree` holding tokens in [lo, hi]
// (token order), once per non-wrapping piece of the tree's range that meets them.
template <typename Visit>
void leaves_between(const MerkleTree& tree, Token lo, Token hi, Visit visit) {
  for (const TokenRange& piece : tree.range().unwrap()) {
    // The piece's tokens, as token_key_ranges scans them: start+1 .. end (kMaxToken for a piece
    // ending at kMinToken, the ring's end).
    if (piece.start() == kMaxToken) continue;
    const Token first = std::max<Token>(piece.start() + 1, lo);
    const Token last = std::min<Token>(piece.end() == kMinToken ? kMaxToken : piece.end(), hi);
    if (first > last) continue;
    visit(tree.leaf_index_of(first), tree.leaf_index_of(last));
  }
}

// Marks the leaves holding entries that `set`'s memtables have at the snapshot. False when that
// cannot be known (a point deletion in a memtable, an iterator error): reuse nothing then.
bool mark_memtable_entries(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* set,
                           const rocksdb::Snapshot* snapshot, const MerkleTree& tree,
                           uint32_t table_id, std::vector<char>& in_memtable) {
  // The active memtable before the immutable ones: one that turns immutable in between is
  // counted in the second.
  for (const char* property :
       {"rocksdb.num-deletes-active-mem-table", "rocksdb.num-deletes-imm-mem-tables"}) {
    uint64_t deletes = 0;
    if (!db->GetIntProperty(set, property, &deletes) || deletes != 0) return false;
  }
  for (const auto& [lower, upper] : token_key_ranges(table_id, tree.range())) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    ro.read_tier = rocksdb::kMemtableTier;
    const rocksdb::Slice upper_slice(upper);
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, set));
    it->Seek(lower);
    while (it->Valid()) {
      const rocksdb::Slice k = it->key();
      const Token token = key_position(std::string_view(k.data(), k.size()), 0).second;
      if (!tree.range().contains(token)) {
        it->Next();
        continue;
      }
      const uint64_t leaf = tree.leaf_index_of(token);
      in_memtable[leaf] = 1;
      // The rest of the leaf needs no look: seek to the next one, unless the leaf runs to the
      // end of this key range (it ends at or wraps past kMaxToken).
      const Token end = tree.range().split_piece(tree.leaf_count(), leaf).end();
      if (end < token || end == kMaxToken) break;
      it->Seek(token_key(table_id, end + 1));
    }
    if (!it->status().ok()) return false;
  }
  return true;
}

}  // namespace

ValidationPlan read_everything(const MerkleTree& tree, uint32_t table_id) {
  ValidationPlan plan;
  plan.shape = TreeShape{table_id, tree.range().start(), tree.range().end(), tree.depth()};
  plan.leaves.assign(tree.leaf_count(), LeafPlan::kRead);
  return plan;
}

Result<ValidationPlan> plan_validation(rocksdb::DB* db,
                                       const std::vector<rocksdb::ColumnFamilyHandle*>& sets,
                                       const std::vector<rocksdb::ColumnFamilyHandle*>& all_sets,
                                       const rocksdb::Snapshot* snapshot, const MerkleTree& tree,
                                       uint32_t table_id, LeafDigestCache& cache) {
  ValidationPlan plan = read_everything(tree, table_id);
  const uint64_t n = tree.leaf_count();
  // Memtables first (see validation_plan.h), then the files.
  std::vector<char> in_memtable(n, 0);
  for (rocksdb::ColumnFamilyHandle* set : sets) {
    if (!mark_memtable_entries(db, set, snapshot, tree, table_id, in_memtable)) return plan;
  }
  struct File {
    uint64_t number;
    std::string path;
    bool whole;  // the snapshot sees all of it
  };
  std::vector<File> files;
  // (leaf, file index, +1 from this leaf on / -1 from this leaf on no longer): where the set
  // of files meeting the leaves changes.
  std::vector<std::tuple<uint64_t, int, uint32_t>> changes;
  std::unordered_set<uint64_t> live;
  for (rocksdb::ColumnFamilyHandle* set : all_sets) {
    const bool in_scope = std::find(sets.begin(), sets.end(), set) != sets.end();
    rocksdb::ColumnFamilyMetaData meta;
    db->GetColumnFamilyMetaData(set, &meta);
    for (const rocksdb::LevelMetaData& level : meta.levels) {
      for (const rocksdb::SstFileMetaData& f : level.files) {
        live.insert(f.file_number);
        if (!in_scope) continue;
        const auto [low_table, lo] = key_position(f.smallestkey, 0x00);
        const auto [high_table, hi] = key_position(f.largestkey, 0xFF);
        if (low_table > table_id || high_table < table_id) continue;
        const auto index = static_cast<uint32_t>(files.size());
        files.push_back({f.file_number, f.directory + "/" + f.relative_filename,
                         f.largest_seqno <= snapshot->GetSequenceNumber()});
        leaves_between(tree, low_table < table_id ? kMinToken : lo,
                       high_table > table_id ? kMaxToken : hi, [&](uint64_t first, uint64_t last) {
                         changes.emplace_back(first, 1, index);
                         changes.emplace_back(last + 1, -1, index);
                       });
      }
    }
  }
  cache.retain_files(live);

  // Sweep the leaves: between two changes the set of files is the same.
  std::sort(changes.begin(), changes.end());
  std::map<std::vector<uint32_t>, uint32_t> group_of;  // file indices -> group
  std::vector<char> group_whole;
  std::vector<uint32_t> active;  // file indices meeting the current leaves, sorted
  plan.group.assign(n, 0);
  plan.kept.assign(n, nullptr);
  plan.keeps = cache.enabled();
  size_t c = 0;
  for (uint64_t leaf = 0; leaf < n;) {
    for (; c < changes.size() && std::get<0>(changes[c]) == leaf; ++c) {
      const uint32_t index = std::get<2>(changes[c]);
      if (std::get<1>(changes[c]) > 0) {
        active.insert(std::lower_bound(active.begin(), active.end(), index), index);
      } else {
        active.erase(std::lower_bound(active.begin(), active.end(), index));
      }
    }
    const uint64_t end = c < changes.size() ? std::min<uint64_t>(std::get<0>(changes[c]), n) : n;
    if (active.empty()) {
      for (; leaf < end; ++leaf) {
        if (!in_memtable[leaf]) plan.leaves[leaf] = LeafPlan::kEmpty;
      }
      continue;
    }
    auto [at, added] = group_of.emplace(active, static_cast<uint32_t>(plan.groups.size()));
    if (added) {
      SourceGroup g;
      bool whole = true;
      for (uint32_t index : active) {
        g.files.push_back(files[index].number);
        whole = whole && files[index].whole;
      }
      std::sort(g.files.begin(), g.files.end());
      if (active.size() == 1) g.path = files[active[0]].path;
      plan.groups.push_back(std::move(g));
      group_whole.push_back(whole);
    }
    const uint32_t group = at->second;
    const LeafPlan read = !group_whole[group]  ? LeafPlan::kRead
                          : active.size() == 1 ? LeafPlan::kReadOneFile
                                               : LeafPlan::kReadAndKeep;
    for (; leaf < end; ++leaf) {
      if (in_memtable[leaf]) continue;  // kRead
      plan.leaves[leaf] = read;
      plan.group[leaf] = group;
    }
  }
  for (uint32_t group = 0; plan.keeps && group < plan.groups.size(); ++group) {
    if (!group_whole[group]) continue;
    auto kept = cache.find(plan.groups[group].files, plan.shape);
    if (kept == nullptr) continue;
    for (const KeptLeaf& k : *kept) {
      if (k.leaf < n && plan.group[k.leaf] == group &&
          (plan.leaves[k.leaf] == LeafPlan::kReadAndKeep ||
           plan.leaves[k.leaf] == LeafPlan::kReadOneFile)) {
        plan.leaves[k.leaf] = LeafPlan::kKept;
        plan.kept[k.leaf] = &k.rows;
      }
    }
    plan.holds.push_back(std::move(kept));
  }
  return plan;
}

}  // namespace rk::storage
