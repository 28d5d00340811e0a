// Prometheus text exposition and request metrics (see prometheus.h).
#include "ringkeeper/monitor/prometheus.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace rk::monitor {
namespace {

// Upper bounds of the latency histogram in seconds.
constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                               0.1,    0.25,  0.5,    1,     2.5,  10};

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string prometheus_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    return fmt::format("{}", static_cast<int64_t>(v));
  }
  return fmt::format("{}", v);  // shortest representation that reads back exactly
}

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  if (std::find(families_.begin(), families_.end(), name) != families_.end()) return;
  families_.emplace_back(name);
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

void PrometheusText::sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += fmt::format("{}=\"{}\"", k, escape_label(v));
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += prometheus_number(value);
  out_ += '\n';
}

void RequestMetrics::observe(std::string_view listener, std::string_view method,
                             std::string_view route, int status, int64_t micros) {
  Key key{std::string(listener), std::string(method),
          route.empty() ? std::string("unmatched") : std::string(route)};
  const double seconds = static_cast<double>(micros) / 1e6;
  std::lock_guard lock(mu_);
  ++counts_[{key, status}];
  Latency& l = latencies_[key];
  if (l.buckets.empty()) l.buckets.assign(std::size(kBuckets), 0);
  for (size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) {
      ++l.buckets[i];
      break;
    }
  }
  ++l.count;
  l.sum_seconds += seconds;
}

void RequestMetrics::write(PrometheusText& out) const {
  std::lock_guard lock(mu_);
  out.family("rk_http_requests_total", "counter",
             "HTTP requests answered, by listener, method, route and status code.");
  for (const auto& [k, n] : counts_) {
    const auto& [key, status] = k;
    out.sample("rk_http_requests_total",
               {{"listener", std::get<0>(key)},
                {"method", std::get<1>(key)},
                {"route", std::get<2>(key)},
                {"code", std::to_string(status)}},
               static_cast<double>(n));
  }
  out.family("rk_http_request_duration_seconds", "histogram",
             "Time from routing to the handler's answer, by listener, method and route.");
  for (const auto& [key, l] : latencies_) {
    Labels base{
        {"listener", std::get<0>(key)}, {"method", std::get<1>(key)}, {"route", std::get<2>(key)}};
    uint64_t cumulative = 0;
    for (size_t i = 0; i < std::size(kBuckets); ++i) {
      cumulative += l.buckets[i];
      Labels b = base;
      b.emplace_back("le", prometheus_number(kBuckets[i]));
      out.sample("rk_http_request_duration_seconds_bucket", b, static_cast<double>(cumulative));
    }
    Labels inf = base;
    inf.emplace_back("le", "+Inf");
    out.sample("rk_http_request_duration_seconds_bucket", inf, static_cast<double>(l.count));
    out.sample("rk_http_request_duration_seconds_sum", base, l.sum_seconds);
    out.sample("rk_http_request_duration_seconds_count", base, static_cast<double>(l.count));
  }
}

}  // namespace rk::monitor
