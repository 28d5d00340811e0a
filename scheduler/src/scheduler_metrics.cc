// Building the scheduler's /metrics (see scheduler_metrics.h).
#include "scheduler_metrics.h"

#include <fmt/format.h>

#include <map>

#include "db/sqlite.h"
#include "ringkeeper/scheduler/registry.h"

namespace rk::scheduler {
namespace {

using monitor::Labels;
using monitor::PrometheusText;

// The columns of `table`, empty when it does not exist.
Result<std::vector<std::string>> columns_of(Database& db, const std::string& table) {
  std::vector<std::string> out;
  RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare("SELECT name FROM pragma_table_info(?)"));
  stmt.bind_all(table);
  RK_RETURN_IF_ERROR(stmt.each_row([&] { out.push_back(stmt.column_text(0)); }));
  return out;
}

bool has(const std::vector<std::string>& cols, const std::string& c) {
  return std::find(cols.begin(), cols.end(), c) != cols.end();
}

// Rows per state of the repair and backup tables (repair runs and segments, backups): only read
// when the table and its `state` column exist, so that /metrics never fails on a database whose
// schema is older or newer than this binary expects.
struct StateTable {
  const char* table;
  const char* metric;
  const char* help;
};
constexpr StateTable kStateTables[] = {
    {"repair_runs", "rk_repair_runs", "Repair runs by state."},
    {"repair_segments", "rk_repair_segments", "Repair segments by state (all runs)."},
    {"backup_runs", "rk_backup_runs", "Backup runs by state."},
    {"backup_run_nodes", "rk_backup_run_nodes", "Nodes of backup runs by state."},
};

Status write_progress(Database& db, PrometheusText& out) {
  for (const StateTable& t : kStateTables) {
    RK_ASSIGN_OR_RETURN(std::vector<std::string> cols, columns_of(db, t.table));
    if (!has(cols, "state")) continue;
    RK_ASSIGN_OR_RETURN(
        Statement stmt,
        db.prepare(fmt::format("SELECT state, COUNT(*) FROM {} GROUP BY state", t.table)));
    out.family(t.metric, "gauge", t.help);
    RK_RETURN_IF_ERROR(stmt.each_row([&] {
      out.sample(t.metric, {{"state", stmt.column_text(0)}},
                 static_cast<double>(stmt.column_int64(1)));
    }));
  }
  // Bytes of running backups, when the per-node table carries them.
  RK_ASSIGN_OR_RETURN(std::vector<std::string> cols, columns_of(db, "backup_run_nodes"));
  if (has(cols, "state") && has(cols, "bytes_total") && has(cols, "bytes_done")) {
    RK_ASSIGN_OR_RETURN(
        Statement stmt,
        db.prepare("SELECT COALESCE(SUM(bytes_total), 0), COALESCE(SUM(bytes_done), "
                   "0) FROM backup_run_nodes WHERE state IN ('PENDING', "
                   "'RUNNING')"));
    RK_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (row) {
      out.family("rk_backup_running_bytes_total", "gauge",
                 "Bytes the running backups' nodes have to upload.");
      out.sample("rk_backup_running_bytes_total", {}, static_cast<double>(stmt.column_int64(0)));
      out.family("rk_backup_running_bytes_done", "gauge",
                 "Bytes the running backups' nodes have uploaded so far.");
      out.sample("rk_backup_running_bytes_done", {}, static_cast<double>(stmt.column_int64(1)));
    }
  }
  return Status::OK();
}

std::string comment(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return "# " + text + "\n";
}

}  // namespace

std::string scheduler_metrics(const SchedulerMetricsSources& src) {
  PrometheusText out;
  std::string failures;
  if (src.alerts != nullptr) {
    auto counts = src.alerts->count_by_state();
    if (counts.ok()) {
      std::map<std::string, int64_t> by_state = {
          {"OK", 0}, {"WARNING", 0}, {"CRITICAL", 0}, {"UNKNOWN", 0}};
      for (auto [s, n] : *counts) by_state[std::string(monitor::state_name(s))] = n;
      out.family("rk_alerts", "gauge", "Alert keys (source, signal) by current state.");
      for (const auto& [s, n] : by_state) {
        out.sample("rk_alerts", {{"state", s}}, static_cast<double>(n));
      }
    } else {
      failures += comment("alerts unavailable: " + counts.status().message());
    }
  }
  if (src.cluster != nullptr) {
    auto nodes = src.cluster->nodes();
    if (nodes.ok()) {
      std::map<std::string, int64_t> by_state;
      for (NodeState s : {NodeState::kJoining, NodeState::kNormal, NodeState::kDown,
                          NodeState::kLeaving, NodeState::kReplaced}) {
        by_state[std::string(node_state_name(s))] = 0;
      }
      out.family("rk_node_load_bytes", "gauge", "Data bytes each node reported (heartbeat).");
      for (const NodeView& n : *nodes) {
        ++by_state[std::string(node_state_name(n.info.state))];
        out.sample(
            "rk_node_load_bytes",
            {{"host_id", n.info.host_id}, {"datacenter", n.info.datacenter}, {"rack", n.info.rack}},
            static_cast<double>(n.load_bytes));
      }
      out.family("rk_nodes", "gauge", "Nodes by state.");
      for (const auto& [s, n] : by_state) {
        out.sample("rk_nodes", {{"state", s}}, static_cast<double>(n));
      }
    } else {
      failures += comment("nodes unavailable: " + nodes.status().message());
    }
  }
  if (src.store != nullptr) {
    Status s = src.store->read([&](Database& db) { return write_progress(db, out); });
    if (!s.ok()) failures += comment("repair/backup progress unavailable: " + s.message());
  }
  if (src.webhook != nullptr) {
    const monitor::DeliveryStats& w = *src.webhook;
    out.family("rk_alert_webhook_delivered_total", "counter",
               "Alert changes the webhook accepted.");
    out.sample("rk_alert_webhook_delivered_total", {}, static_cast<double>(w.delivered));
    out.family("rk_alert_webhook_dropped_total", "counter",
               "Alert changes given up on (queue full, attempts exhausted, refused).");
    out.sample("rk_alert_webhook_dropped_total", {}, static_cast<double>(w.dropped));
    out.family("rk_alert_webhook_queued", "gauge", "Alert changes waiting for the webhook.");
    out.sample("rk_alert_webhook_queued", {}, static_cast<double>(w.waiting));
  }
  if (src.requests != nullptr) src.requests->write(out);
  // Comment lines say what could not be read (Prometheus ignores them).
  return out.text() + failures;
}

}  // namespace rk::scheduler
