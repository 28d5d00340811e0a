// ringkeeper's one HTTP client (agent → scheduler, scheduler → agents, agent → agent, rkctl).
//
// Plain structs in, plain structs out; Boost.Beast lives only in http_client.cc. A response with
// any HTTP status is a successful exchange (Result holds the Response); transport failures
// (refused, reset, TLS verification, timeout) are Statuses: unavailable or timeout. Use
// api::parse_response / api::status_from_response (json_api.h) to turn error responses into
// Statuses. Thread-safe; calls block the calling thread.
//
// Connections are kept alive and reused per scheme://host:port, and a server closes a kept-alive
// connection it has not heard from for its idle_timeout (30 s by default). So that a request never
// goes into a connection the server has already given up on:
//  - a pooled connection idle for pool_idle_timeout (keep it below the servers' idle_timeout) is
//    closed, never reused;
//  - before reuse, a connection the peer has closed (or sent unasked-for bytes on) is discarded;
//  - a request that fails on a reused connection before any byte of the answer arrived (a write
//    error, or the connection closed or reset; never a timeout) is sent once more on a new
//    connection, if it is safe to repeat: GET, HEAD, PUT, DELETE, OPTIONS, or a request marked
//    ClientRequest::idempotent.
// Answers with "Connection: close" or from HTTP/1.0 servers are not pooled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/status.h"

namespace rk::http {

struct ClientOptions {
  std::string bearer_token;  // if set, sent as "Authorization: Bearer <token>" (never logged)
  std::chrono::milliseconds timeout{10'000};  // per attempt, unless the request says otherwise
  // Pooled connections idle longer than this are closed (0: no connection is reused).
  std::chrono::milliseconds pool_idle_timeout{15'000};
  int pool_max_idle = 8;  // idle connections kept per scheme://host:port (0: none)
  // TLS (https:// URLs). The server's certificate is verified against tls_ca_file when set,
  // otherwise against the system's trust store; its name or IP must match the URL's host.
  std::string tls_ca_file;
  std::string tls_cert_file;  // client certificate (PEM), for servers that require one
  std::string tls_key_file;   // its private key (PEM)
  // Retries of transport failures and of 429/502/503/504 responses. nullopt: one attempt only.
  std::optional<BackoffOptions> retry;
  // Retry POST/PATCH too. Off by default: a POST that timed out may have been applied.
  // (A request marked ClientRequest::idempotent is retried regardless.)
  bool retry_non_idempotent = false;
  Sleeper sleep = real_sleep;  // how to wait between retries (tests inject their own)
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: "http://127.0.0.1:7400/api/v1/nodes?dc=dc1"
  Headers headers;  // Content-Type defaults to application/json when there is a body
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // overrides ClientOptions::timeout
  // The caller's word that sending this POST/PATCH twice does no harm (GET, HEAD, PUT, DELETE and
  // OPTIONS are taken to be so already): it may then be resent after a stale connection failed
  // and retried per ClientOptions::retry. Say at the call site why it holds.
  bool idempotent = false;
  // The caller's stop flag, read while the call waits (every ~50 ms): once it is set, the call
  // closes its connection and ends with Cancelled, whatever it was waiting for (connect, send,
  // answer), and is neither resent nor retried. What the server already started goes on there.
  // The flag must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

// An absolute http(s) URL taken apart.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // a name or an IP address (IPv6 without its brackets)
  uint16_t port = 0;   // as given, or 80 / 443 by scheme
  std::string target;  // path and query as given ("/" when the URL has none), no fragment

  // host:port as a Host header and log lines write it ("[::1]:7400" for IPv6).
  std::string authority() const;
};

// Parses an absolute http(s) URL: InvalidArgument naming the URL and what is wrong with it for
// another scheme, a missing host, user info, spaces or control characters, or a port that is
// empty, not a number, or outside 1..65535.
Result<Url> parse_url(std::string_view text);

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
