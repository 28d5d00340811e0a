// Test support for rk-scheduler's REST tests: a SchedulerProcess on 127.0.0.1 port 0 over a
// throwaway database, called over real HTTP with the test tokens.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "db/test_db.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/registration.h"
#include "ringkeeper/scheduler/scheduler_process.h"

namespace rk::scheduler::testing {

inline const std::string kAgentToken = "agent-secret-0123456789";
inline const std::string kOperatorToken = "alice-secret-0123456789";  // alice, operator
inline const std::string kReaderToken = "grafana-secret-0123456789";  // grafana, readonly

class SchedulerApiTest : public ::testing::Test {
 protected:
  // Port 0, a database in the test's directory, racks r1..r3 and the three test tokens.
  SchedulerOptions base_options() const {
    SchedulerOptions o;
    o.api.port = 0;
    o.database.path = dir_.file("api.db");
    o.database.synchronous = "NORMAL";
    o.datacenter_racks = {"r1", "r2", "r3"};
    o.auth.agent_token = kAgentToken;
    o.auth.tokens = {"alice:operator:" + kOperatorToken, "grafana:readonly:" + kReaderToken};
    return o;
  }

  void start(const SchedulerOptions& o) {
    auto p = SchedulerProcess::start(o, clock_);
    ASSERT_TRUE(p.ok()) << p.status().to_string();
    process_ = std::move(p).value();
    base_ = "http://127.0.0.1:" + std::to_string(process_->port());
  }

  http::Response call(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& token = "") {
    http::ClientRequest req{method, base_ + path, {}, body, {}};
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    auto r = client_.request(req);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : http::Response{};
  }

  static nlohmann::json parsed(const http::Response& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  // The body agent n (host-n, ports 7100+n, 7000+n and 9000+n on 127.0.0.1) registers with.
  static nlohmann::json registration(int n, const std::string& rack) {
    AgentRegistration r;
    r.host_id = "host-" + std::to_string(n);
    r.cluster = "ringkeeper";
    r.datacenter = "dc1";
    r.rack = rack;
    r.version = "0.1.0";
    r.addresses = {"127.0.0.1:" + std::to_string(7100 + n), "127.0.0.1:" + std::to_string(7000 + n),
                   "127.0.0.1:" + std::to_string(9000 + n)};
    return registration_body(r);
  }

  // The error shape: {"error": word, "detail": text} and nothing else.
  static void expect_error(const http::Response& r, int status, const std::string& error) {
    EXPECT_EQ(r.status, status) << r.body;
    nlohmann::json body = parsed(r);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("error", ""), error) << r.body;
    EXPECT_TRUE(body.contains("detail"));
    EXPECT_EQ(body.size(), 2u) << r.body;
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<SchedulerProcess> process_;
  std::string base_;
  http::Client client_;
};

}  // namespace rk::scheduler::testing
