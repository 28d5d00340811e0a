// Raw HTTP over a plain loopback socket, for tests of what ringkeeper's HTTP client never sends
// (malformed, smuggled or pipelined requests, connections held open) and of exactly what a
// server answers on one connection (link rk_core_testing).
//
//   RawConnection c(server->bound_port());
//   c.send("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nGET /y HTTP/1.1...");
//   c.read_until_closed(std::chrono::seconds(5));
//   EXPECT_TRUE(c.closed());
//   EXPECT_EQ(response_statuses(c.received()), std::vector<int>{501});
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rk::testing {

// One response read off a RawConnection.
struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers, up to and including the empty line
  std::string body;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; ok() says whether it worked.
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // Sends all of `bytes`; false when the connection is gone.
  bool send(std::string_view bytes);
  // Reads until what was received on this connection contains `text`, the server closes it, or
  // `timeout` passes; true when `text` was seen.
  bool read_until(std::string_view text, std::chrono::milliseconds timeout);
  // Reads until the server closes the connection or `timeout` passes; true when it closed.
  bool read_until_closed(std::chrono::milliseconds timeout);
  // Reads one whole response (its body by Content-Length) and removes it from received();
  // nullopt when none was complete within `timeout` or the connection closed first.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout);

  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }  // the server closed (or reset) the connection

 private:
  // One read of what is there within `timeout`; false when nothing more will come.
  bool read_some(std::chrono::milliseconds timeout);

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

// Sends `bytes` on a fresh connection and returns what the server answers until it closes the
// connection, `stop_after` appears (when not empty), or `timeout` passes.
std::string raw_http_exchange(uint16_t port, std::string_view bytes, std::string_view stop_after,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status codes of the HTTP responses in `bytes`, in order, with bodies skipped by their
// Content-Length; a response without one ends the list (its body runs to the end). Not for answers
// to HEAD, which announce a length without a body.
std::vector<int> response_statuses(std::string_view bytes);

// The value of header `name` in the first response in `bytes` ("" when absent).
std::string response_header(std::string_view bytes, std::string_view name);

}  // namespace rk::testing
