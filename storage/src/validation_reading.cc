// Reading one SST alone for validation; see validation_reading.h.
#include "validation_reading.h"

#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>

#include "lww_merge_operator.h"
#include "node_impl.h"

namespace rk::storage {

FileReading::FileReading(bool direct_reads) {
  // What the data sets read with (node.cc): their merge operator (a file above the bottom
  // level holds merge operands), the default bytewise comparator; no block cache, as a bulk
  // read leaves the cache alone.
  options_.merge_operator = make_lww_merge_operator();
  options_.use_direct_reads = direct_reads;
  rocksdb::BlockBasedTableOptions t;
  t.no_block_cache = true;
  options_.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
}

std::unique_ptr<OneFile> FileReading::open(const std::string& path) const {
  auto file = std::make_unique<OneFile>();
  auto reader = std::make_unique<rocksdb::SstFileReader>(options_);
  if (!reader->Open(path).ok()) return file;
  const auto properties = reader->GetTableProperties();
  if (properties == nullptr || properties->num_range_deletions != 0) return file;
  file->reader_ = std::move(reader);
  return file;
}

FileCursor::FileCursor(OneFile& file, const std::string& lower, const std::string& upper)
    : upper_(upper) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_;
  it_.reset(file.reader_->NewIterator(ro));
  it_->Seek(lower);
}

Status FileCursor::status() const { return from_rocksdb(it_->status(), "reading an SST"); }

}  // namespace rk::storage
