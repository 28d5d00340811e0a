// The agent's client of its peers' internode API (see internode_client.h).
#include "internode_client.h"

#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

http::ClientOptions client_options(const InternodeClientOptions& o) {
  http::ClientOptions c;
  c.bearer_token = o.cluster_secret;
  c.tls_ca_file = o.tls_ca_file;
  c.tls_cert_file = o.tls_cert_file;
  c.tls_key_file = o.tls_key_file;
  return c;
}

}  // namespace

InternodeClient::InternodeClient(const InternodeClientOptions& options)
    : scheme_(options.https ? "https://" : "http://"), client_(client_options(options)) {}

Result<http::Response> InternodeClient::call(const ReplicaTarget& target, InternodeCall call) {
  http::ClientRequest req;
  req.method = std::move(call.method);
  req.url = scheme_ + target.address + call.path;
  req.body = std::move(call.body);
  if (!req.body.empty()) req.headers["Content-Type"] = call.content_type;
  req.idempotent = call.idempotent;
  req.timeout = call.timeout;
  req.cancel = call.cancel;
  auto response = client_.request(req);
  if (!response.ok()) return response.status().with_context("replica " + target.address);
  if (!response->ok()) {
    return api::status_from_response(*response).with_context("replica " + target.address);
  }
  return response;
}

Result<nlohmann::json> InternodeClient::call_json(const ReplicaTarget& target, InternodeCall call,
                                                  const nlohmann::json& body) {
  if (!body.is_null()) {
    call.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  RK_ASSIGN_OR_RETURN(http::Response r, this->call(target, std::move(call)));
  auto parsed = api::parse_response(r);
  if (!parsed.ok()) return parsed.status().with_context("replica " + target.address);
  return parsed;
}

}  // namespace rk::agent
