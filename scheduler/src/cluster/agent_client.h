// The scheduler's one client for agents' ops APIs (Scylla Manager's scyllaclient in spirit): it
// pushes the cluster schema, drives repair sessions and reads load (RepairAgents), and starts,
// polls and aborts backups (BackupAgents, in backup/agent_client_backup.cc). Every URL is built by
// ops_url.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backup/service.h"
#include "cluster/service.h"
#include "repair/agents.h"
#include "ringkeeper/core/http_client.h"

namespace rk::scheduler {

struct AgentClientOptions {
  std::string agent_token;                  // sent as the bearer token
  std::chrono::milliseconds timeout{2000};  // per call
  bool https = false;                       // agents' ops APIs speak HTTPS
  std::string ca_file;                      // verifies agents' certificates
};

class AgentClient : public RepairAgents, public BackupAgents {
 public:
  explicit AgentClient(AgentClientOptions options);

  // POST {ops}/v1/schema to every target at once; waits for all (each bounded by the timeout)
  // and logs the ones that failed. Agents that missed it catch up through heartbeats.
  void push_schema(const ClusterSchema& schema, const std::vector<NodeView>& targets);

  // POST {ops}/v1/rebuild: the agent discards its data of `tables` ("ks.t") and streams them
  // from the other replicas; waits up to `timeout` for it to finish.
  Status rebuild(const NodeInfo& node, const std::vector<std::string>& tables,
                 std::chrono::milliseconds timeout);

  // Repair sessions (docs/api.md "Repair sessions"): POST/GET/DELETE
  // {ops}/v1/repair/sessions[/{id}]. A 409 is AlreadyExists, a 404 NotFound.
  Result<SessionStatus> start_session(const NodeView& coordinator,
                                      const SessionRequest& request) override;
  Result<SessionStatus> session(const NodeView& coordinator, const std::string& id) override;
  Result<SessionStatus> cancel_session(const NodeView& coordinator, const std::string& id) override;
  // GET {ops}/v1/signals; agents without it (404): pending compactions from GET /v1/sizes.
  Result<LoadSignals> signals(const NodeView& node) override;

  // Backups of a node (agent_client_backup.cc; the agent's /v1/backups routes).
  Result<AgentBackupJob> start_backup(const NodeInfo& node, const std::string& tag) override;
  Result<AgentBackupJob> backup_job(const NodeInfo& node, const std::string& tag) override;
  Status abort_backup(const NodeInfo& node, const std::string& tag) override;

 private:
  // http(s)://{address}:{ops_port}{path} of `node`'s ops API.
  std::string ops_url(const NodeInfo& node, std::string_view path) const;
  Result<SessionStatus> session_call(const std::string& method, const std::string& url,
                                     const std::string& body);

  AgentClientOptions options_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace rk::scheduler
