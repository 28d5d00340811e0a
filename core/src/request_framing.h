// What a request's head must look like before the server reads its body: the rules that keep a
// ringkeeper listener and any proxy in front of it agreeing on where one request ends and the next
// begins (request smuggling needs the two to disagree). Pure functions over plain values, used by
// the server's sessions (http_server.cc) and tested with plain strings.
//
// A refused request is answered and its connection closed: after a framing error nothing that
// follows on the connection can be trusted to be a request. docs/api.md lists the rules.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rk::http {

// Where the request head ends: just past its first empty line ("\r\n\r\n"); npos when the bytes
// hold no complete head yet.
size_t request_head_end(std::string_view bytes);

// True when a header line of `head` continues on the next line (obsolete line folding: a line
// starting with a space or tab). RFC 9112 allows a server to refuse it, and proxies unfold it
// differently, so it is refused.
bool has_obs_fold(std::string_view head);

// The facts about a parsed request head that decide its framing.
struct RequestHead {
  unsigned version = 11;                        // 10 for HTTP/1.0, 11 for HTTP/1.1 (the parser
                                                // refuses other major versions)
  std::vector<std::string> transfer_encodings;  // the value of each Transfer-Encoding line
  size_t content_length_lines = 0;              // how many Content-Length lines
  size_t host_lines = 0;                        // how many Host lines
};

// Why a request is refused before its body is read.
struct Refusal {
  int status;              // 400 or 501
  std::string_view error;  // the JSON error word ("invalid_argument", "not_implemented")
  std::string detail;
};

// The refusal for a request head that breaks the rules, or nullopt when its framing is sound:
// HTTP/1.1 needs exactly one Host, HTTP/1.0 at most one (400);
// Transfer-Encoding must be one line saying exactly `chunked` (400 when it sits beside
// Content-Length, is repeated, is not a plain comma-separated list of coding names, names chunked
// twice or comes with HTTP/1.0; 501 when it names any other coding).
std::optional<Refusal> check_request_head(const RequestHead& head);

}  // namespace rk::http
