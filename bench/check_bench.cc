// check_bench: what a Nagios check costs, on real processes (tests/cluster_fixture.h).
//
// 1. Whole-process time of `rkctl check disk|await|node --agent URL` (fork/exec/wait, reading the
//    agent's cached samples: no sampling interval) — target under 20 ms — compared with the local
//    `rkctl check disk --budget 0` (one statvfs) and with exec of /bin/true (the floor of any
//    process a monitoring system starts).
// 2. The agent's sampling overhead: CPU time of the sampler thread per sample (its own counter in
//    /metrics, over an agent holding some data and sampling every 250 ms to collect many samples
//    quickly) times the default rate of one sample per 10 s, as % of one core — target < 1%.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster_fixture.h"

extern char** environ;

namespace {

using rk::testing::LocalCluster;
using Clock = std::chrono::steady_clock;

// Runs argv once; wall time in ms (output to /dev/null). -1 when it could not be started.
double run_once(const std::vector<std::string>& argv, int* exit_code) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const auto t0 = Clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  posix_spawn_file_actions_destroy(&fa);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ms;
}

struct Figures {
  double p50, p95, mean;
  int exit_code;
};

Figures measure(const std::vector<std::string>& argv, int runs) {
  std::vector<double> ms;
  int code = -1;
  run_once(argv, &code);  // warm the page cache
  for (int i = 0; i < runs; ++i) ms.push_back(run_once(argv, &code));
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double m : ms) sum += m;
  return {ms[ms.size() / 2], ms[ms.size() * 95 / 100], sum / static_cast<double>(ms.size()), code};
}

double metric(const std::string& text, const std::string& name) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex("\n" + name + " ([0-9.e+-]+)\n"))) {
    return std::stod(m[1]);
  }
  return -1;
}

}  // namespace

int main() {
  rk::testing::LocalClusterOptions o;
  o.agents = 1;
  o.racks = {"r1"};
  o.agent_config_extra = "signals:\n  sample_interval: 250ms\n";
  LocalCluster cluster(o);
  if (auto s = cluster.start(); !s.ok()) {
    std::fprintf(stderr, "cluster: %s\n%s\n", s.to_string().c_str(), cluster.logs_tail().c_str());
    return 1;
  }
  // Some data, so that the data walk and the engine's facts have files to look at.
  if (!cluster.create_table("bench", "t", 1).ok()) return 1;
  int code = 0;
  run_once({rk::testing::rkctl_binary(), "--scheduler", cluster.scheduler_url(), "load", "bench.t",
            "--rows", "20000", "--cl", "ONE"},
           &code);
  std::string base = "http://" + cluster.agent(0).ops();
  {
    rk::http::Client http;
    rk::http::ClientRequest flush{"POST", base + "/v1/flush", {}, "", {}};
    flush.headers["Authorization"] = "Bearer " + o.agent_token;
    (void)http.request(flush);  // SSTs for the engine's facts
  }
  // Await figures need two samples.
  rk::Status ready = rk::testing::wait_until(
      [&] {
        auto r = cluster.ops_get(0, "/v1/signals");
        return r.ok() && !nlohmann::json::parse(r->body)["await"]["devices"].empty();
      },
      std::chrono::seconds(10), "await figures");
  if (!ready.ok())
    std::printf("note: %s (the data dir may be on a device-less filesystem)\n",
                ready.to_string().c_str());

  const int runs = 200;
  const std::string rkctl = rk::testing::rkctl_binary();
  std::printf("check_bench: whole-process time of a check, %d runs each (fork/exec/wait)\n", runs);
  std::printf("%-52s %8s %8s %8s %5s\n", "command", "p50 ms", "p95 ms", "mean ms", "exit");
  auto row = [&](const std::string& name, const std::vector<std::string>& argv) {
    Figures f = measure(argv, runs);
    std::printf("%-52s %8.2f %8.2f %8.2f %5d\n", name.c_str(), f.p50, f.p95, f.mean, f.exit_code);
    return f;
  };
  row("/bin/true (floor)", {"/bin/true"});
  row("rkctl check disk --path DIR --budget 0 (local)",
      {rkctl, "check", "disk", "--path", cluster.dir(), "--budget", "0"});
  Figures disk = row("rkctl check disk --agent URL", {rkctl, "check", "disk", "--agent", base});
  Figures await = row("rkctl check await --agent URL", {rkctl, "check", "await", "--agent", base});
  row("rkctl check node --agent URL", {rkctl, "check", "node", "--agent", base});
  std::printf("target: disk and await with --agent under 20 ms: %s (p95 %.2f / %.2f ms)\n",
              disk.p95 < 20 && await.p95 < 20 ? "met" : "NOT met", disk.p95, await.p95);

  // Sampling overhead from the agent's own counters, over at least 5 s of sampling.
  auto read_metrics = [&] {
    auto r = cluster.ops_get(0, "/metrics");
    return r.ok() ? "\n" + r->body : std::string();
  };
  const std::string m0 = read_metrics();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const std::string m1 = read_metrics();
  const double samples =
      metric(m1, "rk_signal_samples_total") - metric(m0, "rk_signal_samples_total");
  const double cpu = metric(m1, "rk_signal_sample_cpu_seconds_total") -
                     metric(m0, "rk_signal_sample_cpu_seconds_total");
  auto data = cluster.ops_get(0, "/v1/signals");
  const auto s = nlohmann::json::parse(data->body);
  std::printf("\nsampler: %.0f samples, %.3f ms CPU per sample (data dir %s bytes, %s SSTs)\n",
              samples, cpu / samples * 1000, s["disk"]["data_bytes"].dump().c_str(),
              s["node"]["sst_files"].dump().c_str());
  const double percent = cpu / samples / 10.0 * 100.0;
  std::printf("at the default 10 s interval: %.4f%% of one core (target < 1%%: %s)\n", percent,
              percent < 1 ? "met" : "NOT met");
  return 0;
}
