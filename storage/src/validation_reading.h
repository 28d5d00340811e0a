// Reading the leaves that one SST alone holds straight from that file.
//
// Where a validation plan (validation_plan.h) finds that one file the snapshot sees whole is the
// only source of a run of leaves, the engine's merged view of those leaves is that file's own
// content: reading the file alone (rocksdb::SstFileReader) gives the same entries without the
// engine's merging of memtables, levels and data sets. A file that holds range deletions is read
// through the engine instead (a file reader does not apply them), and so is one that cannot be
// opened (compaction may have deleted it since the plan was made).
#pragma once

#include <memory>
#include <string>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include "ringkeeper/core/status.h"

namespace rk::storage {

// One opened SST, or one to read through the engine.
class OneFile {
 public:
  // False when the file is to be read through the engine.
  bool usable() const { return reader_ != nullptr; }

 private:
  friend class FileReading;
  friend class FileCursor;
  std::unique_ptr<rocksdb::SstFileReader> reader_;
};

// Opens files for one validation; shared by its threads (open() is thread-safe).
class FileReading {
 public:
  explicit FileReading(bool direct_reads);
  std::unique_ptr<OneFile> open(const std::string& path) const;

 private:
  rocksdb::Options options_;
};

// The entries of one file in [lower, upper), positioned at the first; what SetCursor is to the
// engine's merged view.
class FileCursor {
 public:
  FileCursor(OneFile& file, const std::string& lower, const std::string& upper);
  bool valid() const { return it_->Valid(); }
  void next() { it_->Next(); }
  rocksdb::Slice key() const { return it_->key(); }
  rocksdb::Slice value() const { return it_->value(); }
  Status status() const;

 private:
  rocksdb::Slice upper_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace rk::storage
