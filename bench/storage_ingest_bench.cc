// Ingest throughput of the storage node: cells per second for 100-byte values through
// Node::apply_batch, against raw RocksDB Puts of the same keys (same token order) and bytes in
// WriteBatches of the same size (the engine's own ceiling), in the same run on this machine.
//   storage_ingest_bench [CELLS=2000000] [BATCH_CELLS=1000]
// Data shape: partitions of 10 rows with one 100-byte cell each; a batch holds BATCH_CELLS cells.
// Target: >= 200,000 cells/s.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "bench_support.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/storage/node.h"

using namespace rk::storage;

namespace {

// A positional count (> 0), or 0 when the text is not one.
uint64_t parse_count(const char* text) {
  char* end = nullptr;
  const uint64_t value = std::strtoull(text, &end, 10);
  return (end != text && *end == '\0' && text[0] != '-') ? value : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t cells = argc > 1 ? parse_count(argv[1]) : 2'000'000;
  const uint64_t batch_cells = argc > 2 ? parse_count(argv[2]) : 1000;
  if (argc > 3 || cells == 0 || batch_cells == 0) {
    std::fprintf(stderr,
                 "usage: storage_ingest_bench [CELLS=2000000] [BATCH_CELLS=1000]\n"
                 "  both positive integers; e.g. storage_ingest_bench 200000 500\n");
    return 2;
  }
  constexpr int kRowsPerPartition = 10;

  double node_seconds = 0;
  {
    rk::bench::ScratchDir dir("rk-ingest");
    Options o;
    o.data_dir = dir.path();
    auto node = Node::open(o);
    if (!node.ok()) {
      std::fprintf(stderr, "%s\n", node.status().to_string().c_str());
      return 1;
    }
    (void)(*node)->create_keyspace({"bench", {}});
    (void)(*node)->create_table({"bench", "cells"});
    auto start = std::chrono::steady_clock::now();
    std::vector<Mutation> batch;
    uint64_t in_batch = 0;
    for (uint64_t i = 0; i < cells; ++i) {
      const uint64_t partition = i / kRowsPerPartition;
      if (batch.empty() || batch.back().partition_key != "p" + std::to_string(partition))
        batch.emplace_back("bench", "cells", "p" + std::to_string(partition));
      batch.back().set("r" + std::to_string(i % kRowsPerPartition), "v", rk::bench::value_for(i),
                       static_cast<int64_t>(i) + 1);
      if (++in_batch == batch_cells || i + 1 == cells) {
        auto s = (*node)->apply_batch(batch);
        if (!s.ok()) {
          std::fprintf(stderr, "%s\n", s.to_string().c_str());
          return 1;
        }
        batch.clear();
        in_batch = 0;
      }
    }
    node_seconds = rk::bench::seconds_since(start);
  }

  double raw_seconds = 0;
  {
    rk::bench::ScratchDir dir("rk-ingest-raw");
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(o, dir.path(), &raw).ok()) return 1;
    std::unique_ptr<rocksdb::DB> db(raw);
    auto start = std::chrono::steady_clock::now();
    rocksdb::WriteBatch batch;
    for (uint64_t i = 0; i < cells; ++i) {
      // Same key material and order (table id, token, partition, row, column) and value size as
      // the node writes.
      const std::string pk = "p" + std::to_string(i / kRowsPerPartition);
      const uint64_t token = static_cast<uint64_t>(rk::murmur3_token(pk)) ^ (1ULL << 63);
      std::string key = "0001";
      for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(token >> shift));
      key += pk + "r" + std::to_string(i % kRowsPerPartition) + "v";
      batch.Put(key, rk::bench::value_for(i) + std::string(9, 't'));
      if (batch.Count() == static_cast<uint32_t>(batch_cells) || i + 1 == cells) {
        if (!db->Write(rocksdb::WriteOptions(), &batch).ok()) return 1;
        batch.Clear();
      }
    }
    raw_seconds = rk::bench::seconds_since(start);
  }

  const double node_rate = static_cast<double>(cells) / node_seconds;
  const double raw_rate = static_cast<double>(cells) / raw_seconds;
  std::printf(
      "storage ingest: %llu cells of 100 bytes, batches of %llu cells (%d rows/partition)\n",
      static_cast<unsigned long long>(cells), static_cast<unsigned long long>(batch_cells),
      kRowsPerPartition);
  std::printf("  node (Merge, LWW, WAL on):   %10.0f cells/s  (%.2f s)\n", node_rate, node_seconds);
  std::printf("  raw RocksDB Put, same batch: %10.0f cells/s  (%.2f s)\n", raw_rate, raw_seconds);
  std::printf("  node / raw: %.2f   target: >= 200000 cells/s -> %s\n", node_rate / raw_rate,
              node_rate >= 200000 ? "met" : "NOT met");
  return 0;
}
