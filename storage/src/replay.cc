// Replay of archived WAL files and backed-up SSTs on top of a restored snapshot (restore after a
// snapshot, point-in-time restore): their cells go through the last-write-wins import path into
// the unrepaired set, cut at a write timestamp; schema records create what the node lacks.
#include <filesystem>
#include <limits>

#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/write_batch.h>

#include "cell_codec.h"
#include "lww_merge_operator.h"
#include "node_impl.h"
#include "wal_file.h"

namespace rk::storage {
namespace {

constexpr size_t kImportBatchBytes = 4 << 20;
constexpr std::string_view kSchemaPrefix = "schema/";

uint32_t table_id_of(std::string_view key) {
  auto b = reinterpret_cast<const unsigned char*>(key.data());
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

uint64_t get_u64_le(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[i]);
  return v;
}

// Writes replayed cells into the unrepaired set in batches of about kImportBatchBytes.
class Importer {
 public:
  Importer(Node::Impl& impl, int64_t up_to_us, ReplayStats& stats)
      : impl_(impl), up_to_us_(up_to_us), stats_(stats) {}

  // A data record: `value` is an encoded cell (or row/partition tombstone) of `key`.
  Status cell(std::string_view key, std::string_view value, const std::string& where) {
    auto cell = decode_cell(value);
    if (!cell || key.size() < 4) return Status::Corruption(where + ": malformed data record");
    if (cell->timestamp > up_to_us_) {
      ++stats_.cells_skipped_after;
      return Status::OK();
    }
    const uint32_t table_id = table_id_of(key);
    if (table_id != known_table_id_) {
      if (impl_.schema.table_by_id(table_id)) {
        known_table_id_ = table_id;
      } else {
        impl_.schema.reserve_table_id(table_id);
        ++stats_.cells_unknown_table;
      }
    }
    RK_RETURN_IF_ERROR(from_rocksdb(batch_.Merge(impl_.unrepaired, key, value), where));
    ++stats_.cells_applied;
    stats_.newest_applied_us = std::max(stats_.newest_applied_us, cell->timestamp);
    if (batch_.GetDataSize() >= kImportBatchBytes) return commit();
    return Status::OK();
  }

  // A metadata record: schema records create the keyspaces and tables the node lacks.
  Status meta(std::string_view key, std::string_view value) {
    if (!key.starts_with(kSchemaPrefix)) return Status::OK();
    RK_ASSIGN_OR_RETURN(bool created, impl_.schema.adopt(key, value));
    if (created) {
      ++stats_.tables_created;
      known_table_id_ = 0;
    }
    return Status::OK();
  }

  Status commit() {
    if (batch_.Count() == 0) return Status::OK();
    std::shared_lock lock(impl_.set_move_mutex);
    auto s = impl_.db->Write(impl_.write_options(), &batch_);
    batch_.Clear();
    return from_rocksdb(s, "writing replayed cells");
  }

 private:
  Node::Impl& impl_;
  const int64_t up_to_us_;
  ReplayStats& stats_;
  rocksdb::WriteBatch batch_;
  uint32_t known_table_id_ = 0;  // the last table id found in the schema (0: none)
};

// Feeds one WAL write batch to the importer: data records of both sets, schema records.
class BatchReplayer final : public rocksdb::WriteBatch::Handler {
 public:
  BatchReplayer(Importer& importer, const Node::Impl& impl, bool before, ReplayStats& stats,
                std::string where)
      : importer_(importer),
        meta_id_(impl.meta->GetID()),
        unrepaired_id_(impl.unrepaired->GetID()),
        repaired_id_(impl.repaired->GetID()),
        before_(before),
        stats_(stats),
        where_(std::move(where)) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    return record(cf, key, value);
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
    return record(cf, key, value);
  }
  // Engine deletes only move data between the sets (or drop metadata): nothing to replay.
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice&) override { return {}; }
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override { return {}; }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return {};
  }
  rocksdb::Status PutBlobIndexCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::NotSupported("blob index record");
  }
  rocksdb::Status MarkBeginPrepare(bool) override { return {}; }
  rocksdb::Status MarkEndPrepare(const rocksdb::Slice&) override { return {}; }
  rocksdb::Status MarkNoop(bool) override { return {}; }
  rocksdb::Status MarkRollback(const rocksdb::Slice&) override { return {}; }
  rocksdb::Status MarkCommit(const rocksdb::Slice&) override { return {}; }

  const Status& error() const { return error_; }

 private:
  rocksdb::Status record(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) {
    const std::string_view k(key.data(), key.size()), v(value.data(), value.size());
    if (cf == meta_id_) {
      error_ = importer_.meta(k, v);
    } else if (cf == unrepaired_id_ || cf == repaired_id_) {
      if (before_) {
        ++stats_.cells_skipped_before;
      } else {
        error_ = importer_.cell(k, v, where_);
      }
    }
    return error_.ok() ? rocksdb::Status::OK() : rocksdb::Status::Aborted();
  }

  Importer& importer_;
  const uint32_t meta_id_, unrepaired_id_, repaired_id_;
  const bool before_;
  ReplayStats& stats_;
  const std::string where_;
  Status error_;
};

}  // namespace

Result<ReplayStats> Node::replay_wal_file(const std::string& path, uint64_t after_sequence,
                                          int64_t up_to_us) {
  ReplayStats stats;
  Importer importer(*impl_, up_to_us, stats);
  Status read = read_wal_file(path, [&](uint64_t offset, std::string_view record) -> Status {
    const std::string where =
        "WAL file " + path + ": write batch at offset " + std::to_string(offset);
    // A WriteBatch starts with its sequence number (u64 LE) and record count (u32 LE).
    if (record.size() < 12) return Status::Corruption(where + " is shorter than its header");
    const uint64_t sequence = get_u64_le(record);
    const uint32_t count = static_cast<uint32_t>(get_u64_le(record.substr(8)) & 0xffffffffu);
    ++stats.batches;
    stats.newest_sequence = std::max(stats.newest_sequence, sequence + (count > 0 ? count - 1 : 0));
    rocksdb::WriteBatch batch{std::string(record)};
    BatchReplayer replayer(importer, *impl_, sequence <= after_sequence, stats, where);
    auto s = batch.Iterate(&replayer);
    RK_RETURN_IF_ERROR(replayer.error());
    if (!s.ok()) return Status::Corruption(where + ": " + s.ToString());
    return Status::OK();
  });
  // What was read before a damaged record is applied: it is safe to apply again.
  Status written = importer.commit();
  RK_RETURN_IF_ERROR(read);
  RK_RETURN_IF_ERROR(written);
  return stats;
}

Result<ReplayStats> Node::replay_data_file(const std::string& path, int64_t up_to_us) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status::NotFound("data file " + path + " does not exist or is not a regular file");
  rocksdb::Options options;
  options.merge_operator = make_lww_merge_operator(up_to_us);
  rocksdb::SstFileReader reader(options);
  auto s = reader.Open(path);
  if (!s.ok())
    return Status::InvalidArgument("data file " + path + " is not an engine SST: " + s.ToString());
  auto properties = reader.GetTableProperties();
  const std::string family = properties ? properties->column_family_name : "";
  const bool is_meta = family == rocksdb::kDefaultColumnFamilyName;
  if (!is_meta && family != kUnrepairedSet && family != kRepairedSet)
    return Status::InvalidArgument("data file " + path + " is not an SST of a storage node (its " +
                                   "column family is '" + family + "')");

  ReplayStats stats;
  Importer importer(*impl_, up_to_us, stats);
  const std::string where = "data file " + path;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    if (is_meta) {
      RK_RETURN_IF_ERROR(importer.meta(key, value));
    } else if (value.empty()) {
      ++stats.cells_skipped_after;  // every version of the key is newer than up_to_us
    } else {
      RK_RETURN_IF_ERROR(importer.cell(key, value, where));
    }
  }
  Status written = importer.commit();
  if (!it->status().ok())
    return Status::Corruption("reading " + where + ": " + it->status().ToString());
  RK_RETURN_IF_ERROR(written);
  return stats;
}

}  // namespace rk::storage
