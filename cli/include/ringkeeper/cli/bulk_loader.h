// The bulk loader behind `rkctl load` (and the cluster write benchmark): writes N generated rows
// through agents' client data API in batches, at a target rate, from a few concurrent workers,
// and reports throughput and batch latency.
//
// Row i goes to partition "<key_prefix>-<i / rows_per_partition>", clustering key
// "c<i % rows_per_partition>", with `columns` cells "col0".. each holding `value_bytes` of
// printable data derived from (i, column), so a later read can check what it finds
// (expected_value()).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk::cli {

struct LoadOptions {
  std::string keyspace;
  std::string table;
  int64_t rows = 10000;        // rows to write
  int64_t first_row = 0;       // number of the first row (to continue an earlier load)
  int rows_per_partition = 1;  // consecutive rows sharing a partition
  int columns = 3;             // cells per row
  int value_bytes = 16;        // bytes per cell value
  int batch = 100;             // rows per /v1/batch request
  double rate = 0;             // rows per second; 0: as fast as the cluster takes them
  int concurrency = 4;         // batches in flight
  std::string consistency = "QUORUM";
  std::string key_prefix = "key";
  // Coordinators, used round-robin: "host:port" (http) or "https://host:port".
  std::vector<std::string> nodes;
  std::string ca_file;                       // CA verifying https:// coordinators
  std::chrono::milliseconds timeout{10000};  // per batch
};

struct LoadProgress {
  int64_t rows_done = 0;    // acknowledged
  int64_t rows_failed = 0;  // in batches that failed
  int64_t rows_total = 0;
  double elapsed_seconds = 0;
};

struct LoadReport {
  int64_t rows = 0;  // acknowledged
  int64_t cells = 0;
  int64_t batches = 0;
  int64_t failed_batches = 0;
  double seconds = 0;
  double rows_per_second = 0;
  double cells_per_second = 0;
  double p50_ms = 0;  // batch latency
  double p99_ms = 0;
  double max_ms = 0;
  std::string first_error;  // of the first failed batch
};

// Runs the load, calling `progress` from the calling thread about every `progress_interval`.
// InvalidArgument for bad options; otherwise the report (failed batches are counted, not fatal).
Result<LoadReport> run_load(
    const LoadOptions& options, const std::function<void(const LoadProgress&)>& progress = {},
    std::chrono::milliseconds progress_interval = std::chrono::milliseconds(500));

// The value the loader writes into column `column` of row `row`.
std::string expected_value(int64_t row, int column, int value_bytes);
// The partition and clustering key of row `row`.
std::string row_partition(const LoadOptions& options, int64_t row);
std::string row_clustering(const LoadOptions& options, int64_t row);

}  // namespace rk::cli
