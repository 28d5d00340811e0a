// The ops API (Priam-like): health, node facts, the ring as this node sees it, maintenance
// (flush, compact) and the scheduler's schema push. Handlers only translate; the work is in
// Agent::Impl and the storage node. Mutating routes need the operator or agent token (set up in
// agent.cc); /v1/schema needs the agent token.
#include <nlohmann/json.hpp>

#include "agent_impl.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using nlohmann::json;

// Mutating calls without parameters accept no body, or an empty object.
Status no_body(const http::Request& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return Status::OK();
  static const api::Spec kEmpty = {};
  return api::read_body(request, kEmpty).status();
}

json tokens_json(const std::vector<Token>& tokens) {
  json out = json::array();
  for (Token t : tokens) out.push_back(token_to_string(t));
  return out;
}

}  // namespace

http::Router ops_routes(Agent::Impl& agent) {
  http::Router r;
  r.get("/v1/health", [&agent](const http::Request&) -> Result<http::Response> {
    const std::string state = agent.state();
    const bool serving = agent.topology() != nullptr;
    std::string status = state;
    if (state == "NORMAL") status = "UP";
    if (!serving) status = "STARTING";
    json body = {{"status", status},
                 {"host_id", agent.host_id},
                 {"state", state},
                 {"registered",
                  [&] {
                    std::lock_guard lock(agent.mu);
                    return agent.registered_;
                  }()},
                 {"ring_version", serving ? agent.topology()->ring_view().version : 0}};
    return api::json_response(serving ? 200 : 503, body);
  });

  r.get("/v1/node", [&agent](const http::Request&) -> Result<http::Response> {
    const NodeAddresses a = agent.addresses();
    return api::json_ok(
        {{"host_id", agent.host_id},
         {"cluster", agent.options.cluster},
         {"datacenter", agent.options.datacenter},
         {"rack", agent.options.rack},
         {"state", agent.state()},
         {"tokens", tokens_json(agent.tokens())},
         {"num_tokens", agent.options.num_tokens},
         {"addresses", {{"ops", a.ops}, {"internode", a.internode}, {"client", a.client}}},
         {"data_dir", agent.options.data_dir},
         {"scheduler_url", agent.options.scheduler_url},
         {"version", kAgentVersion}});
  });

  r.get("/v1/ring", [&agent](const http::Request&) -> Result<http::Response> {
    auto t = agent.topology();
    if (!t) return Status::Unavailable("this node does not know the ring yet");
    return api::json_ok(ring_to_json(t->ring_view()));
  });

  r.get("/v1/schema", [&agent](const http::Request&) -> Result<http::Response> {
    auto t = agent.topology();
    if (!t) return api::json_ok(schema_to_json(SchemaView{}));
    return api::json_ok(schema_to_json(t->schema()));
  });

  r.post("/v1/flush", [&agent](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(no_body(req));
    RK_RETURN_IF_ERROR(agent.node->flush());
    return api::json_ok({{"ok", true}});
  });

  r.post("/v1/compact", [&agent](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(no_body(req));
    RK_RETURN_IF_ERROR(agent.node->compact());
    return api::json_ok({{"ok", true}});
  });

  r.post(
      "/v1/schema",
      [&agent](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kSchema = {{"version", api::Type::kInteger, api::kRequired},
                                          {"keyspaces", api::Type::kArray, api::kRequired}};
        RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kSchema));
        RK_ASSIGN_OR_RETURN(SchemaView schema, schema_from_json(body));
        RK_RETURN_IF_ERROR(agent.apply_schema(schema));
        auto t = agent.topology();
        return api::json_ok({{"ok", true}, {"schema_version", t ? t->schema().version : 0}});
      },
      RoleSet{Role::kAgent});
  return r;
}

}  // namespace rk::agent
