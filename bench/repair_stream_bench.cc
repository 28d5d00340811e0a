// repair_stream_bench: what a repair session streams and how long incremental repair takes,
// on three in-process storage nodes driven by the real session logic (rk_agent's InProcessRepair,
// ringkeeper/agent/in_process_repair.h: no HTTP, trees still serialized and parsed).
//
// 1. Overstreaming. N rows (default 1,000,000, small: ~10-byte keys, one 16-byte cell) on every
//    replica; then a random 0.1% (and, separately, 1%) of the rows diverge on one replica, and a
//    full session repairs them. Figure: bytes streamed / bytes actually divergent (the encoded
//    size of the correct versions the diverged replica lacks). Two kinds of divergence:
//    "missed writes" (rows the replica never got: the usual case after a node was down or
//    dropped mutations) and "missed updates" (the replica holds an older version). The replicas
//    list their rows' versions where the trees differ and each receives only the rows on which
//    it is behind, so the stale version does not travel. Target: <= 1.2. Each line also gives
//    the session's time (the 1% lines: what batching the rows into few export/import calls is
//    for) and the trees' and row listings' bytes.
// 2. Preview vs full. With every replica identical, preview sessions and full sessions of the
//    same data take turns (three of each, the median of each kind). Figure: preview time / full
//    time. A preview takes the full session's path up to the transfer plan and records the plan
//    instead of streaming it, so with nothing to stream the target is ~1.0 (0.9..1.1).
// 3. Incremental vs full. After an incremental session marked everything repaired and a full
//    session validated everything, 1% new rows arrive on every replica; then an incremental
//    session. Figure: its time / the full session's time. Target: <= 0.1.
//
// Usage: repair_stream_bench [--rows N] [--dir PATH]   (--rows 100000 for a quick run)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ringkeeper/agent/in_process_repair.h"
#include "ringkeeper/storage/node.h"
#include "ringkeeper/storage/range_stream.h"

namespace {

using namespace rk;
using namespace rk::agent;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

constexpr int kReplicas = 3;

struct Cluster {
  std::vector<std::unique_ptr<storage::Node>> nodes;
  std::unique_ptr<InProcessRepair> repair;  // before the nodes go: it holds views on them
  int sessions = 0;
};

void check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.to_string().c_str());
    std::exit(1);
  }
}

std::string key(uint64_t i) { return "k" + std::to_string(i); }

storage::Mutation row(const std::string& k, const std::string& value, int64_t ts) {
  return storage::Mutation("bench", "kv", k).set("", "v", value, ts);
}

// Writes rows [first, last) with `value` at `ts` to the given replicas.
void write_rows(Cluster& c, uint64_t first, uint64_t last, const std::string& value, int64_t ts,
                const std::vector<int>& to) {
  std::vector<storage::Mutation> batch;
  for (uint64_t i = first; i < last; ++i) {
    batch.push_back(row(key(i), value, ts));
    if (batch.size() == 1000 || i + 1 == last) {
      for (int r : to) check(c.nodes[r]->apply_batch(batch), "writing");
      batch.clear();
    }
  }
}

struct SessionResult {
  nlohmann::json session;
  double seconds = 0;
};

SessionResult run(Cluster& c, bool incremental, bool mark_repaired = false, bool preview = false) {
  nlohmann::json replicas = nlohmann::json::array();
  for (int i = 0; i < kReplicas; ++i) replicas.push_back("h" + std::to_string(i));
  const nlohmann::json request = {{"id", "bench-" + std::to_string(++c.sessions)},
                                  {"keyspace", "bench"},
                                  {"tables", {"kv"}},
                                  {"range", TokenRange::full_ring().to_string()},
                                  {"replicas", replicas},
                                  {"mode", incremental ? "incremental" : "full"},
                                  {"mark_repaired", mark_repaired},
                                  {"preview", preview}};
  const auto start = Steady::now();
  auto session = c.repair->run(request);
  check(session.status(), "starting a session");
  SessionResult out{*session, std::chrono::duration<double>(Steady::now() - start).count()};
  if (out.session["state"] != "SUCCEEDED") {
    std::fprintf(stderr, "session failed: %s\n", out.session.dump().c_str());
    std::exit(1);
  }
  return out;
}

// The encoded size of replica `from`'s current version of each key (what the diverged replica
// needs), in one stream per key as a repair would send it at best.
uint64_t divergent_bytes(Cluster& c, const std::vector<uint64_t>& keys, int from) {
  uint64_t total = 0;
  for (uint64_t k : keys) {
    auto p = c.nodes[from]->read_partition("bench", "kv", key(k));
    check(p.status(), "reading");
    std::vector<storage::Partition> one{*p};
    // The stream header ("RKS1" + count) is paid per chunk, not per row: leave it out.
    total += storage::encode_partitions(one).size() - 5;
  }
  return total;
}

void overstreaming(Cluster& c, uint64_t rows, double fraction, bool missed_updates, uint64_t* next,
                   std::mt19937_64& rng) {
  const uint64_t n = std::max<uint64_t>(1, static_cast<uint64_t>(rows * fraction));
  std::vector<uint64_t> keys;
  if (missed_updates) {
    // Replica 2 misses a newer version of n existing rows.
    std::uniform_int_distribution<uint64_t> pick(0, rows - 1);
    std::vector<char> taken(rows, 0);
    while (keys.size() < n) {
      uint64_t k = pick(rng);
      if (!taken[k]) {
        taken[k] = 1;
        keys.push_back(k);
      }
    }
    std::vector<storage::Mutation> batch;
    for (uint64_t k : keys) batch.push_back(row(key(k), "updated-value-xx", 100 + c.sessions));
    for (int r : {0, 1}) check(c.nodes[r]->apply_batch(batch), "writing");
  } else {
    // Replica 2 misses n new rows spread over the ring (Murmur3 scatters consecutive keys).
    for (uint64_t i = 0; i < n; ++i) keys.push_back(*next + i);
    write_rows(c, *next, *next + n, "sixteen-bytes-xx", 10, {0, 1});
    *next += n;
  }
  const uint64_t divergent = divergent_bytes(c, keys, 0);
  auto s = run(c, /*incremental=*/false);
  const uint64_t streamed = s.session["progress"]["bytes_streamed"].get<uint64_t>();
  std::printf(
      "  %-15s %5.1f%%: %7llu rows diverged, %10llu bytes divergent, %10llu streamed -> "
      "ratio %.2f (target <= 1.2); trees %.1f MiB, row listings %.1f MiB, session %.2f s\n",
      missed_updates ? "missed updates" : "missed writes", fraction * 100,
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(divergent),
      static_cast<unsigned long long>(streamed),
      static_cast<double>(streamed) / static_cast<double>(divergent),
      static_cast<double>(c.repair->take_tree_bytes()) / (1 << 20),
      static_cast<double>(c.repair->take_row_bytes()) / (1 << 20), s.seconds);
}

// The machine's load averages (/proc/loadavg), which the figures depend on; "?" elsewhere.
std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  double one = 0, five = 0, fifteen = 0;
  const int n = std::fscanf(f, "%lf %lf %lf", &one, &five, &fifteen);
  std::fclose(f);
  if (n != 3) return "?";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %.2f %.2f", one, five, fifteen);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 1'000'000;
  std::string dir = (fs::temp_directory_path() / "rk_repair_stream_bench").string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) {
      rows = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: repair_stream_bench [--rows N] [--dir PATH]\n");
      return 2;
    }
  }
  fs::remove_all(dir);
  Cluster c;
  std::vector<InProcessRepair::Replica> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    storage::Options o;
    o.data_dir = dir + "/node" + std::to_string(i);
    o.write_buffer_bytes = 16 << 20;
    o.total_memtable_bytes = 48 << 20;
    o.block_cache_bytes = 16 << 20;
    auto n = storage::Node::open(o);
    check(n.status(), "opening");
    c.nodes.push_back(std::move(*n));
    check(c.nodes[i]->create_keyspace({"bench", {}}), "keyspace");
    check(c.nodes[i]->create_table(storage::TableSchema{"bench", "kv"}).status(), "table");
    replicas.push_back({"h" + std::to_string(i), c.nodes[i].get()});
  }
  RepairSettings settings;
  settings.view_lease = std::chrono::minutes(10);
  c.repair = std::make_unique<InProcessRepair>(replicas, settings, SystemClock::instance());
  std::printf(
      "repair_stream_bench: %llu rows on 3 replicas (in-process nodes, RepairSettings "
      "defaults: rows_per_leaf 2, refine 16 leaves/row, max tree depth 16)\n",
      static_cast<unsigned long long>(rows));
  auto t0 = Steady::now();
  write_rows(c, 0, rows, "sixteen-bytes-xx", 10, {0, 1, 2});
  for (auto& n : c.nodes) check(n->flush(), "flushing");
  std::printf("loaded in %.1f s (load average %s)\n",
              std::chrono::duration<double>(Steady::now() - t0).count(), load_average().c_str());

  std::mt19937_64 rng(42);
  uint64_t next = rows;
  std::printf("overstreaming (full sessions, sequential validation):\n");
  for (double f : {0.001, 0.01}) overstreaming(c, rows, f, /*missed_updates=*/false, &next, rng);
  for (double f : {0.001, 0.01}) overstreaming(c, rows, f, /*missed_updates=*/true, &next, rng);

  std::printf("preview vs full, no differences (identical replicas):\n");
  std::vector<double> previews, fulls;
  uint64_t preview_rows = 0, full_rows = 0;
  for (int round = 0; round < 3; ++round) {
    auto p = run(c, /*incremental=*/false, /*mark_repaired=*/false, /*preview=*/true);
    auto f = run(c, /*incremental=*/false);
    if (p.session["progress"]["rows_differing"] != 0 ||
        f.session["progress"]["bytes_streamed"] != 0) {
      std::fprintf(stderr, "the replicas differ: %s\n", p.session.dump().c_str());
      return 1;
    }
    previews.push_back(p.seconds);
    fulls.push_back(f.seconds);
    preview_rows = p.session["progress"]["rows_validated"].get<uint64_t>();
    full_rows = f.session["progress"]["rows_validated"].get<uint64_t>();
  }
  std::sort(previews.begin(), previews.end());
  std::sort(fulls.begin(), fulls.end());
  std::printf(
      "  preview session: %.2f s (median of 3, %llu rows validated); full session: %.2f s "
      "(median of 3, %llu rows validated) -> ratio %.2f (target ~1.0)\n",
      previews[1], static_cast<unsigned long long>(preview_rows), fulls[1],
      static_cast<unsigned long long>(full_rows), previews[1] / fulls[1]);

  std::printf("incremental vs full:\n");
  auto first = run(c, /*incremental=*/true);
  std::printf("  first incremental (marks all %llu rows repaired): %.2f s\n",
              static_cast<unsigned long long>(next), first.seconds);
  auto full = run(c, /*incremental=*/false);
  const uint64_t added = std::max<uint64_t>(1, rows / 100);
  write_rows(c, next, next + added, "sixteen-bytes-xx", 20, {0, 1, 2});
  next += added;
  auto inc = run(c, /*incremental=*/true);
  auto idle = run(c, /*incremental=*/true);
  std::printf("  (an incremental session with nothing new: %.3f s)\n", idle.seconds);
  for (auto& n : c.nodes) check(n->compact(), "compacting");
  write_rows(c, next, next + added, "sixteen-bytes-xx", 30, {0, 1, 2});
  auto compacted = run(c, /*incremental=*/true);
  std::printf("  (1%% new rows after a compaction, incremental: %.3f s)\n", compacted.seconds);
  std::printf(
      "  full session: %.2f s (%llu rows validated); after 1%% new rows, incremental: "
      "%.3f s (%llu rows validated) -> ratio %.3f (target <= 0.1)\n",
      full.seconds,
      static_cast<unsigned long long>(full.session["progress"]["rows_validated"].get<uint64_t>()),
      inc.seconds,
      static_cast<unsigned long long>(inc.session["progress"]["rows_validated"].get<uint64_t>()),
      inc.seconds / full.seconds);
  std::printf("load average at the end: %s\n", load_average().c_str());
  c.repair.reset();
  c.nodes.clear();
  fs::remove_all(dir);
  return 0;
}
