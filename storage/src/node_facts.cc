// Node facts: per table and set, SST bytes and files (from RocksDB's file metadata), tombstone
// entries (from the "rk.tombstones" table property), repaired_at bounds (from the metadata that
// mark_repaired writes), and the compaction backlog.
#include "node_facts.h"

#include <map>

#include "cell_codec.h"
#include "key_codec.h"
#include "node_impl.h"

namespace rk::storage {
namespace {

class TombstoneCounter final : public rocksdb::TablePropertiesCollector {
 public:
  rocksdb::Status AddUserKey(const rocksdb::Slice& key, const rocksdb::Slice& value,
                             rocksdb::EntryType type, rocksdb::SequenceNumber /*seq*/,
                             uint64_t /*file_size*/) override {
    if (type != rocksdb::kEntryPut && type != rocksdb::kEntryMerge) return rocksdb::Status::OK();
    if (key.size() < 4) return rocksdb::Status::OK();
    uint32_t table_id = 0;
    for (int i = 0; i < 4; ++i) table_id = (table_id << 8) | static_cast<uint8_t>(key[i]);
    ++entries_[table_id];
    if (value.empty() || value[0] != static_cast<char>(CellKind::kTombstone))
      return rocksdb::Status::OK();
    ++counts_[table_id];
    return rocksdb::Status::OK();
  }
  rocksdb::Status Finish(rocksdb::UserCollectedProperties* properties) override {
    properties->emplace(kTombstonesProperty, format_counts(counts_));
    properties->emplace(kEntriesProperty, format_counts(entries_));
    return rocksdb::Status::OK();
  }
  rocksdb::UserCollectedProperties GetReadableProperties() const override { return {}; }
  const char* Name() const override { return "RingkeeperTombstoneCounter"; }

 private:
  static std::string format_counts(const std::map<uint32_t, uint64_t>& counts) {
    std::string text;
    for (const auto& [id, n] : counts) {
      if (!text.empty()) text += ",";
      text += std::to_string(id) + ":" + std::to_string(n);
    }
    return text;
  }
  std::map<uint32_t, uint64_t> counts_;   // tombstones per table id
  std::map<uint32_t, uint64_t> entries_;  // entries per table id
};

class TombstoneCounterFactory final : public rocksdb::TablePropertiesCollectorFactory {
 public:
  rocksdb::TablePropertiesCollector* CreateTablePropertiesCollector(
      rocksdb::TablePropertiesCollectorFactory::Context /*context*/) override {
    return new TombstoneCounter();
  }
  const char* Name() const override { return "RingkeeperTombstoneCounterFactory"; }
};

// Adds the counts of "id:n,id:n" to `out`.
void add_counts(const std::string& text, std::map<uint32_t, uint64_t>* out) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(pos, comma - pos);
    size_t colon = item.find(':');
    if (colon != std::string::npos) {
      (*out)[static_cast<uint32_t>(std::stoul(item.substr(0, colon)))] +=
          std::stoull(item.substr(colon + 1));
    }
    pos = comma + 1;
  }
}

uint64_t int_property(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::string& name) {
  uint64_t v = 0;
  db->GetIntProperty(cf, name, &v);
  return v;
}

}  // namespace

std::shared_ptr<rocksdb::TablePropertiesCollectorFactory> make_tombstone_counter_factory() {
  return std::make_shared<TombstoneCounterFactory>();
}

Result<NodeFacts> Node::facts() const {
  rocksdb::DB* db = impl_->db.get();
  NodeFacts facts;
  std::vector<rocksdb::LiveFileMetaData> files;
  db->GetLiveFilesMetaData(&files);
  facts.sst_files = files.size();

  std::map<std::string, std::map<uint32_t, uint64_t>> tombstones;  // set -> table -> count
  std::map<std::string, std::map<uint32_t, uint64_t>> entries;     // set -> table -> count
  for (auto* cf : {impl_->unrepaired, impl_->repaired}) {
    rocksdb::TablePropertiesCollection props;
    RK_RETURN_IF_ERROR(from_rocksdb(db->GetPropertiesOfAllTables(cf, &props), "reading facts"));
    for (const auto& [file, p] : props) {
      auto it = p->user_collected_properties.find(kTombstonesProperty);
      if (it != p->user_collected_properties.end())
        add_counts(it->second, &tombstones[cf->GetName()]);
      auto e = p->user_collected_properties.find(kEntriesProperty);
      if (e != p->user_collected_properties.end()) add_counts(e->second, &entries[cf->GetName()]);
    }
    facts.running_compactions = int_property(db, cf, "rocksdb.num-running-compactions");
    facts.pending_compactions += int_property(db, cf, "rocksdb.compaction-pending");
    facts.pending_compaction_bytes +=
        int_property(db, cf, "rocksdb.estimate-pending-compaction-bytes");
    facts.memtable_bytes += int_property(db, cf, "rocksdb.cur-size-all-mem-tables");
  }

  for (const TableSchema& t : impl_->schema.tables()) {
    TableFacts tf;
    tf.keyspace = t.keyspace;
    tf.table = t.name;
    const std::string lower = table_prefix(t.id);
    const std::string upper = prefix_successor(lower);
    for (auto* cf : {impl_->unrepaired, impl_->repaired}) {
      SetFacts& sf = cf == impl_->unrepaired ? tf.unrepaired : tf.repaired;
      rocksdb::Range range(lower, upper);
      uint64_t size = 0;
      rocksdb::SizeApproximationOptions so;
      so.include_files = true;
      so.include_memtables = false;
      db->GetApproximateSizes(so, cf, &range, 1, &size);
      sf.bytes_on_disk = size;
      for (const auto& f : files) {
        if (f.column_family_name != cf->GetName()) continue;
        if (f.largestkey < lower || f.smallestkey >= upper) continue;
        ++sf.files;
      }
      auto& counts = tombstones[cf->GetName()];
      if (auto it = counts.find(t.id); it != counts.end()) sf.tombstones = it->second;
      auto& entry_counts = entries[cf->GetName()];
      if (auto it = entry_counts.find(t.id); it != entry_counts.end()) sf.entries = it->second;
    }
    // repaired_at bounds
    const std::string prefix = repaired_at_prefix(t.id);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), impl_->meta));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      int64_t at = std::stoll(it->value().ToString());
      tf.min_repaired_at = tf.min_repaired_at == 0 ? at : std::min(tf.min_repaired_at, at);
      tf.max_repaired_at = std::max(tf.max_repaired_at, at);
    }
    facts.tables.push_back(std::move(tf));
  }
  return facts;
}

}  // namespace rk::storage
