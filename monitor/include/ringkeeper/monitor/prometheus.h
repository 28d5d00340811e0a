// The Prometheus text exposition format (version 0.0.4), as agents and the scheduler serve it on
// /metrics: `# HELP` and `# TYPE` once per metric family, then one line per sample,
//
//   # HELP rk_http_requests_total HTTP requests answered, by route and status.
//   # TYPE rk_http_requests_total counter
//   rk_http_requests_total{listener="ops API",method="GET",route="/v1/signals",code="200"} 12
//
// Label values escape backslash, double quote and line feed; numbers are written without
// exponents where exact (integers), NaN and infinities as Prometheus spells them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rk::monitor {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // Starts a metric family: type is "counter", "gauge" or "histogram". A family already started
  // is not repeated (its samples may follow again).
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample line; `name` may carry a suffix of its family (_bucket, _sum, _count).
  void sample(std::string_view name, const Labels& labels, double value);

  const std::string& text() const { return out_; }

 private:
  std::string out_;
  std::vector<std::string> families_;
};

// A number as Prometheus reads it: integers exactly, others with up to 17 significant digits;
// "NaN", "+Inf", "-Inf".
std::string prometheus_number(double v);

// Counts and latencies of HTTP requests per (listener, method, route, status): the counting hook
// of core's HTTP server (ServerOptions::on_request) feeds it, /metrics writes it. Thread-safe.
class RequestMetrics {
 public:
  // Records one request. An empty route (no route matched) is counted as "unmatched".
  void observe(std::string_view listener, std::string_view method, std::string_view route,
               int status, int64_t micros);

  // rk_http_requests_total (counter) and rk_http_request_duration_seconds (histogram, buckets
  // from 0.5 ms to 10 s) by listener, method and route.
  void write(PrometheusText& out) const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // listener, method, route
  struct Latency {
    std::vector<uint64_t> buckets;  // cumulative counts are computed when written
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<Key, int>, uint64_t> counts_;  // (key, status) -> requests
  std::map<Key, Latency> latencies_;
};

}  // namespace rk::monitor
