// Calls from the scheduler to agents (see agent_client.h).
#include "agent_client.h"

#include <spdlog/spdlog.h>

#include <future>

#include "api_json.h"
#include "ringkeeper/core/json_api.h"

namespace rk::scheduler {

AgentClient::AgentClient(AgentClientOptions options) : options_(std::move(options)) {
  http::ClientOptions client;
  client.bearer_token = options_.agent_token;
  client.timeout = options_.timeout;
  client.tls_ca_file = options_.ca_file;
  client_ = std::make_unique<http::Client>(client);
}

void AgentClient::push_schema(const ClusterSchema& schema, const std::vector<NodeView>& targets) {
  const std::string body = schema_json(schema).dump();
  std::vector<std::future<void>> calls;
  for (const NodeView& n : targets) {
    const std::string url = (options_.https ? "https://" : "http://") +
                            host_port(n.info.address, n.info.ops_port) + "/v1/schema";
    calls.push_back(std::async(
        std::launch::async, [this, url, body, host = n.info.host_id, version = schema.version] {
          Result<http::Response> r = client_->post(url, body);
          Status s = r.ok() ? api::status_from_response(*r) : r.status();
          if (!s.ok()) {
            spdlog::warn("schema {} not pushed to {} ({}): {}; it catches up by heartbeat", version,
                         host, url, s.to_string());
          }
        }));
  }
  for (auto& c : calls) c.wait();
}

}  // namespace rk::scheduler
