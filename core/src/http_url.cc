// Taking apart the absolute http(s) URLs that ringkeeper's client is given (http_client.h): the
// client connects to what this returns, and rkctl checks its URL options with it, so a URL with an
// empty or out-of-range port or without a host is refused with the same words everywhere.
#include <algorithm>
#include <cctype>

#include "ringkeeper/core/http_client.h"

namespace rk::http {
namespace {

Status bad(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("URL '" + std::string(text) + "' " + why);
}

}  // namespace

std::string Url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Url> parse_url(std::string_view text) {
  if (std::any_of(text.begin(), text.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c));
      })) {
    return bad(text, "contains spaces or control characters");
  }
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return bad(text, "is not an absolute http:// or https:// URL");
  Url url;
  url.scheme = std::string(text.substr(0, sep));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme != "http" && url.scheme != "https") {
    return bad(text, "has scheme '" + url.scheme + "': only http and https are supported");
  }
  std::string_view rest = text.substr(sep + 3);
  const size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target = rest.substr(authority_end);
  target = target.substr(0, std::min(target.find('#'), target.size()));
  url.target = target.empty() || target[0] != '/' ? "/" + std::string(target) : std::string(target);

  if (authority.find('@') != std::string_view::npos) return bad(text, "has user info (not supported)");
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad(text, "has an unclosed '[' in its host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad(text, "has characters after its IPv6 address");
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad(text, "has no host");
  url.host = std::string(host);
  url.port = url.scheme == "https" ? 443 : 80;
  if (port) {
    if (port->empty()) return bad(text, "has an empty port (write host:PORT, or leave out ':')");
    if (port->size() > 5 || !std::all_of(port->begin(), port->end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      return bad(text, "has port '" + std::string(*port) + "': not a number from 1 to 65535");
    }
    const int value = std::stoi(std::string(*port));
    if (value < 1 || value > 65535) {
      return bad(text, "has port " + std::to_string(value) + ": not a number from 1 to 65535");
    }
    url.port = static_cast<uint16_t>(value);
  }
  return url;
}

}  // namespace rk::http
