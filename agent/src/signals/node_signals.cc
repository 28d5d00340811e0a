// The node's signals: the sampler wired to the node and its alert changes to the scheduler (see
// node_signals.h).
#include "signals/node_signals.h"

#include <climits>
#include <cmath>

#include <nlohmann/json.hpp>

#include "signals/thresholds.h"

namespace rk::agent {
namespace {

monitor::NodeFactsInput facts_input(const storage::NodeFacts& f) {
  monitor::NodeFactsInput in;
  for (const auto& t : f.tables) {
    const std::string name = t.keyspace + "." + t.table;
    in.sets.push_back({name, "unrepaired", t.unrepaired.bytes_on_disk, t.unrepaired.files,
                       t.unrepaired.tombstones, t.unrepaired.entries});
    in.sets.push_back({name, "repaired", t.repaired.bytes_on_disk, t.repaired.files,
                       t.repaired.tombstones, t.repaired.entries});
  }
  in.sst_files = f.sst_files;
  in.pending_compactions = f.pending_compactions;
  in.running_compactions = f.running_compactions;
  in.pending_compaction_bytes = f.pending_compaction_bytes;
  return in;
}

}  // namespace

NodeSignals::NodeSignals(const AgentOptions& options, storage::Node& node,
                         SchedulerClient& scheduler, std::string host_id, Clock& clock)
    : options_(options),
      node_(node),
      scheduler_(scheduler),
      host_id_(std::move(host_id)),
      clock_(clock) {}

Status NodeSignals::start() {
  RK_ASSIGN_OR_RETURN(SignalThresholds thresholds, parse_signal_thresholds(options_.signals));

  // The push: retried for as long as the scheduler is away (the queue keeps the latest state per
  // signal, so nothing but intermediate states is lost).
  monitor::DeliveryQueueOptions qo;
  qo.name = "alert push";
  qo.capacity = static_cast<size_t>(options_.signals.alert_queue);
  qo.backoff.max_attempts = INT_MAX;
  qo.backoff.initial_delay = std::chrono::milliseconds(200);
  qo.backoff.max_delay = options_.register_retry_max;
  SchedulerClient* scheduler = &scheduler_;
  alert_push_ = std::make_unique<monitor::DeliveryQueue>(
      qo, [scheduler](const std::string& body) { return scheduler->post_alert(body); });

  SignalSources sources;
  sources.data_dir = options_.data_dir;
  storage::Node* node = &node_;
  sources.node_facts = [node]() -> Result<monitor::NodeFactsInput> {
    RK_ASSIGN_OR_RETURN(storage::NodeFacts f, node->facts());
    return facts_input(f);
  };
  monitor::DeliveryQueue* push = alert_push_.get();
  sampler_ = std::make_unique<SignalSampler>(
      std::move(sources), std::move(thresholds), options_.signals, clock_,
      [push, host_id = host_id_](const monitor::AlertEvent& e) {
        nlohmann::json body = {{"host_id", host_id},
                               {"signal", e.signal},
                               {"state", monitor::state_name(e.new_state)},
                               {"previous_state", monitor::state_name(e.old_state)},
                               {"message", e.message},
                               {"at_us", e.time_micros}};
        if (e.value && std::isfinite(*e.value)) body["value"] = *e.value;
        push->push(e.signal, body.dump());
      });
  started_ = true;
  sampler_->start();
  return Status::OK();
}

void NodeSignals::stop() {
  if (!started_) return;
  sampler_->stop();  // it reads the node's facts
  alert_push_->stop();
}

std::optional<SignalSnapshot> NodeSignals::snapshot() const {
  if (!started_) return std::nullopt;
  return sampler_->snapshot();
}

void NodeSignals::write_metrics(monitor::PrometheusText& out) const {
  if (!started_) return;
  sampler_->write_metrics(out);
  const monitor::DeliveryStats st = alert_push_->stats();
  out.family("rk_alert_push_queued", "gauge", "Alert state changes waiting for the scheduler.");
  out.sample("rk_alert_push_queued", {}, static_cast<double>(st.waiting));
  out.family("rk_alert_push_delivered_total", "counter",
             "Alert state changes the scheduler took.");
  out.sample("rk_alert_push_delivered_total", {}, static_cast<double>(st.delivered));
  out.family("rk_alert_push_dropped_total", "counter",
             "Alert state changes given up on (queue full or refused).");
  out.sample("rk_alert_push_dropped_total", {}, static_cast<double>(st.dropped));
}

}  // namespace rk::agent
