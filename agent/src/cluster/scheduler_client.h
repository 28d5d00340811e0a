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

namespace rk::agent {

struct RegisterRequest {
  std::string host_id;
  std::string cluster;
  std::string datacenter;
  std::string rack;
  uint32_t num_tokens = 1;
  std::string version;
  NodeAddresses addresses;
  std::string replace_address;  // empty: not a replacement
  // The tokens this node must hold (a node restored from a backup); empty: any free slot.
  std::vector<Token> tokens;
};

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

  Result<Registration> register_node(const RegisterRequest& request);
  Result<HeartbeatReply> heartbeat(const std::string& host_id, const AgentHeartbeat& report);
  // POST /api/v1/alerts with one alert state change (JSON). Unavailable when the scheduler
  // answers 5xx or 429 (worth retrying); its error otherwise.
  Status post_alert(const std::string& body);

 private:
  std::string base_url_;
  http::Client client_;
};

}  // namespace rk::agent
