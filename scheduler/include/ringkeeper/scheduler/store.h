// rk-scheduler's state: one SQLite file, the single source of truth (DESIGN.md).
//
// Store opens the file (WAL mode, foreign keys on, busy timeout), applies the schema migrations
// compiled into the binary, and refuses a database written by a newer rk-scheduler. It owns one
// connection; services (registry, audit log, later repair and backup) run their reads and
// transactions through it, one at a time within the process. Other processes (or a second Store on
// the same file) are serialized by SQLite's write lock: writes use BEGIN IMMEDIATE.
//
// Durability: a write() that returned OK is committed to the WAL (fsynced with the default
// synchronous=FULL), so it survives kill -9 of the scheduler and, with FULL, a power loss.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"

namespace rk::scheduler {

class Database;

struct StoreOptions {
  // Path of the SQLite file; created when missing.
  std::string path = "rk-scheduler.db";
  // How long a write waits for another connection's lock before failing with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // PRAGMA synchronous: FULL (default; durable across power loss), NORMAL (durable across process
  // crashes only), or EXTRA.
  std::string synchronous = "FULL";
};

// How hard a write() insists on reaching the disk.
enum class WriteDurability {
  kConfigured,  // the configured synchronous mode (FULL by default: fsynced at commit)
  // At most NORMAL for this transaction: durable across kill -9, may be lost on power loss until
  // the next fully synced commit. For writes that are cheap to lose, such as heartbeats.
  kRelaxed,
};

class Store {
 public:
  // Opens the database and brings its schema up to date. FailedPrecondition when the schema is
  // newer than this binary knows (nothing is changed), IOError when the file cannot be opened.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options, Clock& clock);
  ~Store();

  // Schema version of the open database (== latest_schema_version() once open succeeded).
  int schema_version() const { return schema_version_; }
  // The last schema version this binary knows.
  static int latest_schema_version();

  // Runs `fn` in a BEGIN IMMEDIATE transaction and commits when it returns OK; rolls back and
  // returns its error otherwise. Calls are serialized within the process; `fn` must not call
  // write() or read() itself.
  Status write(const std::function<Status(Database&)>& fn,
               WriteDurability durability = WriteDurability::kConfigured);
  // Runs `fn` in a read transaction (BEGIN DEFERRED): every statement in it sees the same
  // snapshot, and in WAL mode it neither blocks nor waits for writers. `fn` must not write.
  Status read(const std::function<Status(Database&)>& fn);

  Clock& clock() const { return clock_; }

 private:
  struct Impl;
  Store(std::unique_ptr<Impl> impl, Clock& clock, int version);
  std::unique_ptr<Impl> impl_;
  Clock& clock_;
  int schema_version_;
};

}  // namespace rk::scheduler
