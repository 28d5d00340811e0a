// The scheduler's backup calls to agents, AgentClient's BackupAgents half (see
// cluster/agent_client.h; the agent side is the ops API's /v1/backups routes, docs/api.md).
#include <nlohmann/json.hpp>

#include "cluster/agent_client.h"
#include "cluster/json.h"
#include "ringkeeper/core/json_api.h"

namespace rk::scheduler {
namespace {

Result<AgentBackupJob> job_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("state") || !j["state"].is_string())
    return Status::Internal("the agent's backup job has no state");
  AgentBackupJob job;
  job.state = j["state"].get<std::string>();
  job.error = j.value("error", "");
  job.progress = backup::progress_from_json(j.value("progress", nlohmann::json::object()));
  return job;
}

}  // namespace

Result<AgentBackupJob> AgentClient::start_backup(const NodeInfo& node, const std::string& tag) {
  RK_ASSIGN_OR_RETURN(
      nlohmann::json j,
      api::call_json(*client_, "POST", ops_url(node, "/v1/backups"), {{"tag", tag}}));
  return job_from_json(j);
}

Result<AgentBackupJob> AgentClient::backup_job(const NodeInfo& node, const std::string& tag) {
  RK_ASSIGN_OR_RETURN(nlohmann::json j,
                      api::call_json(*client_, "GET", ops_url(node, "/v1/backups/" + tag)));
  return job_from_json(j);
}

Status AgentClient::abort_backup(const NodeInfo& node, const std::string& tag) {
  return api::call_json(*client_, "DELETE", ops_url(node, "/v1/backups/" + tag)).status();
}

}  // namespace rk::scheduler
