// Validation throughput: builds a table of about 1 GiB of SSTs (small values, many rows) in one
// storage node, flushes and compacts it, then in the same run times
//   (a) Merkle validation of the whole ring (Node::validate, all data sets), and
//   (b) reading the same SST files raw (read() into a 1 MiB buffer, `cat files > /dev/null`),
// each from the same page-cache state, twice:
//   cold: the table's files are written back and dropped from the page cache
//         (posix_fadvise DONTNEED) before each phase, as a validation after a while would find
//         them; raw reading runs before and after (a) and the faster pass counts;
//   warm: each phase right after a full read of the files, so both run from memory.
// The cold ratio is the figure of record (target >= 0.5); the warm one shows the CPU bound.
// Prints both throughputs over the SST bytes, peak RSS while ingesting and while validating
// (target < 300 MiB), and (c) how much of (a) the row hashing and the Merkle tree itself cost.
//
// Usage: validation_bench [--gib 1.0] [--value-bytes 100] [--rows-per-partition 4]
//                         [--rows-per-leaf 32] [--dir DIR] [--keep] [--reuse]
// --reuse: with --dir, validate the table a previous run left there with --keep (no ingest).
// --profile: with --reuse, only validate (warm) three times, for a profiler.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "bench_support.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/node.h"

namespace fs = std::filesystem;
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
  std::string dir;              // data dir; a fresh one under /tmp when empty
  bool keep = false;            // leave the data dir behind
  bool reuse = false;           // validate the table a --keep run left in --dir
  bool profile = false;         // only validate, three times (for perf record)
};

// CPU time of this process so far (all threads, user + system), in seconds.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The machine's load average (other work competing for the CPUs skews every figure).
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one + " " + five;
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

// Reads every file start to end with read(2) into one buffer, as `cat files > /dev/null` does.
// Returns false if a file has gone (the engine deleted an obsolete SST); the caller lists again.
bool read_raw(const std::vector<fs::path>& files, uint64_t* total) {
  std::vector<char> buf(1 << 20);
  *total = 0;
  for (const auto& f : files) {
    int fd = ::open(f.c_str(), O_RDONLY);
    if (fd < 0) return false;
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) *total += static_cast<uint64_t>(n);
    ::close(fd);
  }
  return true;
}

// Writes the table's files back and drops them from the page cache, so the next phase reads them
// from the device (both phases of a comparison start from this same state).
void drop_from_page_cache(const fs::path& dir) {
  for (const auto& f : sst_files(dir)) {
    int fd = ::open(f.c_str(), O_RDONLY);
    if (fd < 0) continue;  // an obsolete SST the engine just deleted
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

struct RawPass {
  double seconds = 0;
  uint64_t bytes = 0;
  size_t files = 0;
  double mib_per_s() const { return static_cast<double>(bytes) / kMiB / seconds; }
};

// One timed raw pass over the table's current SSTs.
RawPass raw_pass(const fs::path& dir) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<fs::path> files = sst_files(dir);
    RawPass pass;
    auto t0 = std::chrono::steady_clock::now();
    if (read_raw(files, &pass.bytes)) {
      pass.seconds = seconds_since(t0);
      pass.files = files.size();
      return pass;
    }
  }
  std::fprintf(stderr, "SST files keep disappearing under %s\n", dir.c_str());
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
    } else if (a == "--dir") {
      o.dir = next();
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--profile") {
      o.profile = true;
    } else if (a == "--reuse") {
      o.reuse = true;
      o.keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: validation_bench [--gib G] [--value-bytes N] [--rows-per-partition N] "
                   "[--rows-per-leaf N] [--dir DIR] [--keep] [--reuse] [--profile]\n");
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
  rk::storage::Options node_options;  // the defaults an agent runs with
  node_options.data_dir = dir.string();
  auto opened = Node::open(node_options);
  if (!opened.ok()) die(opened.status(), "open");
  std::unique_ptr<Node> node = std::move(opened).value();
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
  std::printf("table: %llu partitions, %llu rows of one %zu-byte cell, %.1f MiB of SSTs\n",
              static_cast<unsigned long long>(partitions), static_cast<unsigned long long>(rows),
              opt.value_bytes, static_cast<double>(sst_bytes) / kMiB);
  if (!opt.reuse) {
    std::printf("ingest: %.1f s (%.0f cells/s, batches of %zu partitions), flush+compact %.1f s\n",
                ingest_s, static_cast<double>(rows) / ingest_s, batch_size, compact_s);
  }

  const rk::TokenRange ring = rk::TokenRange::full_ring();
  const int depth = rk::storage::merkle_depth_for(rows, opt.rows_per_leaf, ring);
  auto validate = [&](double* seconds, double* cpu_seconds) {
    const double cpu0 = process_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    auto tree = node->validate("bench", "kv", ring, rk::storage::DataScope::kAll, depth);
    *seconds = seconds_since(t0);
    *cpu_seconds = process_cpu_seconds() - cpu0;
    if (!tree.ok()) die(tree.status(), "validate");
    return std::move(tree).value();
  };

  if (opt.profile) {
    raw_pass(dir);
    for (int i = 0; i < 3; ++i) {
      double s = 0, cpu = 0;
      validate(&s, &cpu);
      std::printf("validation %.2f s, %.2f CPU-s\n", s, cpu);
    }
    return 0;
  }

  // --- cold: every phase starts with the files out of the page cache ------------------------
  drop_from_page_cache(dir);
  const RawPass cold_raw1 = raw_pass(dir);
  drop_from_page_cache(dir);
  reset_peak_rss();
  const double rss_before_validation = peak_rss_mib();
  double cold_val_s = 0, cold_cpu_s = 0;
  MerkleTree tree = validate(&cold_val_s, &cold_cpu_s);
  const double validation_rss = peak_rss_mib();
  drop_from_page_cache(dir);
  const RawPass cold_raw2 = raw_pass(dir);

  // --- warm: every phase starts right after a full read of the files ------------------------
  raw_pass(dir);
  const RawPass warm_raw1 = raw_pass(dir);
  raw_pass(dir);
  double warm_val_s = 0, warm_cpu_s = 0;
  MerkleTree warm_tree = validate(&warm_val_s, &warm_cpu_s);
  const RawPass warm_raw2 = raw_pass(dir);
  if (warm_tree.root() != tree.root()) {
    std::fprintf(stderr, "the two validations disagree\n");
    return 1;
  }

  auto report = [&](const char* label, double val_s, double cpu_s, const RawPass& r1,
                    const RawPass& r2) {
    const double raw_mibs = std::max(r1.mib_per_s(), r2.mib_per_s());
    const double val_mibs = static_cast<double>(sst_bytes) / kMiB / val_s;
    std::printf(
        "%s: (a) validation %.2f s (%.2f CPU-s), %.0f MiB/s of SSTs, %.0f rows/s; (b) raw read "
        "%.0f / %.0f MiB/s (before / after (a), %zu files); ratio validation/best raw = %.3f%s\n",
        label, val_s, cpu_s, val_mibs, static_cast<double>(rows) / val_s, r1.mib_per_s(),
        r2.mib_per_s(), r1.files, val_mibs / raw_mibs,
        std::string(label) == "cold" ? " (target >= 0.5)" : "");
  };
  std::printf(
      "(a) merkle validation, whole ring, depth %d (%llu leaves, %llu rows/leaf target), "
      "%u hardware threads; tree rows %llu, root %s...\n",
      depth, static_cast<unsigned long long>(uint64_t{1} << depth),
      static_cast<unsigned long long>(opt.rows_per_leaf), std::thread::hardware_concurrency(),
      static_cast<unsigned long long>(tree.total_rows()),
      rk::storage::to_hex(tree.root()).substr(0, 16).c_str());
  report("cold", cold_val_s, cold_cpu_s, cold_raw1, cold_raw2);
  report("warm", warm_val_s, warm_cpu_s, warm_raw1, warm_raw2);
  // --- (d) the path validation took before it streamed entries: one thread, scan_raw building
  // Partitions, each row hashed field by field as row_digest does. Warm cache, CPU time.
  {
    auto old_tree = MerkleTree::create(ring, depth);
    if (!old_tree.ok()) die(old_tree.status(), "create");
    rk::storage::Sha256 h;
    auto put = [&](std::string_view bytes) {
      const uint64_t n = bytes.size();
      h.update(&n, 8);
      h.update(bytes);
    };
    const double cpu0 = process_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    rk::Status scan = node->scan_raw(
        "bench", "kv", ring, rk::storage::DataScope::kAll, [&](const rk::storage::Partition& p) {
          for (const rk::storage::Row& r : p.rows) {
            h.update("R", 1);
            put(p.partition_key);
            put(r.clustering_key);
            uint64_t bytes = p.partition_key.size() + r.clustering_key.size();
            for (const auto& [column, c] : r.cells) {
              h.update("C", 1);
              put(column);
              h.update(&c.kind, 1);
              h.update(&c.timestamp, 8);
              h.update(&c.ttl_seconds, 8);
              put(c.value);
              bytes += column.size() + c.value.size() + 24;
            }
            if (!old_tree->add_row(p.token, h.finish(), bytes).ok()) return false;
          }
          return true;
        });
    if (!scan.ok()) die(scan, "scan_raw");
    old_tree->finalize();
    const double old_s = seconds_since(t0);
    const double old_cpu = process_cpu_seconds() - cpu0;
    std::printf(
        "(d) before streaming (one thread, scan_raw building partitions, rows hashed the same "
        "way), warm: %.2f s, %.2f CPU-s, %.0f MiB/s; validation now uses %.2f CPU-s warm "
        "(%.2fx less CPU)\n",
        old_s, old_cpu, static_cast<double>(sst_bytes) / kMiB / old_s, warm_cpu_s,
        old_cpu / warm_cpu_s);
  }
  std::printf(
      "peak RSS: ingest+compact %.0f MiB; validation %.0f MiB (RSS at its start %.0f MiB; "
      "Merkle tree budget %.1f MiB) (target < 300 MiB)\n",
      ingest_rss, validation_rss, rss_before_validation,
      static_cast<double>(MerkleTree::memory_bytes(depth)) / kMiB);

  // --- (c) the share of (a) outside the engine, for the same row count --------------------
  // SHA-256 of row-sized buffers, then add_row in token order and finalize, on their own.
  {
    // Tokens in ring order, evenly spaced, as a token-ordered scan delivers them.
    const uint64_t step = ~uint64_t{0} / std::max<uint64_t>(rows, 1);
    std::string row_bytes(opt.value_bytes + 40, 'x');
    auto tree_only = MerkleTree::create(ring, depth);
    if (!tree_only.ok()) die(tree_only.status(), "create");
    double sha_s = 0;
    auto t_all = std::chrono::steady_clock::now();
    const uint64_t kChunk = 4096;  // time SHA-256 in chunks: clock reads stay off the per-row path
    std::vector<rk::storage::Digest> digests(kChunk);
    for (uint64_t first = 0; first < rows; first += kChunk) {
      const uint64_t n = std::min(kChunk, rows - first);
      auto t_sha = std::chrono::steady_clock::now();
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t id = first + i;
        std::memcpy(row_bytes.data(), &id, 8);
        digests[i] = rk::storage::sha256(row_bytes);
      }
      sha_s += seconds_since(t_sha);
      for (uint64_t i = 0; i < n; ++i) {
        auto token =
            static_cast<rk::Token>(static_cast<uint64_t>(rk::kMinToken) + (first + i + 1) * step);
        if (auto s = tree_only->add_row(token, digests[i], row_bytes.size()); !s.ok()) {
          die(s, "add_row");
        }
      }
    }
    tree_only->finalize();
    const double tree_s = seconds_since(t_all) - sha_s;
    std::printf(
        "(c) outside the engine, same %llu rows: SHA-256 of %zu-byte rows %.2f s (%.0f rows/s); "
        "MerkleTree add_row+finalize %.2f s (%.0f rows/s)\n",
        static_cast<unsigned long long>(rows), row_bytes.size(), sha_s,
        static_cast<double>(rows) / sha_s, tree_s, static_cast<double>(rows) / tree_s);
  }
  std::printf("load average (1, 5 min) at start %s, at end %s (2 cores)\n", load_at_start.c_str(),
              load_average().c_str());

  node.reset();
  if (!opt.keep) fs::remove_all(dir);
  return 0;
}
