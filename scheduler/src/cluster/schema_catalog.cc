// The cluster schema in SQLite (see schema_catalog.h); table layout in schema/0005_keyspaces.sql.
#include "cluster/schema_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "cluster/json.h"
#include "db/sqlite.h"
#include "ringkeeper/core/names.h"
#include "ringkeeper/core/schema_limits.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

Result<std::vector<TableDef>> load_tables(Database& db, std::string_view keyspace) {
  RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(R"sql(
    SELECT name, gc_grace_seconds, default_ttl_seconds, created_at_us, tombstone_gc
    FROM keyspace_tables WHERE keyspace = ? ORDER BY name)sql"));
  stmt.bind(1, keyspace);
  std::vector<TableDef> tables;
  RK_RETURN_IF_ERROR(stmt.each_row([&]() -> Status {
    TableDef t{stmt.column_text(0), stmt.column_int64(1), stmt.column_int64(2)};
    t.created_at_us = stmt.column_int64(3);
    auto mode = parse_tombstone_gc(stmt.column_text(4));
    if (!mode.ok()) return Status::Corruption(mode.status().message());
    t.tombstone_gc = *mode;
    tables.push_back(std::move(t));
    return Status::OK();
  }));
  return tables;
}

Result<KeyspaceDef> keyspace_from_row(Database& db, std::string name, const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::Corruption(fmt::format("keyspace {}: stored replication is not JSON", name));
  }
  RK_ASSIGN_OR_RETURN(Replication replication, replication_from_json(json));
  RK_ASSIGN_OR_RETURN(std::vector<TableDef> tables, load_tables(db, name));
  return KeyspaceDef{std::move(name), std::move(replication), std::move(tables)};
}

Result<std::optional<KeyspaceDef>> find_keyspace(Database& db, std::string_view name) {
  RK_ASSIGN_OR_RETURN(Statement stmt,
                      db.prepare("SELECT name, replication FROM keyspaces WHERE name = ?"));
  stmt.bind(1, name);
  RK_ASSIGN_OR_RETURN(bool row, stmt.step());
  if (!row) return std::optional<KeyspaceDef>();
  RK_ASSIGN_OR_RETURN(KeyspaceDef ks,
                      keyspace_from_row(db, stmt.column_text(0), stmt.column_text(1)));
  return std::optional<KeyspaceDef>(std::move(ks));
}

// The proof's record of the table's mode (schema/0013_zombie_proof.sql).
Status record_tombstone_gc(Database& db, std::string_view keyspace, std::string_view table,
                           TombstoneGc mode, int64_t now_us) {
  RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(R"sql(
    INSERT INTO table_tombstone_gc_history (keyspace, table_name, since_us, tombstone_gc)
    VALUES (?, ?, ?, ?)
    ON CONFLICT (keyspace, table_name, since_us) DO UPDATE SET tombstone_gc = excluded.tombstone_gc)sql"));
  return stmt.bind_all(keyspace, table, now_us, std::string(tombstone_gc_name(mode))).run();
}

Status bump_schema_version(Database& db) {
  RK_ASSIGN_OR_RETURN(Statement stmt,
                      db.prepare("UPDATE schema_version SET version = version + 1 WHERE id = 1"));
  return stmt.run();
}

Result<int64_t> read_version(Database& db) {
  RK_ASSIGN_OR_RETURN(Statement version,
                      db.prepare("SELECT version FROM schema_version WHERE id = 1"));
  RK_ASSIGN_OR_RETURN(bool row, version.step());
  return row ? version.column_int64(0) : 0;
}

}  // namespace

Result<int64_t> SchemaCatalog::version() {
  int64_t out = 0;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(out, read_version(db));
    return Status::OK();
  }));
  return out;
}

Result<ClusterSchema> SchemaCatalog::schema() {
  ClusterSchema out;
  // store_.read is one snapshot, so the version and the keyspaces agree.
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(out.version, read_version(db));
    RK_ASSIGN_OR_RETURN(Statement stmt,
                        db.prepare("SELECT name, replication FROM keyspaces ORDER BY name"));
    return stmt.each_row([&]() -> Status {
      RK_ASSIGN_OR_RETURN(KeyspaceDef ks,
                          keyspace_from_row(db, stmt.column_text(0), stmt.column_text(1)));
      out.keyspaces.push_back(std::move(ks));
      return Status::OK();
    });
  }));
  return out;
}

Result<KeyspaceDef> SchemaCatalog::keyspace(std::string_view name) {
  std::optional<KeyspaceDef> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(out, find_keyspace(db, name));
    return Status::OK();
  }));
  if (!out) return Status::NotFound(fmt::format("no keyspace {}", name));
  return std::move(*out);
}

Result<KeyspaceDef> SchemaCatalog::create_keyspace(const KeyspaceDef& keyspace) {
  RK_RETURN_IF_ERROR(validate_keyspace_name(keyspace.name));
  RK_RETURN_IF_ERROR(keyspace.replication.validate());
  const std::string replication = replication_json(keyspace.replication).dump();
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(auto existing, find_keyspace(db, keyspace.name));
    if (existing) {
      return Status::AlreadyExists(fmt::format("keyspace {} already exists", keyspace.name));
    }
    RK_ASSIGN_OR_RETURN(
        Statement insert,
        db.prepare("INSERT INTO keyspaces (name, replication, created_at_us) VALUES (?, ?, ?)"));
    RK_RETURN_IF_ERROR(
        insert.bind_all(keyspace.name, replication, store_.clock().now_micros()).run());
    return bump_schema_version(db);
  }));
  return KeyspaceDef{keyspace.name, keyspace.replication, {}};
}

Result<KeyspaceDef> SchemaCatalog::create_table(std::string_view keyspace, const TableDef& table,
                                                bool force) {
  RK_RETURN_IF_ERROR(validate_table_name(table.name));
  RK_RETURN_IF_ERROR(validate_gc_grace_seconds(table.gc_grace_seconds));
  RK_RETURN_IF_ERROR(validate_ttl_seconds(table.default_ttl_seconds));
  std::optional<KeyspaceDef> out;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(auto ks, find_keyspace(db, keyspace));
    if (!ks) return Status::NotFound(fmt::format("no keyspace {}", keyspace));
    for (const TableDef& t : ks->tables) {
      if (t.name == table.name) {
        return Status::AlreadyExists(
            fmt::format("table {}.{} already exists", keyspace, table.name));
      }
    }
    RK_RETURN_IF_ERROR(check_tombstone_gc(table.tombstone_gc, ks->replication.total_factor(), force)
                           .with_context(fmt::format("table {}.{}", keyspace, table.name)));
    RK_ASSIGN_OR_RETURN(Statement insert, db.prepare(R"sql(
      INSERT INTO keyspace_tables (keyspace, name, gc_grace_seconds, default_ttl_seconds,
                                   created_at_us, tombstone_gc) VALUES (?, ?, ?, ?, ?, ?))sql"));
    const int64_t now = store_.clock().now_micros();
    RK_RETURN_IF_ERROR(insert
                           .bind_all(keyspace, table.name, table.gc_grace_seconds,
                                     table.default_ttl_seconds, now,
                                     std::string(tombstone_gc_name(table.tombstone_gc)))
                           .run());
    RK_RETURN_IF_ERROR(record_tombstone_gc(db, keyspace, table.name, table.tombstone_gc, now));
    RK_RETURN_IF_ERROR(bump_schema_version(db));
    RK_ASSIGN_OR_RETURN(out, find_keyspace(db, keyspace));
    return Status::OK();
  }));
  return std::move(*out);
}

Result<KeyspaceDef> SchemaCatalog::alter_table(std::string_view keyspace, std::string_view table,
                                               const TableAlter& alter) {
  if (!alter.tombstone_gc) return Status::InvalidArgument("nothing to alter: give tombstone_gc");
  std::optional<KeyspaceDef> out;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(auto ks, find_keyspace(db, keyspace));
    if (!ks) return Status::NotFound(fmt::format("no keyspace {}", keyspace));
    auto t = std::find_if(ks->tables.begin(), ks->tables.end(),
                          [&](const TableDef& d) { return d.name == table; });
    if (t == ks->tables.end()) {
      return Status::NotFound(fmt::format("no table {}.{}", keyspace, table));
    }
    RK_RETURN_IF_ERROR(
        check_tombstone_gc(*alter.tombstone_gc, ks->replication.total_factor(), alter.force)
            .with_context(fmt::format("table {}.{}", keyspace, table)));
    if (t->tombstone_gc != *alter.tombstone_gc) {
      RK_ASSIGN_OR_RETURN(Statement update, db.prepare(R"sql(
        UPDATE keyspace_tables SET tombstone_gc = ? WHERE keyspace = ? AND name = ?)sql"));
      RK_RETURN_IF_ERROR(
          update.bind_all(std::string(tombstone_gc_name(*alter.tombstone_gc)), keyspace, table)
              .run());
      RK_RETURN_IF_ERROR(record_tombstone_gc(db, keyspace, table, *alter.tombstone_gc,
                                             store_.clock().now_micros()));
      RK_RETURN_IF_ERROR(bump_schema_version(db));
    }
    RK_ASSIGN_OR_RETURN(out, find_keyspace(db, keyspace));
    return Status::OK();
  }));
  return std::move(*out);
}

Result<std::vector<repair::GcModeSpan>> SchemaCatalog::tombstone_gc_history(
    std::string_view keyspace, std::string_view table) {
  std::vector<repair::GcModeSpan> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(R"sql(
      SELECT since_us, tombstone_gc FROM table_tombstone_gc_history
      WHERE keyspace = ? AND table_name = ? ORDER BY since_us)sql"));
    stmt.bind_all(keyspace, table);
    return stmt.each_row([&]() -> Status {
      auto mode = parse_tombstone_gc(stmt.column_text(1));
      if (!mode.ok()) return Status::Corruption(mode.status().message());
      out.push_back({stmt.column_int64(0), *mode});
      return Status::OK();
    });
  }));
  return out;
}

}  // namespace rk::scheduler
