// ringkeeper's HTTP server: every listener (scheduler REST API, agent ops API, internode port,
// client data API) is one of these.
//
// Handlers see plain structs (http_message.h); Boost.Beast lives only in http_server.cc. Sockets
// are served asynchronously by `io_threads`; handlers run on a separate pool of
// `handler_threads`, so a handler may block (on disk or a peer) without stalling other
// connections. A handler never brings the server down: an exception becomes a 500 JSON error
// (logged, no stack trace or exception text in the response).
//
// Every response a client can trigger is handled here with the JSON error shape of json_api.h:
// 404 (no route), 405 (path known, method not), 413 (body over max_body_bytes), 400 (malformed
// HTTP or percent-encoding), 401/403 (bearer tokens, see auth.h). HEAD works on every GET route
// and OPTIONS on every known path (204 with Allow).
//
// Requests are parsed strictly, so that a proxy in front and this server never disagree on where
// a request ends: a Transfer-Encoding other than exactly `chunked` (501 for other codings, 400
// for a malformed or repeated list), Content-Length beside Transfer-Encoding, folded header lines,
// a missing (HTTP/1.1) or repeated Host are refused and the connection closed, so nothing after
// them is read as a request (the rules: request_framing.h).
//
// Load is bounded: at most handler_threads + max_queued_requests requests are handed to handlers;
// beyond, the I/O thread answers 503 with Retry-After at once. At most max_connections
// connections are served; beyond, a new one gets 503 and is closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ringkeeper/core/auth.h"
#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/status.h"

namespace rk::http {

// A handler turns a request into a response. Returning a Status (e.g. via RK_RETURN_IF_ERROR)
// sends it as a JSON error with the status code mapped by json_api.h's http_status_for.
using Handler = std::function<Result<Response>(const Request&)>;

// Routes requests by method and path pattern. A pattern is a sequence of '/'-separated segments:
// literals, `{name}` (one segment, its decoded value in Request::path_params), or a final
// `{name...}` (the decoded rest of the path, at least one segment). Literal segments win over
// parameters, so `/nodes/self` and `/nodes/{id}` can coexist. Built before the server starts;
// read-only afterwards.
class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    // Roles that may call this route; nullopt: the server's AccessPolicy default for the method.
    std::optional<RoleSet> roles;
  };

  // Adds a route. Returns *this so that routes can be chained.
  Router& add(std::string method, std::string pattern, Handler handler,
              std::optional<RoleSet> roles = std::nullopt);
  Router& get(std::string pattern, Handler h, std::optional<RoleSet> roles = std::nullopt) {
    return add("GET", std::move(pattern), std::move(h), roles);
  }
  Router& post(std::string pattern, Handler h, std::optional<RoleSet> roles = std::nullopt) {
    return add("POST", std::move(pattern), std::move(h), roles);
  }
  Router& put(std::string pattern, Handler h, std::optional<RoleSet> roles = std::nullopt) {
    return add("PUT", std::move(pattern), std::move(h), roles);
  }
  Router& del(std::string pattern, Handler h, std::optional<RoleSet> roles = std::nullopt) {
    return add("DELETE", std::move(pattern), std::move(h), roles);
  }

  struct Match {
    const Route* route = nullptr;  // null: no route for this method (see allowed)
    std::map<std::string, std::string> path_params;
    // The methods this path answers, whatever the request's method, for Allow headers
    // ("DELETE, GET, HEAD, OPTIONS"): HEAD wherever GET is, OPTIONS wherever any route is. Empty
    // when no route has this path.
    std::string allowed;
    bool bad_encoding = false;  // a path segment had a malformed %-escape
  };
  // Finds the route for `method` and the still-encoded `path`. HEAD finds the GET route when no
  // HEAD route is registered (the server sends the GET answer's status and headers only).
  Match match(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> segments_;  // the split pattern of each route
};

// What the server tells its observer after each request (ServerOptions::on_request).
struct RequestRecord {
  std::string_view listener;   // ServerOptions::name
  std::string_view method;     // as sent
  std::string_view route;      // the matched route's pattern ("/v1/nodes/{id}"); "" when none did
  std::string_view path;       // the request's path as sent (still %-encoded, no query string)
  std::string_view principal;  // the bearer token's name; "" when unauthenticated or auth is off
  int status = 0;              // the response's HTTP status
  int64_t micros = 0;          // time spent routing, authenticating and handling
  std::string_view detail;     // for an error response: its "detail" (why it was refused)
};

struct ServerOptions {
  std::string name = "http";               // names this listener in log lines, e.g. "scheduler api"
  std::string bind_address = "127.0.0.1";  // loopback unless configured otherwise
  uint16_t port = 0;                       // 0: the OS picks a free port; see Server::bound_port()
  std::string port_file;                   // if set, the bound port is written here ("7400\n")
  int io_threads = 1;                      // threads doing socket I/O and TLS
  int handler_threads = 4;                 // threads running handlers (handlers may block);
                                           // 0: run them on the I/O threads (never-blocking
                                           // handlers only: saves a thread hop per request)
  // Requests waiting for a handler thread at most, beyond those being handled. A request that
  // finds the queue full is answered at once with 503 and Retry-After: 1 (the connection stays
  // open). 0: 16 per handler thread. Bounds the memory held by waiting requests.
  int max_queued_requests = 0;
  // Open connections at most. Past it a new connection is answered 503 (Retry-After: 1) and
  // closed without its request being read; past twice as many it is closed at once. Bounds the
  // memory of connections reading requests (each up to max_header_bytes + max_body_bytes).
  int max_connections = 1024;
  size_t max_body_bytes = 1 << 20;                 // request bodies larger than this get 413
  size_t max_header_bytes = 16 << 10;              // request headers larger than this get 431
  std::chrono::milliseconds idle_timeout{30'000};  // a connection without a complete request
                                                   // for this long is closed
  std::chrono::milliseconds drain_timeout{5'000};  // stop() waits this long for in-flight requests

  // TLS. With both files set the listener speaks only HTTPS.
  std::string tls_cert_file;             // PEM certificate chain of this server
  std::string tls_key_file;              // PEM private key
  std::string tls_ca_file;               // if set, client certificates are verified against this CA
  bool tls_require_client_cert = false;  // with tls_ca_file: refuse clients without a certificate

  // Bearer tokens; null or empty means authentication is off and every route is open.
  std::shared_ptr<const BearerTokens> tokens;
  AccessPolicy access;  // default roles per method when a route does not name its own

  // Called after every request, on the thread that handled it (for request metrics: keep it
  // cheap and thread-safe). Null: nobody is told.
  std::function<void(const RequestRecord&)> on_request;
};

class Server {
 public:
  // Binds, logs "<name> listening on http(s)://addr:port", writes the port file and starts
  // serving. Fails with IOError when the address cannot be bound or the port file cannot be
  // written, InvalidArgument when the TLS files cannot be loaded.
  static Result<std::unique_ptr<Server>> start(ServerOptions options, Router router);

  // Stops (see stop()).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port actually bound (the configured one, or the one the OS picked for port 0).
  uint16_t bound_port() const;
  // "http://127.0.0.1:port" or "https://..."; handy for clients in tests.
  std::string base_url() const;

  // Graceful stop: stops accepting, closes idle keep-alive connections, lets requests already
  // being handled finish and answer (with Connection: close) for up to drain_timeout, then closes
  // everything. Idempotent; blocks until the server's threads have exited.
  void stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rk::http
