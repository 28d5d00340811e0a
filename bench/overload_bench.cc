// overload_bench: a real rk-agent's client data API driven far past the rate it sustains, to show
// that overload is shed promptly (503 + Retry-After), that the agent's memory stays bounded, and
// that full service is back within seconds after the load stops.
//
// One rk-scheduler and one rk-agent (tests/cluster_fixture.h), RF 1, the client API with 2
// handler threads and a queue of 8. Every request is a /v1/batch of 500 rows (~60 KiB of JSON), on
// keep-alive connections, each sending its next request as soon as the previous is answered.
//  1. Idle: the agent's VmRSS after start.
//  2. Sustainable: 2 connections (one per handler thread) for --seconds: the rate of 200s, their
//     p50 latency, the agent's peak VmRSS (sampled every 10 ms).
//  3. Overload: --connections connections (default 128) for --seconds: the rate offered (every
//     answer counted) and its ratio to the sustainable rate (target >= 10), the share of 503s, the
//     503s' p50/p99 latency (against the 200s' p50 at sustainable load), the agent's peak VmRSS
//     (against idle and the sustainable peak).
//  4. Recovery: from the moment the flood's connections are closed, the time until a write is
//     answered 200 within twice the sustainable p50, five times in a row.
// With --unbounded the same agent runs with the limits lifted (max_queued_requests and
// coordinator_queue 1,000,000), for comparison: no 503s, every request waits in the queue.
//
// Usage: overload_bench [--seconds 10] [--connections 128] [--unbounded]. Not run by ctest.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "cluster_fixture.h"
#include "ringkeeper/core/testing/raw_http.h"

namespace {

using rk::bench::percentile;
using rk::bench::process_status_mib;
using rk::bench::RssSampler;
using rk::testing::RawConnection;
using rk::testing::RawResponse;
using Steady = std::chrono::steady_clock;

struct BenchOptions {
  int seconds = 10;
  int connections = 128;
  bool unbounded = false;
};

// Answers heard during a phase: latencies (µs) by status.
struct Heard {
  std::mutex mu;
  std::vector<double> ok_us, refused_us;
  int64_t other = 0;
  int64_t without_retry_after = 0;

  void add(const std::optional<RawResponse>& r, double us) {
    std::lock_guard lock(mu);
    if (!r) {
      ++other;
    } else if (r->status == 200) {
      ok_us.push_back(us);
    } else if (r->status == 503) {
      refused_us.push_back(us);
      if (rk::testing::response_header(r->head, "Retry-After").empty()) ++without_retry_after;
    } else {
      ++other;
    }
  }
};

// `connections` connections sending `request` back to back for `seconds`.
void drive(uint16_t port, const std::string& request, int connections, int seconds, Heard& heard) {
  const auto end = Steady::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&] {
      auto c = std::make_unique<RawConnection>(port);
      while (Steady::now() < end) {
        if (!c->ok() || c->closed()) c = std::make_unique<RawConnection>(port);
        const auto t0 = Steady::now();
        if (!c->send(request)) continue;
        auto r = c->read_response(std::chrono::seconds(60));
        heard.add(r, std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
}

int run(const BenchOptions& o) {
  if (rk::testing::agent_binary().empty()) {
    std::cerr << "overload_bench: rk-agent is not built\n";
    return 1;
  }
  std::string listener = "  handler_threads: 2\n  max_queued_requests: 8\n";
  std::string extra;
  if (o.unbounded) {
    listener = "  handler_threads: 2\n  max_queued_requests: 1000000\n";
    extra = "coordinator_queue: 1000000\n";
  }
  rk::testing::LocalCluster cluster({.agents = 1,
                                     .racks = {"r1"},
                                     .agent_config_extra = extra,
                                     .client_listener_config = listener});
  if (rk::Status s = cluster.start(); !s.ok()) {
    std::cerr << "overload_bench: " << s.to_string() << "\n" << cluster.logs_tail();
    return 1;
  }
  if (rk::Status s = cluster.create_table("bench", "t", 1); !s.ok()) {
    std::cerr << "overload_bench: " << s.to_string() << "\n";
    return 1;
  }
  const pid_t agent = cluster.agent(0).process->pid();
  const uint16_t port = static_cast<uint16_t>(cluster.agent(0).client_port);
  const std::string request = rk::testing::raw_batch_request("bench", "t", "p", 500);
  fmt::print(
      "overload_bench: one rk-agent, client API handler_threads 2, {}; /v1/batch of 500 "
      "rows ({} KiB); load average {}\n",
      o.unbounded ? "limits lifted (queue 1,000,000)" : "max_queued_requests 8",
      request.size() / 1024, rk::bench::load_average());

  // 1. Idle.
  const double idle_rss = process_status_mib(agent, "VmRSS");

  // 2. Sustainable: one connection per handler thread.
  Heard base;
  double base_peak;
  {
    RssSampler rss(agent);
    drive(port, request, 2, o.seconds, base);
    base_peak = rss.peak();
  }
  const double sustainable = static_cast<double>(base.ok_us.size()) / o.seconds;
  const double base_p50 = percentile(base.ok_us, 0.5);

  // 3. Overload.
  Heard flood;
  double flood_peak;
  {
    RssSampler rss(agent);
    drive(port, request, o.connections, o.seconds, flood);
    flood_peak = rss.peak();
  }
  const auto flood_end = Steady::now();
  const double answered = static_cast<double>(flood.ok_us.size() + flood.refused_us.size());
  const double offered = answered / o.seconds;

  // 4. Recovery: five writes in a row within twice the sustainable p50.
  double recovery_s = -1;
  {
    RawConnection c(port);
    int good = 0;
    while (Steady::now() - flood_end < std::chrono::seconds(60) && good < 5) {
      const auto t0 = Steady::now();
      std::optional<RawResponse> r;
      if (c.send(request)) r = c.read_response(std::chrono::seconds(60));
      const double us = std::chrono::duration<double, std::micro>(Steady::now() - t0).count();
      good = r && r->status == 200 && us <= 2 * base_p50 ? good + 1 : 0;
      if (!r) break;
    }
    if (good >= 5) recovery_s = rk::bench::seconds_since(flood_end);
  }
  const double after_rss = process_status_mib(agent, "VmRSS");

  fmt::print("  idle                       agent RSS {:.1f} MiB\n", idle_rss);
  fmt::print(
      "  sustainable (2 conns)      {:.0f} req/s 200, p50 {:.1f} ms, p99 {:.1f} ms; peak "
      "RSS {:.1f} MiB\n",
      sustainable, base_p50 / 1000, percentile(base.ok_us, 0.99) / 1000, base_peak);
  fmt::print(
      "  overload ({} conns)       offered {:.0f} req/s = {:.1f}x sustainable (target >= "
      "10); 200: {:.0f}/s p50 {:.1f} ms p99 {:.1f} ms\n",
      o.connections, offered, offered / std::max(sustainable, 1.0),
      static_cast<double>(flood.ok_us.size()) / o.seconds, percentile(flood.ok_us, 0.5) / 1000,
      percentile(flood.ok_us, 0.99) / 1000);
  fmt::print(
      "                             503: {:.1f}% of answers, p50 {:.2f} ms p99 {:.2f} ms "
      "(against the sustainable 200 p50 {:.1f} ms); {} without Retry-After; {} other "
      "answers or errors\n",
      answered > 0 ? 100.0 * static_cast<double>(flood.refused_us.size()) / answered : 0,
      percentile(flood.refused_us, 0.5) / 1000, percentile(flood.refused_us, 0.99) / 1000,
      base_p50 / 1000, flood.without_retry_after, flood.other);
  fmt::print(
      "                             peak RSS {:.1f} MiB (idle {:.1f}, sustainable peak "
      "{:.1f}: +{:.1f} MiB over sustainable)\n",
      flood_peak, idle_rss, base_peak, flood_peak - base_peak);
  if (recovery_s >= 0) {
    fmt::print(
        "  recovery                   {:.2f} s from the end of the flood to 5 writes in a "
        "row within 2x the sustainable p50; RSS after {:.1f} MiB\n",
        recovery_s, after_rss);
  } else {
    fmt::print("  recovery                   not within 60 s; RSS after {:.1f} MiB\n", after_rss);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      o.seconds = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--connections" && i + 1 < argc) {
      o.connections = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--unbounded") {
      o.unbounded = true;
    } else {
      std::cerr << "usage: overload_bench [--seconds N] [--connections N] [--unbounded]\n";
      return 2;
    }
  }
  return run(o);
}
