// The agent's one client of rk-scheduler (register, heartbeat, alert state changes), per
// docs/api.md's scheduler section. One attempt per call; the caller decides about retries.
// Thread-safe: the scheduler link and the alert push share it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ringkeeper/agent/cluster_view.h"
#include "ringkeeper/core/heartbeat.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/registration.h"

namespace rk::agent {

struct Registration {
  std::string host_id;
  int64_t slot = 0;
  std::vector<Token> tokens;
  std::string state;
  std::optional<RingView> ring;
  std::optional<SchemaView> schema;
};

// The agent's side of the heartbeat (core/heartbeat.h).
using HeartbeatReply = HeartbeatAnswer<RingView, SchemaView>;

class SchedulerClient {
 public:
  // `base_url` like "http://127.0.0.1:7400"; `agent_token` is sent as bearer token.
  SchedulerClient(std::string base_url, http::ClientOptions options);

  Result<Registration> register_node(const AgentRegistration& request);
  Result<HeartbeatReply> heartbeat(const std::string& host_id, const AgentHeartbeat& report);
  // POST /api/v1/alerts with one alert state change (JSON). Unavailable when the scheduler
  // answers 5xx or 429 (worth retrying); its error otherwise.
  Status post_alert(const std::string& body);
  // POST /api/v1/repair/sessions/{id}/ended: this agent's repair session `id` has ended.
  Status session_ended(const std::string& id);

 private:
  // POST of a JSON body; Unavailable for 5xx and 429, the API's error otherwise.
  Status post(const std::string& path, const std::string& body);

  std::string base_url_;
  http::Client client_;
};

}  // namespace rk::agent
