// rk_chaos_soak: a real rk-scheduler and five rk-agents (RF 3, 16 vnodes) under QUORUM load with
// kill -9 of agents and the scheduler at chosen moments, a faulty network between agents and a
// faulty S3 in front of the backups; then checks that nothing acknowledged was lost and nothing
// deleted came back (docs/benchmarks.md, "Chaos soak").
//
//   rk_chaos_soak [--seed N] [--duration 10m] [--threads 3]
//   RK_SOAK_SEED, RK_SOAK_DURATION: the same, when the flags are not given.
// Exit 0: no invariant violation; 1: violations (listed) or the cluster did not start; 77: s3rver
// is not installed (outside CI).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include "history.h"
#include "ringkeeper/core/duration_text.h"
#include "soak_chaos.h"
#include "soak_checks.h"
#include "soak_cluster.h"
#include "soak_load.h"

namespace rk::soak {
namespace {

using nlohmann::json;

// A soak's length: "10m", "90s", "1h" or a number of seconds (core's duration syntax), whole
// seconds and more than none.
std::optional<std::chrono::seconds> parse_soak_duration(const std::string& text) {
  auto d = parse_duration(text, {.plain_number_unit = std::chrono::seconds(1)});
  if (!d.ok()) return std::nullopt;
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(*d);
  if (s != *d || s.count() <= 0) return std::nullopt;
  return s;
}

struct Flags {
  uint64_t seed = 0;
  std::chrono::seconds duration{600};
  int threads = 3;
};

std::optional<Flags> parse_flags(int argc, char** argv) {
  Flags f;
  f.seed = std::random_device{}();
  if (const char* s = std::getenv("RK_SOAK_SEED")) f.seed = std::strtoull(s, nullptr, 10);
  if (const char* d = std::getenv("RK_SOAK_DURATION")) {
    auto parsed = parse_soak_duration(d);
    if (!parsed) {
      std::fprintf(stderr, "RK_SOAK_DURATION: bad duration '%s' (e.g. 10m, 120s)\n", d);
      return std::nullopt;
    }
    f.duration = *parsed;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seed" && has_value) {
      f.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--duration" && has_value) {
      auto parsed = parse_soak_duration(argv[++i]);
      if (!parsed) {
        std::fprintf(stderr, "--duration: bad duration '%s' (e.g. 10m, 120s)\n", argv[i]);
        return std::nullopt;
      }
      f.duration = *parsed;
    } else if (arg == "--threads" && has_value) {
      f.threads = std::atoi(argv[++i]);
      if (f.threads < 1 || f.threads > 64) {
        std::fprintf(stderr, "--threads: 1 to 64\n");
        return std::nullopt;
      }
    } else {
      std::fprintf(stderr,
                   "usage: rk_chaos_soak [--seed N] [--duration 10m] [--threads 3]\n"
                   "       (or RK_SOAK_SEED, RK_SOAK_DURATION)\n");
      return std::nullopt;
    }
  }
  return f;
}

void print_report(const Flags& flags, const Load& load, const History& history,
                  const ChaosTally& tally, const FaultCounters& faults, const Observer& observer,
                  const std::vector<BackupOutcome>& backups, const std::vector<std::string>& restored,
                  int keys_checked, const std::vector<std::string>& violations) {
  const OpCounts& c = load.counts();
  std::printf("\n== chaos soak report (seed %llu, %lld s of chaos) ==\n",
              static_cast<unsigned long long>(flags.seed),
              static_cast<long long>(flags.duration.count()));
  std::printf("operations (QUORUM): writes %lld (acked %lld), deletes %lld (acked %lld), reads %lld "
              "(answered %lld); 503+Retry-After waits %lld; keys %zu\n",
              (long long)c.writes, (long long)c.writes_acked, (long long)c.deletes,
              (long long)c.deletes_acked, (long long)c.reads, (long long)c.reads_ok,
              (long long)c.retried_after, history.key_count());
  std::printf("kills:");
  int total = 0;
  for (const auto& [what, n] : tally.kills) {
    std::printf(" %s %d;", what.c_str(), n);
    total += n;
  }
  std::printf(" total %d\n", total);
  std::printf("moments aimed at that did not come within 15 s:");
  for (const auto& [what, n] : tally.missed) std::printf(" %s %d;", what.c_str(), n);
  std::printf("\n");
  std::printf("faults: %d network fault windows; %lld internode connections during them: %lld "
              "reset, %lld cut, %lld delayed 0-2 s; s3: %lld requests, %lld answered 5xx\n",
              tally.fault_windows, (long long)faults.connections, (long long)faults.resets,
              (long long)faults.drops, (long long)faults.delays, (long long)faults.http_requests,
              (long long)faults.http_5xx);
  std::printf("repair: %zu runs started during the chaos (+1 final full), %zu sessions observed\n",
              tally.repair_runs.size(), observer.sessions_seen());
  std::printf("backups:");
  for (const BackupOutcome& b : backups) {
    std::printf(" %s %s%s;", b.tag.c_str(), b.state.c_str(), b.verified ? " (verified)" : "");
  }
  std::printf("\nrestored onto fresh clusters:");
  for (const auto& r : restored) std::printf(" %s", r.c_str());
  std::printf("\nkeys checked on every replica after the final full repair: %d\n", keys_checked);
  const LatencyBook& l = load.latencies();
  std::printf("latency of acknowledged operations: p99 %.1f ms (p50 %.1f, n=%zu) while a fault "
              "was active; p99 %.1f ms (p50 %.1f, n=%zu) without\n",
              l.quantile_ms(true, 0.99), l.quantile_ms(true, 0.5), l.count(true),
              l.quantile_ms(false, 0.99), l.quantile_ms(false, 0.5), l.count(false));
  std::printf("invariant violations: %zu\n", violations.size());
  for (const auto& v : violations) std::printf("  VIOLATION %s\n", v.c_str());
}

int run(int argc, char** argv) {
  auto flags = parse_flags(argc, argv);
  if (!flags) return 2;
  std::printf("chaos soak: seed %llu, duration %lld s, %d client threads "
              "(rerun: --seed %llu --duration %llds)\n",
              static_cast<unsigned long long>(flags->seed),
              static_cast<long long>(flags->duration.count()), flags->threads,
              static_cast<unsigned long long>(flags->seed),
              static_cast<long long>(flags->duration.count()));
  std::fflush(stdout);
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = (std::filesystem::path(tmp ? tmp : "/tmp") /
                           ("rk-soak-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);

  FaultCounters faults;
  Violations violations;
  History history;
  SoakCluster cluster(dir, flags->seed, &faults);
  if (Status s = cluster.start(); !s.ok()) {
    if (backup::testing::S3rverProcess::must_skip(s)) {
      std::printf("skipped: %s\n", s.to_string().c_str());
      return 77;
    }
    std::fprintf(stderr, "the cluster did not start: %s\n", s.to_string().c_str());
    return 1;
  }
  Observer observer(cluster);
  observer.start();
  Chaos chaos(cluster, observer, violations, flags->seed);
  Load load(cluster, history, violations, flags->seed, [&] { return chaos.disturbed(); });
  load.start(flags->threads);
  chaos.run(std::chrono::steady_clock::now() + flags->duration);
  load.stop();
  std::printf("chaos over; checking\n");
  std::fflush(stdout);

  if (Status s = cluster.fixture().wait_for_normal(kAgents, std::chrono::seconds(60)); !s.ok()) {
    violations.add("the cluster did not come back NORMAL after the chaos: " + s.to_string());
  }
  // One backup without kills (the S3 faults stay), so there is always one to restore.
  std::vector<ChaosTally::Backup> backups = chaos.tally().backups;
  {
    ChaosTally::Backup calm{"soak-final", wall_us()};
    const auto post = [&] {
      calm.requested_us = wall_us();
      return cluster.fixture().scheduler_post("/api/v1/backups", json({{"tag", calm.tag}}).dump(),
                                              cluster.options().operator_token);
    };
    auto r = post();
    // The scheduler runs one backup at a time (409 while another is running): a backup the chaos
    // started may still be uploading, slowly, under the S3 faults.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (r.ok() && r->status == 409 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      r = post();
    }
    if (r.ok() && r->status == 201) {
      backups.push_back(calm);
    } else {
      violations.add("the final backup did not start: " +
                     (r.ok() ? r->body : r.status().to_string()));
    }
  }
  EndChecks checks(cluster, history, violations);
  checks.repair_runs_done(chaos.tally().repair_runs, std::chrono::seconds(180));
  checks.replicas_after_full_repair();
  observer.stop();
  for (const std::string& o : observer.overlapping_sessions()) violations.add(o);
  std::vector<BackupOutcome> outcomes = checks.backups(backups);

  // Restore the newest COMPLETE backup taken under chaos (else the calm one).
  const BackupOutcome* chosen = nullptr;
  const BackupOutcome* calm = nullptr;
  for (const BackupOutcome& b : outcomes) {
    if (b.state != "COMPLETE" || !b.verified) continue;
    (b.tag == "soak-final" ? calm : chosen) = &b;
  }
  if (chosen == nullptr) chosen = calm;
  std::vector<std::string> restored;
  if (chosen == nullptr) {
    violations.add("no COMPLETE backup to restore");
  } else {
    restored.push_back(checks.restore(*chosen, /*kill_one=*/true, flags->seed));
  }
  print_report(*flags, load, history, chaos.tally(), faults, observer, outcomes, restored,
               checks.keys_checked(), violations.list());
  if (std::getenv("RK_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return violations.list().empty() ? 0 : 1;
}

}  // namespace
}  // namespace rk::soak

int main(int argc, char** argv) { return rk::soak::run(argc, argv); }
