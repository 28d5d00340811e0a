// cluster_repair_bench: repairs and the idle cost of a whole cluster of real processes on
// 127.0.0.1 (tests/cluster_fixture.h): one rk-scheduler and --agents rk-agents of --vnodes tokens
// each, 1 s heartbeats, a keyspace at RF 3 holding --rows rows written at ALL (the replicas agree:
// a repair validates everything and streams nothing).
//  1. Idle, empty nodes: CPU of all agents and of the scheduler over a quiet interval
//     (/proc/<pid>/stat), the scheduler's CPU per heartbeat; RSS of the scheduler and the agents.
//  2. Repair runs, one after another: full sequential, full parallel (default limits), incremental
//     (the first: validates everything unrepaired and marks it repaired) and incremental again
//     after no new writes. Each: the run's time as the scheduler records it, segments and
//     sessions, the sessions' own time as the agents report it against each segment's wall time in
//     the scheduler (the difference is the scheduler's overhead per segment), the scheduler's CPU
//     and peak RSS.
//  3. Idle again, the nodes holding the data; agent RSS.
// Every figure is printed beside its target (docs/benchmarks.md; the targets are for 50 agents x
// 16 vnodes and 50,000 rows, and for 100 idle agents).
//
// Usage: cluster_repair_bench [--agents N (50)] [--vnodes V (16)] [--rows R (50000)]
//          [--idle-seconds S (20; 0: no idle figures)] [--runs seq,par,inc,inc2 (all) | none]
//          [--max-sessions N (parallel runs; default: the scheduler's)] [--run-timeout S (900)]
// ctest runs a short mode (bench/CMakeLists.txt: cluster_repair_bench_short); exit 1 when the
// cluster does not start or a run does not end DONE, whatever the figures.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "cluster_fixture.h"
#include "ringkeeper/cli/bulk_loader.h"
#include "ringkeeper/core/json_api.h"

namespace {

using nlohmann::json;
using rk::bench::percentile;
using rk::bench::process_cpu_seconds;
using rk::bench::process_status_mib;
using rk::testing::LocalCluster;
using Steady = std::chrono::steady_clock;

constexpr const char* kKeyspace = "bench";
constexpr const char* kTable = "rows";

struct BenchOptions {
  int agents = 50;
  int vnodes = 16;
  int64_t rows = 50000;
  int idle_seconds = 20;
  std::set<std::string> runs = {"seq", "par", "inc", "inc2"};
  int max_sessions = 0;  // 0: the scheduler's default
  int run_timeout_seconds = 900;
};

[[noreturn]] void die(const std::string& why) {
  std::cerr << "cluster_repair_bench: " << why << "\n";
  std::exit(1);
}

BenchOptions parse(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--agents") {
      o.agents = std::max(3, std::atoi(value().c_str()));
    } else if (a == "--vnodes") {
      o.vnodes = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--rows") {
      o.rows = std::max<int64_t>(0, std::atoll(value().c_str()));
    } else if (a == "--idle-seconds") {
      o.idle_seconds = std::max(0, std::atoi(value().c_str()));
    } else if (a == "--runs") {
      o.runs.clear();
      std::istringstream names(value());
      for (std::string n; std::getline(names, n, ',');) {
        if (n == "none") continue;
        if (n != "seq" && n != "par" && n != "inc" && n != "inc2") die("unknown run " + n);
        o.runs.insert(n);
      }
    } else if (a == "--max-sessions") {
      o.max_sessions = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--run-timeout") {
      o.run_timeout_seconds = std::max(1, std::atoi(value().c_str()));
    } else {
      die("unknown argument " + a + " (see the comment at the top of cluster_repair_bench.cc)");
    }
  }
  return o;
}

const char* verdict(bool met) { return met ? "met" : "NOT met"; }

// The targets hold for one shape of cluster; a run of another shape says so beside them.
std::string shape_note(const BenchOptions& o, int agents_of_target) {
  if (o.agents == agents_of_target && o.vnodes == 16 &&
      (agents_of_target == 100 || o.rows == 50000))
    return "";
  return agents_of_target == 100 ? " (the target is for 100 agents x 16 vnodes)"
                                 : " (the target is for 50 agents x 16 vnodes, 50,000 rows)";
}

std::vector<pid_t> agent_pids(LocalCluster& cluster) {
  std::vector<pid_t> out;
  for (size_t i = 0; i < cluster.agent_count(); ++i) out.push_back(cluster.agent(i).process->pid());
  return out;
}

void print_rss(LocalCluster& cluster) {
  std::vector<double> rss;
  for (pid_t pid : agent_pids(cluster)) rss.push_back(process_status_mib(pid, "VmRSS"));
  const double scheduler = process_status_mib(cluster.scheduler_process()->pid(), "VmRSS");
  fmt::print(
      "  RSS: scheduler {:.1f} MiB (target < 50 MiB with 100 agents: {}); agents min {:.1f} / "
      "median {:.1f} / max {:.1f} MiB\n",
      scheduler, verdict(scheduler < 50), *std::min_element(rss.begin(), rss.end()),
      percentile(rss, 0.5), *std::max_element(rss.begin(), rss.end()));
}

// CPU of every agent and of the scheduler over `seconds` in which the bench asks nothing of them.
void measure_idle(LocalCluster& cluster, const BenchOptions& o, const std::string& when) {
  if (o.idle_seconds == 0) return;
  const std::vector<pid_t> agents = agent_pids(cluster);
  const pid_t scheduler = cluster.scheduler_process()->pid();
  const std::string load_before = rk::bench::load_average();
  std::vector<double> before;
  for (pid_t pid : agents) before.push_back(process_cpu_seconds(pid));
  const double scheduler_before = process_cpu_seconds(scheduler);
  const auto t0 = Steady::now();
  std::this_thread::sleep_for(std::chrono::seconds(o.idle_seconds));
  const double wall = rk::bench::seconds_since(t0);
  std::vector<double> shares;
  double agents_cpu = 0;
  for (size_t i = 0; i < agents.size(); ++i) {
    const double used = process_cpu_seconds(agents[i]) - before[i];
    agents_cpu += used;
    shares.push_back(100 * used / wall);
  }
  const double scheduler_cpu = process_cpu_seconds(scheduler) - scheduler_before;
  const double agents_pct = 100 * agents_cpu / wall;
  const double scheduler_pct = 100 * scheduler_cpu / wall;
  // One heartbeat per agent per second (the bench's heartbeat_interval).
  const double heartbeats = static_cast<double>(agents.size()) * wall;
  fmt::print(
      "idle, {} ({} agents, {:.1f} s, load average {} -> {}):\n"
      "  agents together {:.2f}% of one core (per agent median {:.3f}% / max {:.3f}%); scheduler "
      "{:.2f}% ({:.3f} ms of CPU per heartbeat)\n"
      "  agents and scheduler together {:.2f}% of one core; target < 10% with 100 agents: {}{}\n",
      when, agents.size(), wall, load_before, rk::bench::load_average(), agents_pct,
      percentile(shares, 0.5), percentile(shares, 1.0), scheduler_pct,
      1000 * scheduler_cpu / heartbeats, agents_pct + scheduler_pct,
      verdict(agents_pct + scheduler_pct < 10), shape_note(o, 100));
  print_rss(cluster);
}

struct RunSpec {
  std::string key;   // seq, par, inc, inc2
  std::string name;  // as printed
  json body;
  double target_seconds;  // 0: none
};

// At most how many of `intervals` ([start, end) in µs) overlap at one moment.
size_t most_at_once(std::vector<std::pair<int64_t, int64_t>> intervals) {
  std::vector<std::pair<int64_t, int>> edges;
  for (auto [start, end] : intervals) {
    edges.push_back({start, 1});
    edges.push_back({end, -1});
  }
  std::sort(edges.begin(), edges.end());  // an end (-1) sorts before a start at the same moment
  size_t now = 0, most = 0;
  for (auto [at, step] : edges) {
    now = static_cast<size_t>(static_cast<int64_t>(now) + step);
    most = std::max(most, now);
  }
  return most;
}

// Runs one repair to its end and prints its figures; false when it did not end DONE.
bool repair_run(LocalCluster& cluster, const BenchOptions& o, const RunSpec& spec) {
  const pid_t scheduler = cluster.scheduler_process()->pid();
  rk::bench::reset_process_peak_rss(scheduler);
  const double cpu0 = process_cpu_seconds(scheduler);
  const std::string load_before = rk::bench::load_average();
  auto id = cluster.start_repair_run(spec.body);
  if (!id.ok()) {
    fmt::print("  {}: could not start: {}\n", spec.name, id.status().to_string());
    return false;
  }
  // Polled every 200 ms: the figures are the scheduler's own times, not the poll's.
  auto ended = cluster.wait_repair_run(*id, std::chrono::seconds(o.run_timeout_seconds),
                                       std::chrono::milliseconds(200));
  const double scheduler_cpu = process_cpu_seconds(scheduler) - cpu0;
  const double scheduler_peak = process_status_mib(scheduler, "VmHWM");
  if (!ended.ok()) {
    auto run = cluster.scheduler_get("/api/v1/repair/runs/" + std::to_string(*id));
    const json counts = run.ok() ? (*run)["progress"]["segments"] : json();
    fmt::print("  {}: did not end DONE within {} s ({} of {} segments done); aborted\n", spec.name,
               o.run_timeout_seconds, counts.value("done", 0), counts.value("total", 0));
    (void)cluster.scheduler_post("/api/v1/repair/runs/" + std::to_string(*id) + "/abort", "{}",
                                 cluster.options().operator_token);
    return false;
  }
  const double seconds = static_cast<double>(ended->value("finished_at_us", int64_t{0}) -
                                             ended->value("started_at_us", int64_t{0})) /
                         1e6;
  auto segments = cluster.scheduler_get("/api/v1/repair/runs/" + std::to_string(*id) + "/segments");
  auto sessions = cluster.repair_sessions_of(*id);
  if (!segments.ok() || !sessions.ok()) {
    fmt::print("  {}: {:.2f} s; cannot read its segments or sessions: {}\n", spec.name, seconds,
               (!segments.ok() ? segments.status() : sessions.status()).to_string());
    return false;
  }
  std::map<std::string, const json*> by_id;
  size_t succeeded = 0;
  std::vector<std::pair<int64_t, int64_t>> intervals;
  double session_total = 0;
  for (const json& s : *sessions) {
    by_id[s.value("id", "")] = &s;
    if (s.value("state", "") == "SUCCEEDED") ++succeeded;
    const int64_t start = s.value("started_at_us", int64_t{0});
    const int64_t end = s.value("finished_at_us", int64_t{0});
    if (end > start) {
      intervals.push_back({start, end});
      session_total += static_cast<double>(end - start) / 1e3;
    }
  }
  std::vector<double> session_ms, segment_ms, overhead_ms;
  for (const json& seg : (*segments)["segments"]) {
    if (seg.value("state", "") != "DONE") continue;
    auto s = by_id.find(seg.value("session_id", ""));
    if (s == by_id.end()) continue;
    const double in_scheduler = static_cast<double>(seg.value("finished_at_us", int64_t{0}) -
                                                    seg.value("started_at_us", int64_t{0})) /
                                1e3;
    const double own = static_cast<double>(s->second->value("finished_at_us", int64_t{0}) -
                                           s->second->value("started_at_us", int64_t{0})) /
                       1e3;
    session_ms.push_back(own);
    segment_ms.push_back(in_scheduler);
    overhead_ms.push_back(in_scheduler - own);
  }
  const size_t count = (*segments)["segments"].size();
  double mean_overhead = 0;
  for (double v : overhead_ms) mean_overhead += v;
  mean_overhead /= std::max<size_t>(1, overhead_ms.size());
  const std::string target =
      spec.target_seconds > 0
          ? fmt::format("target < {:.0f} s: {}{}", spec.target_seconds,
                        verdict(seconds < spec.target_seconds), shape_note(o, 50))
          : std::string("no target");
  fmt::print(
      "  {}: {:.2f} s; {}\n"
      "    {} segments, {} sessions ({} succeeded), at most {} at once; load average {} -> {}\n"
      "    a session's own time (agents) median {:.0f} ms / p99 {:.0f} ms, all together {:.2f} s; "
      "a segment's wall time in the scheduler median {:.0f} ms / p99 {:.0f} ms\n"
      "    scheduler overhead per segment (segment wall - session time): mean {:.0f} ms, median "
      "{:.0f} ms, p99 {:.0f} ms (target <= 30 ms: {}); run time per segment {:.0f} ms\n"
      "    scheduler: {:.2f} CPU-s ({:.0f}% of one core, {:.2f} ms per segment), peak RSS {:.1f} "
      "MiB\n",
      spec.name, seconds, target, count, sessions->size(), succeeded, most_at_once(intervals),
      load_before, rk::bench::load_average(), percentile(session_ms, 0.5),
      percentile(session_ms, 0.99), session_total / 1e3, percentile(segment_ms, 0.5),
      percentile(segment_ms, 0.99), mean_overhead, percentile(overhead_ms, 0.5),
      percentile(overhead_ms, 0.99), verdict(mean_overhead <= 30),
      1000 * seconds / std::max<size_t>(1, count), scheduler_cpu,
      100 * scheduler_cpu / std::max(seconds, 1e-3),
      1000 * scheduler_cpu / std::max<size_t>(1, count), scheduler_peak);
  return true;
}

bool load_rows(LocalCluster& cluster, const BenchOptions& o) {
  if (rk::Status s = cluster.create_table(kKeyspace, kTable, 3); !s.ok()) die(s.to_string());
  if (rk::Status s = cluster.wait_for_schema(kTable, std::chrono::seconds(60)); !s.ok())
    die(s.to_string());
  if (o.rows == 0) return true;
  rk::cli::LoadOptions load;
  load.keyspace = kKeyspace;
  load.table = kTable;
  load.rows = o.rows;
  load.columns = 1;
  load.value_bytes = 100;
  load.batch = 100;
  load.concurrency = 8;
  load.consistency = "ALL";  // every replica holds every row: repairs find nothing to stream
  load.key_prefix = "row";
  for (size_t i = 0; i < cluster.agent_count(); ++i)
    load.nodes.push_back(cluster.agent(i).client());
  auto report = rk::cli::run_load(load);
  if (!report.ok()) die(report.status().to_string());
  fmt::print("loaded {} rows of one 100-byte cell at ALL in {:.1f} s ({} failed batches{})\n",
             report->rows, report->seconds, report->failed_batches,
             report->first_error.empty() ? "" : ": " + report->first_error);
  return report->failed_batches == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const BenchOptions o = parse(argc, argv);
  if (rk::testing::agent_binary().empty()) die("rk-agent is not built");
  rk::testing::LocalClusterOptions options;
  options.agents = o.agents;
  options.num_tokens = o.vnodes;
  options.heartbeat_interval = "1s";
  options.heartbeat_timeout = "30s";  // the scheduler's default
  options.start_deadline = std::chrono::seconds(60 + o.agents);
  LocalCluster cluster(options);
  fmt::print(
      "cluster_repair_bench: rk-scheduler + {} rk-agents on 127.0.0.1, {} vnodes each, RF 3, {} "
      "rows, 1 s heartbeats; 2 cores here, load average {}\n",
      o.agents, o.vnodes, o.rows, rk::bench::load_average());
  const auto t0 = Steady::now();
  if (rk::Status s = cluster.start(); !s.ok()) die(s.to_string());
  fmt::print("started and NORMAL in {:.1f} s\n", rk::bench::seconds_since(t0));
  // A few heartbeats after the last start settle the ring everywhere before measuring.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  measure_idle(cluster, o, "empty nodes");

  const bool loaded = load_rows(cluster, o);
  if (!loaded) fmt::print("  some rows are missing on some replicas: the runs will stream\n");
  auto with_sessions = [&](json body) {
    if (o.max_sessions > 0) body["max_sessions"] = o.max_sessions;
    return body;
  };
  const std::vector<RunSpec> specs = {
      {"seq",
       "full sequential",
       {{"keyspace", kKeyspace}, {"kind", "full"}, {"parallelism", "sequential"}},
       30},
      {"par", "full parallel",
       with_sessions({{"keyspace", kKeyspace}, {"kind", "full"}, {"parallelism", "parallel"}}), 10},
      {"inc", "incremental, first (marks everything repaired)",
       with_sessions(
           {{"keyspace", kKeyspace}, {"kind", "incremental"}, {"parallelism", "parallel"}}),
       0},
      {"inc2", "incremental after no new writes",
       with_sessions(
           {{"keyspace", kKeyspace}, {"kind", "incremental"}, {"parallelism", "parallel"}}),
       5},
  };
  bool all_done = true;
  if (!o.runs.empty()) {
    fmt::print("repair runs (scheduler defaults{}):\n",
               o.max_sessions > 0
                   ? fmt::format(", max_sessions {} in parallel runs", o.max_sessions)
                   : "");
  }
  for (const RunSpec& spec : specs) {
    if (o.runs.count(spec.key) == 0) continue;
    all_done = repair_run(cluster, o, spec) && all_done;
  }
  measure_idle(cluster, o, o.rows > 0 ? "nodes holding the data" : "again, a table created");
  if (o.idle_seconds == 0) print_rss(cluster);
  return all_done ? 0 : 1;
}
