// Validation throughput and memory of the storage node over a large table:
//   1. ingest SIZE_MIB of 100-byte values (default 1024 = 1 GiB) through Node::apply_batch,
//   2. build a full-ring Merkle tree (depth 15) with Node::validate,
//   3. read the same SST files raw (read(2) into a buffer, like `cat files > /dev/null`),
// and print validation throughput as a ratio of the raw read (target >= 0.5), and the peak RSS of
// the whole run (target < 300 MiB with the node's default memory options).
//   storage_validation_bench [SIZE_MIB=1024]
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "ringkeeper/storage/node.h"
#include "storage_bench_support.h"

using namespace rk::storage;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  const uint64_t size_mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
  const uint64_t cells = size_mib * (1ULL << 20) / 100;
  constexpr int kRowsPerPartition = 10;
  constexpr uint64_t kBatchCells = 1000;

  rk::bench::ScratchDir dir("rk-validate");
  Options o;  // default memory options: what an agent runs with
  o.data_dir = dir.path();
  auto opened = Node::open(o);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().to_string().c_str());
    return 1;
  }
  Node& node = **opened;
  (void)node.create_keyspace({"bench", {}});
  (void)node.create_table({"bench", "cells"});

  auto start = std::chrono::steady_clock::now();
  std::vector<Mutation> batch;
  for (uint64_t i = 0; i < cells; ++i) {
    const std::string pk = "p" + std::to_string(i / kRowsPerPartition);
    if (batch.empty() || batch.back().partition_key != pk) batch.emplace_back("bench", "cells", pk);
    batch.back().set("r" + std::to_string(i % kRowsPerPartition), "v", rk::bench::value_for(i),
                     static_cast<int64_t>(i) + 1);
    if ((i + 1) % kBatchCells == 0 || i + 1 == cells) {
      if (auto s = node.apply_batch(batch); !s.ok()) {
        std::fprintf(stderr, "%s\n", s.to_string().c_str());
        return 1;
      }
      batch.clear();
    }
  }
  if (auto s = node.flush(); !s.ok()) return 1;
  const double ingest_s = rk::bench::seconds_since(start);
  const double rss_after_ingest = rk::bench::peak_rss_mib();

  uint64_t sst_bytes = 0;
  std::vector<fs::path> ssts;
  for (const auto& e : fs::directory_iterator(fs::path(dir.path()) / "data")) {
    if (e.path().extension() != ".sst") continue;
    ssts.push_back(e.path());
    sst_bytes += e.file_size();
  }

  start = std::chrono::steady_clock::now();
  auto tree = node.validate("bench", "cells", rk::TokenRange::full_ring(), DataScope::kAll, 15);
  const double validate_s = rk::bench::seconds_since(start);
  if (!tree.ok()) {
    std::fprintf(stderr, "%s\n", tree.status().to_string().c_str());
    return 1;
  }
  const double rss_after_validate = rk::bench::peak_rss_mib();

  // Read the SSTs live now (background compaction may have replaced some since validation began).
  ssts.clear();
  for (const auto& e : fs::directory_iterator(fs::path(dir.path()) / "data"))
    if (e.path().extension() == ".sst") ssts.push_back(e.path());
  start = std::chrono::steady_clock::now();
  std::vector<char> buf(1 << 20);
  uint64_t read_bytes = 0;
  for (const auto& p : ssts) {
    int fd = ::open(p.c_str(), O_RDONLY);
    if (fd < 0) continue;
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) read_bytes += static_cast<uint64_t>(n);
    ::close(fd);
  }
  const double raw_s = rk::bench::seconds_since(start);

  const double mib = static_cast<double>(sst_bytes) / (1 << 20);
  std::printf(
      "storage validation: %llu cells of 100 bytes (%llu MiB of values), %.0f MiB in %zu SSTs\n",
      static_cast<unsigned long long>(cells), static_cast<unsigned long long>(size_mib), mib,
      ssts.size());
  std::printf("  ingest:   %.0f cells/s (%.1f s, batches of %llu cells)\n",
              static_cast<double>(cells) / ingest_s, ingest_s,
              static_cast<unsigned long long>(kBatchCells));
  std::printf("  validate: %.1f MiB/s of SSTs, %.0f rows/s (%.1f s, depth 15, %llu rows)\n",
              mib / validate_s, static_cast<double>(tree->total_rows()) / validate_s, validate_s,
              static_cast<unsigned long long>(tree->total_rows()));
  std::printf("  raw read of the same files: %.1f MiB/s (%.2f s, %llu bytes, page cache warm)\n",
              static_cast<double>(read_bytes) / (1 << 20) / raw_s, raw_s,
              static_cast<unsigned long long>(read_bytes));
  const double ratio = (mib / validate_s) / (static_cast<double>(read_bytes) / (1 << 20) / raw_s);
  std::printf("  validate / raw read throughput: %.3f   target: >= 0.5 -> %s\n", ratio,
              ratio >= 0.5 ? "met" : "NOT met");
  std::printf(
      "  peak RSS: %.0f MiB after ingest, %.0f MiB after validation   target: < 300 MiB -> %s\n",
      rss_after_ingest, rss_after_validate, rss_after_validate < 300 ? "met" : "NOT met");
  return 0;
}
