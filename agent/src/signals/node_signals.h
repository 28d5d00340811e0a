// The node's signals as a service (docs/monitoring.md): the sampler reading the data directory's
// disk, its block devices and the storage engine, and the push of every alert state change to the
// scheduler through the agent's one scheduler client (POST /api/v1/alerts with the agent token,
// retried for as long as the scheduler is away, the latest state per signal kept). The ops API
// serves what it holds (signals/api.cc).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "cluster/scheduler_client.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/monitor/delivery_queue.h"
#include "ringkeeper/monitor/prometheus.h"
#include "ringkeeper/storage/node.h"
#include "signals/sampler.h"

namespace rk::agent {

class NodeSignals {
 public:
  // Everything passed in must outlive the service. Nothing is sampled before start().
  NodeSignals(const AgentOptions& options, storage::Node& node, SchedulerClient& scheduler,
              std::string host_id, Clock& clock);
  ~NodeSignals() { stop(); }

  // Starts sampling and pushing; fails on thresholds the config check should have refused.
  Status start();
  void stop();

  const std::string& data_dir() const { return options_.data_dir; }
  // The latest sample; nullopt before start().
  std::optional<SignalSnapshot> snapshot() const;
  // The signals' gauges and the alert push's counters (nothing before start()).
  void write_metrics(monitor::PrometheusText& out) const;

 private:
  const AgentOptions& options_;
  storage::Node& node_;
  SchedulerClient& scheduler_;
  const std::string host_id_;
  Clock& clock_;
  std::unique_ptr<monitor::DeliveryQueue> alert_push_;
  std::unique_ptr<SignalSampler> sampler_;
  std::atomic<bool> started_{false};  // set once both above exist
};

}  // namespace rk::agent
