// http_bench: request latency and throughput through ringkeeper's HTTP server (Beast) and client
// (both Beast) on loopback, compared in the same run against a raw TCP round trip of the same size
// (the floor any HTTP stack sits on). Plain HTTP and HTTPS, small GETs, 10 KiB POSTs (a batch of
// about a hundred 100-byte cells), and several client threads at once.
//
//   build/bench/http_bench [requests]      (default 2000 per measurement)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/testing/test_pki.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double p50_us, p99_us, per_second;
};

Figures summarize(std::vector<double> us, double seconds) {
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100], static_cast<double>(us.size()) / seconds};
}

void print(const char* what, const Figures& f) {
  std::printf("%-44s p50 %8.1f us   p99 %8.1f us   %9.0f req/s\n", what, f.p50_us, f.p99_us,
              f.per_second);
}

template <class F>
Figures measure(int n, F&& one) {
  std::vector<double> us;
  us.reserve(n);
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    one();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return summarize(std::move(us), std::chrono::duration<double>(Clock::now() - start).count());
}

// A blocking echo peer: the baseline round trip of `size` bytes over loopback TCP.
Figures raw_tcp(int n, size_t size) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listener, 1);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  auto read_full = [](int fd, char* p, size_t want) {
    while (want > 0) {
      ssize_t got = ::recv(fd, p, want, 0);
      if (got <= 0) return false;
      p += got;
      want -= static_cast<size_t>(got);
    }
    return true;
  };
  std::thread echo([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::vector<char> buf(size);
    while (read_full(fd, buf.data(), size)) ::send(fd, buf.data(), size, MSG_NOSIGNAL);
    ::close(fd);
  });
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::vector<char> buf(size, 'x');
  Figures f = measure(n, [&] {
    ::send(fd, buf.data(), size, MSG_NOSIGNAL);
    read_full(fd, buf.data(), size);
  });
  ::close(fd);
  echo.join();
  ::close(listener);
  return f;
}

rk::http::Router bench_router() {
  rk::http::Router r;
  r.get("/ping", [](const rk::http::Request&) -> rk::Result<rk::http::Response> {
    return rk::api::json_ok({{"ok", true}});
  });
  r.post(
      "/batch",
      [](const rk::http::Request& req) -> rk::Result<rk::http::Response> {
        return rk::api::json_ok({{"bytes", req.body.size()}});
      },
      rk::RoleSet::open());
  return r;
}

void must(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "http_bench: %s failed\n", what);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const std::string batch(10 << 10, 'v');
  std::printf("http_bench: %d requests per line, loopback, 1 I/O + 4 handler threads\n\n", n);

  print("baseline: raw TCP round trip, 64 B", raw_tcp(n, 64));
  print("baseline: raw TCP round trip, 10 KiB", raw_tcp(n, batch.size()));

  rk::http::ServerOptions o;
  auto server = rk::http::Server::start(o, bench_router());
  must(server.ok(), "server start");
  rk::http::Client client;
  const std::string base = (*server)->base_url();
  print("HTTP GET /ping (keep-alive)",
        measure(n, [&] { must(client.get(base + "/ping").ok(), "GET"); }));
  print("HTTP POST 10 KiB",
        measure(n, [&] { must(client.post(base + "/batch", batch).ok(), "POST"); }));
  rk::http::ClientOptions unpooled;
  unpooled.pool_max_idle = 0;
  rk::http::Client fresh(unpooled);
  print("HTTP GET /ping, a new connection each",
        measure(n, [&] { must(fresh.get(base + "/ping").ok(), "GET"); }));

  for (int threads : {4}) {
    std::vector<std::thread> ts;
    std::vector<double> all;
    std::mutex mu;
    auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&] {
        rk::http::Client own;
        std::vector<double> us;
        for (int i = 0; i < n; ++i) {
          auto t0 = Clock::now();
          must(own.get(base + "/ping").ok(), "GET");
          us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        }
        std::lock_guard<std::mutex> lock(mu);
        all.insert(all.end(), us.begin(), us.end());
      });
    }
    for (auto& t : ts) t.join();
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    print("HTTP GET /ping, 4 client threads", summarize(std::move(all), secs));
  }
  (*server)->stop();

  rk::http::ServerOptions inline_options = o;
  inline_options.handler_threads = 0;
  auto inline_server = rk::http::Server::start(inline_options, bench_router());
  must(inline_server.ok(), "inline server start");
  const std::string inline_base = (*inline_server)->base_url();
  print("HTTP GET /ping, handlers on the I/O thread",
        measure(n, [&] { must(client.get(inline_base + "/ping").ok(), "GET"); }));
  (*inline_server)->stop();

  const std::string dir = std::filesystem::temp_directory_path() / "rk_http_bench_pki";
  auto pki = rk::testing::make_test_pki(dir);
  must(pki.ok(), "test PKI");
  o.tls_cert_file = pki->server.cert;
  o.tls_key_file = pki->server.key;
  auto tls_server = rk::http::Server::start(o, bench_router());
  must(tls_server.ok(), "TLS server start");
  rk::http::ClientOptions co;
  co.tls_ca_file = pki->ca.cert;
  rk::http::Client tls_client(co);
  const std::string tls_base = (*tls_server)->base_url();
  print("HTTPS GET /ping (keep-alive)",
        measure(n, [&] { must(tls_client.get(tls_base + "/ping").ok(), "HTTPS GET"); }));
  print("HTTPS POST 10 KiB",
        measure(n, [&] { must(tls_client.post(tls_base + "/batch", batch).ok(), "HTTPS POST"); }));
  std::filesystem::remove_all(dir);
  return 0;
}
