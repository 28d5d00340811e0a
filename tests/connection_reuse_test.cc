// Kept-alive connections across a real cluster: every listener (the scheduler's API and each
// agent's ops, internode and client APIs) closes connections idle for 1 s, and writes and reads
// at QUORUM and ALL go through with idle gaps on both sides of that, so the coordinators' pooled
// internode connections are found closed by their peers again and again. None may fail (before
// the client noticed closed connections, such a write answered 503 "Failed to write request
// body"). The gaps are real: idle time is what is tested.
#include <gtest/gtest.h>

#include <thread>

#include "cluster_fixture.h"
#include "ringkeeper/core/json_api.h"

namespace rk::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::string outcome(const Result<http::Response>& r) {
  return r.ok() ? std::to_string(r->status) + " " + r->body.substr(0, 300)
                : r.status().to_string();
}

class ConnectionReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_AGENT();
    cluster_ = std::make_unique<LocalCluster>(
        LocalClusterOptions{.agents = 3, .idle_timeout = "1s"});
    ASSERT_OK(cluster_->start());
    ASSERT_OK(cluster_->create_table("demo", "events", 3));
  }
  std::unique_ptr<LocalCluster> cluster_;
};

TEST_F(ConnectionReuseTest, WritesAndReadsSucceedAfterIdleGapsAroundTheServersIdleTimeout) {
  // Gaps shorter and longer than the listeners' 1 s, in a cycle of 7 against the 4 kinds of
  // operation, so that every kind follows every gap.
  const milliseconds gaps[] = {milliseconds(0),    milliseconds(1200), milliseconds(0),
                               milliseconds(500),  milliseconds(0),    milliseconds(2000),
                               milliseconds(0)};
  int ok = 0;
  std::vector<std::string> failures;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(gaps[i % 7]);
    const size_t coordinator = static_cast<size_t>(i % 3);
    const std::string cl = (i % 4) < 2 ? "QUORUM" : "ALL";
    const std::string key = "k" + std::to_string(i / 4);
    Result<http::Response> r = Status::Internal("not sent");
    if (i % 2 == 0) {
      r = cluster_->client_post(coordinator, "/v1/write",
                                write_body(key, "v" + std::to_string(i), cl));
    } else {
      r = cluster_->client_post(coordinator, "/v1/read", read_body(key, cl));
      if (r.ok() && r->ok() && value_of(*r) != "v" + std::to_string(i - 1)) {
        failures.push_back("read " + std::to_string(i) + " at " + cl + " saw '" + value_of(*r) +
                           "'");
        continue;
      }
    }
    if (r.ok() && r->ok()) {
      ++ok;
    } else {
      failures.push_back(std::string(i % 2 == 0 ? "write " : "read ") + std::to_string(i) +
                         " at " + cl + " after " + std::to_string(gaps[i % 7].count()) +
                         " ms idle: " + outcome(r));
    }
  }
  EXPECT_EQ(ok, 100) << ::testing::PrintToString(failures) << "\n" << cluster_->logs_tail();
}

TEST_F(ConnectionReuseTest, BackToBackOneMebibyteWritesAtAll) {
  const std::string big(1 << 20, 'x');
  for (int i = 0; i < 10; ++i) {
    auto r = cluster_->client_post(static_cast<size_t>(i % 3), "/v1/write",
                                   write_body("big" + std::to_string(i), big, "ALL"));
    ASSERT_TRUE(r.ok() && r->ok()) << "write " << i << ": " << outcome(r) << "\n"
                                   << cluster_->logs_tail();
  }
  auto back = cluster_->client_post(1, "/v1/read", read_body("big0", "ALL"));
  ASSERT_TRUE(back.ok() && back->ok()) << outcome(back);
  EXPECT_EQ(value_of(*back).size(), big.size());
}

}  // namespace
}  // namespace rk::testing
