// A thin RAII layer over the sqlite3 C API: a connection, prepared statements, and transactions.
// It is the only code in scheduler/ that calls sqlite3_* directly.
//
// Errors come back as rk::Status: SQLITE_BUSY/SQLITE_LOCKED (another writer held the database
// past the busy timeout) become kUnavailable, constraint violations kAlreadyExists or
// kFailedPrecondition, anything else kIOError, each with SQLite's own message.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "ringkeeper/core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rk::scheduler {

struct DatabaseOptions {
  // How long a connection waits for another connection's write lock before giving up.
  std::chrono::milliseconds busy_timeout{5000};
  // PRAGMA synchronous. FULL fsyncs the WAL on every commit: a commit that returned survives a
  // power loss, not only kill -9 (which NORMAL already survives in WAL mode).
  std::string synchronous = "FULL";
};

class Statement;

class Database {
 public:
  // Opens (creating if needed) the database file at `path` in WAL mode with foreign keys on and
  // the busy timeout set. IOError when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows (schema scripts, PRAGMAs, BEGIN/COMMIT).
  Status exec(std::string_view sql);
  // Compiles one statement.
  Result<Statement> prepare(std::string_view sql);

  // Row id of the last successful INSERT on this connection.
  int64_t last_insert_rowid() const;
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t changes() const;
  // Whether a transaction is open on this connection.
  bool in_transaction() const;

  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

// A prepared statement. Binding indices start at 1, column indices at 0, as in SQLite. A failed
// bind is remembered and reported by the next step().
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind_null(int index);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }
  // Binds the arguments to parameters 1, 2, ... in order.
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // Runs the statement one row further: true when a row is available, false when done.
  Result<bool> step();
  // Steps through the remaining rows, calling `row()` at each (it reads the columns); `row`
  // returns void or a Status, whose error stops the walk and is returned.
  template <class F>
  Status each_row(F&& row) {
    while (true) {
      RK_ASSIGN_OR_RETURN(bool more, step());
      if (!more) return Status::OK();
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        row();
      } else {
        RK_RETURN_IF_ERROR(row());
      }
    }
  }
  // Runs the statement to completion, ignoring any rows.
  Status run();
  // Makes the statement ready to run again; bindings are kept unless cleared.
  void reset();

  bool column_is_null(int column) const;
  int64_t column_int64(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::optional<int64_t> column_optional_int64(int column) const;
  std::optional<std::string> column_optional_text(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void note_bind(int rc);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT. IMMEDIATE takes the write lock at the start, so two connections that
// read-then-write (e.g. choose free tokens, then insert) are serialized instead of one failing
// with SQLITE_BUSY at its first write. Rolled back on destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> begin_immediate(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  // Commits; the transaction is finished whatever the outcome (rolled back on failure).
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace rk::scheduler
