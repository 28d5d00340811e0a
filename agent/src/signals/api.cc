// The agent's monitoring surface (docs/monitoring.md): GET /v1/signals (the contract other
// engineers and `rkctl check --agent` read), GET /metrics (Prometheus text), and the wiring of the
// signal sampler to the node and of alert state changes to the scheduler (POST /api/v1/alerts
// with the agent token, retried until the scheduler takes them, latest state per signal kept).
#include <spdlog/spdlog.h>

#include <climits>
#include <cmath>
#include <nlohmann/json.hpp>

#include "agent_impl.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using monitor::State;
using nlohmann::json;

json number_or_null(std::optional<double> v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

double round2(double v) { return std::round(v * 100) / 100; }

json signals_json(const SignalSnapshot& s, const std::string& data_dir) {
  json disk = {{"state", monitor::state_name(s.disk_state)},
               {"path", data_dir},
               {"message", s.disk_message}};
  if (s.disk) {
    const auto& u = s.disk->usage;
    disk["free_bytes"] = u.available_bytes;
    disk["total_bytes"] = u.size_bytes;
    disk["used_bytes"] = u.used_bytes;
    disk["free_percent"] = u.free_percent;
    disk["data_bytes"] = s.disk->data_bytes ? json(*s.disk->data_bytes) : json(nullptr);
  } else {
    for (const char* k : {"free_bytes", "total_bytes", "used_bytes", "free_percent", "data_bytes"})
      disk[k] = nullptr;
  }
  disk["growth_bytes_per_second"] = number_or_null(s.growth_bytes_per_second);
  disk["seconds_until_full"] = number_or_null(s.seconds_until_full);

  // The contract's await figures are the worst device's; every device follows in "devices".
  json await = {{"state", monitor::state_name(s.await_state)}, {"message", s.await_message}};
  const monitor::DeviceIo* worst = nullptr;
  json devices = json::array();
  for (const auto& d : s.devices) {
    if (worst == nullptr || d.rates.await > worst->rates.await) worst = &d;
    devices.push_back({{"device", d.name},
                       {"await_ms", round2(d.rates.await)},
                       {"r_await_ms", round2(d.rates.r_await)},
                       {"w_await_ms", round2(d.rates.w_await)},
                       {"util_percent", round2(d.rates.util_percent)},
                       {"r_per_s", round2(d.rates.r_per_s)},
                       {"w_per_s", round2(d.rates.w_per_s)}});
  }
  await["device"] = worst ? json(worst->name) : json(nullptr);
  await["await_ms"] = worst ? json(round2(worst->rates.await)) : json(nullptr);
  await["r_await_ms"] = worst ? json(round2(worst->rates.r_await)) : json(nullptr);
  await["w_await_ms"] = worst ? json(round2(worst->rates.w_await)) : json(nullptr);
  await["util_percent"] = worst ? json(round2(worst->rates.util_percent)) : json(nullptr);
  await["interval_seconds"] = s.await_interval_seconds;
  await["devices"] = std::move(devices);

  json compactions = {{"state", monitor::state_name(s.compactions_state)},
                      {"message", s.compactions_message}};
  json node = nullptr;
  if (s.node) {
    compactions["pending"] = s.node->pending_compactions;
    compactions["running"] = s.node->running_compactions;
    compactions["pending_bytes"] = s.node->pending_compaction_bytes;
    compactions["largest_compaction_bytes"] =
        s.headroom ? json(s.headroom->largest_compaction_bytes) : json(nullptr);
    compactions["headroom_ratio"] = s.headroom ? number_or_null(s.headroom->ratio) : json(nullptr);
    json sets = json::array();
    for (const auto& set : s.node->sets) {
      sets.push_back({{"table", set.table},
                      {"set", set.set},
                      {"bytes", set.bytes},
                      {"files", set.files},
                      {"tombstones", set.tombstones},
                      {"entries", set.entries}});
    }
    node = {
        {"sst_files", s.node->sst_files},
        {"files_state", monitor::state_name(s.files_state)},
        {"tombstones_state", monitor::state_name(s.tombstones_state)},
        {"worst_tombstone_table", s.tombstones ? s.tombstones->table : ""},
        {"worst_tombstone_ratio",
         s.tombstones && !s.tombstones->table.empty() ? json(s.tombstones->ratio) : json(nullptr)},
        {"sets", std::move(sets)}};
  } else {
    compactions["pending"] = nullptr;
    compactions["running"] = nullptr;
  }
  json alerts = json::object();
  for (const auto& [name, st] : s.alerts) alerts[name] = monitor::state_name(st);
  return {{"sampled_at_us", s.sampled_at_us}, {"disk", std::move(disk)},
          {"await", std::move(await)},        {"compactions", std::move(compactions)},
          {"node", std::move(node)},          {"alerts", std::move(alerts)}};
}

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

void add_signal_routes(http::Router& router, Agent::Impl& agent) {
  router.get("/v1/signals", [&agent](const http::Request&) -> Result<http::Response> {
    if (!agent.signals) return Status::Unavailable("signals are not sampled yet");
    return api::json_ok(signals_json(agent.signals->snapshot(), agent.options.data_dir));
  });
  router.get("/metrics", [&agent](const http::Request&) -> Result<http::Response> {
    monitor::PrometheusText out;
    if (agent.signals) agent.signals->write_metrics(out);
    if (agent.alert_push) {
      const monitor::DeliveryStats st = agent.alert_push->stats();
      out.family("rk_alert_push_queued", "gauge", "Alert state changes waiting for the scheduler.");
      out.sample("rk_alert_push_queued", {}, static_cast<double>(st.waiting));
      out.family("rk_alert_push_delivered_total", "counter",
                 "Alert state changes the scheduler took.");
      out.sample("rk_alert_push_delivered_total", {}, static_cast<double>(st.delivered));
      out.family("rk_alert_push_dropped_total", "counter",
                 "Alert state changes given up on (queue full or refused).");
      out.sample("rk_alert_push_dropped_total", {}, static_cast<double>(st.dropped));
    }
    agent.request_metrics.write(out);
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = out.text();
    return r;
  });
}

Status start_signals(Agent::Impl& agent) {
  RK_ASSIGN_OR_RETURN(SignalThresholds thresholds, parse_signal_thresholds(agent.options.signals));

  // The push: one client, retried for as long as the scheduler is away (the queue keeps the
  // latest state per signal, so nothing but intermediate states is lost).
  http::ClientOptions co;
  co.bearer_token = agent.options.agent_token;
  co.timeout = agent.options.scheduler_timeout;
  co.tls_ca_file = agent.options.tls.ca_file;
  co.tls_cert_file = agent.options.tls.cert_file;
  co.tls_key_file = agent.options.tls.key_file;
  auto client = std::make_shared<http::Client>(co);
  const std::string url = agent.options.scheduler_url + "/api/v1/alerts";
  monitor::DeliveryQueueOptions qo;
  qo.name = "alert push";
  qo.capacity = static_cast<size_t>(agent.options.signals.alert_queue);
  qo.backoff.max_attempts = INT_MAX;
  qo.backoff.initial_delay = std::chrono::milliseconds(200);
  qo.backoff.max_delay = agent.options.register_retry_max;
  agent.alert_push = std::make_unique<monitor::DeliveryQueue>(
      qo, [client, url](const std::string& body) -> Status {
        RK_ASSIGN_OR_RETURN(http::Response r, client->post(url, body));
        if (r.ok()) return Status::OK();
        if (r.status >= 500 || r.status == 429) {
          return Status::Unavailable("the scheduler answered " + std::to_string(r.status));
        }
        return api::status_from_response(r);
      });

  SignalSources sources;
  sources.data_dir = agent.options.data_dir;
  storage::Node* node = agent.node.get();
  sources.node_facts = [node]() -> Result<monitor::NodeFactsInput> {
    RK_ASSIGN_OR_RETURN(storage::NodeFacts f, node->facts());
    return facts_input(f);
  };
  Agent::Impl* a = &agent;
  agent.signals = std::make_unique<SignalSampler>(
      std::move(sources), std::move(thresholds), agent.options.signals, agent.clock,
      [a](const monitor::AlertEvent& e) {
        json body = {{"host_id", a->host_id},
                     {"signal", e.signal},
                     {"state", monitor::state_name(e.new_state)},
                     {"previous_state", monitor::state_name(e.old_state)},
                     {"message", e.message},
                     {"at_us", e.time_micros}};
        if (e.value && std::isfinite(*e.value)) body["value"] = *e.value;
        a->alert_push->push(e.signal, body.dump());
      });
  agent.signals->start();
  return Status::OK();
}

}  // namespace rk::agent
