// The ops API (Priam-like): health, node facts, the ring as this node sees it, maintenance
// (flush, compact, snapshots), data sizes and the scheduler's schema push. Handlers only translate;
// the work is in RingState and the storage node. Mutating routes need the operator or agent token
// (set up in ring.cc); /v1/schema needs the agent token. ring.cc adds the repair, backup and
// signal routes of the same listener.
#include "ops_api.h"

#include <nlohmann/json.hpp>

#include "cluster/scheduler_link.h"
#include "ringkeeper/core/json_api.h"
#include "version.h"

namespace rk::agent {
namespace {

using nlohmann::json;

// Mutating calls without parameters accept no body, or an empty object.
Status no_body(const http::Request& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return Status::OK();
  static const api::Spec kEmpty = {};
  return api::read_body(request, kEmpty).status();
}

json snapshot_json(const storage::SnapshotInfo& s) {
  uint64_t bytes = 0;
  for (const auto& f : s.files) bytes += f.size;
  return {{"tag", s.tag},
          {"directory", s.directory},
          {"created_at", s.created_at_micros},
          {"files", s.files.size()},
          {"bytes", bytes}};
}

json set_facts_json(const storage::SetFacts& f) {
  return {{"bytes_on_disk", f.bytes_on_disk}, {"files", f.files}, {"tombstones", f.tombstones}};
}

json tokens_json(const std::vector<Token>& tokens) {
  json out = json::array();
  for (Token t : tokens) out.push_back(token_to_string(t));
  return out;
}

}  // namespace

http::Router ops_routes(RingState& ring, storage::Node& node, const AgentOptions& options) {
  http::Router r;
  r.get("/v1/health", [&ring](const http::Request&) -> Result<http::Response> {
    const std::string state = ring.state();
    const bool serving = ring.topology() != nullptr;
    std::string status = state;
    if (state == "NORMAL") status = "UP";
    if (!serving) status = "STARTING";
    json body = {{"status", status},
                 {"host_id", ring.host_id()},
                 {"state", state},
                 {"registered", ring.registered()},
                 {"ring_version", serving ? ring.topology()->ring_view().version : 0}};
    return api::json_response(serving ? 200 : 503, body);
  });

  r.get("/v1/node", [&ring, &options](const http::Request&) -> Result<http::Response> {
    const NodeAddresses a = ring.addresses();
    return api::json_ok(
        {{"host_id", ring.host_id()},
         {"cluster", options.cluster},
         {"datacenter", options.datacenter},
         {"rack", options.rack},
         {"state", ring.state()},
         {"tokens", tokens_json(ring.tokens())},
         {"num_tokens", options.num_tokens},
         {"addresses", {{"ops", a.ops}, {"internode", a.internode}, {"client", a.client}}},
         {"data_dir", options.data_dir},
         {"scheduler_url", options.scheduler_url},
         {"version", kAgentVersion}});
  });

  r.get("/v1/ring", [&ring](const http::Request&) -> Result<http::Response> {
    auto t = ring.topology();
    if (!t) return Status::Unavailable("this node does not know the ring yet");
    return api::json_ok(ring_to_json(t->ring_view()));
  });

  r.get("/v1/schema", [&ring](const http::Request&) -> Result<http::Response> {
    auto t = ring.topology();
    if (!t) return api::json_ok(schema_to_json(SchemaView{}));
    return api::json_ok(schema_to_json(t->schema()));
  });

  r.post("/v1/flush", [&node](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(no_body(req));
    RK_RETURN_IF_ERROR(node.flush());
    return api::json_ok({{"ok", true}});
  });

  r.post("/v1/compact", [&node](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(no_body(req));
    RK_RETURN_IF_ERROR(node.compact());
    return api::json_ok({{"ok", true}});
  });

  r.post("/v1/snapshots", [&node](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kSnapshot = {{"tag", api::Type::kString, api::kRequired}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kSnapshot));
    RK_ASSIGN_OR_RETURN(storage::SnapshotInfo info, node.snapshot(body["tag"].get<std::string>()));
    return api::json_response(201, snapshot_json(info));
  });

  r.get("/v1/snapshots", [&node](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(auto snapshots, node.list_snapshots());
    json list = json::array();
    for (const auto& s : snapshots) list.push_back(snapshot_json(s));
    return api::json_ok({{"snapshots", std::move(list)}});
  });

  r.del("/v1/snapshots/{tag}", [&node](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(node.clear_snapshot(req.path_param("tag")));
    return api::json_ok({{"ok", true}});
  });

  r.get("/v1/sizes", [&node, &options](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(storage::NodeFacts facts, node.facts());
    json tables = json::array();
    for (const auto& t : facts.tables) {
      tables.push_back({{"keyspace", t.keyspace},
                        {"table", t.table},
                        {"unrepaired", set_facts_json(t.unrepaired)},
                        {"repaired", set_facts_json(t.repaired)},
                        {"min_repaired_at", t.min_repaired_at},
                        {"max_repaired_at", t.max_repaired_at}});
    }
    return api::json_ok({{"tables", std::move(tables)},
                         {"sst_files", facts.sst_files},
                         {"running_compactions", facts.running_compactions},
                         {"pending_compactions", facts.pending_compactions},
                         {"pending_compaction_bytes", facts.pending_compaction_bytes},
                         {"memtable_bytes", facts.memtable_bytes},
                         {"load_bytes", load_bytes(options.data_dir)}});
  });

  // Each table's tombstone_gc mode as this node applies it, with its repair history (the ranges a
  // repair succeeded on every replica for, and when: what repair mode purges by).
  r.get("/v1/repair/history", [&node](const http::Request&) -> Result<http::Response> {
    json tables = json::array();
    for (const storage::TableSchema& t : node.tables()) {
      RK_ASSIGN_OR_RETURN(auto history, node.repair_history(t.keyspace, t.name));
      json ranges = json::array();
      for (const storage::RepairedRange& r : history) {
        ranges.push_back({{"range", r.range.to_string()}, {"repaired_at_us", r.repaired_at_us}});
      }
      tables.push_back({{"keyspace", t.keyspace},
                        {"table", t.name},
                        {"tombstone_gc", tombstone_gc_name(t.tombstone_gc)},
                        {"gc_grace_seconds", t.gc_grace_seconds},
                        {"ranges", std::move(ranges)}});
    }
    return api::json_ok({{"tables", std::move(tables)}});
  });

  r.post(
      "/v1/schema",
      [&ring](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kSchema = {
            {.name = "version", .type = api::Type::kInteger, .required = api::kRequired, .min = 0},
            {"keyspaces", api::Type::kArray, api::kRequired}};
        RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kSchema));
        RK_ASSIGN_OR_RETURN(SchemaView schema, schema_from_json(body));
        RK_RETURN_IF_ERROR(ring.apply_schema(schema));
        auto t = ring.topology();
        return api::json_ok({{"ok", true}, {"schema_version", t ? t->schema().version : 0}});
      },
      RoleSet{Role::kAgent});
  return r;
}

}  // namespace rk::agent
