// What ringkeeper's HTTP server does with a complete request, apart from sockets: routing (with
// HEAD on GET routes and OPTIONS on every known path), bearer-token authorization, running the
// handler, the 503 answer when the handler queue is full, and telling the observer
// (ServerOptions::on_request). Private to core; http_server.cc owns the connections and calls
// it from its sessions. Kept apart from the Beast translation unit so that changes here compile
// in seconds.
#pragma once

#include "ringkeeper/core/http_server.h"

namespace rk::http {

class Dispatcher {
 public:
  // `options` must outlive the dispatcher.
  Dispatcher(const ServerOptions& options, Router router);

  // Routes, authenticates and runs the handler; never throws. Handler exceptions become a 500
  // without details; every 503 carries Retry-After (the handler's own, or one second).
  Response handle(Request& request) const;

  // The answer when the handler queue is full (unavailable() below); the observer hears it like
  // any other answer.
  Response overloaded(const Request& request) const;

  // Tells the observer of `response`, an answer given before `request` was complete (413 for a
  // body over the limit: only the method, path and headers were read), with the route the
  // request would have taken and the token's name when the token is known (it is not checked:
  // the request is refused anyway). Returns `response`.
  Response refused_early(Request& request, Response response) const;

  // 503 "unavailable" with `detail` and Retry-After: 1: the answer to load the server sheds.
  static Response unavailable(const std::string& detail);

 private:
  Response route_and_run(Request& request, std::string_view& route) const;
  void tell(const Request& request, std::string_view route, const Response& response,
            int64_t micros) const;

  const ServerOptions& options_;
  Router router_;
};

}  // namespace rk::http
