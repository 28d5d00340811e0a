// The ops API's backup routes (docs/api.md "Agent ops API: backups"): start, watch and abort a
// backup of this node, restore it from a backup, verify a backup's objects. Handlers only
// translate; the work is in NodeBackups.
#include "backup/api.h"

#include <nlohmann/json.hpp>

#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using nlohmann::json;

}  // namespace

void add_backup_routes(http::Router& r, NodeBackups& backups) {
  r.post("/v1/backups", [&backups](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kStart = {{"tag", api::Type::kString, api::kRequired}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kStart));
    RK_ASSIGN_OR_RETURN(auto started, backups.start_backup(body["tag"].get<std::string>()));
    return api::json_response(started.second ? 201 : 200, backup_job_to_json(started.first));
  });

  r.get("/v1/backups", [&backups](const http::Request&) -> Result<http::Response> {
    json jobs = json::array();
    for (const auto& j : backups.backup_jobs()) jobs.push_back(backup_job_to_json(j));
    auto counters = [](const IncrementalStatus& c) {
      return json{{"enabled", c.enabled},
                  {"files_uploaded", c.files_uploaded},
                  {"bytes_uploaded", c.bytes_uploaded},
                  {"files_skipped", c.files_skipped},
                  {"last_upload_at_us", c.last_upload_at_us},
                  {"last_error", c.last_error}};
    };
    return api::json_ok({{"jobs", std::move(jobs)},
                         {"incremental", counters(backups.incremental())},
                         {"wal", counters(backups.wal())}});
  });

  r.get("/v1/backups/{tag}", [&backups](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(BackupJob job, backups.backup_job(req.path_param("tag")));
    return api::json_ok(backup_job_to_json(job));
  });

  r.del("/v1/backups/{tag}", [&backups](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(BackupJob job, backups.abort_backup(req.path_param("tag")));
    return api::json_response(202, backup_job_to_json(job));
  });

  r.post("/v1/backups/{tag}/verify",
         [&backups](const http::Request& req) -> Result<http::Response> {
           static const api::Spec kVerify = {{"host_id", api::Type::kString}};
           json body = json::object();
           if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
             RK_ASSIGN_OR_RETURN(body, api::read_body(req, kVerify));
           }
           RK_ASSIGN_OR_RETURN(backup::VerifyReport report,
                               backups.verify(req.path_param("tag"), body.value("host_id", "")));
           return api::json_ok(backup::verify_report_to_json(report));
         });

  r.post("/v1/restore", [&backups](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kRestore = {{"tag", api::Type::kString, api::kRequired},
                                       {"host_id", api::Type::kString},
                                       {"force", api::Type::kBool},
                                       {.name = "until_us", .type = api::Type::kInteger, .min = 1}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kRestore));
    std::optional<int64_t> until;
    if (body.contains("until_us")) until = body["until_us"].get<int64_t>();
    RK_ASSIGN_OR_RETURN(RestoreJob job, backups.start_restore(body["tag"].get<std::string>(),
                                                              body.value("host_id", ""),
                                                              body.value("force", false), until));
    return api::json_response(202, restore_job_to_json(job));
  });

  r.get("/v1/restore", [&backups](const http::Request&) -> Result<http::Response> {
    auto job = backups.restore_job();
    if (!job) return Status::NotFound("no restore has run since the agent started");
    return api::json_ok(restore_job_to_json(*job));
  });

  r.del("/v1/restore", [&backups](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(RestoreJob job, backups.abort_restore());
    return api::json_response(202, restore_job_to_json(job));
  });
}

}  // namespace rk::agent
