// Reading the agent's signals and the scheduler's repair and backup state for `rkctl check`
// (see check_sources.h).
#include "check_sources.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "ringkeeper/core/duration_text.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/json_api.h"

namespace rk::cli {
namespace {

using nlohmann::json;

// A JSON field of the expected kind, or InvalidArgument naming it (a malformed answer).
Result<const json*> field(const json& obj, const std::string& path, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) {
    return Status::InvalidArgument(fmt::format("the answer has no {}{}", path, key));
  }
  return &obj[key];
}

Result<int64_t> int_field(const json& obj, const std::string& path, const char* key) {
  RK_ASSIGN_OR_RETURN(const json* v, field(obj, path, key));
  if (!v->is_number())
    return Status::InvalidArgument(fmt::format("{}{} is not a number", path, key));
  return v->get<int64_t>();
}

Result<double> number_field(const json& obj, const std::string& path, const char* key) {
  RK_ASSIGN_OR_RETURN(const json* v, field(obj, path, key));
  if (!v->is_number())
    return Status::InvalidArgument(fmt::format("{}{} is not a number", path, key));
  return v->get<double>();
}

Result<std::string> string_field(const json& obj, const std::string& path, const char* key) {
  RK_ASSIGN_OR_RETURN(const json* v, field(obj, path, key));
  if (!v->is_string())
    return Status::InvalidArgument(fmt::format("{}{} is not a string", path, key));
  return v->get<std::string>();
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Result<json> fetch_json(const std::string& url, const std::string& ca_file,
                        double timeout_seconds) {
  http::ClientOptions o;
  o.tls_ca_file = ca_file;
  o.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  http::Client client(o);
  auto r = client.get(url);
  if (!r.ok()) {
    return Status(r.status().code(), fmt::format("cannot reach {}: {}", url, r.status().message()));
  }
  auto body = api::parse_response(*r);
  if (!body.ok()) {
    return Status(body.status().code(), fmt::format("{}: {}", url, body.status().message()));
  }
  return body;
}

Result<json> fetch_signals(const std::string& agent_url, const std::string& ca_file,
                           double timeout_seconds, double max_age_seconds, int64_t now_us) {
  RK_ASSIGN_OR_RETURN(json s,
                      fetch_json(trim_slash(agent_url) + "/v1/signals", ca_file, timeout_seconds));
  RK_ASSIGN_OR_RETURN(int64_t at, int_field(s, "", "sampled_at_us"));
  if (at == 0) return Status::FailedPrecondition("the agent has not sampled its signals yet");
  const int64_t age_us = now_us - at;
  if (static_cast<double>(age_us) / 1e6 > max_age_seconds) {
    return Status::FailedPrecondition(fmt::format(
        "the agent's sample is {} old (more than --max-age {} s): is its sampler "
        "stuck?",
        format_duration(std::chrono::microseconds(age_us), DurationStyle::kRoundedShort),
        monitor::format_perf_number(max_age_seconds)));
  }
  return s;
}

Result<monitor::DiskFacts> disk_facts_from_signals(const json& s) {
  RK_ASSIGN_OR_RETURN(const json* disk, field(s, "", "disk"));
  if (!(*disk)["free_bytes"].is_number()) {
    RK_ASSIGN_OR_RETURN(std::string message, string_field(*disk, "disk.", "message"));
    return Status::Unavailable("the agent could not measure the disk: " + message);
  }
  monitor::DiskFacts f;
  RK_ASSIGN_OR_RETURN(f.path, string_field(*disk, "disk.", "path"));
  RK_ASSIGN_OR_RETURN(int64_t free_bytes, int_field(*disk, "disk.", "free_bytes"));
  RK_ASSIGN_OR_RETURN(int64_t total, int_field(*disk, "disk.", "total_bytes"));
  RK_ASSIGN_OR_RETURN(int64_t used, int_field(*disk, "disk.", "used_bytes"));
  RK_ASSIGN_OR_RETURN(int64_t free_percent, int_field(*disk, "disk.", "free_percent"));
  f.usage.available_bytes = static_cast<uint64_t>(free_bytes);
  f.usage.size_bytes = static_cast<uint64_t>(total);
  f.usage.used_bytes = static_cast<uint64_t>(used);
  f.usage.free_percent = static_cast<int>(free_percent);
  f.usage.use_percent = free_percent < 0 ? -1 : 100 - static_cast<int>(free_percent);
  if ((*disk)["data_bytes"].is_number()) f.data_bytes = (*disk)["data_bytes"].get<uint64_t>();
  return f;
}

Result<AwaitSample> await_from_signals(const json& s) {
  RK_ASSIGN_OR_RETURN(const json* await, field(s, "", "await"));
  RK_ASSIGN_OR_RETURN(const json* devices, field(*await, "await.", "devices"));
  AwaitSample a;
  if (s.contains("disk") && s["disk"].is_object() && s["disk"]["path"].is_string()) {
    a.path = s["disk"]["path"].get<std::string>();
  }
  if (!devices->is_array() || devices->empty()) {
    RK_ASSIGN_OR_RETURN(std::string message, string_field(*await, "await.", "message"));
    return Status::Unavailable("the agent has no await figures: " + message);
  }
  RK_ASSIGN_OR_RETURN(a.interval_seconds, number_field(*await, "await.", "interval_seconds"));
  for (const json& d : *devices) {
    monitor::DeviceIo io;
    RK_ASSIGN_OR_RETURN(io.name, string_field(d, "await.devices[].", "device"));
    RK_ASSIGN_OR_RETURN(io.rates.await, number_field(d, "await.devices[].", "await_ms"));
    RK_ASSIGN_OR_RETURN(io.rates.r_await, number_field(d, "await.devices[].", "r_await_ms"));
    RK_ASSIGN_OR_RETURN(io.rates.w_await, number_field(d, "await.devices[].", "w_await_ms"));
    RK_ASSIGN_OR_RETURN(io.rates.util_percent, number_field(d, "await.devices[].", "util_percent"));
    RK_ASSIGN_OR_RETURN(io.rates.r_per_s, number_field(d, "await.devices[].", "r_per_s"));
    RK_ASSIGN_OR_RETURN(io.rates.w_per_s, number_field(d, "await.devices[].", "w_per_s"));
    a.devices.push_back(std::move(io));
  }
  return a;
}

Result<NodeSample> node_from_signals(const json& s) {
  RK_ASSIGN_OR_RETURN(const json* c, field(s, "", "compactions"));
  RK_ASSIGN_OR_RETURN(const json* node, field(s, "", "node"));
  if (!node->is_object()) {
    RK_ASSIGN_OR_RETURN(std::string message, string_field(*c, "compactions.", "message"));
    return Status::Unavailable("the agent has no storage facts: " + message);
  }
  NodeSample n;
  RK_ASSIGN_OR_RETURN(monitor::DiskFacts disk, disk_facts_from_signals(s));
  n.free_bytes = disk.usage.available_bytes;
  RK_ASSIGN_OR_RETURN(int64_t pending, int_field(*c, "compactions.", "pending"));
  RK_ASSIGN_OR_RETURN(int64_t running, int_field(*c, "compactions.", "running"));
  RK_ASSIGN_OR_RETURN(int64_t pending_bytes, int_field(*c, "compactions.", "pending_bytes"));
  RK_ASSIGN_OR_RETURN(int64_t files, int_field(*node, "node.", "sst_files"));
  n.facts.pending_compactions = static_cast<uint64_t>(pending);
  n.facts.running_compactions = static_cast<uint64_t>(running);
  n.facts.pending_compaction_bytes = static_cast<uint64_t>(pending_bytes);
  n.facts.sst_files = static_cast<uint64_t>(files);
  RK_ASSIGN_OR_RETURN(const json* sets, field(*node, "node.", "sets"));
  if (!sets->is_array()) return Status::InvalidArgument("node.sets is not an array");
  for (const json& set : *sets) {
    monitor::SetSize z;
    RK_ASSIGN_OR_RETURN(z.table, string_field(set, "node.sets[].", "table"));
    RK_ASSIGN_OR_RETURN(z.set, string_field(set, "node.sets[].", "set"));
    RK_ASSIGN_OR_RETURN(int64_t bytes, int_field(set, "node.sets[].", "bytes"));
    RK_ASSIGN_OR_RETURN(int64_t f, int_field(set, "node.sets[].", "files"));
    RK_ASSIGN_OR_RETURN(int64_t t, int_field(set, "node.sets[].", "tombstones"));
    RK_ASSIGN_OR_RETURN(int64_t e, int_field(set, "node.sets[].", "entries"));
    z.bytes = static_cast<uint64_t>(bytes);
    z.files = static_cast<uint64_t>(f);
    z.tombstones = static_cast<uint64_t>(t);
    z.entries = static_cast<uint64_t>(e);
    n.facts.sets.push_back(std::move(z));
  }
  return n;
}

Result<std::vector<monitor::TableDeadline>> deadlines_from_json(const json& body) {
  RK_ASSIGN_OR_RETURN(const json* tables, field(body, "", "tables"));
  if (!tables->is_array()) return Status::InvalidArgument("tables is not an array");
  std::vector<monitor::TableDeadline> out;
  for (const json& t : *tables) {
    monitor::TableDeadline d;
    const std::string p = "tables[].";
    RK_ASSIGN_OR_RETURN(d.keyspace, string_field(t, p, "keyspace"));
    RK_ASSIGN_OR_RETURN(d.table, string_field(t, p, "table"));
    RK_ASSIGN_OR_RETURN(d.gc_grace_seconds, int_field(t, p, "gc_grace_seconds"));
    RK_ASSIGN_OR_RETURN(d.oldest_repaired_at_us, int_field(t, p, "oldest_repaired_at_us"));
    RK_ASSIGN_OR_RETURN(d.deadline_us, int_field(t, p, "deadline_us"));
    if (t.contains("forecast_done_us") && t["forecast_done_us"].is_number()) {
      d.forecast_done_us = t["forecast_done_us"].get<int64_t>();
    }
    RK_ASSIGN_OR_RETURN(d.state, string_field(t, p, "state"));
    if (t.contains("message") && t["message"].is_string()) d.message = t["message"];
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<monitor::BackupRun>> backups_from_json(const json& body) {
  RK_ASSIGN_OR_RETURN(const json* backups, field(body, "", "backups"));
  if (!backups->is_array()) return Status::InvalidArgument("backups is not an array");
  std::vector<monitor::BackupRun> out;
  for (const json& b : *backups) {
    monitor::BackupRun r;
    const std::string p = "backups[].";
    RK_ASSIGN_OR_RETURN(r.tag, string_field(b, p, "tag"));
    RK_ASSIGN_OR_RETURN(r.state, string_field(b, p, "state"));
    RK_ASSIGN_OR_RETURN(r.started_at_us, int_field(b, p, "started_at_us"));
    RK_ASSIGN_OR_RETURN(r.completed_at_us, int_field(b, p, "completed_at_us"));
    // nodes, bytes and files are informative; a count or a list of nodes both read.
    if (b.contains("nodes")) {
      r.nodes = b["nodes"].is_array()    ? static_cast<int64_t>(b["nodes"].size())
                : b["nodes"].is_number() ? b["nodes"].get<int64_t>()
                                         : 0;
    }
    if (b.contains("bytes") && b["bytes"].is_number()) r.bytes = b["bytes"].get<int64_t>();
    if (b.contains("files") && b["files"].is_number()) r.files = b["files"].get<int64_t>();
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<monitor::PreviewRun>> previews_from_json(const json& body) {
  RK_ASSIGN_OR_RETURN(const json* runs, field(body, "", "runs"));
  if (!runs->is_array()) return Status::InvalidArgument("runs is not an array");
  std::vector<monitor::PreviewRun> out;
  for (const json& r : *runs) {
    if (!r.is_object() || !r.value("preview", false)) continue;
    monitor::PreviewRun p;
    const std::string path = "runs[].";
    RK_ASSIGN_OR_RETURN(p.id, int_field(r, path, "id"));
    RK_ASSIGN_OR_RETURN(p.keyspace, string_field(r, path, "keyspace"));
    RK_ASSIGN_OR_RETURN(p.finished_at_us, int_field(r, path, "finished_at_us"));
    RK_ASSIGN_OR_RETURN(const json* tables, field(r, path, "tables"));
    for (const json& t : *tables) {
      if (t.is_string()) p.tables.push_back(t.get<std::string>());
    }
    RK_ASSIGN_OR_RETURN(const json* differences, field(r, path, "differences"));
    RK_ASSIGN_OR_RETURN(const json* per_table,
                        field(*differences, path + "differences.", "tables"));
    if (!per_table->is_array()) {
      return Status::InvalidArgument("runs[].differences.tables is not an array");
    }
    for (const json& t : *per_table) {
      const std::string tp = path + "differences.tables[].";
      monitor::PreviewTable d;
      RK_ASSIGN_OR_RETURN(d.table, string_field(t, tp, "table"));
      RK_ASSIGN_OR_RETURN(d.ranges, int_field(t, tp, "ranges"));
      RK_ASSIGN_OR_RETURN(d.rows, int_field(t, tp, "rows"));
      RK_ASSIGN_OR_RETURN(d.bytes, int_field(t, tp, "bytes"));
      if (t.contains("behind") && t["behind"].is_array()) {
        for (const json& h : t["behind"]) {
          if (h.is_string()) d.behind.push_back(h.get<std::string>());
        }
      }
      p.differences.push_back(std::move(d));
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace rk::cli
