// The HTTP server's edge, spoken to over raw sockets: strict request framing (nothing after a
// refused request is ever read as a request), HEAD and OPTIONS, and load shedding (a full handler
// queue and too many connections are answered 503 with Retry-After at once).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/testing/raw_http.h"

namespace rk::http {
namespace {

using rk::testing::raw_http_exchange;
using rk::testing::RawConnection;
using rk::testing::response_header;
using rk::testing::response_statuses;

constexpr std::chrono::milliseconds kDeadline{10'000};

// A router with a counter behind every route, so a test can tell that a smuggled request never
// reached a handler.
struct CountingRoutes {
  std::atomic<int> whoami{0};
  std::atomic<int> posts{0};

  Router router() {
    Router r;
    r.get("/api/v1/whoami", [this](const Request&) -> Result<Response> {
      ++whoami;
      return api::json_ok({{"who", "anyone"}});
    });
    r.post(
        "/api/v1/nodes",
        [this](const Request& req) -> Result<Response> {
          ++posts;
          return api::json_response(201, {{"bytes", req.body.size()}});
        },
        RoleSet::open());
    r.del(
        "/api/v1/nodes/{id}", [](const Request&) -> Result<Response> { return api::json_ok({}); },
        RoleSet::open());
    r.get("/api/v1/nodes/{id}", [](const Request& req) -> Result<Response> {
      return api::json_ok({{"id", req.path_param("id")}});
    });
    r.get("/api/v1/busy", [](const Request&) -> Result<Response> {
      return Status::Unavailable("replicas are down");
    });
    return r;
  }
};

class HttpEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Server::start(ServerOptions{}, routes_.router());
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    server_ = std::move(s).value();
  }

  // Sends `bytes` on one connection and reads until the server closes it.
  std::unique_ptr<RawConnection> exchange_until_closed(const std::string& bytes) {
    auto c = std::make_unique<RawConnection>(server_->bound_port());
    EXPECT_TRUE(c->send(bytes));
    c->read_until_closed(kDeadline);
    return c;
  }

  CountingRoutes routes_;
  std::unique_ptr<Server> server_;
};

const std::string kSmuggled = "GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n";

std::string post_with_transfer_encoding(const std::string& te_lines) {
  return "POST /api/v1/nodes HTTP/1.1\r\nHost: x\r\n" + te_lines + "\r\n" + kSmuggled;
}

TEST_F(HttpEdgeTest, ASmuggledRequestBehindAnUnknownTransferEncodingIsNeverAnswered) {
  for (const char* te : {"gzip", "identity", "chunked, identity", "gzip, chunked"}) {
    auto c = exchange_until_closed(
        post_with_transfer_encoding("Transfer-Encoding: " + std::string(te) + "\r\n"));
    EXPECT_TRUE(c->closed()) << te;
    EXPECT_EQ(response_statuses(c->received()), std::vector<int>{501}) << te << c->received();
    EXPECT_NE(c->received().find(R"("error":"not_implemented")"), std::string::npos);
  }
  EXPECT_EQ(routes_.whoami.load(), 0);
  EXPECT_EQ(routes_.posts.load(), 0);
}

TEST_F(HttpEdgeTest, AMalformedOrRepeatedTransferEncodingIs400AndCloses) {
  for (const char* lines : {"Transfer-Encoding: chunked, chunked\r\n",
                            "Transfer-Encoding: chunked;x=1\r\n", "Transfer-Encoding: ,chunked\r\n",
                            "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"}) {
    auto c = exchange_until_closed(post_with_transfer_encoding(lines));
    EXPECT_TRUE(c->closed()) << lines;
    EXPECT_EQ(response_statuses(c->received()), std::vector<int>{400}) << lines << c->received();
  }
  EXPECT_EQ(routes_.whoami.load(), 0);
}

TEST_F(HttpEdgeTest, ContentLengthBesideTransferEncodingIs400AndCloses) {
  for (const char* lines : {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                            "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"}) {
    auto c = exchange_until_closed(post_with_transfer_encoding(lines));
    EXPECT_TRUE(c->closed()) << lines;
    EXPECT_EQ(response_statuses(c->received()), std::vector<int>{400}) << lines << c->received();
  }
  EXPECT_EQ(routes_.whoami.load(), 0);
  EXPECT_EQ(routes_.posts.load(), 0);
}

TEST_F(HttpEdgeTest, FoldedHeaderLinesAre400AndClose) {
  auto c = exchange_until_closed(
      "GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n" + kSmuggled);
  EXPECT_TRUE(c->closed());
  EXPECT_EQ(response_statuses(c->received()), std::vector<int>{400}) << c->received();
  EXPECT_NE(c->received().find("obs-fold"), std::string::npos);
  EXPECT_EQ(routes_.whoami.load(), 0);
}

TEST_F(HttpEdgeTest, ChunkedBodiesAreStillServedAndKeepTheConnection) {
  RawConnection c(server_->bound_port());
  ASSERT_TRUE(
      c.send("POST /api/v1/nodes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n0\r\n\r\n" +
             kSmuggled));
  ASSERT_TRUE(c.read_until(R"("who":"anyone")", kDeadline)) << c.received();
  EXPECT_EQ(response_statuses(c.received()), (std::vector<int>{201, 200}));
  EXPECT_NE(c.received().find(R"("bytes":5)"), std::string::npos);
  EXPECT_FALSE(c.closed());
}

TEST_F(HttpEdgeTest, Http11WithoutHostIs400) {
  auto c = exchange_until_closed("GET /api/v1/whoami HTTP/1.1\r\n\r\n");
  EXPECT_EQ(response_statuses(c->received()), std::vector<int>{400}) << c->received();
  EXPECT_NE(c->received().find("needs a Host header"), std::string::npos);
  EXPECT_EQ(routes_.whoami.load(), 0);
}

TEST_F(HttpEdgeTest, Http10MayOmitHost) {
  auto c = exchange_until_closed("GET /api/v1/whoami HTTP/1.0\r\n\r\n");
  EXPECT_EQ(response_statuses(c->received()), std::vector<int>{200}) << c->received();
}

TEST_F(HttpEdgeTest, SeveralHostHeadersAre400) {
  auto c = exchange_until_closed("GET /api/v1/whoami HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_EQ(response_statuses(c->received()), std::vector<int>{400}) << c->received();
  EXPECT_EQ(routes_.whoami.load(), 0);
}

TEST_F(HttpEdgeTest, OtherMajorVersionsAre400) {
  auto c = exchange_until_closed("GET /api/v1/whoami HTTP/2.0\r\nHost: a\r\n\r\n");
  EXPECT_EQ(response_statuses(c->received()), std::vector<int>{400}) << c->received();
}

TEST_F(HttpEdgeTest, HeadAnswersLikeGetWithoutTheBody) {
  const std::string get = raw_http_exchange(
      server_->bound_port(), "GET /api/v1/nodes/n1 HTTP/1.1\r\nHost: x\r\n\r\n", "}");
  const std::string get_length = response_header(get, "Content-Length");
  ASSERT_FALSE(get_length.empty()) << get;
  // HEAD then GET on one connection: the GET's status line must follow the HEAD's empty line
  // directly, which shows that no body was sent.
  RawConnection c(server_->bound_port());
  ASSERT_TRUE(
      c.send("HEAD /api/v1/nodes/n1 HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /api/v1/nodes/n1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until(R"("id":"n1")", kDeadline)) << c.received();
  const std::string& both = c.received();
  EXPECT_EQ(both.rfind("HTTP/1.1 200", 0), 0u) << both;
  EXPECT_EQ(response_header(both, "Content-Length"), get_length);
  EXPECT_EQ(response_header(both, "Content-Type"), "application/json");
  const size_t head_end = both.find("\r\n\r\n") + 4;
  EXPECT_EQ(both.compare(head_end, 12, "HTTP/1.1 200"), 0) << both;
}

TEST_F(HttpEdgeTest, HeadOnAPathWithoutGetIs405) {
  auto r = raw_http_exchange(server_->bound_port(),
                             "HEAD /api/v1/nodes HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 405", 0), 0u) << r;
  EXPECT_EQ(response_header(r, "Allow"), "OPTIONS, POST");
}

TEST_F(HttpEdgeTest, OptionsListsThePathsMethods) {
  auto r = raw_http_exchange(server_->bound_port(),
                             "OPTIONS /api/v1/nodes/n1 HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n");
  EXPECT_EQ(response_statuses(r), std::vector<int>{204}) << r;
  EXPECT_EQ(response_header(r, "Allow"), "DELETE, GET, HEAD, OPTIONS");
  EXPECT_EQ(response_header(r, "Content-Length"), "");
}

TEST_F(HttpEdgeTest, OptionsOnAnUnknownPathIs404) {
  auto r = raw_http_exchange(server_->bound_port(),
                             "OPTIONS /api/v1/nowhere HTTP/1.1\r\nHost: x\r\n\r\n", "}");
  EXPECT_EQ(response_statuses(r), std::vector<int>{404}) << r;
}

TEST_F(HttpEdgeTest, Every503CarriesRetryAfter) {
  auto r = Client().get(server_->base_url() + "/api/v1/busy");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->headers["Retry-After"], "1");
}

// ---- Load shedding ----

// A route that holds its handler thread until released (or the deadline passes).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  bool open = false;

  Handler handler() {
    return [this](const Request&) -> Result<Response> {
      std::unique_lock lock(mu);
      ++inside;
      cv.notify_all();
      cv.wait_for(lock, kDeadline, [&] { return open; });
      return api::json_ok({{"passed", true}});
    };
  }
  bool wait_inside(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kDeadline, [&] { return inside >= n; });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

const std::string kGateRequest = "GET /gate HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(HttpLoadShedding, AFullHandlerQueueIsAnswered503AtOnce) {
  Gate gate;
  Router r;
  r.get("/gate", gate.handler());
  ServerOptions o;
  o.handler_threads = 1;
  o.max_queued_requests = 1;
  auto server = Server::start(o, std::move(r));
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  const uint16_t port = (*server)->bound_port();

  RawConnection running(port);
  ASSERT_TRUE(running.send(kGateRequest));
  ASSERT_TRUE(gate.wait_inside(1));
  // Room is left for one queued request: of five more, one waits and four are refused while the
  // handler thread is still held.
  std::vector<std::unique_ptr<RawConnection>> more;
  for (int i = 0; i < 5; ++i) {
    more.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(more.back()->send(kGateRequest));
  }
  int refused = 0;
  RawConnection* queued = nullptr;
  RawConnection* turned_away = nullptr;
  for (auto& c : more) {
    if (c->read_until("}", std::chrono::milliseconds(2'000))) {
      EXPECT_EQ(response_statuses(c->received()), std::vector<int>{503}) << c->received();
      EXPECT_EQ(response_header(c->received(), "Retry-After"), "1");
      EXPECT_NE(c->received().find(R"("error":"unavailable")"), std::string::npos);
      ++refused;
      turned_away = c.get();
    } else {
      queued = c.get();
    }
  }
  EXPECT_EQ(refused, 4);
  ASSERT_NE(queued, nullptr);
  ASSERT_NE(turned_away, nullptr);
  gate.release();
  EXPECT_TRUE(running.read_until(R"("passed":true)", kDeadline)) << running.received();
  EXPECT_TRUE(queued->read_until(R"("passed":true)", kDeadline)) << queued->received();
  // A refused request leaves its connection usable, and it is served once the load is gone.
  ASSERT_TRUE(turned_away->send(kGateRequest));
  EXPECT_TRUE(turned_away->read_until(R"("passed":true)", kDeadline)) << turned_away->received();
  EXPECT_FALSE(turned_away->closed());
}

TEST(HttpLoadShedding, ConnectionsPastTheLimitAreAnswered503AndClosed) {
  Router r;
  r.get("/ping", [](const Request&) -> Result<Response> { return api::json_ok({{"pong", 1}}); });
  ServerOptions o;
  o.max_connections = 2;
  auto server = Server::start(o, std::move(r));
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  const uint16_t port = (*server)->bound_port();
  const std::string ping = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";

  // Two connections the server has certainly accepted: each has been answered.
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(open.back()->send(ping));
    ASSERT_TRUE(open.back()->read_until("pong", kDeadline)) << open.back()->received();
  }
  RawConnection third(port);
  EXPECT_TRUE(third.read_until_closed(kDeadline));  // answered without sending anything
  EXPECT_EQ(response_statuses(third.received()), std::vector<int>{503}) << third.received();
  EXPECT_EQ(response_header(third.received(), "Retry-After"), "1");
  EXPECT_NE(third.received().find("too many open connections"), std::string::npos);

  // Once a connection closes, a new one is served (the server notices the close on its own
  // time: poll).
  open.pop_back();
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < deadline) {
    RawConnection c(port);
    served = c.send(ping) && c.read_until("\r\n\r\n", kDeadline) &&
             c.received().rfind("HTTP/1.1 200", 0) == 0;
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace rk::http
