// Incremental backups: every newly written SST is hard-linked under <data_dir>/backups/ as soon as
// it appears, so that an uploader can ship it (Cassandra's incremental_backups, Priam's
// incremental upload). Files from flushes and compactions are linked when the job completes;
// files written while replaying the WAL at open (after a crash) only fire OnTableFileCreated with
// reason kRecovery and are linked there (ROCKSDB-NOTES.md).
#pragma once

#include <memory>
#include <string>

#include <rocksdb/listener.h>

namespace rk::storage {

std::shared_ptr<rocksdb::EventListener> make_incremental_backup_listener(std::string backups_dir);

}  // namespace rk::storage
