// Cluster benchmarks on this machine: a real rk-scheduler and three rk-agents on 127.0.0.1 (the
// tests' LocalCluster fixture), keyspace RF 3.
//  1. Write throughput at QUORUM with the bulk loader (rkctl load's engine): cells/s and p50/p99
//     batch latency, compared with the same load at ONE. Targets: >= 20,000 cells/s, p99 < 20 ms.
//  2. Idle RSS of an rk-agent with an empty node (target < 40 MiB) and of rk-scheduler
//     (target < 20 MiB), read from /proc/PID/status after the cluster has settled.
// Usage: cluster_bench [ROWS] (default 30000). Not run by ctest.
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench_support.h"
#include "cluster_fixture.h"
#include "ringkeeper/cli/bulk_loader.h"

int main(int argc, char** argv) {
  using rk::testing::LocalCluster;
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 30000;
  if (rk::testing::agent_binary().empty()) {
    std::cerr << "cluster_bench: rk-agent is not built\n";
    return 1;
  }
  LocalCluster cluster({.agents = 3, .heartbeat_interval = "1s", .heartbeat_timeout = "10s"});
  if (rk::Status s = cluster.start(); !s.ok()) {
    std::cerr << "cluster_bench: " << s.to_string() << "\n";
    return 1;
  }
  // Idle RSS first: empty nodes, nothing written yet, after a few heartbeats.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const double agent_rss = rk::bench::process_status_mib(cluster.agent(0).process->pid(), "VmRSS");
  const double scheduler_rss =
      rk::bench::process_status_mib(cluster.scheduler_process()->pid(), "VmRSS");
  if (rk::Status s = cluster.create_table("bench", "cells", 3); !s.ok()) {
    std::cerr << "cluster_bench: " << s.to_string() << "\n";
    return 1;
  }

  rk::cli::LoadOptions load;
  load.keyspace = "bench";
  load.table = "cells";
  load.rows = rows;
  load.columns = 3;
  load.value_bytes = 16;
  load.batch = 100;
  load.concurrency = 8;
  for (size_t i = 0; i < cluster.agent_count(); ++i)
    load.nodes.push_back(cluster.agent(i).client());

  fmt::print(
      "cluster_bench: 3 agents + scheduler on 127.0.0.1, RF 3, {} rows x {} cells of {} "
      "bytes, batch {} rows ({} cells), {} batches in flight\n",
      rows, load.columns, load.value_bytes, load.batch, load.batch * load.columns,
      load.concurrency);
  rk::cli::LoadReport results[2];
  const char* levels[2] = {"QUORUM", "ONE"};
  for (int i = 0; i < 2; ++i) {
    load.consistency = levels[i];
    load.key_prefix = fmt::format("bench-{}", levels[i]);
    auto report = rk::cli::run_load(load);
    if (!report.ok()) {
      std::cerr << "cluster_bench: " << report.status().to_string() << "\n";
      return 1;
    }
    results[i] = *report;
    fmt::print(
        "  {:6}: {:9.0f} cells/s ({:8.0f} rows/s) in {:.2f} s; batch latency p50 {:.1f} ms, "
        "p99 {:.1f} ms, max {:.1f} ms; failed batches {}{}\n",
        levels[i], report->cells_per_second, report->rows_per_second, report->seconds,
        report->p50_ms, report->p99_ms, report->max_ms, report->failed_batches,
        report->first_error.empty() ? "" : " (" + report->first_error + ")");
  }
  fmt::print(
      "  QUORUM vs ONE: {:.2f}x the throughput; target >= 20000 cells/s: {}; p99 < 20 ms: "
      "{}\n",
      results[0].cells_per_second / std::max(1.0, results[1].cells_per_second),
      results[0].cells_per_second >= 20000 ? "met" : "NOT met",
      results[0].p99_ms < 20 ? "met" : "NOT met");
  // The same at lower concurrency and smaller batches: the latency of a lightly loaded cluster.
  load.batch = 20;
  load.concurrency = 2;
  load.rows = rows / 3;
  fmt::print("  light load: batch {} rows ({} cells), {} in flight, {} rows\n", load.batch,
             load.batch * load.columns, load.concurrency, load.rows);
  for (const char* level : levels) {
    load.consistency = level;
    load.key_prefix = fmt::format("light-{}", level);
    auto report = rk::cli::run_load(load);
    if (!report.ok()) return 1;
    fmt::print("  {:6}: {:9.0f} cells/s; batch latency p50 {:.1f} ms, p99 {:.1f} ms; failed {}\n",
               level, report->cells_per_second, report->p50_ms, report->p99_ms,
               report->failed_batches);
  }
  fmt::print(
      "  idle RSS: rk-agent (empty node) {:.1f} MiB (target < 40 MiB); rk-scheduler "
      "{:.1f} MiB (target < 20 MiB); after the load: rk-agent {:.1f} MiB\n",
      agent_rss, scheduler_rss,
      rk::bench::process_status_mib(cluster.agent(0).process->pid(), "VmRSS"));
  return 0;
}
