// The ops API's repair sessions (/v1/repair/sessions, docs/api.md): translation only, the work is
// in RepairService. Mutating calls need the operator or agent token (set up in agent.cc).
#include <nlohmann/json.hpp>

#include "repair/service.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {

using nlohmann::json;

void add_repair_session_routes(http::Router& r, RepairService& repairs) {
  r.post("/v1/repair/sessions", [&repairs](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, repair_request_spec()));
    auto started = repairs.start(body);
    if (!started.ok() && started.status().code() == ErrorCode::kFailedPrecondition) {
      return api::error_response(409, "conflict", started.status().message());
    }
    RK_RETURN_IF_ERROR(started.status());
    return api::json_response(started->created ? 201 : 200, started->session);
  });

  r.get("/v1/repair/sessions", [&repairs](const http::Request&) -> Result<http::Response> {
    json list = json::array();
    for (auto& s : repairs.list()) list.push_back(std::move(s));
    return api::json_ok({{"sessions", std::move(list)}});
  });

  r.get("/v1/repair/sessions/{id}", [&repairs](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(json session, repairs.get(req.path_param("id")));
    return api::json_ok(session);
  });

  r.del("/v1/repair/sessions/{id}", [&repairs](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(json session, repairs.cancel(req.path_param("id")));
    return api::json_response(202, session);
  });
}

}  // namespace rk::agent
