// The exposition format as Prometheus parses it, and request metrics' counters and histograms.
#include "ringkeeper/monitor/prometheus.h"

#include <gtest/gtest.h>

namespace rk::monitor {
namespace {

TEST(Prometheus, WritesHelpAndTypeOncePerFamily) {
  PrometheusText t;
  t.family("rk_disk_free_bytes", "gauge", "Free bytes.");
  t.sample("rk_disk_free_bytes", {{"path", "/data"}}, 1024);
  t.family("rk_disk_free_bytes", "gauge", "Free bytes.");
  t.sample("rk_disk_free_bytes", {{"path", "/other"}}, 0.5);
  EXPECT_EQ(t.text(),
            "# HELP rk_disk_free_bytes Free bytes.\n"
            "# TYPE rk_disk_free_bytes gauge\n"
            "rk_disk_free_bytes{path=\"/data\"} 1024\n"
            "rk_disk_free_bytes{path=\"/other\"} 0.5\n");
}

TEST(Prometheus, EscapesLabelValues) {
  PrometheusText t;
  t.sample("m", {{"a", "x\"y\\z\nw"}}, 1);
  EXPECT_EQ(t.text(), "m{a=\"x\\\"y\\\\z\\nw\"} 1\n");
}

TEST(Prometheus, NumbersAsPrometheusReadsThem) {
  EXPECT_EQ(prometheus_number(3), "3");
  EXPECT_EQ(prometheus_number(-2), "-2");
  EXPECT_EQ(prometheus_number(0.25), "0.25");
  EXPECT_EQ(prometheus_number(1e300), "1e+300");
  EXPECT_EQ(prometheus_number(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(prometheus_number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(prometheus_number(1700000000000000.0), "1700000000000000");
}

TEST(RequestMetrics, CountsByRouteAndStatusWithACumulativeHistogram) {
  RequestMetrics m;
  m.observe("api", "GET", "/v1/signals", 200, 300);     // 0.3 ms
  m.observe("api", "GET", "/v1/signals", 200, 20'000);  // 20 ms
  m.observe("api", "GET", "/v1/signals", 503, 1'000);
  m.observe("api", "GET", "", 404, 10);
  PrometheusText t;
  m.write(t);
  const std::string& s = t.text();
  EXPECT_NE(s.find("rk_http_requests_total{listener=\"api\",method=\"GET\",route=\"/v1/signals\","
                   "code=\"200\"} 2\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("route=\"unmatched\",code=\"404\"} 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("route=\"/v1/signals\",le=\"0.0005\"} 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("route=\"/v1/signals\",le=\"0.001\"} 2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("route=\"/v1/signals\",le=\"0.025\"} 3\n"), std::string::npos) << s;
  EXPECT_NE(s.find("route=\"/v1/signals\",le=\"+Inf\"} 3\n"), std::string::npos) << s;
  EXPECT_NE(s.find("rk_http_request_duration_seconds_count{listener=\"api\",method=\"GET\","
                   "route=\"/v1/signals\"} 3\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("# TYPE rk_http_requests_total counter"),
            s.rfind("# TYPE rk_http_requests_total counter"));
}

}  // namespace
}  // namespace rk::monitor
