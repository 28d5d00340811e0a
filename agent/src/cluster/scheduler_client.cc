// Register, heartbeat and alert calls to rk-scheduler (see scheduler_client.h).
#include "cluster/scheduler_client.h"

#include <nlohmann/json.hpp>

#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using nlohmann::json;

Status bad_reply(const std::string& what, const std::string& why) {
  return Status::Internal("scheduler sent a malformed " + what + " reply: " + why);
}

}  // namespace

SchedulerClient::SchedulerClient(std::string base_url, http::ClientOptions options)
    : base_url_(std::move(base_url)), client_(std::move(options)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<Registration> SchedulerClient::register_node(const AgentRegistration& r) {
  const json body = registration_body(r);
  // Registering again under the same host_id returns the registration already made (the
  // scheduler keys nodes by host_id), so the request may be sent twice.
  http::ClientRequest req{"POST", base_url_ + "/api/v1/agents/register", {}, body.dump(), {}};
  req.idempotent = true;
  RK_ASSIGN_OR_RETURN(http::Response response, client_.request(req));
  RK_ASSIGN_OR_RETURN(json reply, api::parse_response(response));
  if (!reply.is_object()) return bad_reply("register", "not an object");
  Registration out;
  out.host_id = reply.value("host_id", r.host_id);
  if (reply.contains("slot") && reply["slot"].is_number_integer()) {
    out.slot = reply["slot"].get<int64_t>();
  }
  out.state = reply.value("state", "NORMAL");
  if (reply.contains("tokens") && reply["tokens"].is_array()) {
    for (const auto& t : reply["tokens"]) {
      if (t.is_string()) {
        RK_ASSIGN_OR_RETURN(Token token, parse_token(t.get<std::string>()));
        out.tokens.push_back(token);
      } else if (t.is_number_integer()) {
        out.tokens.push_back(t.get<int64_t>());
      }
    }
  }
  if (reply.contains("ring") && reply["ring"].is_object()) {
    auto ring = ring_from_json(reply["ring"]);
    if (!ring.ok()) return bad_reply("register", ring.status().message());
    out.ring = std::move(*ring);
  }
  if (reply.contains("schema") && reply["schema"].is_object()) {
    auto schema = schema_from_json(reply["schema"]);
    if (!schema.ok()) return bad_reply("register", schema.status().message());
    out.schema = std::move(*schema);
  }
  return out;
}

Result<HeartbeatReply> SchedulerClient::heartbeat(const std::string& host_id,
                                                  const AgentHeartbeat& r) {
  json body = {{"ring_version", r.ring_version}, {"schema_version", r.schema_version}};
  if (r.load_bytes) body["load_bytes"] = *r.load_bytes;
  if (r.state) body["state"] = *r.state;
  // A heartbeat reports the node's current state; a second copy reports the same.
  http::ClientRequest req{
      "POST",
      base_url_ + "/api/v1/agents/" + http::percent_encode(host_id) + "/heartbeat",
      {},
      body.dump(),
      {}};
  req.idempotent = true;
  RK_ASSIGN_OR_RETURN(http::Response response, client_.request(req));
  RK_ASSIGN_OR_RETURN(json reply, api::parse_response(response));
  if (!reply.is_object()) return bad_reply("heartbeat", "not an object");
  HeartbeatReply out;
  if (reply.contains("ring_version") && reply["ring_version"].is_number_integer()) {
    out.ring_version = reply["ring_version"].get<int64_t>();
  }
  if (reply.contains("schema_version") && reply["schema_version"].is_number_integer()) {
    out.schema_version = reply["schema_version"].get<int64_t>();
  }
  if (reply.contains("ring") && reply["ring"].is_object()) {
    auto ring = ring_from_json(reply["ring"]);
    if (!ring.ok()) return bad_reply("heartbeat", ring.status().message());
    out.ring = std::move(*ring);
  }
  if (reply.contains("schema") && reply["schema"].is_object()) {
    auto schema = schema_from_json(reply["schema"]);
    if (!schema.ok()) return bad_reply("heartbeat", schema.status().message());
    out.schema = std::move(*schema);
  }
  return out;
}

Status SchedulerClient::post_alert(const std::string& body) {
  return post("/api/v1/alerts", body);
}

Status SchedulerClient::session_ended(const std::string& id) {
  return post("/api/v1/repair/sessions/" + http::percent_encode(id) + "/ended", "{}");
}

Status SchedulerClient::post(const std::string& path, const std::string& body) {
  RK_ASSIGN_OR_RETURN(http::Response r, client_.post(base_url_ + path, body));
  if (r.ok()) return Status::OK();
  if (r.status >= 500 || r.status == 429) {
    return Status::Unavailable("the scheduler answered " + std::to_string(r.status));
  }
  return api::status_from_response(r);
}

}  // namespace rk::agent
