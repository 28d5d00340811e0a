// Raw HTTP test connections (see raw_http.h).
#include "ringkeeper/core/testing/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "ringkeeper/core/http_message.h"

namespace rk::testing {
namespace {

using Steady = std::chrono::steady_clock;

// The head of the response starting at `bytes`: [0, end of the empty line), or npos.
size_t head_end(std::string_view bytes) {
  size_t at = bytes.find("\r\n\r\n");
  return at == std::string_view::npos ? at : at + 4;
}

std::string header_in(std::string_view head, std::string_view name) {
  size_t line = head.find("\r\n");
  while (line != std::string_view::npos && line + 2 < head.size()) {
    const size_t start = line + 2;
    const size_t end = head.find("\r\n", start);
    std::string_view field = head.substr(start, end - start);
    const size_t colon = field.find(':');
    if (colon != std::string_view::npos && http::iequals(field.substr(0, colon), name)) {
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return std::string(value);
    }
    line = end;
  }
  return "";
}

}  // namespace

RawConnection::RawConnection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (fd_ >= 0 && !bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return fd_ >= 0;
}

bool RawConnection::read_some(std::chrono::milliseconds timeout) {
  if (fd_ < 0 || closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, timeout.count()))) <= 0) return false;
  char buf[4096];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) {
    closed_ = true;  // EOF or reset
    return false;
  }
  received_.append(buf, static_cast<size_t>(n));
  return true;
}

bool RawConnection::read_until(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (received_.find(text) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0 || !read_some(left)) return received_.find(text) != std::string::npos;
  }
  return true;
}

bool RawConnection::read_until_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) break;
    read_some(left);
  }
  return closed_;
}

std::optional<RawResponse> RawConnection::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (true) {
    const size_t end = head_end(received_);
    if (end != std::string::npos) {
      const std::string length =
          header_in(std::string_view(received_).substr(0, end), "Content-Length");
      const size_t body = length.empty() ? 0 : std::strtoull(length.c_str(), nullptr, 10);
      if (received_.size() >= end + body) {
        RawResponse r;
        r.head = received_.substr(0, end);
        r.body = received_.substr(end, body);
        r.status = r.head.size() >= 12 ? std::atoi(r.head.substr(9, 3).c_str()) : 0;
        received_.erase(0, end + body);
        return r;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0 || !read_some(left)) return std::nullopt;
  }
}

std::string raw_http_exchange(uint16_t port, std::string_view bytes, std::string_view stop_after,
                              std::chrono::milliseconds timeout) {
  RawConnection c(port);
  if (!c.send(bytes)) return "";
  if (stop_after.empty()) {
    c.read_until_closed(timeout);
  } else {
    c.read_until(stop_after, timeout);
  }
  return c.received();
}

std::vector<int> response_statuses(std::string_view bytes) {
  std::vector<int> out;
  while (bytes.substr(0, 7) == "HTTP/1.") {
    const size_t end = head_end(bytes);
    if (end == std::string_view::npos || bytes.size() < 12) break;
    const int status = std::atoi(std::string(bytes.substr(9, 3)).c_str());
    out.push_back(status);
    const std::string length = header_in(bytes.substr(0, end), "Content-Length");
    if (length.empty() && status >= 200 && status != 204 && status != 304) break;
    const size_t body = length.empty() ? 0 : std::strtoull(length.c_str(), nullptr, 10);
    if (end + body > bytes.size()) break;
    bytes.remove_prefix(end + body);
  }
  return out;
}

std::string response_header(std::string_view bytes, std::string_view name) {
  const size_t end = head_end(bytes);
  return end == std::string_view::npos ? "" : header_in(bytes.substr(0, end), name);
}

}  // namespace rk::testing
