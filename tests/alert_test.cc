// The alert lifecycle end to end with real processes: an rk-agent whose data directory is a small
// tmpfs crosses its disk threshold when the test fills the filesystem, the scheduler shows the
// alert (GET /api/v1/alerts), the webhook (an HTTP server in this test) receives it, `rkctl check
// disk --agent` reads the same sample, and everything clears when the space is freed.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "cluster_fixture.h"
#include "ringkeeper/core/http_server.h"

namespace rk::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

// Receives the scheduler's webhook calls.
class Webhook {
 public:
  Webhook() {
    http::Router r;
    r.post("/hook", [this](const http::Request& req) -> Result<http::Response> {
      std::lock_guard lock(mu_);
      bodies_.push_back(json::parse(req.body));
      return http::Response{200, {}, "{}"};
    });
    server_ = std::move(http::Server::start({}, std::move(r))).value();
  }
  std::string url() const { return server_->base_url() + "/hook"; }
  // Whether a change of `signal` to `state` arrived.
  bool received(const std::string& signal, const std::string& state) {
    std::lock_guard lock(mu_);
    for (const auto& b : bodies_) {
      if (b.value("signal", "") == signal && b.value("state", "") == state) return true;
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<json> bodies_;
  std::unique_ptr<http::Server> server_;
};

// Bytes to write on the filesystem at `dir` so that about `free_percent` stays free.
uint64_t bytes_to_fill(const std::string& dir, int free_percent) {
  struct statvfs s {};
  ::statvfs(dir.c_str(), &s);
  const double size = static_cast<double>(s.f_blocks) * static_cast<double>(s.f_frsize);
  const double avail = static_cast<double>(s.f_bavail) * static_cast<double>(s.f_frsize);
  const double want_avail = size * free_percent / 100.0;
  return avail > want_avail ? static_cast<uint64_t>(avail - want_avail) : 0;
}

void write_file(const std::string& path, uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::string chunk(1 << 20, 'x');
  while (bytes > 0) {
    const size_t n = std::min<uint64_t>(bytes, chunk.size());
    out.write(chunk.data(), static_cast<std::streamsize>(n));
    bytes -= n;
  }
}

// The active alert of `signal` on `host_id`, if the scheduler shows one.
std::optional<json> active_alert(LocalCluster& cluster, const std::string& host_id,
                                 const std::string& signal) {
  auto r =
      cluster.scheduler_get("/api/v1/alerts?active=true&host_id=" + host_id + "&signal=" + signal);
  if (!r.ok() || !r->contains("alerts") || (*r)["alerts"].empty()) return std::nullopt;
  return (*r)["alerts"][0];
}

// Runs rkctl with `args`; returns its exit code and first output line.
std::pair<int, std::string> rkctl(const std::vector<std::string>& args) {
  auto [code, out] = run_rkctl(args);
  const size_t eol = out.find('\n');
  return {code, eol == std::string::npos ? out : out.substr(0, eol + 1)};
}

TEST(AlertLifecycle, ADiskThresholdIsCrossedShownSentToTheWebhookAndCleared) {
  if (agent_binary().empty()) GTEST_SKIP() << "rk-agent is not built";
  Webhook hook;
  LocalClusterOptions o;
  o.agents = 1;
  o.racks = {"r1"};
  o.scheduler_config_extra = "alerts:\n  webhook_url: " + hook.url() + "\n";
  o.agent_config_extra =
      "signals:\n  sample_interval: 200ms\n  data_budget: 0\n  await_sustain: 0s\n"
      "storage:\n  write_buffer: 1MiB\n  total_memtable: 4MiB\n  block_cache: 1MiB\n";
  LocalCluster cluster(o);
  // The agent's data directory is a 64 MiB tmpfs the test can fill.
  const std::string data = cluster.dir() + "/agent1/data";
  fs::create_directories(data);
  if (::mount("tmpfs", data.c_str(), "tmpfs", 0, "size=64m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  struct Unmount {
    std::string dir;
    ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
  } unmount{data};
  {
    // Processes stop before the tmpfs goes.
    ASSERT_TRUE(cluster.start().ok()) << cluster.logs_tail();
    const std::string host = cluster.agent(0).host_id;
    const std::string agent_url = "http://" + cluster.agent(0).ops();

    // Below 60% free (but above 50%): WARNING.
    write_file(data + "/filler", bytes_to_fill(data, 55));
    ASSERT_TRUE(wait_until([&] { return active_alert(cluster, host, "disk").has_value(); },
                           seconds(20), "the disk alert at the scheduler")
                    .ok())
        << cluster.logs_tail();
    json alert = *active_alert(cluster, host, "disk");
    EXPECT_EQ(alert["state"], "WARNING") << alert.dump();
    EXPECT_EQ(alert["previous_state"], "OK");
    EXPECT_NE(alert["message"].get<std::string>().find("% free"), std::string::npos);
    ASSERT_TRUE(wait_until([&] { return hook.received("disk", "WARNING"); }, seconds(20),
                           "the webhook's WARNING")
                    .ok());
    auto signals = cluster.ops_get(0, "/v1/signals");
    ASSERT_TRUE(signals.ok());
    EXPECT_EQ(json::parse(signals->body)["disk"]["state"], "WARNING") << signals->body;
    auto [code, line] = rkctl({"check", "disk", "--agent", agent_url, "--budget", "0"});
    EXPECT_EQ(code, 1) << line;
    EXPECT_EQ(line.rfind("DISK WARNING - ", 0), 0u) << line;

    // Freed again (well past the 2-point hysteresis): the alert clears everywhere.
    fs::remove(data + "/filler");
    ASSERT_TRUE(wait_until([&] { return !active_alert(cluster, host, "disk").has_value(); },
                           seconds(20), "the disk alert to clear")
                    .ok())
        << cluster.logs_tail();
    ASSERT_TRUE(
        wait_until([&] { return hook.received("disk", "OK"); }, seconds(20), "the webhook's OK")
            .ok());
    auto history = cluster.scheduler_get("/api/v1/alerts?host_id=" + host + "&signal=disk");
    ASSERT_TRUE(history.ok());
    ASSERT_EQ((*history)["alerts"].size(), 2u) << history->dump();
    EXPECT_EQ((*history)["alerts"][0]["state"], "OK");
    std::tie(code, line) = rkctl({"check", "disk", "--agent", agent_url, "--budget", "0"});
    EXPECT_EQ(code, 0) << line;

    // Both processes count what they served.
    auto metrics = cluster.ops_get(0, "/metrics");
    ASSERT_TRUE(metrics.ok());
    EXPECT_NE(metrics->body.find("rk_signal_state{signal=\"disk\"} 0"), std::string::npos);
    EXPECT_NE(metrics->body.find("route=\"/v1/signals\""), std::string::npos);
    cluster.stop_agent(0);
    cluster.stop_scheduler();
  }
}

}  // namespace
}  // namespace rk::testing
