// Applying numbered schema migrations (see migrations.h).
#include "db/migrations.h"

#include <fmt/format.h>

namespace rk::scheduler {
namespace {

constexpr Migration kMigrations[] = {
#include "schema_migrations.inc"
};

}  // namespace

std::span<const Migration> builtin_migrations() { return kMigrations; }

Result<int> schema_version(Database& db) {
  RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare("PRAGMA user_version"));
  RK_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return Status::Internal("PRAGMA user_version returned no row");
  return static_cast<int>(stmt.column_int64(0));
}

Status apply_migrations(Database& db, std::span<const Migration> migrations, int64_t now_micros) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return Status::InvalidArgument(fmt::format("migration {} has version {}, expected {}",
                                                 migrations[i].name, migrations[i].version, i + 1));
    }
  }
  const int latest = static_cast<int>(migrations.size());
  RK_ASSIGN_OR_RETURN(Transaction txn, Transaction::begin_immediate(db));
  // Read the version under the write lock: another process may have migrated meanwhile.
  RK_ASSIGN_OR_RETURN(int current, schema_version(db));
  if (current > latest) {
    return Status::FailedPrecondition(fmt::format(
        "database {} has schema version {} but this rk-scheduler knows versions up to {}; it was "
        "written by a newer rk-scheduler: run that version (or restore a backup of the database)",
        db.path(), current, latest));
  }
  if (current == latest) return txn.commit();
  RK_RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
              "name TEXT NOT NULL, applied_at_us INTEGER NOT NULL)"));
  for (const Migration& m : migrations.subspan(static_cast<size_t>(current))) {
    RK_RETURN_IF_ERROR(db.exec(m.sql).with_context(fmt::format("migration {}", m.name)));
    RK_ASSIGN_OR_RETURN(
        Statement record,
        db.prepare(
            "INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (?, ?, ?)"));
    RK_RETURN_IF_ERROR(record.bind_all(m.version, m.name, now_micros).run());
  }
  RK_RETURN_IF_ERROR(db.exec(fmt::format("PRAGMA user_version = {}", latest)));
  return txn.commit();
}

}  // namespace rk::scheduler
