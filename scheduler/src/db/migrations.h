// Numbered schema migrations and the code that applies them.
//
// The schema version of a database is its `PRAGMA user_version`; the table schema_migrations
// records when each migration was applied (for operators). Pending migrations are applied in one
// BEGIN IMMEDIATE transaction, so a crash or kill -9 half-way leaves the database at its old
// version, and two processes starting at once apply them only once. A database whose version is
// newer than the binary knows is refused: an older binary must not write a schema it does not know.
#pragma once

#include <span>
#include <string_view>

#include "ringkeeper/core/status.h"
#include "db/sqlite.h"

namespace rk::scheduler {

struct Migration {
  int version;            // 1, 2, ...: contiguous, ascending
  std::string_view name;  // file name without .sql, e.g. "0001_registry"
  std::string_view sql;   // the script
};

// The migrations compiled into this binary (from scheduler/schema/*.sql), ascending.
std::span<const Migration> builtin_migrations();

// The version of the database's schema (0 for a new, empty database).
Result<int> schema_version(Database& db);

// Brings the database to the last version of `migrations`, applying each pending one in order
// inside one transaction. FailedPrecondition when the database's version is newer than the last
// migration; InvalidArgument when the list is not numbered 1, 2, ...; the script's error (and no
// change at all) when a migration fails.
Status apply_migrations(Database& db, std::span<const Migration> migrations, int64_t now_micros);

}  // namespace rk::scheduler
