// Feeds core/http_server.h's Server with raw bytes from the network: one rk::http::Server is
// started on loopback once, each input is written to a fresh connection (then the write side is
// shut), and the reply is read until the server closes. Whatever a client sends (malformed
// request lines, headers, chunked bodies, percent-escapes, bodies over the limit, several
// pipelined requests), the server must answer with its JSON errors or the handler's reply and keep
// serving: after each input a plain GET must still get 200.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz_check.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/log.h"

namespace {

namespace api = rk::api;
namespace http = rk::http;

// Routes of each kind the router knows: literal, {name}, {rest...}, and a strict JSON body.
http::Router routes() {
  http::Router r;
  r.get("/health", [](const http::Request&) -> rk::Result<http::Response> {
    return api::json_ok({{"ok", true}});
  });
  r.get("/v1/nodes/{id}", [](const http::Request& req) -> rk::Result<http::Response> {
    return api::json_ok({{"id", req.path_param("id")}, {"query", req.query}});
  });
  r.get("/files/{path...}", [](const http::Request& req) -> rk::Result<http::Response> {
    return api::json_ok({{"path", req.path_param("path")}});
  });
  r.post("/v1/keyspaces", [](const http::Request& req) -> rk::Result<http::Response> {
    static const api::Spec kReplication = {{"class", api::Type::kString, api::kRequired},
                                           {"replication_factor", api::Type::kInteger}};
    static const api::Spec kKeyspace = {
        {"name", api::Type::kString, api::kRequired},
        {"replication", api::Type::kObject, api::kRequired, &kReplication}};
    RK_ASSIGN_OR_RETURN(nlohmann::json body, api::read_body(req, kKeyspace));
    return api::json_ok(body);
  });
  return r;
}

http::Server& server() {
  static http::Server* s = [] {
    RK_FUZZ_CHECK(rk::setup_logging("off", "fuzz").ok(), "logging is set up");
    http::ServerOptions options;
    options.name = "fuzz";
    options.handler_threads = 2;
    options.max_body_bytes = 64 << 10;
    options.idle_timeout = std::chrono::milliseconds(1000);
    options.drain_timeout = std::chrono::milliseconds(100);
    auto started = http::Server::start(options, routes());
    RK_FUZZ_CHECK(started.ok(), "the server starts on loopback");
    return started->release();  // serves until the process exits
  }();
  return *s;
}

// A connected socket to the server with `timeout_ms` on reads; -1 if it cannot connect.
int connect_to_server(int timeout_ms) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server().bound_port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `bytes`, shuts the write side and returns what the server sent until it closed (or the
// read timed out).
std::string exchange(int fd, std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (413, malformed request): that is fine
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return reply;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = connect_to_server(1000);
  RK_FUZZ_CHECK(fd >= 0, "the server accepts connections");
  const std::string reply = exchange(fd, fuzz_text(data, size));
  RK_FUZZ_CHECK(reply.empty() || reply.starts_with("HTTP/1.1 "), "replies are HTTP/1.1");

  // A busy machine may delay the answer: three tries of 10 s each before the server counts as
  // stuck.
  std::string health;
  for (int attempt = 0; attempt < 3 && !health.starts_with("HTTP/1.1 200"); ++attempt) {
    const int check = connect_to_server(10'000);
    RK_FUZZ_CHECK(check >= 0, "the server still accepts connections");
    health = exchange(check, "GET /health HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n");
    if (!health.starts_with("HTTP/1.1 200")) {
      std::fprintf(stderr, "health check %d got %zu bytes: %.300s\n", attempt + 1, health.size(),
                   health.c_str());
    }
  }
  RK_FUZZ_CHECK(health.starts_with("HTTP/1.1 200"), "the server still answers");
  return 0;
}
