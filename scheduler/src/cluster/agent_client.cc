// Calls from the scheduler to agents (see agent_client.h): schema pushes, repair sessions and load
// signals; the backup calls are in backup/agent_client_backup.cc.
#include "cluster/agent_client.h"

#include <spdlog/spdlog.h>

#include <future>

#include "cluster/json.h"
#include "ringkeeper/core/json_api.h"

namespace rk::scheduler {

AgentClient::AgentClient(AgentClientOptions options) : options_(std::move(options)) {
  http::ClientOptions client;
  client.bearer_token = options_.agent_token;
  client.timeout = options_.timeout;
  client.tls_ca_file = options_.ca_file;
  client_ = std::make_unique<http::Client>(client);
}

void AgentClient::push_schema(const ClusterSchema& schema, const std::vector<NodeView>& targets) {
  const std::string body = schema_json(schema).dump();
  // One thread per node, all joined before returning: bounded by the cluster's size, and the
  // callers are REST handlers, bounded by the API listener's handler queue.
  std::vector<std::future<void>> calls;
  for (const NodeView& n : targets) {
    const std::string url = ops_url(n.info, "/v1/schema");
    calls.push_back(std::async(
        std::launch::async, [this, url, body, host = n.info.host_id, version = schema.version] {
          // An agent installs a schema only if it is newer than its own: a second copy of the
          // same version changes nothing.
          http::ClientRequest req{"POST", url, {}, body, {}};
          req.idempotent = true;
          Result<http::Response> r = client_->request(req);
          Status s = r.ok() ? api::status_from_response(*r) : r.status();
          if (!s.ok()) {
            spdlog::warn("schema {} not pushed to {} ({}): {}; it catches up by heartbeat", version,
                         host, url, s.to_string());
          }
        }));
  }
  for (auto& c : calls) c.wait();
}

Status AgentClient::rebuild(const NodeInfo& node, const std::vector<std::string>& tables,
                            std::chrono::milliseconds timeout) {
  // Discarding and streaming again gives the same copy: sending it twice does no harm.
  http::ClientRequest req{"POST", ops_url(node, "/v1/rebuild"), {},
                          nlohmann::json{{"tables", tables}}.dump(), timeout};
  req.idempotent = true;
  Result<http::Response> r = client_->request(req);
  Status s = r.ok() ? api::status_from_response(*r) : r.status();
  return s.with_context("rebuilding " + node.host_id);
}

std::string AgentClient::ops_url(const NodeInfo& node, std::string_view path) const {
  return (options_.https ? "https://" : "http://") + host_port(node.address, node.ops_port) +
         std::string(path);
}

namespace {

Result<SessionState> parse_session_state(const std::string& s) {
  if (s == "RUNNING") return SessionState::kRunning;
  if (s == "SUCCEEDED") return SessionState::kSucceeded;
  if (s == "FAILED") return SessionState::kFailed;
  if (s == "CANCELLED") return SessionState::kCancelled;
  if (s == "ABORTED") return SessionState::kAborted;
  return Status::Internal("agent answered an unknown session state '" + s + "'");
}

// A session's "differences" (what its transfer plans found; a preview's result).
void differences_from_json(const nlohmann::json& j, SessionStatus* s) {
  const nlohmann::json& d = j.contains("differences") ? j["differences"] : nlohmann::json();
  if (d.is_object() && d.contains("tables") && d["tables"].is_array()) {
    for (const nlohmann::json& t : d["tables"]) {
      if (!t.is_object()) continue;
      TableDifference td{t.value("table", ""), t.value("ranges", int64_t{0}),
                         t.value("rows", int64_t{0}), t.value("bytes", int64_t{0}),
                         t.value("behind", std::vector<std::string>{})};
      s->table_differences.push_back(std::move(td));
    }
  }
  if (d.is_object() && d.contains("ranges") && d["ranges"].is_array()) {
    for (const nlohmann::json& r : d["ranges"]) {
      if (!r.is_object()) continue;
      s->range_differences.push_back({r.value("table", ""), r.value("range", ""),
                                      r.value("source", ""), r.value("target", ""),
                                      r.value("rows", int64_t{0}), r.value("bytes", int64_t{0})});
    }
  }
}

Result<SessionStatus> session_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Internal("agent answered a session that is not an object");
  SessionStatus s;
  s.id = j.value("id", "");
  RK_ASSIGN_OR_RETURN(s.state, parse_session_state(j.value("state", "")));
  s.phase = j.value("phase", "");
  s.error = j.value("error", "");
  s.started_at_us = j.value("started_at_us", int64_t{0});
  s.finished_at_us = j.value("finished_at_us", int64_t{0});
  if (j.contains("progress") && j["progress"].is_object()) {
    s.bytes_validated = j["progress"].value("bytes_validated", int64_t{0});
    s.bytes_streamed = j["progress"].value("bytes_streamed", int64_t{0});
  }
  try {
    differences_from_json(j, &s);
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal(std::string("agent answered malformed session differences: ") +
                            e.what());
  }
  return s;
}

}  // namespace

Result<SessionStatus> AgentClient::session_call(const std::string& method, const std::string& url,
                                                const std::string& body) {
  http::ClientRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  // Sessions are named by the scheduler's id and a re-send of a start is identical; should the
  // first copy have started it, the second is refused as a conflict, which the repair driver
  // waits out (it does not count as a failed attempt).
  req.idempotent = true;
  RK_ASSIGN_OR_RETURN(http::Response r, client_->request(req));
  if (r.status == 409) {
    return Status::AlreadyExists(api::status_from_response(r).message());
  }
  if (r.status == 404) return Status::NotFound(api::status_from_response(r).message());
  RK_ASSIGN_OR_RETURN(nlohmann::json j, api::parse_response(r));
  return session_from_json(j);
}

Result<SessionStatus> AgentClient::start_session(const NodeView& coordinator,
                                                 const SessionRequest& req) {
  nlohmann::json body = {{"id", req.id},
                         {"keyspace", req.keyspace},
                         {"tables", req.tables},
                         {"range", req.range},
                         {"replicas", req.replicas},
                         {"mode", req.mode},
                         {"validation", req.validation}};
  if (req.mode == "full") body["mark_repaired"] = req.mark_repaired;
  if (req.preview) body["preview"] = true;
  if (req.mode == "incremental") body["repaired_at_ms"] = req.repaired_at_ms;
  return session_call("POST", ops_url(coordinator.info, "/v1/repair/sessions"), body.dump());
}

Result<SessionStatus> AgentClient::session(const NodeView& coordinator, const std::string& id) {
  return session_call("GET", ops_url(coordinator.info, "/v1/repair/sessions/" + id), "");
}

Result<SessionStatus> AgentClient::cancel_session(const NodeView& coordinator,
                                                  const std::string& id) {
  return session_call("DELETE", ops_url(coordinator.info, "/v1/repair/sessions/" + id), "");
}

Result<LoadSignals> AgentClient::signals(const NodeView& node) {
  RK_ASSIGN_OR_RETURN(http::Response r, client_->get(ops_url(node.info, "/v1/signals")));
  LoadSignals out;
  if (r.status == 404) {
    // Agents before the signals endpoint: pending compactions only (docs/repair.md).
    RK_ASSIGN_OR_RETURN(http::Response sizes, client_->get(ops_url(node.info, "/v1/sizes")));
    RK_ASSIGN_OR_RETURN(nlohmann::json j, api::parse_response(sizes));
    out.pending_compactions = j.value("pending_compactions", int64_t{0});
    return out;
  }
  RK_ASSIGN_OR_RETURN(nlohmann::json j, api::parse_response(r));
  const auto section = [&](const char* name) {
    return j.contains(name) && j[name].is_object() ? j[name] : nlohmann::json::object();
  };
  const nlohmann::json disk = section("disk");
  const nlohmann::json await = section("await");
  const nlohmann::json compactions = section("compactions");
  out.pending_compactions = compactions.value("pending", int64_t{0});
  out.disk_critical = disk.value("state", "") == "CRITICAL";
  out.await_critical = await.value("state", "") == "CRITICAL";
  if (out.disk_critical) out.message = disk.value("message", "");
  if (out.await_critical) out.message = await.value("message", "");
  return out;
}

}  // namespace rk::scheduler
