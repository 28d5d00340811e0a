// Registry write throughput on this machine's disk: node registrations and heartbeats per second
// (each one SQLite transaction), with synchronous=FULL (the default: every commit fsynced)
// compared in the same run against synchronous=NORMAL (durable across kill -9, not power loss).
// Heartbeats are written with relaxed durability in both modes (Store's WriteDurability::kRelaxed),
// so under FULL they cost a WAL append and are fsynced by the next registration; a run of this
// bench before that change measured 119 heartbeats/s under FULL on the same machine.
// Uses a temporary directory under $TMPDIR (or /tmp) and removes it.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "ringkeeper/scheduler/registry.h"
#include "ringkeeper/scheduler/store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double registrations_per_s = 0;
  double heartbeats_per_s = 0;
};

Figures run(const std::string& path, const std::string& synchronous, int nodes, int beats) {
  rk::ManualClock clock;
  auto store = rk::scheduler::Store::open({.path = path, .synchronous = synchronous}, clock);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().to_string().c_str());
    std::exit(1);
  }
  rk::scheduler::Registry registry(**store, clock);
  Figures f;
  auto t0 = Clock::now();
  for (int i = 0; i < nodes; ++i) {
    rk::scheduler::RegisterRequest r;
    r.host_id = "host-" + std::to_string(i);
    r.rack = "r" + std::to_string(i % 3 + 1);
    r.datacenter_racks = {"r1", "r2", "r3"};
    r.nodes_per_rack = static_cast<uint32_t>((nodes + 2) / 3);
    r.ops_port = 7100;
    r.internode_port = 7000 + i;
    r.client_port = 9043;
    r.num_tokens = 16;
    if (!registry.register_node(r).ok()) std::exit(1);
  }
  f.registrations_per_s = nodes / std::chrono::duration<double>(Clock::now() - t0).count();
  t0 = Clock::now();
  for (int i = 0; i < beats; ++i) {
    if (!registry.heartbeat("host-" + std::to_string(i % nodes), {.load_bytes = i}).ok()) {
      std::exit(1);
    }
  }
  f.heartbeats_per_s = beats / std::chrono::duration<double>(Clock::now() - t0).count();
  return f;
}

}  // namespace

int main() {
  const char* tmp = std::getenv("TMPDIR");
  const auto dir = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
                   ("rk-registry-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  constexpr int kNodes = 60;
  constexpr int kBeats = 600;
  const Figures full = run((dir / "full.db").string(), "FULL", kNodes, kBeats);
  const Figures normal = run((dir / "normal.db").string(), "NORMAL", kNodes, kBeats);
  std::filesystem::remove_all(dir);
  std::printf("%-12s %16s %14s\n", "synchronous", "registrations/s", "heartbeats/s");
  std::printf("%-12s %16.0f %14.0f\n", "FULL", full.registrations_per_s, full.heartbeats_per_s);
  std::printf("%-12s %16.0f %14.0f\n", "NORMAL", normal.registrations_per_s,
              normal.heartbeats_per_s);
  std::printf(
      "(%d registrations of 16-token nodes over 3 racks, then %d heartbeats; FULL/NORMAL "
      "heartbeat ratio %.2f)\n",
      kNodes, kBeats, full.heartbeats_per_s / normal.heartbeats_per_s);
  return 0;
}
