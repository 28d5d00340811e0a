// Request framing rules (see request_framing.h).
#include "request_framing.h"

#include <algorithm>

#include "ringkeeper/core/http_message.h"

namespace rk::http {
namespace {

// RFC 9110 5.6.2: token characters.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Refusal bad(std::string detail) { return {400, "invalid_argument", std::move(detail)}; }

std::optional<Refusal> check_transfer_encoding(const RequestHead& head) {
  if (head.version < 11) return bad("Transfer-Encoding is not allowed in an HTTP/1.0 request");
  if (head.content_length_lines > 0) {
    return bad("a request must not carry both Content-Length and Transfer-Encoding");
  }
  if (head.transfer_encodings.size() > 1) return bad("several Transfer-Encoding headers");
  std::string_view list = head.transfer_encodings.front();
  int chunked = 0;
  std::string unsupported;
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view coding = trim(list.substr(0, comma));
    if (coding.empty() || !std::all_of(coding.begin(), coding.end(), is_tchar)) {
      return bad("malformed Transfer-Encoding '" + head.transfer_encodings.front() +
                 "': expected coding names separated by commas");
    }
    if (iequals(coding, "chunked")) {
      ++chunked;
    } else if (unsupported.empty()) {
      unsupported = coding;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (chunked > 1) return bad("Transfer-Encoding names chunked more than once");
  if (!unsupported.empty()) {
    return Refusal{501, "not_implemented",
                   "transfer coding '" + unsupported + "' is not supported; send chunked alone"};
  }
  return std::nullopt;
}

}  // namespace

size_t request_head_end(std::string_view bytes) {
  const size_t at = bytes.find("\r\n\r\n");
  return at == std::string_view::npos ? at : at + 4;
}

bool has_obs_fold(std::string_view head) {
  // Every line break but the final empty line's may not be followed by a space or tab.
  for (size_t at = head.find("\r\n"); at != std::string_view::npos && at + 2 < head.size();
       at = head.find("\r\n", at + 2)) {
    if (head[at + 2] == ' ' || head[at + 2] == '\t') return true;
  }
  return false;
}

std::optional<Refusal> check_request_head(const RequestHead& head) {
  if (head.host_lines > 1) return bad("several Host headers");
  if (head.host_lines == 0 && head.version >= 11) {
    return bad("an HTTP/1.1 request needs a Host header");
  }
  if (!head.transfer_encodings.empty()) return check_transfer_encoding(head);
  return std::nullopt;
}

}  // namespace rk::http
