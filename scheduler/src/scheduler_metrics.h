// rk-scheduler's /metrics (Prometheus text, docs/monitoring.md "Metrics"): alerts by state, nodes
// by state, repair and backup progress (read from their tables when those exist: the metrics
// never fail because a table is missing or shaped differently), the webhook queue, and request
// counts and latencies of the REST API.
#pragma once

#include <string>

#include "ringkeeper/monitor/delivery_queue.h"
#include "ringkeeper/monitor/prometheus.h"
#include "alerts/store.h"
#include "cluster/service.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {

struct SchedulerMetricsSources {
  Store* store = nullptr;
  ClusterService* cluster = nullptr;
  AlertStore* alerts = nullptr;
  const monitor::RequestMetrics* requests = nullptr;
  const monitor::DeliveryStats* webhook = nullptr;  // null: no webhook configured
};

// The whole exposition. Parts that cannot be read are left out (and named in a comment line).
std::string scheduler_metrics(const SchedulerMetricsSources& sources);

}  // namespace rk::scheduler
