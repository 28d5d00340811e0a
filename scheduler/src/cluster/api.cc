// REST handlers of the cluster domain (see api.h): read the body, call ClusterService, write
// JSON. Bounds and rules are the registry's and the catalog's.
#include "cluster/api.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/json.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/registration.h"
#include "ringkeeper/core/schema_limits.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

const api::Spec kHeartbeat = {
    {"state", api::Type::kString},
    {.name = "load_bytes", .type = api::Type::kInteger, .min = 0},
    {.name = "ring_version", .type = api::Type::kInteger, .min = 0},
    {.name = "schema_version", .type = api::Type::kInteger, .min = 0},
};
const api::Spec kCreateKeyspace = {
    {"name", api::Type::kString, api::kRequired},
    {"replication", api::Type::kObject, api::kRequired},
};
const api::Spec kCreateTable = {
    {"name", api::Type::kString, api::kRequired},
    {.name = "gc_grace_seconds", .type = api::Type::kInteger, .min = 0, .max = kMaxGcGraceSeconds},
    {.name = "default_ttl_seconds", .type = api::Type::kInteger, .min = 0, .max = kMaxTtlSeconds},
    {"tombstone_gc", api::Type::kString},
    {"force", api::Type::kBool},
};
const api::Spec kUnquarantine = {
    {"accept_risk", api::Type::kBool},
};
const api::Spec kRebuild = {};
const api::Spec kAlterTable = {
    {"tombstone_gc", api::Type::kString},
    {"force", api::Type::kBool},
};

http::Response register_response(const RegisterReply& reply) {
  json tokens = json::array();
  for (Token t : reply.node.tokens) tokens.push_back(token_to_string(t));
  return api::json_ok({{"host_id", reply.node.host_id},
                       {"slot", reply.node.slot},
                       {"tokens", std::move(tokens)},
                       {"state", node_state_name(reply.node.state)},
                       {"ring", ring_json(reply.ring)},
                       {"schema", schema_json(reply.schema)}});
}

// Refusals, here or in the service, are audited by request_audit.cc.
Result<http::Response> handle_register(ClusterService& service, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, registration_spec()));
  RK_ASSIGN_OR_RETURN(AgentRegistration reg, parse_registration(body));
  RK_ASSIGN_OR_RETURN(RegisterReply reply, service.register_agent(req.principal, reg));
  return register_response(reply);
}

Result<http::Response> handle_heartbeat(ClusterService& service, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kHeartbeat));
  AgentHeartbeat hb;
  if (body.contains("state")) hb.state = body["state"].get<std::string>();
  if (body.contains("load_bytes")) hb.load_bytes = body["load_bytes"].get<int64_t>();
  hb.ring_version = body.value("ring_version", int64_t{0});
  hb.schema_version = body.value("schema_version", int64_t{0});
  RK_ASSIGN_OR_RETURN(AgentHeartbeatReply reply,
                      service.heartbeat(req.principal, req.path_param("host_id"), hb));
  json out = {{"ring_version", reply.ring_version}, {"schema_version", reply.schema_version}};
  if (reply.ring) out["ring"] = ring_json(*reply.ring);
  if (reply.schema) out["schema"] = schema_json(*reply.schema);
  return api::json_ok(out);
}

Result<http::Response> handle_create_keyspace(ClusterService& service, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kCreateKeyspace));
  RK_ASSIGN_OR_RETURN(Replication replication, replication_from_json(body["replication"]));
  RK_ASSIGN_OR_RETURN(KeyspaceDef created,
                      service.create_keyspace(req.principal, {body["name"], replication, {}}));
  return api::json_response(201, keyspace_json(created));
}

Result<http::Response> handle_create_table(ClusterService& service, const http::Request& req) {
  const std::string& keyspace = req.path_param("keyspace");
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kCreateTable));
  TableDef t;
  t.name = body["name"];
  t.gc_grace_seconds = body.value("gc_grace_seconds", t.gc_grace_seconds);
  t.default_ttl_seconds = body.value("default_ttl_seconds", t.default_ttl_seconds);
  if (body.contains("tombstone_gc")) {
    RK_ASSIGN_OR_RETURN(t.tombstone_gc,
                        parse_tombstone_gc(body["tombstone_gc"].get<std::string>()));
  }
  RK_ASSIGN_OR_RETURN(KeyspaceDef ks,
                      service.create_table(req.principal, keyspace, t, body.value("force", false)));
  return api::json_response(201, keyspace_json(ks));
}

Result<http::Response> handle_alter_table(ClusterService& service, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kAlterTable));
  TableAlter alter;
  if (body.contains("tombstone_gc")) {
    RK_ASSIGN_OR_RETURN(alter.tombstone_gc,
                        parse_tombstone_gc(body["tombstone_gc"].get<std::string>()));
  }
  alter.force = body.value("force", false);
  RK_ASSIGN_OR_RETURN(KeyspaceDef ks, service.alter_table(req.principal, req.path_param("keyspace"),
                                                          req.path_param("table"), alter));
  return api::json_ok(keyspace_json(ks));
}

Result<http::Response> handle_audit(ClusterService& service, const http::Request& req) {
  RK_RETURN_IF_ERROR(
      api::check_query(req, {"actor", "action", "since", "until", "limit", "before"}));
  AuditQuery q;
  if (const std::string* v = req.query_param("actor")) q.actor = *v;
  if (const std::string* v = req.query_param("action")) q.action = *v;
  if (req.query_param("since")) {
    RK_ASSIGN_OR_RETURN(q.since_us, api::query_int(req, "since", 0));
  }
  if (req.query_param("until")) {
    RK_ASSIGN_OR_RETURN(q.until_us, api::query_int(req, "until", 0));
  }
  if (req.query_param("before")) {
    RK_ASSIGN_OR_RETURN(q.before_id, api::query_int(req, "before", 1));
  }
  if (req.query_param("limit")) {
    RK_ASSIGN_OR_RETURN(int64_t limit, api::query_int(req, "limit", 1, 1000));
    q.limit = static_cast<int>(limit);
  }
  RK_ASSIGN_OR_RETURN(AuditPage page, service.audit(q));
  json entries = json::array();
  for (const AuditEntry& e : page.entries) {
    entries.push_back({{"id", e.id},
                       {"at", e.at_us},
                       {"actor", e.actor},
                       {"action", e.action},
                       {"target", e.target},
                       {"result", e.result},
                       {"detail", e.detail}});
  }
  json out = {{"entries", std::move(entries)}};
  if (page.next_before_id) out["next_before"] = *page.next_before_id;
  return api::json_ok(out);
}

Result<http::Response> handle_rebuild(ClusterService& service, const http::Request& req) {
  if (!req.body.empty()) RK_RETURN_IF_ERROR(api::read_body(req, kRebuild).status());
  RK_ASSIGN_OR_RETURN(NodeView node, service.rebuild(req.principal, req.path_param("host_id")));
  return api::json_ok(node_json(node));
}

Result<http::Response> handle_unquarantine(ClusterService& service, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kUnquarantine));
  RK_ASSIGN_OR_RETURN(NodeView node,
                      service.unquarantine(req.principal, req.path_param("host_id"),
                                           body.value("accept_risk", false)));
  return api::json_ok(node_json(node));
}

Result<http::Response> handle_down_intervals(ClusterService& service, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(std::vector<DownInterval> intervals,
                      service.down_intervals(req.path_param("host_id")));
  json out = json::array();
  for (const DownInterval& d : intervals) {
    out.push_back({{"down_since", d.down_since_us},
                   {"marked_down_at", d.marked_down_at_us},
                   {"up_at", d.up_at_us ? json(*d.up_at_us) : json(nullptr)}});
  }
  return api::json_ok({{"intervals", std::move(out)}});
}

}  // namespace

http::Router rest_api_routes(ClusterService& service) {
  http::Router r;
  ClusterService* s = &service;
  const RoleSet agent{Role::kAgent};
  const RoleSet op{Role::kOperator};
  r.post(
      "/api/v1/agents/register", [s](const http::Request& req) { return handle_register(*s, req); },
      agent);
  r.post(
      "/api/v1/agents/{host_id}/heartbeat",
      [s](const http::Request& req) { return handle_heartbeat(*s, req); }, agent);
  r.get("/api/v1/ring", [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(RingView ring, s->ring());
    return api::json_ok(ring_json(ring));
  });
  r.get("/api/v1/nodes", [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(std::vector<NodeView> nodes, s->nodes());
    json out = json::array();
    for (const NodeView& n : nodes) out.push_back(node_json(n));
    return api::json_ok(out);
  });
  r.get("/api/v1/nodes/{host_id}", [s](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(NodeView node, s->node(req.path_param("host_id")));
    return api::json_ok(node_json(node));
  });
  r.post(
      "/api/v1/nodes/{host_id}/rebuild",
      [s](const http::Request& req) { return handle_rebuild(*s, req); }, op);
  r.post(
      "/api/v1/nodes/{host_id}/unquarantine",
      [s](const http::Request& req) { return handle_unquarantine(*s, req); }, op);
  r.get("/api/v1/nodes/{host_id}/down-intervals",
        [s](const http::Request& req) { return handle_down_intervals(*s, req); });
  r.post(
      "/api/v1/keyspaces",
      [s](const http::Request& req) { return handle_create_keyspace(*s, req); }, op);
  r.get("/api/v1/keyspaces", [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(ClusterSchema schema, s->schema());
    json out = json::array();
    for (const KeyspaceDef& ks : schema.keyspaces) out.push_back(keyspace_json(ks));
    return api::json_ok(out);
  });
  r.get("/api/v1/keyspaces/{keyspace}", [s](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(KeyspaceDef ks, s->keyspace(req.path_param("keyspace")));
    return api::json_ok(keyspace_json(ks));
  });
  r.post(
      "/api/v1/keyspaces/{keyspace}/tables",
      [s](const http::Request& req) { return handle_create_table(*s, req); }, op);
  r.add(
      "PATCH", "/api/v1/keyspaces/{keyspace}/tables/{table}",
      [s](const http::Request& req) { return handle_alter_table(*s, req); }, op);
  r.get("/api/v1/schema", [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(ClusterSchema schema, s->schema());
    return api::json_ok(schema_json(schema));
  });
  r.get("/api/v1/audit", [s](const http::Request& req) { return handle_audit(*s, req); });
  return r;
}

}  // namespace rk::scheduler
