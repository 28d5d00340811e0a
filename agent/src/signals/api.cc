// The ops API's monitoring routes (docs/monitoring.md): GET /v1/signals, the contract that
// monitoring systems and `rkctl check --agent` read, and GET /metrics (Prometheus text: the
// signals, the alert push and the requests of all three listeners).
#include "signals/api.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

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

}  // namespace

void add_signal_routes(http::Router& router, const NodeSignals& signals,
                       const monitor::RequestMetrics& requests) {
  router.get("/v1/signals", [&signals](const http::Request&) -> Result<http::Response> {
    std::optional<SignalSnapshot> snapshot = signals.snapshot();
    if (!snapshot) return Status::Unavailable("signals are not sampled yet");
    return api::json_ok(signals_json(*snapshot, signals.data_dir()));
  });
  router.get("/metrics", [&signals, &requests](const http::Request&) -> Result<http::Response> {
    monitor::PrometheusText out;
    signals.write_metrics(out);
    requests.write(out);
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = out.text();
    return r;
  });
}

}  // namespace rk::agent
