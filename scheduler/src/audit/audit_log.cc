// Appending to and paging through the audit_log table (see audit_log.h).
#include "audit/audit_log.h"

#include <fmt/format.h>

#include "ringkeeper/core/json_api.h"
#include "ringkeeper/scheduler/store.h"
#include "db/sqlite.h"

namespace rk::scheduler {
namespace {

// The refusal a service recorded while handling the current request on this thread. API
// handlers and the request observer run on the same thread one request after the other
// (http_server.h), so this is the current request's; end_request() clears it.
struct ThreadRefusal {
  const AuditLog* log = nullptr;
  int64_t id = 0;
};
thread_local ThreadRefusal t_refusal;

}  // namespace

Result<int64_t> AuditLog::append(AuditEntry entry) {
  if (entry.action.empty()) return Status::InvalidArgument("audit entry without an action");
  if (entry.result.empty()) return Status::InvalidArgument("audit entry without a result");
  if (entry.at_us == 0) entry.at_us = clock_.now_micros();
  int64_t id = 0;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement insert, db.prepare(R"sql(
      INSERT INTO audit_log (at_us, actor, action, target, result, detail)
      VALUES (?, ?, ?, ?, ?, ?))sql"));
    RK_RETURN_IF_ERROR(insert
                           .bind_all(entry.at_us, entry.actor, entry.action, entry.target,
                                     entry.result, entry.detail)
                           .run());
    id = db.last_insert_rowid();
    return Status::OK();
  }));
  if (entry.result != "ok") t_refusal = {this, id};
  return id;
}

Result<int64_t> AuditLog::record_refused_call(const RefusedCall& call) {
  const std::string actor = call.actor.empty() ? "anonymous" : call.actor;
  const std::string detail =
      fmt::format("HTTP {} {} {}: {}", call.http_status, call.method, call.route, call.reason);
  const ThreadRefusal recorded = t_refusal;
  t_refusal = {};
  if (recorded.log == this) {
    RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
      RK_ASSIGN_OR_RETURN(Statement update,
                          db.prepare("UPDATE audit_log SET actor = ?, detail = ? WHERE id = ?"));
      return update.bind_all(actor, detail, recorded.id).run();
    }));
    return recorded.id;
  }
  const ErrorCode code = api::error_code_for_http_status(call.http_status);
  return append({.actor = actor,
                 .action = call.action,
                 .target = call.path,
                 .result = std::string(error_code_name(code)),
                 .detail = detail});
}

void AuditLog::end_request() { t_refusal = {}; }

Result<int64_t> AuditLog::append(std::string actor, std::string action, std::string target,
                                 const Status& outcome) {
  return append({.actor = std::move(actor),
                 .action = std::move(action),
                 .target = std::move(target),
                 .result = outcome.ok() ? "ok" : std::string(error_code_name(outcome.code())),
                 .detail = outcome.ok() ? "" : outcome.message()});
}

Result<AuditPage> AuditLog::query(const AuditQuery& q) {
  if (q.limit < 1 || q.limit > 1000) {
    return Status::InvalidArgument(fmt::format("limit must be 1..1000, got {}", q.limit));
  }
  AuditPage page;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    // Newest first by id (ids grow with appends); one row more than the limit tells whether
    // another page follows.
    RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(R"sql(
      SELECT id, at_us, actor, action, target, result, detail FROM audit_log
      WHERE (?1 IS NULL OR at_us >= ?1) AND (?2 IS NULL OR at_us < ?2)
        AND (?3 = '' OR actor = ?3) AND (?4 = '' OR action = ?4)
        AND (?5 IS NULL OR id < ?5)
      ORDER BY id DESC LIMIT ?6)sql"));
    stmt.bind_all(q.since_us, q.until_us, q.actor, q.action, q.before_id, int64_t{q.limit} + 1);
    while (true) {
      RK_ASSIGN_OR_RETURN(bool row, stmt.step());
      if (!row) break;
      if (static_cast<int>(page.entries.size()) == q.limit) {
        page.next_before_id = page.entries.back().id;
        break;
      }
      page.entries.push_back({.id = stmt.column_int64(0),
                              .at_us = stmt.column_int64(1),
                              .actor = stmt.column_text(2),
                              .action = stmt.column_text(3),
                              .target = stmt.column_text(4),
                              .result = stmt.column_text(5),
                              .detail = stmt.column_text(6)});
    }
    return Status::OK();
  }));
  return page;
}

}  // namespace rk::scheduler
