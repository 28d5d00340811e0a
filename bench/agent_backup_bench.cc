// A real rk-agent backing up ~1 GiB to a local s3rver and restoring it, against the stock AWS CLI
// moving the same files to and from the same server in the same run.
//
// One rk-scheduler and one rk-agent (tests/cluster_fixture.h) with an s3:// backup store on an
// s3rver started here (tools/s3). The node is filled through the client API (rkctl load's
// engine, large values so 1 GiB goes in quickly), flushed (and with --compact compacted), and the
// agent is restarted so that its memory holds what an idle node with that data holds. Then:
//  1. Upload: POST /v1/backups on the agent's ops API (snapshot, SHA-256 of every file, upload,
//     manifest) until the job SUCCEEDED; the agent's VmRSS is sampled from /proc/<pid>/status
//     every 10 ms and its VmHWM read at the end (reset before the upload through clear_refs).
//     Compared with `aws s3 cp --recursive` of a second snapshot of the same files.
//  2. Restore: POST /v1/restore (force) — download, SHA-256 check of every file, then the agent
//     re-executes itself, swaps the staged storage in and opens the node — until its ops API
//     answers /v1/node again. Compared with `aws s3 cp --recursive` download of the same objects.
// Prints peak RSS (target < 100 MiB whatever the file sizes), the upload ratio (target >= 2.0)
// and the restore ratio (target >= 1.2), with the load average.
//
// Usage: agent_backup_bench [--mib 1024] [--value-kib 64] [--target-file-mib 0] [--compact]
//                           [--no-restart] [--agent-config YAML-LINES] [--keep]
// --target-file-mib sets storage.target_file_size (SST size after compaction; 0: the default
// 64 MiB); with --compact, e.g. --target-file-mib 2048 leaves one big SST, --target-file-mib 4
// hundreds of small ones.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench_support.h"
#include "cluster_fixture.h"
#include "ringkeeper/backup/testing/s3_server.h"
#include "ringkeeper/cli/bulk_loader.h"

namespace fs = std::filesystem;
using nlohmann::json;
using rk::bench::load_average;
using rk::bench::process_status_mib;
using rk::bench::reset_process_peak_rss;
using rk::bench::RssSampler;
using rk::bench::seconds_since;

namespace {

constexpr double kMiB = 1 << 20;

struct BenchOptions {
  int64_t mib = 1024;           // data written to the node
  int value_kib = 64;           // bytes per value (one cell per row)
  int64_t target_file_mib = 0;  // storage.target_file_size; 0: the default
  bool compact = false;         // compact after loading (one sorted run)
  bool restart = true;          // restart the agent before the backup (fresh process)
  std::string agent_config;     // extra YAML lines for the agent
  bool keep = false;            // leave the work directory behind
};

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::strtod(f.c_str(), nullptr);
    if (i == 15) break;
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int run_aws(const std::string& endpoint, const std::string& args) {
  const std::string cmd =
      "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 "
      "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null /usr/bin/aws "
      "--endpoint-url " +
      endpoint + " --only-show-errors " + args;
  return std::system(cmd.c_str());
}

[[noreturn]] void die(const std::string& what, rk::testing::LocalCluster* c = nullptr) {
  std::cerr << "agent_backup_bench: " << what << "\n";
  if (c != nullptr) std::cerr << c->logs_tail() << "\n";
  std::exit(1);
}

void check(const rk::Status& s, const std::string& what, rk::testing::LocalCluster* c = nullptr) {
  if (!s.ok()) die(what + ": " + s.to_string(), c);
}

// Polls GET `path` on agent 0's ops API until `done(body)`; returns the last body.
json poll_ops(rk::testing::LocalCluster& c, const std::string& path,
              const std::function<bool(const json&)>& done, std::chrono::seconds deadline) {
  json last;
  rk::Status s = rk::testing::wait_until(
      [&] {
        auto r = c.ops_get(0, path);
        if (!r.ok() || r->status != 200) return false;
        last = json::parse(r->body, nullptr, false);
        return done(last);
      },
      deadline, path);
  check(s, "waiting on " + path, &c);
  return last;
}

// Seconds from `since` to the time stamp (UTC, "2026-11-23T06:12:42.792Z ...") of the last log
// line containing `what`; -1 when there is none.
double log_seconds_after(const std::string& log, const std::string& what,
                         std::chrono::system_clock::time_point since) {
  std::ifstream in(log);
  std::string line, found;
  while (std::getline(in, line))
    if (line.find(what) != std::string::npos) found = line;
  std::tm tm{};
  if (found.size() < 24 || !strptime(found.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return -1;
  const int millis = std::atoi(found.c_str() + 20);
  const auto at =
      std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
  return std::chrono::duration<double>(at - since).count();
}

// Sizes of the files of a directory tree: count, total, largest.
struct TreeSizes {
  int64_t files = 0, bytes = 0, largest = 0;
};
TreeSizes tree_sizes(const std::string& dir) {
  TreeSizes t;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const int64_t size = static_cast<int64_t>(it->file_size());
    t.files++;
    t.bytes += size;
    t.largest = std::max(t.largest, size);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) die(a + " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "--mib")
      o.mib = std::stoll(next());
    else if (a == "--value-kib")
      o.value_kib = std::stoi(next());
    else if (a == "--target-file-mib")
      o.target_file_mib = std::stoll(next());
    else if (a == "--compact")
      o.compact = true;
    else if (a == "--no-restart")
      o.restart = false;
    else if (a == "--agent-config")
      o.agent_config = next() + "\n";
    else if (a == "--keep")
      o.keep = true;
    else {
      std::cerr << "usage: agent_backup_bench [--mib 1024] [--value-kib 64] [--target-file-mib 0] "
                   "[--compact] [--no-restart] [--agent-config YAML-LINES] [--keep]\n";
      return 2;
    }
  }
  if (o.mib <= 0 || o.value_kib <= 0 || o.value_kib > 1024 || o.target_file_mib < 0)
    die("--mib must be positive, --value-kib 1..1024, --target-file-mib >= 0");
  if (rk::testing::agent_binary().empty()) die("rk-agent is not built");
  const std::string load_at_start = load_average();

  const std::string work = "/tmp/rk-agent-backup-bench-" + std::to_string(::getpid());
  fs::remove_all(work);
  fs::create_directories(work);
  auto server = rk::backup::testing::S3rverProcess::start(work + "/s3rver", {"bench"});
  if (!server.ok()) die(server.status().to_string());
  const std::string endpoint = (*server)->endpoint();

  std::string agent_config = fmt::format(
      "backup:\n  store:\n    url: s3://bench/rk\n    s3:\n      endpoint: {}\n"
      "      path_style: true\n      access_key_id: S3RVER\n      secret_access_key: S3RVER\n",
      endpoint);
  if (o.target_file_mib > 0)
    agent_config += fmt::format("storage:\n  target_file_size: {}MiB\n", o.target_file_mib);
  agent_config += o.agent_config;
  rk::testing::LocalCluster c({.agents = 1,
                               .racks = {"r1"},
                               .heartbeat_interval = "1s",
                               .heartbeat_timeout = "20s",
                               .start_deadline = std::chrono::seconds(600),
                               .agent_config_extra = agent_config});
  check(c.start(), "starting the cluster", &c);
  check(c.create_table("bench", "blobs", 1), "creating the table", &c);

  // Fill the node.
  rk::cli::LoadOptions load;
  load.keyspace = "bench";
  load.table = "blobs";
  load.value_bytes = o.value_kib * 1024;
  load.columns = 1;
  load.rows = o.mib * 1024 / o.value_kib;
  load.batch = std::max(1, 1024 / o.value_kib);  // about 1 MiB per request
  load.concurrency = 2;
  load.consistency = "ONE";
  load.nodes = {c.agent(0).client()};
  load.timeout = std::chrono::milliseconds(60000);
  auto t0 = std::chrono::steady_clock::now();
  auto loaded = rk::cli::run_load(load);
  if (!loaded.ok()) die(loaded.status().to_string(), &c);
  if (loaded->failed_batches > 0) die("load: " + loaded->first_error, &c);
  const double load_s = seconds_since(t0);
  auto flushed = c.ops_post(0, o.compact ? "/v1/compact" : "/v1/flush", "");
  if (!flushed.ok() || flushed->status != 200) die("flush/compact failed", &c);
  // Let background compactions settle so the snapshot's files stay put.
  poll_ops(
      c, "/v1/sizes",
      [](const json& j) {
        return j.value("running_compactions", 1) == 0 && j.value("pending_compactions", 1) == 0;
      },
      std::chrono::seconds(600));
  const double rss_loaded = process_status_mib(c.agent(0).process->pid(), "VmRSS");
  if (o.restart) {
    c.stop_agent(0);
    check(c.start_agent(0), "restarting the agent", &c);
    check(c.wait_for_normal(1, std::chrono::seconds(30)), "agent NORMAL", &c);
  }
  const pid_t agent = c.agent(0).process->pid();
  const TreeSizes data = tree_sizes(c.agent(0).dir + "/data/storage/data");
  fmt::print(
      "agent_backup_bench: 1 agent, {:.0f} MiB written ({} rows of {} KiB) in {:.1f} s; node data "
      "{} files, {:.1f} MiB, largest {:.1f} MiB{}\n",
      static_cast<double>(load.rows) * load.value_bytes / kMiB, load.rows, o.value_kib, load_s,
      data.files, data.bytes / kMiB, data.largest / kMiB, o.compact ? " (compacted)" : "");

  // A second snapshot of the same files for the AWS CLI (hard links: no copy).
  auto snap = c.ops_post(0, "/v1/snapshots", R"({"tag":"aws"})");
  if (!snap.ok() || snap->status != 201) die("snapshot for aws", &c);
  const std::string aws_src = json::parse(snap->body)["directory"].get<std::string>();

  // 1. Upload.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double rss_idle = process_status_mib(agent, "VmRSS");
  reset_process_peak_rss(agent);
  const pid_t s3rver = (*server)->pid();
  const double cpu0 = cpu_seconds(agent);
  double srv0 = cpu_seconds(s3rver);
  double backup_s = 0, snapshot_s = 0, rss_peak = 0;
  json job;
  {
    RssSampler sampler(agent);
    t0 = std::chrono::steady_clock::now();
    auto started = c.ops_post(0, "/v1/backups", R"({"tag":"b1"})");
    if (!started.ok() || (started->status != 201 && started->status != 200))
      die("starting the backup: " + (started.ok() ? started->body : started.status().to_string()),
          &c);
    rk::Status s = rk::testing::wait_until(
        [&] {
          auto r = c.ops_get(0, "/v1/backups/b1");
          if (!r.ok() || r->status != 200) return false;
          job = json::parse(r->body, nullptr, false);
          if (snapshot_s == 0 && job.value("phase", "") != "snapshot")
            snapshot_s = seconds_since(t0);
          return job.value("state", "") != "RUNNING";
        },
        std::chrono::seconds(1800), "the backup");
    backup_s = seconds_since(t0);
    sampler.stop();
    check(s, "backup", &c);
    rss_peak = sampler.peak();
  }
  const double hwm_up = process_status_mib(agent, "VmHWM");
  const double cpu_up = cpu_seconds(agent) - cpu0, srv_up = cpu_seconds(s3rver) - srv0;
  if (job.value("state", "") != "SUCCEEDED") die("backup: " + job.dump(), &c);
  const json& p = job["progress"];
  const double up_mib = p.value("bytes_total", int64_t{0}) / kMiB;
  const double sent_mib = p.value("bytes_sent", int64_t{0}) / kMiB;

  const TreeSizes aws_files = tree_sizes(aws_src);
  double srv_aws0 = cpu_seconds(s3rver);
  t0 = std::chrono::steady_clock::now();
  if (run_aws(endpoint, "s3 cp --recursive " + aws_src + " s3://bench/aws-up/") != 0)
    die("aws s3 cp (upload) failed", &c);
  const double aws_up_s = seconds_since(t0);
  const double srv_aws_up = cpu_seconds(s3rver) - srv_aws0;
  std::error_code ec;  // the "aws" snapshot goes with the storage the restore replaces

  // 2. Restore: download + verify, re-exec, swap, open.
  const std::string agent_dir = c.agent(0).dir;
  c.forget_agent_ports(0);
  reset_process_peak_rss(agent);
  double restore_s = 0, rss_restore = 0;
  std::chrono::system_clock::time_point restore_wall0;
  srv0 = cpu_seconds(s3rver);
  {
    RssSampler sampler(agent);
    t0 = std::chrono::steady_clock::now();
    restore_wall0 = std::chrono::system_clock::now();
    auto started = c.ops_post(0, "/v1/restore", R"({"tag":"b1","force":true})");
    if (!started.ok() || started->status != 202)
      die("starting the restore: " + (started.ok() ? started->body : started.status().to_string()),
          &c);
    check(c.reread_agent(0), "the agent back after the restore", &c);
    poll_ops(
        c, "/v1/node", [](const json& j) { return j.is_object(); }, std::chrono::seconds(120));
    restore_s = seconds_since(t0);
    sampler.stop();
    rss_restore = sampler.peak();
  }
  const double hwm_restore = process_status_mib(agent, "VmHWM");
  const double staged_s =
      log_seconds_after(c.agent(0).process->log_path(), "is staged and checked", restore_wall0);
  const double srv_down = cpu_seconds(s3rver) - srv0;
  const TreeSizes restored = tree_sizes(agent_dir + "/data/storage/data");

  const std::string aws_dst = work + "/aws-download";
  srv_aws0 = cpu_seconds(s3rver);
  t0 = std::chrono::steady_clock::now();
  if (run_aws(endpoint, "s3 cp --recursive s3://bench/rk/data/ " + aws_dst) != 0)
    die("aws s3 cp (download) failed", &c);
  const double aws_down_s = seconds_since(t0);
  const double srv_aws_down = cpu_seconds(s3rver) - srv_aws0;
  const TreeSizes aws_down = tree_sizes(aws_dst);
  fs::remove_all(aws_dst, ec);

  fmt::print(
      "upload:  agent {:.1f} MiB ({:.1f} MiB sent, {} files) in {:.2f} s = {:.1f} MiB/s "
      "(snapshot + SHA-256 {:.2f} s, then upload); aws s3 cp --recursive {} files {:.1f} MiB in "
      "{:.2f} s = {:.1f} MiB/s; ratio {:.2f} (target >= 2.0); the files' upload alone (after the "
      "snapshot and its hashing, which aws does not do) {:.1f} MiB/s, ratio {:.2f}\n",
      up_mib, sent_mib, p.value("files_total", 0), backup_s, up_mib / backup_s, snapshot_s,
      aws_files.files, aws_files.bytes / kMiB, aws_up_s, aws_files.bytes / kMiB / aws_up_s,
      (up_mib / backup_s) / (aws_files.bytes / kMiB / aws_up_s), up_mib / (backup_s - snapshot_s),
      (up_mib / (backup_s - snapshot_s)) / (aws_files.bytes / kMiB / aws_up_s));
  fmt::print(
      "agent RSS: after loading {:.1f} MiB; idle before the backup {:.1f} MiB; during the upload "
      "peak {:.1f} MiB sampled, VmHWM {:.1f} MiB (target < 100 MiB); upload CPU {:.2f} s\n",
      rss_loaded, rss_idle, rss_peak, hwm_up, cpu_up);
  fmt::print(
      "restore: agent {:.1f} MiB (download + SHA-256 check, re-exec, swap, open) in {:.2f} s = "
      "{:.1f} MiB/s; aws s3 cp --recursive download {} objects {:.1f} MiB in {:.2f} s = {:.1f} "
      "MiB/s; ratio {:.2f} (target >= 1.2); restored data {} files {:.1f} MiB; RSS peak {:.1f} "
      "MiB sampled, VmHWM {:.1f} MiB; staged (downloaded and checked) after {:.2f} s\n",
      up_mib, restore_s, up_mib / restore_s, aws_down.files, aws_down.bytes / kMiB, aws_down_s,
      aws_down.bytes / kMiB / aws_down_s,
      (up_mib / restore_s) / (aws_down.bytes / kMiB / aws_down_s), restored.files,
      restored.bytes / kMiB, rss_restore, hwm_restore, staged_s);
  fmt::print(
      "s3rver CPU seconds serving: the agent's upload {:.2f}, aws's upload {:.2f}; the agent's "
      "restore {:.2f}, aws's download {:.2f}\n",
      srv_up, srv_aws_up, srv_down, srv_aws_down);
  fmt::print("load average: at the start {}; at the end {}\n", load_at_start, load_average());
  server->reset();
  if (!o.keep) fs::remove_all(work, ec);
  return 0;
}
