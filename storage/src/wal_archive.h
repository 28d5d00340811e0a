// WAL archiving (Options::archive_wal): every write-ahead-log file RocksDB is done with ends up
// under <data_dir>/wal_archive/<number>.log before RocksDB deletes it.
//
// RocksDB deletes a WAL once every memtable holding its writes is flushed, always through its
// FileSystem's DeleteFile (also when it finds an obsolete WAL after a crash, at open). The node
// opens RocksDB with a FileSystem wrapper that hard-links a WAL file (`<digits>.log` directly in
// the database directory) into the archive before passing the delete on; if the link fails the
// delete fails too and the file stays, so RocksDB retries at its next purge. A WAL RocksDB deletes
// is closed, so the archived file is complete and never changes. Verified on RocksDB 7.8: the
// WAL of a flushed memtable reaches the archive during the flush's purge, and a WAL left behind by
// kill -9 reaches it when the reopened node has replayed and flushed it (wal_archive_test.cc).
#pragma once

#include <memory>
#include <string>

#include <rocksdb/env.h>

#include "ringkeeper/core/status.h"

namespace rk::storage {

// An Env (threads and clock of the default Env) whose file system archives the WAL files of
// `db_dir` into `archive_dir` (created if missing) before deleting them.
Result<std::unique_ptr<rocksdb::Env>> make_wal_archiving_env(std::string db_dir,
                                                             std::string archive_dir);

// The WAL number of a file name "<digits>.log", or -1 for any other name.
int64_t wal_file_number(std::string_view file_name);

}  // namespace rk::storage
