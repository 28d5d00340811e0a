// Alerts over real HTTP: agents POST state changes with the agent token, GET shows current alerts
// and history, the webhook (an in-test HTTP server) receives each change, /metrics counts them.
#include "alerts/api.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/scheduler/scheduler_process.h"
#include "db/test_db.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

const std::string kAgentToken = "agent-secret-0123456789";

// A webhook receiver: answers 500 to the first `failures` calls, then 200, and keeps the bodies.
class Webhook {
 public:
  explicit Webhook(int failures) : failures_(failures) {
    http::Router r;
    r.post("/hook", [this](const http::Request& req) -> Result<http::Response> {
      std::lock_guard lock(mu_);
      if (failures_ > 0) {
        --failures_;
        return http::Response{500, {}, "{}"};
      }
      bodies_.push_back(json::parse(req.body));
      cv_.notify_all();
      return http::Response{200, {}, "{}"};
    });
    auto s = http::Server::start({}, std::move(r));
    EXPECT_TRUE(s.ok());
    server_ = std::move(s).value();
  }
  std::string url() const { return server_->base_url() + "/hook"; }
  // Waits (with a deadline) until `n` bodies arrived.
  std::vector<json> wait_for(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return bodies_.size() >= n; });
    return bodies_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int failures_;
  std::vector<json> bodies_;
  std::unique_ptr<http::Server> server_;
};

class AlertApiTest : public ::testing::Test {
 protected:
  void start(const std::string& webhook_url) {
    SchedulerOptions o;
    o.api.port = 0;
    o.database.path = dir_.file("alerts.db");
    o.database.synchronous = "NORMAL";
    o.auth.agent_token = kAgentToken;
    o.alerts.webhook_url = webhook_url;
    auto p = SchedulerProcess::start(o, clock_);
    ASSERT_TRUE(p.ok()) << p.status().to_string();
    process_ = std::move(p).value();
    base_ = "http://127.0.0.1:" + std::to_string(process_->port());
  }

  http::Response call(const std::string& method, const std::string& path, const json& body,
                      const std::string& token = kAgentToken) {
    http::ClientRequest req{method, base_ + path, {}, body.is_null() ? "" : body.dump(), {}};
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    auto r = client_.request(req);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : http::Response{};
  }

  static json change(const std::string& state, const std::string& previous, double value) {
    return {{"host_id", "host-1"},
            {"signal", "disk"},
            {"state", state},
            {"previous_state", previous},
            {"message", "disk " + state},
            {"at_us", 0},
            {"value", value}};
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<SchedulerProcess> process_;
  std::string base_;
  http::Client client_;
};

TEST_F(AlertApiTest, AChangeIsStoredListedAndSentToTheWebhook) {
  Webhook hook(1);  // the first delivery fails with 500 and is retried
  start(hook.url());
  json raised = change("WARNING", "OK", 55);
  raised["at_us"] = clock_.now_micros();
  auto r = call("POST", "/api/v1/alerts", raised);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["alert"]["state"], "WARNING");
  // Reported again: not a change.
  r = call("POST", "/api/v1/alerts", raised);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["recorded"], false);

  r = call("GET", "/api/v1/alerts?active=true", nullptr, "");
  ASSERT_EQ(r.status, 200) << r.body;
  json active = json::parse(r.body)["alerts"];
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0]["host_id"], "host-1");
  EXPECT_EQ(active[0]["signal"], "disk");
  EXPECT_EQ(active[0]["value"], 55);

  auto bodies = hook.wait_for(1);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0]["state"], "WARNING");
  EXPECT_EQ(bodies[0]["previous_state"], "OK");
  EXPECT_EQ(bodies[0]["cluster"], "ringkeeper");

  json cleared = change("OK", "WARNING", 70);
  cleared["at_us"] = clock_.now_micros();
  ASSERT_EQ(call("POST", "/api/v1/alerts", cleared).status, 201);
  bodies = hook.wait_for(2);
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[1]["state"], "OK");
  r = call("GET", "/api/v1/alerts?active=true", nullptr, "");
  EXPECT_TRUE(json::parse(r.body)["alerts"].empty()) << r.body;
  r = call("GET", "/api/v1/alerts?host_id=host-1&signal=disk&limit=10", nullptr, "");
  EXPECT_EQ(json::parse(r.body)["alerts"].size(), 2u) << r.body;

  // The webhook's 200 reaches the queue just after the body reached the test: poll the count.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    r = call("GET", "/metrics", nullptr, "");
    ASSERT_EQ(r.status, 200);
  } while (r.body.find("rk_alert_webhook_delivered_total 2\n") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(r.body.find("rk_alert_webhook_delivered_total 2\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("rk_alerts{state=\"OK\"} 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("route=\"/api/v1/alerts\",code=\"201\"} 2\n"), std::string::npos) << r.body;
}

TEST_F(AlertApiTest, PostingNeedsTheAgentToken) {
  start("");
  EXPECT_EQ(call("POST", "/api/v1/alerts", change("WARNING", "OK", 1), "").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/alerts", change("WARNING", "OK", 1), "wrong").status, 401);
}

TEST_F(AlertApiTest, BadBodiesAndQueriesAre400) {
  start("");
  json bad_state = change("BROKEN", "OK", 1);
  EXPECT_EQ(call("POST", "/api/v1/alerts", bad_state).status, 400);
  json unknown = change("WARNING", "OK", 1);
  unknown["colour"] = "red";
  EXPECT_EQ(call("POST", "/api/v1/alerts", unknown).status, 400);
  json missing = change("WARNING", "OK", 1);
  missing.erase("signal");
  EXPECT_EQ(call("POST", "/api/v1/alerts", missing).status, 400);
  json text_value = change("WARNING", "OK", 1);
  text_value["value"] = "high";
  EXPECT_EQ(call("POST", "/api/v1/alerts", text_value).status, 400);
  json null_value = change("UNKNOWN", "OK", 1);
  null_value["value"] = nullptr;
  EXPECT_EQ(call("POST", "/api/v1/alerts", null_value).status, 201);
  EXPECT_EQ(call("GET", "/api/v1/alerts?active=yes", nullptr, "").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/alerts?limit=0", nullptr, "").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/alerts?colour=red", nullptr, "").status, 400);
}

TEST_F(AlertApiTest, AnUnreachableWebhookDoesNotHoldUpTheApi) {
  // Nothing listens on port 1: every delivery fails and is retried in the background while the
  // API answers at once.
  start("http://127.0.0.1:1/hook");
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    json c = change(i % 2 == 0 ? "WARNING" : "OK", "OK", i);
    c["at_us"] = clock_.now_micros();
    ASSERT_EQ(call("POST", "/api/v1/alerts", c).status, 201);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace
}  // namespace rk::scheduler
