// ringkeeper's one HTTP client (agent → scheduler, scheduler → agents, agent → agent, rkctl).
//
// Plain structs in, plain structs out; cpprestsdk lives only in http_client.cc. A response with
// any HTTP status is a successful exchange (Result holds the Response); transport failures
// (refused, reset, TLS verification, timeout) are Statuses: unavailable or timeout. Use
// api::parse_response / api::status_from_response (json_api.h) to turn error responses into
// Statuses. Connections are kept alive and reused per scheme://host:port. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/status.h"

namespace rk::http {

struct ClientOptions {
  std::string bearer_token;  // if set, sent as "Authorization: Bearer <token>" (never logged)
  std::chrono::milliseconds timeout{10'000};  // per attempt, unless the request says otherwise
  // TLS (https:// URLs). The server's certificate is verified against tls_ca_file when set,
  // otherwise against the system's trust store; its name or IP must match the URL's host.
  std::string tls_ca_file;
  std::string tls_cert_file;  // client certificate (PEM), for servers that require one
  std::string tls_key_file;   // its private key (PEM)
  // Retries of transport failures and of 429/502/503/504 responses. nullopt: one attempt only.
  std::optional<BackoffOptions> retry;
  // Retry POST/PATCH too. Off by default: a POST that timed out may have been applied.
  bool retry_non_idempotent = false;
  Sleeper sleep = real_sleep;  // how to wait between retries (tests inject their own)
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: "http://127.0.0.1:7400/api/v1/nodes?dc=dc1"
  Headers headers;  // Content-Type defaults to application/json when there is a body
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // overrides ClientOptions::timeout
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request (with retries if configured) and returns the response, whatever its
  // status. InvalidArgument for a malformed URL; Unavailable when the server cannot be reached or
  // TLS fails; Timeout when no response arrived in time.
  Result<Response> request(const ClientRequest& request);

  Result<Response> get(const std::string& url) { return request({"GET", url, {}, {}, {}}); }
  Result<Response> post(const std::string& url, std::string body) {
    return request({"POST", url, {}, std::move(body), {}});
  }
  Result<Response> put(const std::string& url, std::string body) {
    return request({"PUT", url, {}, std::move(body), {}});
  }
  Result<Response> del(const std::string& url) { return request({"DELETE", url, {}, {}, {}}); }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rk::http
