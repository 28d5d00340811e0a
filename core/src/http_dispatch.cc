// Routing, authorization and handler calls of the HTTP server (see http_dispatch.h).
#include "http_dispatch.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "ringkeeper/core/json_api.h"

namespace rk::http {
namespace {

// What a client should wait before retrying a 503 when the handler did not say.
constexpr std::string_view kRetryAfterSeconds = "1";

}  // namespace

Dispatcher::Dispatcher(const ServerOptions& options, Router router)
    : options_(options), router_(std::move(router)) {}

Response Dispatcher::route_and_run(Request& request, std::string_view& route) const {
  Router::Match m = router_.match(request.method, request.path);
  if (m.route != nullptr) route = m.route->pattern;
  if (m.bad_encoding) {
    return api::error_response(400, "invalid_argument", "malformed %-escape in the path");
  }
  if (m.route == nullptr && m.allowed.empty()) {
    return api::error_response(404, "not_found",
                               "no route for " + request.method + " " + request.path);
  }
  if (m.route == nullptr && request.method != "OPTIONS") {
    Response r = api::error_response(405, "method_not_allowed",
                                     request.method + " is not allowed here; use " + m.allowed);
    r.headers["Allow"] = m.allowed;
    return r;
  }
  if (options_.tokens) {
    RoleSet need = m.route != nullptr && m.route->roles
                       ? *m.route->roles
                       : required_roles(options_.access, request.method);
    BearerTokens::Decision d = options_.tokens->authorize(request.header("Authorization"), need);
    if (d.http_status == 401) {
      Response r = api::error_response(401, "unauthenticated", d.detail);
      r.headers["WWW-Authenticate"] = "Bearer";
      return r;
    }
    // Known even when refused with 403, so that the refusal can name who was refused.
    request.principal = d.principal.name;
    if (d.http_status == 403) return api::error_response(403, "permission_denied", d.detail);
  }
  if (m.route == nullptr) {  // OPTIONS on a known path without an OPTIONS route of its own
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers["Allow"] = m.allowed;
    return r;
  }
  request.path_params = std::move(m.path_params);
  try {
    Result<Response> r = m.route->handler(request);
    if (!r.ok()) return api::error_response(r.status());
    return std::move(r).value();
  } catch (const std::exception& e) {
    spdlog::error("{}: handler for {} {} threw: {}", options_.name, request.method,
                  m.route->pattern, e.what());
  } catch (...) {
    spdlog::error("{}: handler for {} {} threw a non-exception", options_.name, request.method,
                  m.route->pattern);
  }
  return api::error_response(500, "internal",
                             "the request failed with an internal error; see the server log");
}

Response Dispatcher::handle(Request& request) const {
  const auto started = std::chrono::steady_clock::now();
  std::string_view route;
  Response response = route_and_run(request, route);
  if (response.status == 503 && response.headers.count("Retry-After") == 0) {
    response.headers["Retry-After"] = kRetryAfterSeconds;
  }
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  tell(request, route, response, micros);
  return response;
}

Response Dispatcher::refused_early(Request& request, Response response) const {
  const Router::Match m = router_.match(request.method, request.path);
  if (options_.tokens && m.route != nullptr) {
    RoleSet need =
        m.route->roles ? *m.route->roles : required_roles(options_.access, request.method);
    BearerTokens::Decision d = options_.tokens->authorize(request.header("Authorization"), need);
    if (d.http_status != 401) request.principal = d.principal.name;
  }
  tell(request, m.route != nullptr ? std::string_view(m.route->pattern) : std::string_view(),
       response, 0);
  return response;
}

Response Dispatcher::unavailable(const std::string& detail) {
  Response response = api::error_response(503, "unavailable", detail);
  response.headers["Retry-After"] = kRetryAfterSeconds;
  return response;
}

Response Dispatcher::overloaded(const Request& request) const {
  Response response = unavailable(options_.name +
                                  " is overloaded: every handler thread is busy and the queue is "
                                  "full; retry later");
  const Router::Match m = router_.match(request.method, request.path);
  tell(request, m.route != nullptr ? std::string_view(m.route->pattern) : std::string_view(),
       response, 0);
  return response;
}

void Dispatcher::tell(const Request& request, std::string_view route, const Response& response,
                      int64_t micros) const {
  // The access log names the token's owner, never the token; the query string is left out.
  spdlog::debug("{}: {} {} {} -> {} {}B {}us{}{}", options_.name, request.peer, request.method,
                request.path, response.status, response.body.size(), micros,
                request.principal.empty() ? "" : " by ", request.principal);
  if (options_.on_request) {
    std::string detail;
    if (response.status >= 400) {
      nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
      if (body.is_object() && body.contains("detail") && body["detail"].is_string()) {
        detail = body["detail"].get<std::string>();
      }
    }
    options_.on_request({.listener = options_.name,
                         .method = request.method,
                         .route = route,
                         .path = request.path,
                         .principal = request.principal,
                         .status = response.status,
                         .micros = micros,
                         .detail = detail});
  }
}

}  // namespace rk::http
