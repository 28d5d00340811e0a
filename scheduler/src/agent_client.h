// The scheduler's one client for agents' ops APIs (Scylla Manager's scyllaclient in spirit): today
// it pushes the cluster schema; repair and backup calls join it later.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/scheduler/cluster_service.h"

namespace rk::scheduler {

struct AgentClientOptions {
  std::string agent_token;                  // sent as the bearer token
  std::chrono::milliseconds timeout{2000};  // per call
  bool https = false;                       // agents' ops APIs speak HTTPS
  std::string ca_file;                      // verifies agents' certificates
};

class AgentClient {
 public:
  explicit AgentClient(AgentClientOptions options);

  // POST {ops}/v1/schema to every target at once; waits for all (each bounded by the timeout)
  // and logs the ones that failed. Agents that missed it catch up through heartbeats.
  void push_schema(const ClusterSchema& schema, const std::vector<NodeView>& targets);

 private:
  AgentClientOptions options_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace rk::scheduler
