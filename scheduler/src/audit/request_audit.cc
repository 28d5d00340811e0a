// Recording refused API calls in the audit log (see request_audit.h).
#include "audit/request_audit.h"

#include <spdlog/spdlog.h>

#include <array>
#include <utility>

namespace rk::scheduler {

std::string audit_action(std::string_view method, std::string_view route) {
  struct Name {
    std::string_view method;
    std::string_view route;
    std::string_view action;
  };
  static constexpr std::array<Name, 25> kNames = {{
      {"POST", "/api/v1/agents/register", "node.register"},
      {"POST", "/api/v1/agents/{host_id}/heartbeat", "node.heartbeat"},
      {"POST", "/api/v1/nodes/{host_id}/rebuild", "node.rebuild"},
      {"POST", "/api/v1/nodes/{host_id}/unquarantine", "node.unquarantine"},
      {"POST", "/api/v1/keyspaces", "keyspace.create"},
      {"POST", "/api/v1/keyspaces/{keyspace}/tables", "table.create"},
      {"PATCH", "/api/v1/keyspaces/{keyspace}/tables/{table}", "table.alter"},
      {"POST", "/api/v1/alerts", "alert.record"},
      {"POST", "/api/v1/backups", "backup.start"},
      {"POST", "/api/v1/backups/purge", "backup.purge"},
      {"POST", "/api/v1/backups/{tag}/pause", "backup.pause"},
      {"POST", "/api/v1/backups/{tag}/resume", "backup.resume"},
      {"POST", "/api/v1/backups/{tag}/abort", "backup.abort"},
      {"POST", "/api/v1/backups/{tag}/restore-schema", "schema.restore"},
      {"POST", "/api/v1/backup/schedules", "backup.schedule.create"},
      {"DELETE", "/api/v1/backup/schedules/{name}", "backup.schedule.delete"},
      // The older spelling, kept as an alias (docs/api.md).
      {"POST", "/api/v1/backup-schedules", "backup.schedule.create"},
      {"DELETE", "/api/v1/backup-schedules/{name}", "backup.schedule.delete"},
      {"POST", "/api/v1/repair/runs", "repair.start"},
      {"PATCH", "/api/v1/repair/runs/{id}", "repair.update"},
      {"POST", "/api/v1/repair/runs/{id}/pause", "repair.pause"},
      {"POST", "/api/v1/repair/runs/{id}/resume", "repair.resume"},
      {"POST", "/api/v1/repair/runs/{id}/abort", "repair.abort"},
      {"POST", "/api/v1/repair/schedules", "repair.schedule.add"},
      {"DELETE", "/api/v1/repair/schedules/{id}", "repair.schedule.remove"},
  }};
  for (const Name& n : kNames) {
    if (n.method == method && n.route == route) return std::string(n.action);
  }
  return std::string(method) + " " + std::string(route);
}

void audit_request(AuditLog& audit, const http::RequestRecord& request) {
  const bool reads =
      request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS";
  // "Retry later" (429, 503: overloaded, database busy) judges no call; recording each one would
  // add a database write per request exactly when the scheduler is short of capacity.
  const bool retry_later = request.status == 429 || request.status == 503;
  if (reads || request.status < 400 || retry_later) {
    audit.end_request();
    return;
  }
  // A request no route matched is named by its path (there is no pattern).
  const std::string route(request.route.empty() ? request.path : request.route);
  Result<int64_t> id = audit.record_refused_call({
      .actor = std::string(request.principal),
      .action = audit_action(request.method, route),
      .method = std::string(request.method),
      .route = route,
      .path = std::string(request.path),
      .http_status = request.status,
      .reason = std::string(request.detail),
  });
  if (!id.ok()) spdlog::warn("audit: {}", id.status().to_string());
  // The entry just written is this request's: the next request on this thread must not take it
  // for a refusal its service recorded (it would complete this entry instead of writing its own).
  audit.end_request();
}

}  // namespace rk::scheduler
