// The HTTP server and client together: a real server on 127.0.0.1 port 0, requests through
// rk::http::Client.
#include "ringkeeper/core/http_server.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/testing/raw_http.h"
#include "ringkeeper/core/testing/test_pki.h"

namespace rk::http {
namespace {

using nlohmann::json;

constexpr auto kDeadline = std::chrono::seconds(10);
const std::string kAliceToken = "alice-token-0123456789";
const std::string kAgentToken = "agent-token-0123456789";
const std::string kReaderToken = "reader-token-0123456789";

std::string temp_dir(const std::string& name) {
  static std::atomic<int> n{0};
  std::string dir = ::testing::TempDir() + "/rk_http_" + std::to_string(::getpid()) + "_" +
                    std::to_string(n++) + "_" + name;
  std::filesystem::create_directories(dir);
  return dir;
}

const api::Spec kCreateNode = {
    {"name", api::Type::kString, api::kRequired},
    {"num_tokens", api::Type::kInteger},
};

Router test_router() {
  Router r;
  r.get("/api/v1/nodes/{id}", [](const Request& req) -> Result<Response> {
    return api::json_ok({{"id", req.path_param("id")}});
  });
  r.get("/api/v1/nodes/self", [](const Request&) -> Result<Response> {
    return api::json_ok({{"self", true}});
  });
  r.del("/api/v1/nodes/{id}", [](const Request& req) -> Result<Response> {
    return api::json_ok({{"deleted", req.path_param("id")}});
  });
  r.post("/api/v1/nodes", [](const Request& req) -> Result<Response> {
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kCreateNode));
    return api::json_response(201, {{"name", body["name"]}, {"by", req.principal}});
  });
  r.post(
      "/api/v1/heartbeat",
      [](const Request& req) -> Result<Response> {
        return api::json_ok({{"by", req.principal}});
      },
      RoleSet{Role::kAgent});
  r.get("/ui/{path...}", [](const Request& req) -> Result<Response> {
    return api::json_ok({{"path", req.path_param("path")}});
  });
  r.get("/search", [](const Request& req) -> Result<Response> {
    const std::string* q = req.query_param("q");
    return api::json_ok({{"q", q ? *q : ""}});
  });
  r.get("/whoami", [](const Request& req) -> Result<Response> {
    return api::json_ok({{"peer", req.peer}, {"subject", req.peer_certificate_subject}});
  });
  r.get("/boom", [](const Request&) -> Result<Response> {
    throw std::runtime_error("secret internal detail");
  });
  r.get("/missing", [](const Request&) -> Result<Response> {
    return Status::NotFound("node n9 is not registered");
  });
  return r;
}

std::unique_ptr<Server> start_server(ServerOptions o, Router r = test_router()) {
  auto server = Server::start(std::move(o), std::move(r));
  EXPECT_TRUE(server.ok()) << server.status().to_string();
  return server.ok() ? std::move(server).value() : nullptr;
}

json body_of(const Result<Response>& r) {
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return json();
  json j = json::parse(r->body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r->body;
  return j;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = start_server(ServerOptions{}); }
  std::string url(const std::string& path) const { return server_->base_url() + path; }

  std::unique_ptr<Server> server_;
  Client client_;
};

TEST_F(HttpServerTest, RoutesWithPathParameters) {
  auto r = client_.get(url("/api/v1/nodes/n1"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(body_of(r)["id"], "n1");
}

TEST_F(HttpServerTest, PathParametersArePercentDecoded) {
  EXPECT_EQ(body_of(client_.get(url("/api/v1/nodes/a%20b%2Fc")))["id"], "a b/c");
}

TEST_F(HttpServerTest, LiteralSegmentWinsOverParameter) {
  EXPECT_EQ(body_of(client_.get(url("/api/v1/nodes/self")))["self"], true);
}

TEST_F(HttpServerTest, RestParameterTakesRemainingSegments) {
  EXPECT_EQ(body_of(client_.get(url("/ui/js/app.js")))["path"], "js/app.js");
}

TEST_F(HttpServerTest, QueryParametersAreDecoded) {
  EXPECT_EQ(body_of(client_.get(url("/search?x=1&q=dc%201+r2")))["q"], "dc 1 r2");
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  auto r = client_.get(url("/api/v1/nope"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_of(r)["error"], "not_found");
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  auto r = client_.put(url("/api/v1/nodes/n1"), "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(body_of(r)["error"], "method_not_allowed");
  EXPECT_EQ(r->headers["Allow"], "DELETE, GET, HEAD, OPTIONS");
}

TEST_F(HttpServerTest, MalformedJsonIs400) {
  auto r = client_.post(url("/api/v1/nodes"), R"({"name": "n1",)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  json b = body_of(r);
  EXPECT_EQ(b["error"], "invalid_argument");
  EXPECT_NE(b["detail"].get<std::string>().find("malformed JSON"), std::string::npos);
}

TEST_F(HttpServerTest, UnknownFieldIs400NamingTheField) {
  auto r = client_.post(url("/api/v1/nodes"), R"({"name": "n1", "nmu_tokens": 4})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("'nmu_tokens'"), std::string::npos);
}

TEST_F(HttpServerTest, ValidBodyIsAccepted) {
  auto r = client_.post(url("/api/v1/nodes"), R"({"name": "n1", "num_tokens": 4})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(body_of(r)["name"], "n1");
}

TEST_F(HttpServerTest, HandlerStatusBecomesMappedJsonError) {
  auto r = client_.get(url("/missing"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_of(r), json({{"error", "not_found"}, {"detail", "node n9 is not registered"}}));
  Status s = api::status_from_response(*r);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithoutDetails) {
  auto r = client_.get(url("/boom"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(body_of(r)["error"], "internal");
  EXPECT_EQ(r->body.find("secret internal detail"), std::string::npos);
  // The server is still serving.
  EXPECT_EQ(client_.get(url("/api/v1/nodes/n2"))->status, 200);
}

TEST_F(HttpServerTest, MalformedHttpIs400Json) {
  std::string out = testing::raw_http_exchange(server_->bound_port(), "NOT HTTP\r\n\r\n", "}");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find(R"("error":"invalid_argument")"), std::string::npos) << out;
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponse) {
  // The client waits for "100 Continue" before sending the body; without it, this would hang
  // until the receive timeout.
  std::string body = R"({"name": "n1"})";
  int fd_port = server_->bound_port();
  std::string head =
      "POST /api/v1/nodes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::string interim =
      testing::raw_http_exchange(static_cast<uint16_t>(fd_port), head, "\r\n\r\n");
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0u) << interim;
}

TEST_F(HttpServerTest, CallJsonReturnsBodiesAndMapsErrorsBack) {
  auto ok = api::call_json(client_, "POST", url("/api/v1/nodes"), {{"name", "n7"}});
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ((*ok)["name"], "n7");
  auto missing = api::call_json(client_, "GET", url("/missing"));
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "HTTP 404: node n9 is not registered");
  auto bad = api::call_json(client_, "POST", url("/api/v1/nodes"), {{"nmae", "n7"}});
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(HttpServerTest, KeepAliveReusesTheConnection) {
  // Sequential requests of one client share one kept-alive connection.
  std::set<std::string> peers;
  for (int i = 0; i < 20; ++i) peers.insert(body_of(client_.get(url("/whoami")))["peer"]);
  EXPECT_LE(peers.size(), 5u);
}

TEST(HttpServer, OversizedBodyIs413) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  auto server = start_server(o);
  Client client;
  std::string big = R"({"name": ")" + std::string(4096, 'x') + R"("})";
  auto r = client.post(server->base_url() + "/api/v1/nodes", big);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(body_of(r)["error"], "payload_too_large");
  // A body at the limit still passes.
  std::string fits = R"({"name": ")" + std::string(1000, 'x') + R"("})";
  EXPECT_EQ(client.post(server->base_url() + "/api/v1/nodes", fits)->status, 201);
}

TEST(HttpServer, InlineHandlersServeAndFailSafely) {
  ServerOptions o;
  o.handler_threads = 0;
  auto server = start_server(o);
  Client client;
  EXPECT_EQ(body_of(client.get(server->base_url() + "/api/v1/nodes/n1"))["id"], "n1");
  EXPECT_EQ(client.get(server->base_url() + "/boom")->status, 500);
}

TEST(HttpServer, TheObserverHearsEveryRequestWithItsRoutePattern) {
  ServerOptions o;
  o.name = "observed";
  std::mutex mu;
  std::vector<std::string> heard;
  o.on_request = [&](const RequestRecord& r) {
    std::lock_guard lock(mu);
    heard.push_back(std::string(r.listener) + " " + std::string(r.method) + " " +
                    std::string(r.route) + " " + std::to_string(r.status) +
                    (r.micros >= 0 ? "" : " negative"));
  };
  auto server = start_server(o);
  Client client;
  ASSERT_TRUE(client.get(server->base_url() + "/api/v1/nodes/n1").ok());
  ASSERT_TRUE(client.get(server->base_url() + "/nowhere").ok());
  // The observer runs before the answer is written, so both are heard by now.
  std::lock_guard lock(mu);
  EXPECT_EQ(heard,
            (std::vector<std::string>{"observed GET /api/v1/nodes/{id} 200", "observed GET  404"}));
}

TEST(HttpServer, PortZeroIsReportedAndWrittenToPortFile) {
  ServerOptions o;
  o.port_file = temp_dir("port") + "/api.port";
  auto server = start_server(o);
  ASSERT_NE(server->bound_port(), 0);
  std::ifstream in(o.port_file);
  int port = 0;
  in >> port;
  EXPECT_EQ(port, server->bound_port());
}

TEST(HttpServer, BindingATakenPortFails) {
  auto first = start_server(ServerOptions{});
  ServerOptions o;
  o.port = first->bound_port();
  auto second = Server::start(o, Router());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kIOError);
}

TEST(HttpServer, ServesConcurrentRequestsInParallel) {
  // Two handlers must be inside at once for either to return quickly: proves the pool runs them
  // in parallel. The wait has a deadline so a failure cannot hang the test.
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  Router r = test_router();
  r.get("/rendezvous", [&](const Request&) -> Result<Response> {
    std::unique_lock<std::mutex> lock(mu);
    ++inside;
    cv.notify_all();
    bool met = cv.wait_for(lock, kDeadline, [&] { return inside >= 2; });
    return api::json_ok({{"met", met}});
  });
  ServerOptions o;
  o.handler_threads = 4;
  o.io_threads = 2;
  auto server = start_server(o, std::move(r));
  Client client;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      if (body_of(client.get(server->base_url() + "/rendezvous"))["met"] == true) ++good;
    });
  }
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        if (body_of(client.get(server->base_url() + "/api/v1/nodes/" + id))["id"] == id) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 2 + 6 * 20);
}

TEST(HttpServer, StopLetsARunningRequestFinish) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  Router r;
  r.get("/slow", [&](const Request&) -> Result<Response> {
    std::unique_lock<std::mutex> lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait_for(lock, kDeadline, [&] { return release; });
    return api::json_ok({{"done", true}});
  });
  auto server = start_server(ServerOptions{}, std::move(r));
  Client client;
  Result<Response> result = Status::Internal("not run");
  std::thread caller([&] { result = client.get(server->base_url() + "/slow"); });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return entered; }));
  }
  std::thread stopper([&] { server->stop(); });
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  caller.join();
  stopper.join();
  EXPECT_EQ(body_of(result)["done"], true);
  // Stopped: new connections are refused.
  auto after = Client().get(server->base_url() + "/slow");
  EXPECT_FALSE(after.ok());
}

// ---- Authentication ----

class HttpAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tokens = BearerTokens::create({{"alice", kAliceToken, Role::kOperator},
                                        {"agent-1", kAgentToken, Role::kAgent},
                                        {"reader", kReaderToken, Role::kReadonly}});
    ASSERT_TRUE(tokens.ok()) << tokens.status().to_string();
    ServerOptions o;
    o.tokens = std::make_shared<BearerTokens>(std::move(tokens).value());
    server_ = start_server(o);
  }
  Result<Response> post_as(const std::string& token, const std::string& path,
                           const std::string& body) {
    ClientOptions co;
    co.bearer_token = token;
    return Client(co).post(server_->base_url() + path, body);
  }
  std::unique_ptr<Server> server_;
};

TEST_F(HttpAuthTest, MissingTokenIs401) {
  auto r = post_as("", "/api/v1/nodes", R"({"name": "n1"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(body_of(r)["error"], "unauthenticated");
  EXPECT_EQ(r->headers["WWW-Authenticate"], "Bearer");
}

TEST_F(HttpAuthTest, WrongTokenIs401) {
  auto r = post_as("not-a-real-token-123456", "/api/v1/nodes", R"({"name": "n1"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body.find("not-a-real-token"), std::string::npos);
}

TEST_F(HttpAuthTest, RightTokenPassesAndNamesThePrincipal) {
  auto r = post_as(kAliceToken, "/api/v1/nodes", R"({"name": "n1"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(body_of(r)["by"], "alice");
}

TEST_F(HttpAuthTest, TokenWithoutTheRoleIs403) {
  auto r = post_as(kReaderToken, "/api/v1/nodes", R"({"name": "n1"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(body_of(r)["error"], "permission_denied");
}

TEST_F(HttpAuthTest, RouteCanNameItsOwnRoles) {
  EXPECT_EQ(post_as(kAgentToken, "/api/v1/heartbeat", "{}")->status, 200);
  EXPECT_EQ(post_as(kAliceToken, "/api/v1/heartbeat", "{}")->status, 403);
}

TEST_F(HttpAuthTest, ReadsAreOpenByDefault) {
  EXPECT_EQ(Client().get(server_->base_url() + "/api/v1/nodes/n1")->status, 200);
}

TEST_F(HttpAuthTest, TokensNeverAppearInLogs) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  EXPECT_TRUE(post_as(kAliceToken, "/api/v1/nodes", R"({"name": "n1"})").ok());
  EXPECT_TRUE(post_as("wrong-token-abcdefghijkl", "/api/v1/nodes", R"({"name": "n1"})").ok());
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("alice"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find(kAliceToken), std::string::npos);
  EXPECT_EQ(log.str().find("wrong-token"), std::string::npos);
}

TEST(HttpServer, TheObserverHearsWhoWasRefusedAndWhy) {
  auto tokens = BearerTokens::create(
      {{"alice", kAliceToken, Role::kOperator}, {"reader", kReaderToken, Role::kReadonly}});
  ASSERT_TRUE(tokens.ok()) << tokens.status().to_string();
  ServerOptions o;
  o.tokens = std::make_shared<BearerTokens>(std::move(tokens).value());
  std::mutex mu;
  std::vector<std::string> heard;
  o.on_request = [&](const RequestRecord& r) {
    std::lock_guard lock(mu);
    heard.push_back(std::string(r.principal) + "|" + std::string(r.path) + "|" +
                    std::to_string(r.status) + "|" + std::string(r.detail));
  };
  auto server = start_server(o);
  auto post_as = [&](const std::string& token, const std::string& body) {
    ClientOptions co;
    co.bearer_token = token;
    return Client(co).post(server->base_url() + "/api/v1/nodes", body);
  };
  ASSERT_TRUE(post_as(kReaderToken, R"({"name": "n1"})").ok());
  ASSERT_TRUE(post_as(kAliceToken, R"({"name": 7})").ok());
  ASSERT_TRUE(post_as(kAliceToken, R"({"name": "n1"})").ok());
  // A body over the limit is refused before it is read; the observer hears that too.
  auto big = post_as(kAliceToken, std::string(o.max_body_bytes + 1, ' '));
  ASSERT_TRUE(big.ok()) << big.status().to_string();
  EXPECT_EQ(big->status, 413);
  std::lock_guard lock(mu);
  ASSERT_EQ(heard.size(), 4u);
  EXPECT_EQ(heard[3].rfind("alice|/api/v1/nodes|413|request body exceeds", 0), 0u) << heard[3];
  EXPECT_EQ(heard[0].rfind("reader|/api/v1/nodes|403|", 0), 0u) << heard[0];
  EXPECT_GT(heard[0].size(), std::string("reader|/api/v1/nodes|403|").size()) << heard[0];
  EXPECT_EQ(heard[1].rfind("alice|/api/v1/nodes|400|", 0), 0u) << heard[1];
  EXPECT_NE(heard[1].find("name"), std::string::npos) << heard[1];
  EXPECT_EQ(heard[2], "alice|/api/v1/nodes|201|");
}

// ---- TLS ----

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("tls");
    auto pki = testing::make_test_pki(dir_ + "/pki");
    ASSERT_TRUE(pki.ok()) << pki.status().to_string();
    pki_ = *pki;
    auto other = testing::make_test_pki(dir_ + "/other");
    ASSERT_TRUE(other.ok()) << other.status().to_string();
    other_ = *other;
  }
  ServerOptions tls_options() const {
    ServerOptions o;
    o.tls_cert_file = pki_.server.cert;
    o.tls_key_file = pki_.server.key;
    return o;
  }
  std::string dir_;
  testing::TestPki pki_, other_;
};

TEST_F(HttpTlsTest, HttpsWithTrustedCa) {
  auto server = start_server(tls_options());
  ASSERT_EQ(server->base_url().substr(0, 8), "https://");
  ClientOptions co;
  co.tls_ca_file = pki_.ca.cert;
  auto r = Client(co).get(server->base_url() + "/api/v1/nodes/n1");
  EXPECT_EQ(body_of(r)["id"], "n1");
}

TEST_F(HttpTlsTest, WrongCaIsRefused) {
  auto server = start_server(tls_options());
  ClientOptions co;
  co.tls_ca_file = other_.ca.cert;
  auto r = Client(co).get(server->base_url() + "/api/v1/nodes/n1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("TLS handshake failed"), std::string::npos)
      << r.status().message();
}

TEST_F(HttpTlsTest, PlainHttpToTlsListenerFails) {
  auto server = start_server(tls_options());
  std::string plain = "http://127.0.0.1:" + std::to_string(server->bound_port());
  ClientOptions co;
  co.timeout = std::chrono::milliseconds(3000);
  auto r = Client(co).get(plain + "/api/v1/nodes/n1");
  EXPECT_TRUE(!r.ok() || r->status == 400) << r->status;
}

TEST_F(HttpTlsTest, ClientCertificateRequiredAndVerified) {
  ServerOptions o = tls_options();
  o.tls_ca_file = pki_.ca.cert;
  o.tls_require_client_cert = true;
  auto server = start_server(o);

  ClientOptions without;
  without.tls_ca_file = pki_.ca.cert;
  EXPECT_FALSE(Client(without).get(server->base_url() + "/whoami").ok());

  ClientOptions foreign = without;
  foreign.tls_cert_file = other_.client.cert;
  foreign.tls_key_file = other_.client.key;
  EXPECT_FALSE(Client(foreign).get(server->base_url() + "/whoami").ok());

  ClientOptions with = without;
  with.tls_cert_file = pki_.client.cert;
  with.tls_key_file = pki_.client.key;
  auto r = Client(with).get(server->base_url() + "/whoami");
  EXPECT_NE(body_of(r)["subject"].get<std::string>().find("CN=rk-test-client"), std::string::npos);
}

TEST_F(HttpTlsTest, MissingKeyFileIsAStartError) {
  ServerOptions o = tls_options();
  o.tls_key_file = dir_ + "/nope.key";
  auto server = Server::start(o, Router());
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::http
