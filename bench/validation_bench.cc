// Validation throughput: builds a table of about 1 GiB of SSTs (small values, many rows) in one
// storage node, flushes and compacts it, then in the same run compares
//   (a) Merkle validation of the whole ring (Node::validate, all data sets), and
//   (b) reading the same SST files raw, start to end,
// with both sides in the same page-cache state, two ways:
//   device (the figure of record): neither side uses the page cache, so both read from the
//         device, as a validation of data nobody touched lately does. (a) runs on the node
//         reopened with Options::direct_reads (RocksDB use_direct_reads: O_DIRECT); (b) reads
//         each file with O_DIRECT into an aligned buffer, 1 MiB and 4 MiB at a time
//         (`dd iflag=direct bs=1M`), before and after (a): the fastest pass is the reference.
//         Repeated --rounds times; the median ratio is the figure. (The page cache cannot be
//         dropped on this machine — /proc/sys/vm/drop_caches is read-only and
//         posix_fadvise(DONTNEED) does not reliably evict — hence O_DIRECT on both sides.)
//   warm: the default node (buffered reads) right after full reads of the files, so both sides
//         read from memory (`cat files > /dev/null`, read() into a 1 MiB buffer): validation's
//         CPU bound against memory bandwidth.
// Both (a) sides run with Options::validation_cache_bytes = 0: every validation reads every
// leaf, as the first validation of data does.
//   (d) revalidation of unchanged data, device: the default node (validation keeps what it finds
//       in the leaves of unchanged files) with direct reads validates the same ring three times:
//       the first reads everything and keeps it, the next reuse it; the tree must stay the same.
// Prints both throughputs over the SST bytes, CPU time, peak RSS while ingesting and while
// validating (target < 300 MiB), the load average, and (c) what row hashing and the Merkle tree
// cost on their own (XXH3-128, the row digest, against SHA-256, the one it replaced).
//
// Usage: validation_bench [--gib 1.0] [--value-bytes 100] [--rows-per-partition 4]
//                         [--rows-per-leaf 32] [--rounds 3] [--dir DIR] [--keep] [--reuse]
// --reuse: with --dir, validate the table a previous run left there with --keep (no ingest).
// --profile: with --reuse, only validate three times, for a profiler (--direct: with O_DIRECT).
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "bench_support.h"
#include "ringkeeper/core/hex.h"
#include "ringkeeper/core/sha256.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/node.h"

namespace fs = std::filesystem;
using rk::bench::load_average;
using rk::bench::peak_rss_mib;
using rk::bench::reset_peak_rss;
using rk::bench::seconds_since;
using rk::storage::MerkleTree;
using rk::storage::Mutation;
using rk::storage::Node;

namespace {

constexpr double kMiB = 1 << 20;

struct BenchOptions {
  double gib = 1.0;             // target size of the table's SSTs
  size_t value_bytes = 100;     // bytes per cell value (random, incompressible)
  int rows_per_partition = 4;   // rows (one cell each) under each partition key
  uint64_t rows_per_leaf = 32;  // Merkle leaf target, fed to merkle_depth_for
  int rounds = 3;               // device comparisons; the median ratio is reported
  std::string dir;              // data dir; a fresh one under /tmp when empty
  bool keep = false;            // leave the data dir behind
  bool reuse = false;           // validate the table a --keep run left in --dir
  bool profile = false;         // only validate, three times (for perf record)
  bool direct = false;          // --profile with direct reads
};

// CPU time of this process so far (all threads, user + system), in seconds.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The engine's live SSTs (snapshots/ and backups/ would hold hard links of the same data).
std::vector<fs::path> sst_files(const fs::path& data_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir / "data", ec)) {
    if (e.path().extension() == ".sst") out.push_back(e.path());
  }
  return out;
}

uint64_t total_size(const std::vector<fs::path>& files) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : files) {
    uintmax_t size = fs::file_size(f, ec);
    if (!ec) total += size;
  }
  return total;
}

// Reads every file start to end in `chunk`-byte reads: buffered with read(2), as
// `cat files > /dev/null` does, or with O_DIRECT into an aligned buffer, as
// `dd iflag=direct bs=<chunk>` does. False if a file has gone (the engine deleted an obsolete
// SST) or O_DIRECT failed; the caller lists again.
bool read_raw(const std::vector<fs::path>& files, bool direct, size_t chunk, uint64_t* total) {
  void* mem = nullptr;
  if (posix_memalign(&mem, 4096, chunk) != 0) return false;
  std::unique_ptr<char, decltype(&std::free)> buf(static_cast<char*>(mem), &std::free);
  *total = 0;
  for (const auto& f : files) {
    int fd = ::open(f.c_str(), O_RDONLY | (direct ? O_DIRECT : 0));
    if (fd < 0) return false;
    ssize_t n;
    while ((n = ::read(fd, buf.get(), chunk)) > 0) *total += static_cast<uint64_t>(n);
    ::close(fd);
    if (n < 0) return false;
  }
  return true;
}

struct RawPass {
  double seconds = 0;
  uint64_t bytes = 0;
  size_t files = 0;
  double mib_per_s() const { return static_cast<double>(bytes) / kMiB / seconds; }
};

// One timed raw pass over the table's current SSTs.
RawPass raw_pass(const fs::path& dir, bool direct, size_t chunk = 1 << 20) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<fs::path> files = sst_files(dir);
    RawPass pass;
    auto t0 = std::chrono::steady_clock::now();
    if (read_raw(files, direct, chunk, &pass.bytes)) {
      pass.seconds = seconds_since(t0);
      pass.files = files.size();
      return pass;
    }
  }
  std::fprintf(stderr, "SST files keep disappearing under %s (or O_DIRECT fails there)\n",
               dir.c_str());
  std::exit(1);
}

void die(const rk::Status& s, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, s.to_string().c_str());
  std::exit(1);
}

BenchOptions parse_args(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--gib") {
      o.gib = std::stod(next());
    } else if (a == "--value-bytes") {
      o.value_bytes = std::stoul(next());
    } else if (a == "--rows-per-partition") {
      o.rows_per_partition = std::stoi(next());
    } else if (a == "--rows-per-leaf") {
      o.rows_per_leaf = std::stoull(next());
    } else if (a == "--rounds") {
      o.rounds = std::max(1, std::stoi(next()));
    } else if (a == "--dir") {
      o.dir = next();
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--profile") {
      o.profile = true;
    } else if (a == "--direct") {
      o.direct = true;
    } else if (a == "--reuse") {
      o.reuse = true;
      o.keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: validation_bench [--gib G] [--value-bytes N] [--rows-per-partition N] "
                   "[--rows-per-leaf N] [--rounds N] [--dir DIR] [--keep] [--reuse] "
                   "[--profile [--direct]]\n");
      std::exit(a == "--help" ? 0 : 2);
    }
  }
  return o;
}

// Writes `count` partitions of random values, numbered from *partitions on.
void write_partitions(Node& node, const BenchOptions& opt, uint64_t count, size_t batch_size,
                      std::mt19937_64& rng, uint64_t* partitions, uint64_t* rows) {
  std::string value(opt.value_bytes, '\0');
  std::vector<Mutation> batch;
  for (uint64_t done = 0; done < count;) {
    batch.clear();
    for (size_t b = 0; b < batch_size && done < count; ++b, ++done) {
      Mutation m("bench", "kv", "p" + std::to_string((*partitions)++));
      for (int r = 0; r < opt.rows_per_partition; ++r) {
        for (size_t k = 0; k + 8 <= value.size(); k += 8) {
          uint64_t x = rng();
          std::memcpy(value.data() + k, &x, 8);
        }
        m.set("c" + std::to_string(r), "v", value,
              1'700'000'000'000'000 + static_cast<int64_t>(*rows));
        ++*rows;
      }
      batch.push_back(std::move(m));
    }
    if (auto s = node.apply_batch(batch); !s.ok()) die(s, "apply_batch");
  }
}

// Fills the table until its SSTs hold about `target` bytes: writes an eighth of a first guess,
// flushes to learn the bytes per partition on disk, then writes the rest. Listing SSTs while
// the engine compacts would count inputs and outputs twice, hence the calibration.
std::pair<uint64_t, uint64_t> ingest(Node& node, const fs::path& dir, const BenchOptions& opt,
                                     uint64_t target, size_t batch_size) {
  std::mt19937_64 rng(42);
  uint64_t partitions = 0, rows = 0;
  const uint64_t guess_per_partition = (opt.value_bytes + 40) * opt.rows_per_partition;
  write_partitions(node, opt, std::max<uint64_t>(1, target / guess_per_partition / 8), batch_size,
                   rng, &partitions, &rows);
  if (auto s = node.flush(); !s.ok()) die(s, "flush");
  if (auto s = node.compact(); !s.ok()) die(s, "compact");
  const uint64_t on_disk = std::max<uint64_t>(1, total_size(sst_files(dir)));
  const uint64_t wanted = static_cast<uint64_t>(
      static_cast<double>(target) / static_cast<double>(on_disk) * static_cast<double>(partitions));
  if (wanted > partitions) {
    write_partitions(node, opt, wanted - partitions, batch_size, rng, &partitions, &rows);
  }
  return {partitions, rows};
}

// `reuse`: keep and reuse what validation found in unchanged files (the default); off, every
// validation reads everything.
std::unique_ptr<Node> open_node(const fs::path& dir, bool direct_reads, bool reuse = false) {
  rk::storage::Options o;  // the defaults an agent runs with
  o.data_dir = dir.string();
  o.direct_reads = direct_reads;
  if (!reuse) o.validation_cache_bytes = 0;
  auto opened = Node::open(o);
  if (!opened.ok()) die(opened.status(), "open");
  return std::move(opened).value();
}

struct Validation {
  double seconds = 0;
  double cpu_seconds = 0;
  double peak_rss_mib = 0;
  rk::storage::Digest root{};
  uint64_t rows = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions opt = parse_args(argc, argv);
  const std::string load_at_start = load_average();
  fs::path dir = opt.dir.empty() ? fs::temp_directory_path() /
                                       ("rk-validation-bench-" + std::to_string(::getpid()))
                                 : fs::path(opt.dir);
  if (opt.reuse && opt.dir.empty()) {
    std::fprintf(stderr, "--reuse needs --dir\n");
    return 2;
  }
  if (!opt.reuse) fs::remove_all(dir);
  std::unique_ptr<Node> node = open_node(dir, opt.profile && opt.direct);
  uint64_t partitions = 0, rows = 0;
  double ingest_s = 0, compact_s = 0;
  const size_t batch_size = 256;
  if (opt.reuse) {
    std::ifstream meta(dir / "bench-meta.txt");
    if (!(meta >> partitions >> rows)) {
      std::fprintf(stderr, "no table from a --keep run in %s\n", dir.c_str());
      return 2;
    }
  } else {
    if (auto s = node->create_keyspace({"bench", {}}); !s.ok()) die(s, "create keyspace");
    rk::storage::TableSchema table;
    table.keyspace = "bench";
    table.name = "kv";
    if (auto t = node->create_table(table); !t.ok()) die(t.status(), "create table");

    // --- build the table ----------------------------------------------------------------------
    auto t_ingest = std::chrono::steady_clock::now();
    std::tie(partitions, rows) =
        ingest(*node, dir, opt, static_cast<uint64_t>(opt.gib * (1ull << 30)), batch_size);
    if (auto s = node->flush(); !s.ok()) die(s, "flush");
    ingest_s = seconds_since(t_ingest);
    // Compaction leaves a stable file set, so no background work runs during the timings.
    auto t_compact = std::chrono::steady_clock::now();
    if (auto s = node->compact(); !s.ok()) die(s, "compact");
    compact_s = seconds_since(t_compact);
    std::ofstream(dir / "bench-meta.txt") << partitions << " " << rows << "\n";
  }
  const double ingest_rss = peak_rss_mib();
  const uint64_t sst_bytes = total_size(sst_files(dir));
  const double sst_mib = static_cast<double>(sst_bytes) / kMiB;
  std::printf("table: %llu partitions, %llu rows of one %zu-byte cell, %.1f MiB of SSTs\n",
              static_cast<unsigned long long>(partitions), static_cast<unsigned long long>(rows),
              opt.value_bytes, sst_mib);
  if (!opt.reuse) {
    std::printf("ingest: %.1f s (%.0f cells/s, batches of %zu partitions), flush+compact %.1f s\n",
                ingest_s, static_cast<double>(rows) / ingest_s, batch_size, compact_s);
  }

  const rk::TokenRange ring = rk::TokenRange::full_ring();
  const int depth = rk::storage::merkle_depth_for(rows, opt.rows_per_leaf, ring);
  auto validate = [&]() {
    Validation v;
    reset_peak_rss();
    const double cpu0 = process_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    auto tree = node->validate("bench", "kv", ring, rk::storage::DataScope::kAll, depth);
    v.seconds = seconds_since(t0);
    v.cpu_seconds = process_cpu_seconds() - cpu0;
    v.peak_rss_mib = peak_rss_mib();
    if (!tree.ok()) die(tree.status(), "validate");
    v.root = tree->root();
    v.rows = tree->total_rows();
    return v;
  };

  if (opt.profile) {
    if (!opt.direct) raw_pass(dir, false);
    for (int i = 0; i < 3; ++i) {
      Validation v = validate();
      std::printf("validation%s %.2f s, %.2f CPU-s\n", opt.direct ? " (direct reads)" : "",
                  v.seconds, v.cpu_seconds);
    }
    return 0;
  }
  std::printf(
      "(a) merkle validation, whole ring, depth %d (%llu leaves, %llu rows/leaf target), "
      "%u hardware threads\n",
      depth, static_cast<unsigned long long>(uint64_t{1} << depth),
      static_cast<unsigned long long>(opt.rows_per_leaf), std::thread::hardware_concurrency());

  // --- device: both sides read with O_DIRECT, nothing comes from the page cache -------------
  node.reset();
  node = open_node(dir, /*direct_reads=*/true);
  std::vector<double> ratios;
  double validation_rss = 0;
  rk::storage::Digest root{};
  for (int round = 1; round <= opt.rounds; ++round) {
    const RawPass before1 = raw_pass(dir, true, 1 << 20), before4 = raw_pass(dir, true, 4 << 20);
    const Validation v = validate();
    const RawPass after1 = raw_pass(dir, true, 1 << 20), after4 = raw_pass(dir, true, 4 << 20);
    if (round > 1 && v.root != root) {
      std::fprintf(stderr, "two validations of the same table disagree\n");
      return 1;
    }
    root = v.root;
    validation_rss = std::max(validation_rss, v.peak_rss_mib);
    const double raw = std::max(
        {before1.mib_per_s(), before4.mib_per_s(), after1.mib_per_s(), after4.mib_per_s()});
    const double val = sst_mib / v.seconds;
    ratios.push_back(val / raw);
    std::printf(
        "device, round %d (load %s): (a) validation with direct reads %.2f s (%.2f CPU-s), %.0f "
        "MiB/s; (b) raw O_DIRECT read 1 MiB / 4 MiB chunks %.0f / %.0f MiB/s before, %.0f / %.0f "
        "after (%zu files); ratio validation/best raw = %.3f\n",
        round, load_average().c_str(), v.seconds, v.cpu_seconds, val, before1.mib_per_s(),
        before4.mib_per_s(), after1.mib_per_s(), after4.mib_per_s(), before1.files, val / raw);
  }
  std::printf(
      "device: median ratio over %d rounds = %.3f (target >= 0.5); tree rows %llu, root "
      "%s...\n",
      opt.rounds, median(ratios), static_cast<unsigned long long>(rows),
      rk::hex_encode(root).substr(0, 16).c_str());

  // --- warm: the default node, both sides read from the page cache ---------------------------
  node.reset();
  node = open_node(dir, /*direct_reads=*/false);
  raw_pass(dir, false);
  const RawPass warm_before = raw_pass(dir, false);
  raw_pass(dir, false);
  const Validation warm = validate();
  const RawPass warm_after = raw_pass(dir, false);
  if (warm.root != root) {
    std::fprintf(stderr, "the direct and the buffered validation disagree\n");
    return 1;
  }
  validation_rss = std::max(validation_rss, warm.peak_rss_mib);
  {
    const double raw = std::max(warm_before.mib_per_s(), warm_after.mib_per_s());
    const double val = sst_mib / warm.seconds;
    std::printf(
        "warm (both from the page cache; validation's CPU bound against memory bandwidth): (a) "
        "validation %.2f s (%.2f CPU-s), %.0f MiB/s, %.0f rows/s; (b) raw buffered read %.0f / "
        "%.0f MiB/s (before / after); ratio = %.3f\n",
        warm.seconds, warm.cpu_seconds, val, static_cast<double>(rows) / warm.seconds,
        warm_before.mib_per_s(), warm_after.mib_per_s(), val / raw);
  }
  std::printf(
      "peak RSS: ingest+compact %s; validation %.0f MiB (Merkle tree budget %.1f MiB) "
      "(target < 300 MiB)\n",
      opt.reuse ? "not measured (--reuse)"
                : (std::to_string(std::lround(ingest_rss)) + " MiB").c_str(),
      validation_rss, static_cast<double>(MerkleTree::memory_bytes(depth)) / kMiB);

  // --- (d) revalidation of unchanged data: reuse on, direct reads ----------------------------
  node.reset();
  node = open_node(dir, /*direct_reads=*/true, /*reuse=*/true);
  {
    std::vector<Validation> runs;
    for (int i = 0; i < 3; ++i) {
      runs.push_back(validate());
      if (runs.back().root != root) {
        std::fprintf(stderr, "validation reusing kept leaves disagrees with a full read\n");
        return 1;
      }
    }
    const RawPass raw = raw_pass(dir, true, 4 << 20);
    std::printf(
        "(d) revalidation of unchanged data (load %s), direct reads: first %.3f s (%.2f CPU-s, "
        "reads everything, keeps leaf aggregates), then %.3f s (%.3f CPU-s) and %.3f s (%.3f "
        "CPU-s) reusing them: %.1fx faster than the first; raw O_DIRECT read %.0f MiB/s, second "
        "validation %.0f MiB/s-equivalent (%.1fx the raw read); same root\n",
        load_average().c_str(), runs[0].seconds, runs[0].cpu_seconds, runs[1].seconds,
        runs[1].cpu_seconds, runs[2].seconds, runs[2].cpu_seconds,
        runs[0].seconds / std::max(runs[1].seconds, runs[2].seconds), raw.mib_per_s(),
        sst_mib / runs[1].seconds, sst_mib / runs[1].seconds / raw.mib_per_s());
  }

  // --- (c) the share of (a) outside the engine, for the same row count --------------------
  // Row digests of row-sized buffers (XXH3-128, and SHA-256 for comparison), then add_row in
  // token order and finalize, on their own.
  {
    // Tokens in ring order, evenly spaced, as a token-ordered scan delivers them.
    const uint64_t step = ~uint64_t{0} / std::max<uint64_t>(rows, 1);
    std::string row_bytes(opt.value_bytes + 40, 'x');
    auto tree_only = MerkleTree::create(ring, depth);
    if (!tree_only.ok()) die(tree_only.status(), "create");
    double xxh_s = 0, sha_s = 0;
    auto t_all = std::chrono::steady_clock::now();
    const uint64_t kChunk = 4096;  // time hashing in chunks: clock reads stay off the per-row path
    std::vector<rk::storage::RowHash> digests(kChunk);
    uint64_t sink = 0;
    for (uint64_t first = 0; first < rows; first += kChunk) {
      const uint64_t n = std::min(kChunk, rows - first);
      auto t_sha = std::chrono::steady_clock::now();
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t id = first + i;
        std::memcpy(row_bytes.data(), &id, 8);
        sink += rk::sha256(row_bytes)[0];
      }
      sha_s += seconds_since(t_sha);
      auto t_xxh = std::chrono::steady_clock::now();
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t id = first + i;
        std::memcpy(row_bytes.data(), &id, 8);
        digests[i] = rk::storage::row_hash(row_bytes);
      }
      xxh_s += seconds_since(t_xxh);
      for (uint64_t i = 0; i < n; ++i) {
        auto token =
            static_cast<rk::Token>(static_cast<uint64_t>(rk::kMinToken) + (first + i + 1) * step);
        if (auto s = tree_only->add_row(token, digests[i], row_bytes.size()); !s.ok()) {
          die(s, "add_row");
        }
      }
    }
    tree_only->finalize();
    const double tree_s = seconds_since(t_all) - sha_s - xxh_s;
    std::printf(
        "(c) outside the engine, same %llu rows of %zu bytes: row digest XXH3-128 %.2f s (%.0f "
        "rows/s), SHA-256 for comparison %.2f s; MerkleTree add_row+finalize %.2f s (%.0f "
        "rows/s)%s\n",
        static_cast<unsigned long long>(rows), row_bytes.size(), xxh_s,
        static_cast<double>(rows) / xxh_s, sha_s, tree_s, static_cast<double>(rows) / tree_s,
        sink == 1 ? " " : "");
  }
  std::printf("load average (1, 5 min) at start %s, at end %s (2 cores)\n", load_at_start.c_str(),
              load_average().c_str());

  node.reset();
  if (!opt.keep) fs::remove_all(dir);
  return 0;
}
