// The HTTP client's connection reuse (http_client.h): kept-alive connections against a real
// rk::http::Server with a short idle_timeout, and against a scripted server that closes
// connections at chosen moments, so that the idle limit, the peer-closed check and the resend
// rule each show. The idle gaps are real (they are what is tested) and short.
#include "ringkeeper/core/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"

namespace rk::http {
namespace {

using std::chrono::milliseconds;

void idle_for(milliseconds gap) { std::this_thread::sleep_for(gap); }

// A real server on 127.0.0.1 port 0 with the routes `r`.
std::unique_ptr<Server> serve(Router r, ServerOptions o = {}) {
  auto s = Server::start(std::move(o), std::move(r));
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(s).value() : nullptr;
}

// A real server whose /peer answers with the client's address:port, so a test sees which
// connection carried each request.
std::unique_ptr<Server> peer_server(milliseconds idle_timeout) {
  ServerOptions o;
  o.idle_timeout = idle_timeout;
  Router r;
  r.get("/peer", [](const Request& req) -> Result<Response> {
    return api::json_ok({{"peer", req.peer}});
  });
  r.post(
      "/peer",
      [](const Request& req) -> Result<Response> {
        return api::json_ok({{"peer", req.peer}});
      },
      RoleSet::open());
  return serve(std::move(r), std::move(o));
}

std::string peer_of(const Result<Response>& r) {
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return "failed: " + r.status().to_string();
  EXPECT_EQ(r->status, 200) << r->body;
  return nlohmann::json::parse(r->body, nullptr, false).value("peer", std::string());
}

TEST(HttpClientReuse, ReusesAcrossGapsShorterThanTheServersIdleTimeout) {
  auto server = peer_server(milliseconds(1000));
  Client client;
  const std::string url = server->base_url() + "/peer";
  const std::string first = peer_of(client.get(url));
  EXPECT_EQ(peer_of(client.get(url)), first);
  idle_for(milliseconds(300));
  EXPECT_EQ(peer_of(client.post(url, "{}")), first);
}

TEST(HttpClientReuse, AConnectionTheServerClosedForIdlenessIsNotUsed) {
  // Default pool_idle_timeout (15 s) is longer than this server's 1 s, so the pool still holds
  // the connection the server has closed: the client must notice before sending into it. A POST
  // is not resent, so its success shows the closed connection was never tried.
  auto server = peer_server(milliseconds(1000));
  Client client;
  const std::string url = server->base_url() + "/peer";
  const std::string first = peer_of(client.get(url));
  for (milliseconds gap : {milliseconds(1500), milliseconds(0), milliseconds(1200)}) {
    idle_for(gap);
    auto r = client.post(url, "{}");
    ASSERT_TRUE(r.ok()) << "after " << gap.count() << " ms idle: " << r.status().to_string();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_NE(peer_of(client.get(url)), first);
}

TEST(HttpClientReuse, ConnectionsIdlePastThePoolLimitAreClosed) {
  auto server = peer_server(milliseconds(30'000));
  ClientOptions co;
  co.pool_idle_timeout = milliseconds(200);
  Client client(co);
  const std::string url = server->base_url() + "/peer";
  const std::string first = peer_of(client.get(url));
  EXPECT_EQ(peer_of(client.get(url)), first);
  idle_for(milliseconds(400));
  const std::string second = peer_of(client.get(url));
  EXPECT_NE(second, first);
  EXPECT_EQ(peer_of(client.get(url)), second);
}

TEST(HttpClientReuse, NoReuseWhenThePoolIsOff) {
  auto server = peer_server(milliseconds(30'000));
  ClientOptions co;
  co.pool_max_idle = 0;
  Client client(co);
  const std::string url = server->base_url() + "/peer";
  EXPECT_NE(peer_of(client.get(url)), peer_of(client.get(url)));
}

TEST(HttpClientReuse, IdleConnectionsPerServerAreBounded) {
  // Three requests held at the server together need three connections; with room for one idle
  // connection, the next three together reuse one and open two.
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  int generation = 0;
  ServerOptions o;
  o.handler_threads = 4;
  Router r;
  r.get("/together", [&](const Request& req) -> Result<Response> {
    std::unique_lock lock(mu);
    const int mine = generation;
    if (++waiting == 3) {
      waiting = 0;
      ++generation;
      cv.notify_all();
    } else {
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return generation != mine; });
    }
    return api::json_ok({{"peer", req.peer}});
  });
  auto server = Server::start(o, std::move(r));
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  ClientOptions co;
  co.pool_max_idle = 1;
  Client client(co);
  std::mutex peers_mu;
  std::set<std::string> peers;
  auto three_together = [&] {
    std::vector<std::thread> callers;
    for (int i = 0; i < 3; ++i) {
      callers.emplace_back([&] {
        std::string p = peer_of(client.get((*server)->base_url() + "/together"));
        std::lock_guard lock(peers_mu);
        peers.insert(p);
      });
    }
    for (auto& t : callers) t.join();
  };
  three_together();
  EXPECT_EQ(peers.size(), 3u);
  three_together();
  EXPECT_EQ(peers.size(), 5u);
}

// ---- A scripted server: each accepted connection is handed to the test's script ----

// Reads one request (head and Content-Length body). "" when the peer closed first.
std::string read_request(int fd) {
  std::string in;
  char buf[4096];
  size_t need = std::string::npos;
  while (need == std::string::npos || in.size() < need) {
    if (need == std::string::npos) {
      const size_t end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        const size_t cl = in.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(in.substr(cl + 16));
        need = end + 4 + length;
        continue;
      }
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return "";
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

void answer(int fd, const std::string& status_line = "HTTP/1.1 200 OK",
            const std::string& extra = "") {
  const std::string body = R"({"ok":true})";
  const std::string out = status_line + "\r\nContent-Type: application/json\r\n" + extra +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
}

class ScriptedServer {
 public:
  // `script(fd, n)` serves the n-th accepted connection (from 0) and returns; the server then
  // closes it.
  explicit ScriptedServer(std::function<void(int, int)> script) : script_(std::move(script)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
      for (int n = 0;; ++n) {
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) return;
        accepted_ = n + 1;
        connections_.emplace_back([this, fd, n] {
          timeval tv{10, 0};
          ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
          script_(fd, n);
          ::close(fd);
          std::lock_guard lock(mu_);
          ++finished_;
          cv_.notify_all();
        });
      }
    });
  }
  ~ScriptedServer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    for (auto& t : connections_) t.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int accepted() const { return accepted_; }
  // Waits until `n` connections have been served and closed.
  bool wait_finished(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return finished_ >= n; });
  }

 private:
  std::function<void(int, int)> script_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // touched by the acceptor thread only, then joined
  std::mutex mu_;
  std::condition_variable cv_;
  int finished_ = 0;
};

// Connection 0 answers one request, then reads the first bytes of the next one and closes:
// the race of a server's idle timer firing just as a request arrives. Later connections answer
// everything. `requests` counts requests that reached a script.
struct ClosesOnSecondRequest {
  std::atomic<int> requests{0};
  ScriptedServer server{[this](int fd, int n) {
    if (n == 0) {
      if (read_request(fd).empty()) return;
      ++requests;
      answer(fd);
      char some[8];
      if (::recv(fd, some, sizeof(some), 0) > 0) ++requests;
      return;
    }
    while (!read_request(fd).empty()) {
      ++requests;
      answer(fd);
    }
  }};
};

TEST(HttpClientResend, GetIsResentOnANewConnectionAfterAStaleOneFails) {
  ClosesOnSecondRequest s;
  Client client;
  ASSERT_TRUE(client.get(s.server.url("/a")).ok());
  auto r = client.get(s.server.url("/b"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(s.requests.load(), 3);
  EXPECT_EQ(s.server.accepted(), 2);
}

TEST(HttpClientResend, PostIsNotResentUnlessMarkedIdempotent) {
  ClosesOnSecondRequest s;
  Client client;
  ASSERT_TRUE(client.post(s.server.url("/a"), "{}").ok());
  auto r = client.post(s.server.url("/b"), R"({"x":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << r.status().to_string();
  EXPECT_EQ(s.requests.load(), 2);
  EXPECT_EQ(s.server.accepted(), 1);

  ClosesOnSecondRequest marked;
  Client marked_client;
  ASSERT_TRUE(marked_client.post(marked.server.url("/a"), "{}").ok());
  ClientRequest again{"POST", marked.server.url("/b"), {}, R"({"x":1})", {}};
  again.idempotent = true;
  auto ok = marked_client.request(again);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(marked.requests.load(), 3);
}

TEST(HttpClientResend, ATimeoutIsNotResent) {
  std::atomic<int> requests{0};
  std::atomic<bool> release{false};
  ScriptedServer server([&](int fd, int) {
    while (!read_request(fd).empty()) {
      if (++requests == 2) {
        // Hold the answer until the client has given up.
        for (int i = 0; i < 1000 && !release; ++i) idle_for(milliseconds(10));
        return;
      }
      answer(fd);
    }
  });
  ClientOptions co;
  co.timeout = milliseconds(300);
  Client client(co);
  ASSERT_TRUE(client.get(server.url("/a")).ok());
  auto r = client.get(server.url("/b"));
  release = true;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout) << r.status().to_string();
  EXPECT_EQ(server.accepted(), 1);
}

// A call waiting on a server that never answers (a partition that drops packets silently) ends
// soon after its stop flag is set, with Cancelled, long before its timeout; it is not resent, and
// the client's next call works.
TEST(HttpClientCancel, ASetStopFlagEndsACallThatWaitsForAnAnswer) {
  std::atomic<bool> release{false};
  std::atomic<int> requests{0};
  ScriptedServer server([&](int fd, int) {
    while (!read_request(fd).empty()) {
      if (++requests == 1) {
        for (int i = 0; i < 1000 && !release; ++i) idle_for(milliseconds(10));
        return;
      }
      answer(fd);
    }
  });
  ClientOptions co;
  co.timeout = std::chrono::minutes(10);
  co.retry = BackoffOptions{};
  Client client(co);
  std::atomic<bool> stop{false};
  ClientRequest req{"GET", server.url("/slow"), {}, {}, {}};
  req.cancel = &stop;
  std::thread stopper([&] {
    while (requests.load() == 0) idle_for(milliseconds(5));
    stop = true;
  });
  auto r = client.request(req);
  stopper.join();
  release = true;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCancelled) << r.status().to_string();
  EXPECT_NE(r.status().message().find("cancelled while waiting for the answer"), std::string::npos)
      << r.status().to_string();
  EXPECT_EQ(server.accepted(), 1);
  auto next = client.get(server.url("/fast"));
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  EXPECT_EQ(next->status, 200);
}

// A flag already set stops the call before it connects.
TEST(HttpClientCancel, AFlagSetBeforeTheCallEndsItWithoutAnAnswer) {
  ScriptedServer server([&](int fd, int) {
    while (!read_request(fd).empty()) answer(fd);
  });
  Client client;
  std::atomic<bool> stop{true};
  ClientRequest req{"GET", server.url("/a"), {}, {}, {}};
  req.cancel = &stop;
  auto r = client.request(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCancelled) << r.status().to_string();
}

TEST(HttpClientPool, APeerClosedConnectionIsDetectedBeforeReuse) {
  // The server answers one request per connection, keep-alive promised, then closes.
  ScriptedServer server([](int fd, int) {
    if (!read_request(fd).empty()) answer(fd);
  });
  Client client;
  ASSERT_TRUE(client.post(server.url("/a"), "{}").ok());
  ASSERT_TRUE(server.wait_finished(1));
  // A POST is never resent: it succeeds only if the closed connection was not tried.
  auto r = client.post(server.url("/b"), "{}");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientPool, ConnectionCloseAndHttp10AnswersAreNotPooled) {
  // The server keeps every connection open and answers all its requests, so only the client's
  // choice decides whether a connection is used again.
  for (const auto& [status_line, extra] : std::vector<std::pair<std::string, std::string>>{
           {"HTTP/1.1 200 OK", "Connection: close\r\n"},
           {"HTTP/1.0 200 OK", ""},
           {"HTTP/1.1 200 OK", ""}}) {
    ScriptedServer server([&](int fd, int) {
      while (!read_request(fd).empty()) answer(fd, status_line, extra);
    });
    Client client;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.get(server.url("/x")).ok());
    EXPECT_EQ(server.accepted(),
              extra.empty() && status_line.find("1.1") != std::string::npos ? 1 : 3)
        << status_line << " " << extra;
  }
}

// ---- URLs ----

TEST(HttpUrl, WellFormedUrlsAreTakenApart) {
  auto u = parse_url("http://127.0.0.1:7400/api/v1/nodes?dc=dc1#frag");
  ASSERT_TRUE(u.ok()) << u.status().to_string();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 7400);
  EXPECT_EQ(u->target, "/api/v1/nodes?dc=dc1");
  auto v6 = parse_url("HTTPS://[::1]:9043");
  ASSERT_TRUE(v6.ok()) << v6.status().to_string();
  EXPECT_EQ(v6->scheme, "https");
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target, "/");
  EXPECT_EQ(v6->authority(), "[::1]:9043");
  EXPECT_EQ(parse_url("https://example.org?x=1")->port, 443);
  EXPECT_EQ(parse_url("https://example.org?x=1")->target, "/?x=1");
  EXPECT_EQ(parse_url("http://example.org/")->port, 80);
}

TEST(HttpUrl, MalformedUrlsAreRefusedAndSayWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://127.0.0.1:", "empty port"},
      {"http://127.0.0.1:/x", "empty port"},
      {"http://127.0.0.1:abc", "not a number"},
      {"http://127.0.0.1:70000", "not a number from 1 to 65535"},
      {"http://127.0.0.1:0", "not a number from 1 to 65535"},
      {"http://127.0.0.1:-1", "not a number"},
      {"http://:7400/x", "no host"},
      {"http:///x", "no host"},
      {"ftp://127.0.0.1/", "only http and https"},
      {"127.0.0.1:7400", "not an absolute"},
      {"not a url", "spaces"},
      {"http://user@host/", "user info"},
      {"http://[::1/", "unclosed"},
  };
  for (const auto& [url, why] : cases) {
    auto u = parse_url(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_EQ(u.status().code(), ErrorCode::kInvalidArgument) << url;
    EXPECT_NE(u.status().message().find(why), std::string::npos) << u.status().message();
    auto r = Client().get(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << url;
  }
}

// ---- Answers, timeouts and retries ----

TEST(HttpClient, RefusedConnectionIsUnavailable) {
  uint16_t port;
  {
    auto s = serve(Router());
    port = s->bound_port();
  }
  auto r = Client().get("http://127.0.0.1:" + std::to_string(port) + "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
}

TEST(HttpClient, MalformedUrlIsInvalidArgument) {
  auto r = Client().get("not a url");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpClient, SlowServerIsTimeout) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  Router r;
  r.get("/slow", [&](const Request&) -> Result<Response> {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    return api::json_ok({});
  });
  auto server = serve(std::move(r));
  ClientOptions co;
  co.timeout = std::chrono::milliseconds(200);
  auto res = Client(co).get(server->base_url() + "/slow");
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), ErrorCode::kTimeout) << res.status().to_string();
}

TEST(HttpClient, RetriesUnavailableResponsesWithBackoff) {
  std::atomic<int> calls{0};
  Router r;
  r.get("/flaky", [&](const Request&) -> Result<Response> {
    if (++calls < 3) return Status::Unavailable("warming up");
    return api::json_ok({{"calls", calls.load()}});
  });
  auto server = serve(std::move(r));
  std::vector<std::chrono::milliseconds> waits;
  ClientOptions co;
  co.retry = BackoffOptions{.max_attempts = 5, .initial_delay = std::chrono::milliseconds(10)};
  co.sleep = [&](std::chrono::milliseconds d) { waits.push_back(d); };
  auto res = Client(co).get(server->base_url() + "/flaky");
  ASSERT_TRUE(res.ok()) << res.status().to_string();
  EXPECT_EQ(nlohmann::json::parse(res->body)["calls"], 3);
  EXPECT_EQ(waits.size(), 2u);
}

TEST(HttpClient, DoesNotRetryPostByDefault) {
  std::atomic<int> calls{0};
  Router r;
  r.post(
      "/flaky",
      [&](const Request&) -> Result<Response> {
        ++calls;
        return Status::Unavailable("warming up");
      },
      RoleSet::open());
  auto server = serve(std::move(r));
  ClientOptions co;
  co.retry = BackoffOptions{};
  co.sleep = [](std::chrono::milliseconds) {};
  auto res = Client(co).post(server->base_url() + "/flaky", "{}");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace rk::http
