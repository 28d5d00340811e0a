// Overload end to end: a real rk-agent's client data API flooded by many connections far beyond
// what its handler threads (or its coordinator's queue) can take. The overload must be answered
// with 503 "unavailable" and Retry-After, nothing else, and full service must come back once the
// flood stops. How fast, and how much memory it costs, is bench/overload_bench.cc's business.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "cluster_fixture.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/testing/raw_http.h"

namespace rk::testing {
namespace {

using nlohmann::json;

constexpr int kFloodConnections = 16;

// What the flood heard, by status, and what was wrong with any 503.
struct Tally {
  std::mutex mu;
  std::map<int, int> statuses;
  std::map<std::string, int> details;  // 503 details, cut to their first 60 characters
  std::vector<std::string> problems;
};

// Keeps kFloodConnections connections sending `request` back to back until `stop`.
void flood(uint16_t port, const std::string& request, std::atomic<bool>& stop, Tally& tally) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kFloodConnections; ++t) {
    threads.emplace_back([&] {
      auto c = std::make_unique<RawConnection>(port);
      while (!stop) {
        if (!c->ok() || c->closed() || !c->send(request)) {
          c = std::make_unique<RawConnection>(port);
          continue;
        }
        std::optional<RawResponse> r = c->read_response(std::chrono::seconds(30));
        std::lock_guard lock(tally.mu);
        if (!r) {
          tally.problems.push_back("no answer within 30 s");
          continue;
        }
        ++tally.statuses[r->status];
        if (r->status != 503) continue;
        json body = json::parse(r->body, nullptr, false);
        const std::string detail = body.is_object() ? body.value("detail", "") : "";
        ++tally.details[detail.substr(0, 60)];
        if (response_header(r->head, "Retry-After") != "1") {
          tally.problems.push_back("503 without Retry-After: 1: " + r->head);
        }
        if (!body.is_object() || body.value("error", "") != "unavailable") {
          tally.problems.push_back("503 without error unavailable: " + r->body);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

// Floods agent 0's client API until `enough` says so (or a minute passes), then checks that
// only 200 and well-formed 503 answers came back and that writes and reads work again.
void overload_and_recover(LocalCluster& cluster, const std::string& overloaded_detail) {
  ASSERT_OK(cluster.create_table("demo", "events", 1));
  const uint16_t port = static_cast<uint16_t>(cluster.agent(0).client_port);
  // 500 rows a request: enough work that one handler thread cannot keep up with many connections.
  const std::string request = raw_batch_request("demo", "events", "flood", 500);

  Tally tally;
  std::atomic<bool> stop{false};
  std::thread load([&] { flood(port, request, stop, tally); });
  Status seen = wait_until(
      [&] {
        std::lock_guard lock(tally.mu);
        return tally.statuses[503] >= 20 && tally.statuses[200] >= 1;
      },
      std::chrono::seconds(60), "20 answers 503 and one 200 under the flood");
  stop = true;
  load.join();
  std::string heard;
  for (const auto& [status, n] : tally.statuses) {
    heard += std::to_string(status) + " x" + std::to_string(n) + "  ";
  }
  for (const auto& [detail, n] : tally.details)
    heard += "\n  '" + detail + "' x" + std::to_string(n);
  ASSERT_TRUE(seen.ok()) << seen.to_string() << "; heard: " << heard << "\n" << cluster.logs_tail();
  EXPECT_EQ(tally.statuses.size(), 2u) << heard;  // 200 and 503, nothing else
  EXPECT_TRUE(tally.problems.empty()) << tally.problems.front();
  bool named = false;
  for (const auto& [detail, n] : tally.details) {
    named = named || detail.find(overloaded_detail) != std::string::npos;
  }
  EXPECT_TRUE(named) << "no 503 said '" << overloaded_detail << "': " << heard;

  // Full service again: a write, then a read of it.
  json write = {{"keyspace", "demo"},
                {"table", "events"},
                {"partition", "after"},
                {"consistency", "ONE"},
                {"ops", {{{"op", "set"}, {"clustering", "c"}, {"column", "v"}, {"value", "ok"}}}}};
  Result<http::Response> w = Status::Internal("not tried");
  ASSERT_OK(wait_until(
      [&] {
        w = cluster.client_post(0, "/v1/write", write);
        return w.ok() && w->status == 200;
      },
      std::chrono::seconds(20), "a write after the flood"));
  auto r = cluster.client_post(
      0, "/v1/read",
      {{"keyspace", "demo"}, {"table", "events"}, {"partition", "after"}, {"consistency", "ONE"}});
  ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().to_string());
  EXPECT_NE(r->body.find(R"("value":"ok")"), std::string::npos) << r->body;
}

TEST(OverloadTest, AFullHandlerQueueIsAnswered503WithRetryAfterAndServiceReturns) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 1,
                        .racks = {"r1"},
                        .client_listener_config = "  handler_threads: 1\n"
                                                  "  max_queued_requests: 1\n"});
  ASSERT_OK(cluster.start());
  overload_and_recover(cluster, "client API is overloaded");
}

TEST(OverloadTest, AFullCoordinatorQueueIsAnswered503WithRetryAfterAndServiceReturns) {
  REQUIRE_AGENT();
  LocalCluster cluster({.agents = 1,
                        .racks = {"r1"},
                        .agent_config_extra = "coordinator_threads: 1\ncoordinator_queue: 1\n"});
  ASSERT_OK(cluster.start());
  overload_and_recover(cluster, "coordinator is overloaded");
}

}  // namespace
}  // namespace rk::testing
