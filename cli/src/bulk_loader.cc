// The bulk loader (see bulk_loader.h): workers take batch numbers from one counter, wait for
// their start time under the rate limit, and POST /v1/batch to the next coordinator.
#include "ringkeeper/cli/bulk_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/json_api.h"

namespace rk::cli {

std::string expected_value(int64_t row, int column, int value_bytes) {
  // splitmix64 over (row, column): cheap, deterministic, spread over printable characters.
  uint64_t x = static_cast<uint64_t>(row) * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(column);
  std::string out;
  out.reserve(static_cast<size_t>(value_bytes));
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  while (static_cast<int>(out.size()) < value_bytes) {
    x += 0x9e3779b97f4a7c15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < 8 && static_cast<int>(out.size()) < value_bytes; ++i) {
      out.push_back(kAlphabet[(z >> (i * 8)) % 36]);
    }
  }
  return out;
}

std::string row_partition(const LoadOptions& options, int64_t row) {
  return fmt::format("{}-{}", options.key_prefix, row / options.rows_per_partition);
}

std::string row_clustering(const LoadOptions& options, int64_t row) {
  return fmt::format("c{}", row % options.rows_per_partition);
}

namespace {

Status validate(const LoadOptions& o) {
  if (o.keyspace.empty() || o.table.empty()) {
    return Status::InvalidArgument("keyspace and table are required");
  }
  if (o.rows < 0) return Status::InvalidArgument("rows must be >= 0");
  if (o.rows_per_partition < 1) return Status::InvalidArgument("rows per partition must be >= 1");
  if (o.columns < 1 || o.columns > 1000) return Status::InvalidArgument("columns must be 1..1000");
  if (o.value_bytes < 0 || o.value_bytes > (1 << 20)) {
    return Status::InvalidArgument("value size must be 0..1MiB");
  }
  if (o.batch < 1 || o.batch > 10000) return Status::InvalidArgument("batch must be 1..10000");
  if (o.rate < 0) return Status::InvalidArgument("rate must be >= 0");
  if (o.concurrency < 1 || o.concurrency > 256) {
    return Status::InvalidArgument("concurrency must be 1..256");
  }
  if (o.nodes.empty()) return Status::InvalidArgument("no coordinator nodes");
  return Status::OK();
}

std::string batch_body(const LoadOptions& o, int64_t first, int64_t count) {
  nlohmann::json mutations = nlohmann::json::array();
  // Rows of one partition within the batch go into one mutation.
  nlohmann::json* current = nullptr;
  std::string current_partition;
  for (int64_t row = first; row < first + count; ++row) {
    std::string partition = row_partition(o, row);
    if (current == nullptr || partition != current_partition) {
      mutations.push_back({{"keyspace", o.keyspace},
                           {"table", o.table},
                           {"partition", partition},
                           {"ops", nlohmann::json::array()}});
      current = &mutations.back();
      current_partition = std::move(partition);
    }
    const std::string clustering = row_clustering(o, row);
    for (int c = 0; c < o.columns; ++c) {
      (*current)["ops"].push_back({{"op", "set"},
                                   {"clustering", clustering},
                                   {"column", fmt::format("col{}", c)},
                                   {"value", expected_value(row, c, o.value_bytes)}});
    }
  }
  return nlohmann::json({{"consistency", o.consistency}, {"mutations", std::move(mutations)}})
      .dump();
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

Result<LoadReport> run_load(const LoadOptions& o,
                            const std::function<void(const LoadProgress&)>& progress,
                            std::chrono::milliseconds progress_interval) {
  RK_RETURN_IF_ERROR(validate(o));
  using Clock = std::chrono::steady_clock;
  const int64_t batches = (o.rows + o.batch - 1) / o.batch;
  http::ClientOptions client_options;
  client_options.timeout = o.timeout;
  client_options.tls_ca_file = o.ca_file;
  http::Client client(client_options);

  std::atomic<int64_t> next_batch{0};
  std::atomic<int64_t> rows_done{0};
  std::atomic<int64_t> rows_failed{0};
  std::atomic<int64_t> failed_batches{0};
  std::mutex mutex;  // guards latencies and first_error
  std::vector<double> latencies;
  std::string first_error;
  const auto start = Clock::now();

  auto worker = [&] {
    while (true) {
      const int64_t b = next_batch.fetch_add(1);
      if (b >= batches) return;
      const int64_t first = o.first_row + b * o.batch;
      const int64_t count = std::min<int64_t>(o.batch, o.first_row + o.rows - first);
      if (o.rate > 0) {
        // Batch b may start once b * batch rows' worth of time has passed.
        const auto due =
            start + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(b * o.batch) / o.rate));
        std::this_thread::sleep_until(due);
      }
      const std::string& node = o.nodes[static_cast<size_t>(b) % o.nodes.size()];
      const std::string url =
          (node.find("://") == std::string::npos ? "http://" + node : node) + "/v1/batch";
      const auto sent = Clock::now();
      Result<http::Response> r = client.post(url, batch_body(o, first, count));
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
      Status s = r.ok() ? api::status_from_response(*r) : r.status();
      std::lock_guard lock(mutex);
      latencies.push_back(ms);
      if (s.ok()) {
        rows_done += count;
      } else {
        rows_failed += count;
        ++failed_batches;
        if (first_error.empty()) first_error = fmt::format("{}: {}", node, s.to_string());
      }
    }
  };
  std::vector<std::thread> workers;
  const int n = static_cast<int>(std::min<int64_t>(o.concurrency, std::max<int64_t>(batches, 1)));
  for (int i = 0; i < n; ++i) workers.emplace_back(worker);

  auto snapshot = [&] {
    return LoadProgress{rows_done.load(), rows_failed.load(), o.rows,
                        std::chrono::duration<double>(Clock::now() - start).count()};
  };
  if (progress) {
    auto last = Clock::now();
    while (rows_done.load() + rows_failed.load() < o.rows) {
      std::this_thread::sleep_for(std::min(progress_interval, std::chrono::milliseconds(50)));
      if (Clock::now() - last >= progress_interval) {
        last = Clock::now();
        progress(snapshot());
      }
    }
  }
  for (auto& t : workers) t.join();
  if (progress) progress(snapshot());

  LoadReport report;
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.rows = rows_done.load();
  report.cells = report.rows * o.columns;
  report.batches = batches;
  report.failed_batches = failed_batches.load();
  report.rows_per_second =
      report.seconds > 0 ? static_cast<double>(report.rows) / report.seconds : 0;
  report.cells_per_second =
      report.seconds > 0 ? static_cast<double>(report.cells) / report.seconds : 0;
  report.p50_ms = percentile(latencies, 0.50);
  report.p99_ms = percentile(latencies, 0.99);
  report.max_ms = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
  report.first_error = first_error;
  return report;
}

}  // namespace rk::cli
