// Estimating how many rows a token range holds, for sizing Merkle trees without reading the range.
//
// A sample from the range's start is read through the usual cursor and assembler: when the range
// ends within it, the count is exact (small ranges get exactly the depth they need). Otherwise the
// range's keys (cells and deletions) are estimated from the engine — entries counted in the
// memtables plus the range's approximate SST bytes times the set's keys per SST byte — and turned
// into rows with the sample's rows-per-key ratio. Murmur3 spreads rows evenly, so the sample's
// ratio and the set-wide keys per byte hold for the range up to the usual estimation error.
#include <rocksdb/db.h>

#include "node_impl.h"
#include "read_path.h"

namespace rk::storage {
namespace {

constexpr size_t kSampleKeys = 4096;

uint64_t property(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, const std::string& name) {
  uint64_t v = 0;
  return db.GetIntProperty(cf, name, &v) ? v : 0;
}

// Approximate keys of [lower, upper) in one set.
uint64_t approximate_keys(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                          const std::string& lower, const std::string& upper) {
  rocksdb::Range range(lower, upper);
  uint64_t mem_count = 0, mem_size = 0;
  db.GetApproximateMemTableStats(cf, range, &mem_count, &mem_size);
  uint64_t sst_bytes = 0;
  rocksdb::SizeApproximationOptions o;
  o.include_files = true;
  o.include_memtables = false;
  if (!db.GetApproximateSizes(o, cf, &range, 1, &sst_bytes).ok()) sst_bytes = 0;
  const uint64_t set_keys = property(db, cf, rocksdb::DB::Properties::kEstimateNumKeys);
  const uint64_t mem_keys = property(db, cf, rocksdb::DB::Properties::kNumEntriesActiveMemTable) +
                            property(db, cf, rocksdb::DB::Properties::kNumEntriesImmMemTables);
  const uint64_t set_sst_bytes = property(db, cf, rocksdb::DB::Properties::kLiveSstFilesSize);
  uint64_t sst_keys = 0;
  if (set_sst_bytes > 0 && set_keys > mem_keys) {
    sst_keys = static_cast<uint64_t>(static_cast<double>(sst_bytes) *
                                     static_cast<double>(set_keys - mem_keys) /
                                     static_cast<double>(set_sst_bytes));
  }
  return mem_count + sst_keys;
}

}  // namespace

Result<uint64_t> Node::estimate_rows(std::string_view keyspace, std::string_view table,
                                     const TokenRange& range, DataScope scope) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  uint64_t estimate = 0;
  for (const auto& [lower, upper] : token_key_ranges(t.id, range)) {
    uint64_t rows = 0;
    auto count = [&](const Partition& p) {
      rows += p.rows.size() + (p.deletion.is_live() ? 0 : 1);
      return true;
    };
    PartitionAssembler assembler(PartitionAssembler::Mode::kRaw, impl_->clock->now_seconds(),
                                 count);
    SetCursor cursor(impl_->db.get(), impl_->sets(scope), lower, upper, nullptr, /*bulk=*/true);
    RK_RETURN_IF_ERROR(cursor.status());
    size_t keys = 0;
    for (cursor.seek_to_first(); cursor.valid() && keys < kSampleKeys; cursor.next(), ++keys) {
      RK_RETURN_IF_ERROR(assembler.add(cursor.key(), cursor.value()).status());
    }
    RK_RETURN_IF_ERROR(cursor.status());
    const bool whole = !cursor.valid();
    assembler.finish();
    if (whole) {
      estimate += rows;
      continue;
    }
    uint64_t range_keys = 0;
    for (auto* cf : impl_->sets(scope))
      range_keys += approximate_keys(*impl_->db, cf, lower, upper);
    range_keys = std::max<uint64_t>(range_keys, keys);
    estimate += static_cast<uint64_t>(static_cast<double>(range_keys) * static_cast<double>(rows) /
                                      static_cast<double>(keys));
  }
  return estimate;
}

}  // namespace rk::storage
