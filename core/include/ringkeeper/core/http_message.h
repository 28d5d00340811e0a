// The plain HTTP message types shared by ringkeeper's server (http_server.h) and client
// (http_client.h). They carry no library types, so including them costs nothing: Boost.Beast stays
// inside the server's and the client's own translation units.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace rk::http {

// True when `a` and `b` are equal without regard to ASCII case (header names, coding names).
bool iequals(std::string_view a, std::string_view b);

// Orders header names without regard to ASCII case, as HTTP requires.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// Header name → value. Repeated headers are joined with ", " (RFC 9110 5.3).
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

// A request as a handler sees it.
struct Request {
  std::string method;  // upper case as sent: "GET", "POST", ...
  std::string path;    // the target's path, still percent-encoded, without the query
  std::map<std::string, std::string> query;        // decoded query parameters (last one wins)
  std::map<std::string, std::string> path_params;  // decoded values of the route's {name} parts
  Headers headers;
  std::string body;
  std::string peer;  // remote "address:port"
  // Set by the server after authentication: the name of the bearer token used ("" when the route
  // is open or no tokens are configured). Record this, never the token, in audit trails.
  std::string principal;
  // With TLS client certificates: the verified certificate's subject, e.g. "/CN=agent-1".
  std::string peer_certificate_subject;

  // The header's value, or nullptr.
  const std::string* header(std::string_view name) const;
  // The query parameter's value, or nullptr.
  const std::string* query_param(std::string_view name) const;
  // The path parameter's value ("" if the route has no such parameter: a programming error).
  const std::string& path_param(std::string_view name) const;
};

// A response, built by a handler (server side) or received (client side).
// Room for later: a streaming body (server-sent events) would be an optional producer here.
struct Response {
  int status = 200;
  Headers headers;  // extra headers; Content-Type and Content-Length are set from the fields below
  std::string body;
  std::string content_type = "application/json";

  bool ok() const { return status >= 200 && status < 300; }
};

// Headers with secrets (Authorization, Cookie, ...) replaced by "<redacted>", for logging.
Headers redacted_headers(const Headers& headers);

// Percent-decodes `s` ("+" as space when `plus_is_space`); false on a malformed escape.
bool percent_decode(std::string_view s, std::string& out, bool plus_is_space);
// Percent-encodes everything but RFC 3986 unreserved characters (for path segments and queries).
std::string percent_encode(std::string_view s);

}  // namespace rk::http
