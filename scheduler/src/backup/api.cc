// REST handlers of the backup service (see api.h): read the body, call BackupService, write JSON.
// Defaults and bounds are the service's (BackupSchedule, check_retention); the field specs below
// only check JSON types and that integers fit the C++ fields they fill.
#include "backup/api.h"

#include <nlohmann/json.hpp>

#include <limits>

#include "cluster/schema_restore.h"
#include "ringkeeper/core/json_api.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

json node_json(const BackupRunNode& n) {
  return {{"host_id", n.host_id},
          {"state", n.state},
          {"error", n.error},
          {"updated_at_us", n.updated_at_us},
          {"progress", backup::progress_to_json(n.progress)}};
}

// The fields `rkctl check backup` reads (tag, state, started_at_us, completed_at_us, nodes,
// bytes, files; monitor/scheduler_checks.h) plus detail. A PAUSED run shows as RUNNING with
// paused: true, so that a check sees a backup in progress.
json run_json(const BackupRun& r, bool with_nodes) {
  const auto p = r.progress();
  const bool paused = r.state == BackupRunState::kPaused;
  json out = {{"tag", r.tag},
              {"state", paused ? "RUNNING" : backup_run_state_name(r.state)},
              {"paused", paused},
              {"started_at_us", r.started_at_us},
              {"completed_at_us", r.completed_at_us},
              {"nodes", r.nodes.size()},
              {"bytes", p.bytes_total},
              {"files", p.files_total},
              {"requested_by", r.requested_by},
              {"error", r.error},
              {"progress", backup::progress_to_json(p)}};
  if (r.schedule_id) out["schedule_id"] = *r.schedule_id;
  if (with_nodes) {
    json nodes = json::array();
    for (const auto& n : r.nodes) nodes.push_back(node_json(n));
    out["node_progress"] = std::move(nodes);
  }
  return out;
}

json schedule_json(const BackupSchedule& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"interval_seconds", s.interval_seconds},
          {"next_run_at_us", s.next_run_at_us},
          {"keep_last", s.retention.keep_last},
          {"keep_days", s.retention.keep_days},
          {"enabled", s.enabled}};
}

// Bodies that may be empty: an empty body is {}.
Result<json> optional_body(const http::Request& req, const api::Spec& spec) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  return api::read_body(req, spec);
}

// keep_last fills an int.
const api::Field kKeepLast = {.name = "keep_last",
                              .type = api::Type::kInteger,
                              .min = std::numeric_limits<int>::min(),
                              .max = std::numeric_limits<int>::max()};

// GET/POST /api/v1/backup/schedules and DELETE /api/v1/backup/schedules/{name}, under `prefix`.
void add_schedule_routes(http::Router& r, BackupService* s, const std::string& prefix) {
  const RoleSet op{Role::kOperator};
  r.get(prefix, [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(auto schedules, s->schedules());
    json list = json::array();
    for (const auto& sc : schedules) list.push_back(schedule_json(sc));
    return api::json_ok({{"schedules", std::move(list)}});
  });

  r.post(
      prefix,
      [s](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kSchedule = {{"name", api::Type::kString, api::kRequired},
                                            {"interval_seconds", api::Type::kInteger},
                                            kKeepLast,
                                            {"keep_days", api::Type::kInteger},
                                            {"first_run_at_us", api::Type::kInteger}};
        RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kSchedule));
        BackupSchedule sc;
        sc.name = body["name"].get<std::string>();
        sc.interval_seconds = body.value("interval_seconds", sc.interval_seconds);
        sc.retention.keep_last =
            static_cast<int>(body.value("keep_last", int64_t{sc.retention.keep_last}));
        sc.retention.keep_days = body.value("keep_days", sc.retention.keep_days);
        sc.next_run_at_us = body.value("first_run_at_us", sc.next_run_at_us);
        RK_ASSIGN_OR_RETURN(BackupSchedule stored, s->add_schedule(req.principal, sc));
        return api::json_response(201, schedule_json(stored));
      },
      op);

  r.del(
      prefix + "/{name}",
      [s](const http::Request& req) -> Result<http::Response> {
        RK_RETURN_IF_ERROR(s->remove_schedule(req.principal, req.path_param("name")));
        return api::json_ok({{"ok", true}});
      },
      op);
}

}  // namespace

void add_backup_routes(http::Router& r, BackupService& service) {
  BackupService* s = &service;
  const RoleSet op{Role::kOperator};

  r.get("/api/v1/backups", [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(auto runs, s->runs());
    json list = json::array();
    for (const auto& run : runs) list.push_back(run_json(run, false));
    return api::json_ok({{"backups", std::move(list)}});
  });

  r.post(
      "/api/v1/backups",
      [s](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kStart = {{"tag", api::Type::kString}};
        RK_ASSIGN_OR_RETURN(json body, optional_body(req, kStart));
        RK_ASSIGN_OR_RETURN(BackupRun run, s->start(req.principal, body.value("tag", "")));
        return api::json_response(201, run_json(run, true));
      },
      op);

  r.post(
      "/api/v1/backups/purge",
      [s](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kPurge = {
            kKeepLast, {"keep_days", api::Type::kInteger}, {"dry_run", api::Type::kBool}};
        RK_ASSIGN_OR_RETURN(json body, optional_body(req, kPurge));
        std::optional<backup::RetentionPolicy> policy;
        if (body.contains("keep_last") || body.contains("keep_days")) {
          // A rule left out does not keep anything.
          policy = backup::RetentionPolicy{static_cast<int>(body.value("keep_last", int64_t{0})),
                                           body.value("keep_days", int64_t{0})};
        }
        RK_ASSIGN_OR_RETURN(PurgeReport report,
                            s->purge(req.principal, policy, body.value("dry_run", false)));
        return api::json_ok({{"tags", report.tags},
                             {"log_manifests", report.log_manifests},
                             {"objects", report.objects},
                             {"bytes", report.bytes},
                             {"dry_run", report.dry_run}});
      },
      op);

  r.get("/api/v1/backups/{tag}", [s](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(BackupRun run, s->run(req.path_param("tag")));
    return api::json_ok(run_json(run, true));
  });

  r.get("/api/v1/backups/{tag}/verify", [s](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(backup::VerifyReport report, s->verify(req.path_param("tag")));
    return api::json_ok(backup::verify_report_to_json(report));
  });

  using Action = Result<BackupRun> (BackupService::*)(const std::string&, const std::string&);
  const std::pair<const char*, Action> actions[] = {{"pause", &BackupService::pause},
                                                    {"resume", &BackupService::resume},
                                                    {"abort", &BackupService::abort}};
  for (const auto& [name, action] : actions) {
    r.post(
        std::string("/api/v1/backups/{tag}/") + name,
        [s, action = action](const http::Request& req) -> Result<http::Response> {
          static const api::Spec kEmpty = {};
          RK_RETURN_IF_ERROR(optional_body(req, kEmpty).status());
          RK_ASSIGN_OR_RETURN(BackupRun run, (s->*action)(req.principal, req.path_param("tag")));
          return api::json_ok(run_json(run, true));
        },
        op);
  }

  // Schedules, and the older spelling kept as an alias (docs/api.md).
  add_schedule_routes(r, s, "/api/v1/backup/schedules");
  add_schedule_routes(r, s, "/api/v1/backup-schedules");
}

void add_schema_restore_route(http::Router& r, BackupService& backups, ClusterService& cluster) {
  r.post(
      "/api/v1/backups/{tag}/restore-schema",
      [b = &backups, c = &cluster](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kEmpty = {};
        RK_RETURN_IF_ERROR(optional_body(req, kEmpty).status());
        RK_ASSIGN_OR_RETURN(SchemaRestoreReport report,
                            restore_backup_schema(*b, *c, req.principal, req.path_param("tag")));
        return api::json_ok(
            {{"tag", report.tag}, {"created", report.created}, {"existing", report.existing}});
      },
      RoleSet{Role::kOperator});
}

}  // namespace rk::scheduler
