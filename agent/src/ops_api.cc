// The ops API (Priam-like): health, node facts, the ring as this node sees it, maintenance
// (flush, compact, snapshots), data sizes and the scheduler's schema push. Handlers only translate;
// the work is in Agent::Impl and the storage node. Mutating routes need the operator or agent token
// (set up in agent.cc); /v1/schema needs the agent token.
#include <nlohmann/json.hpp>

#include "agent_impl.h"
#include "backup/api.h"
#include "ringkeeper/core/json_api.h"

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

http::Router ops_routes(Agent::Impl& agent) {
  http::Router r;
  r.get("/v1/health", [&agent](const http::Request&) -> Result<http::Response> {
    const std::string state = agent.state();
    const bool serving = agent.topology() != nullptr;
    std::string status = state;
    if (state == "NORMAL") status = "UP";
    if (!serving) status = "STARTING";
    json body = {{"status", status},
                 {"host_id", agent.host_id},
                 {"state", state},
                 {"registered",
                  [&] {
                    std::lock_guard lock(agent.mu);
                    return agent.registered_;
                  }()},
                 {"ring_version", serving ? agent.topology()->ring_view().version : 0}};
    return api::json_response(serving ? 200 : 503, body);
  });

  r.get("/v1/node", [&agent](const http::Request&) -> Result<http::Response> {
    const NodeAddresses a = agent.addresses();
    return api::json_ok(
        {{"host_id", agent.host_id},
         {"cluster", agent.options.cluster},
         {"datacenter", agent.options.datacenter},
         {"rack", agent.options.rack},
         {"state", agent.state()},
         {"tokens", tokens_json(agent.tokens())},
         {"num_tokens", agent.options.num_tokens},
         {"addresses", {{"ops", a.ops}, {"internode", a.internode}, {"client", a.client}}},
         {"data_dir", agent.options.data_dir},
         {"scheduler_url", agent.options.scheduler_url},
         {"version", kAgentVersion}});
  });

  r.get("/v1/ring", [&agent](const http::Request&) -> Result<http::Response> {
    auto t = agent.topology();
    if (!t) return Status::Unavailable("this node does not know the ring yet");
    return api::json_ok(ring_to_json(t->ring_view()));
  });

  r.get("/v1/schema", [&agent](const http::Request&) -> Result<http::Response> {
    auto t = agent.topology();
    if (!t) return api::json_ok(schema_to_json(SchemaView{}));
    return api::json_ok(schema_to_json(t->schema()));
  });

  r.post("/v1/flush", [&agent](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(no_body(req));
    RK_RETURN_IF_ERROR(agent.node->flush());
    return api::json_ok({{"ok", true}});
  });

  r.post("/v1/compact", [&agent](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(no_body(req));
    RK_RETURN_IF_ERROR(agent.node->compact());
    return api::json_ok({{"ok", true}});
  });

  r.post("/v1/snapshots", [&agent](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kSnapshot = {{"tag", api::Type::kString, api::kRequired}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kSnapshot));
    RK_ASSIGN_OR_RETURN(storage::SnapshotInfo info,
                        agent.node->snapshot(body["tag"].get<std::string>()));
    return api::json_response(201, snapshot_json(info));
  });

  r.get("/v1/snapshots", [&agent](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(auto snapshots, agent.node->list_snapshots());
    json list = json::array();
    for (const auto& s : snapshots) list.push_back(snapshot_json(s));
    return api::json_ok({{"snapshots", std::move(list)}});
  });

  r.del("/v1/snapshots/{tag}", [&agent](const http::Request& req) -> Result<http::Response> {
    RK_RETURN_IF_ERROR(agent.node->clear_snapshot(req.path_param("tag")));
    return api::json_ok({{"ok", true}});
  });

  r.get("/v1/sizes", [&agent](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(storage::NodeFacts facts, agent.node->facts());
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
                         {"load_bytes", agent.load_bytes()}});
  });

  r.post(
      "/v1/schema",
      [&agent](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kSchema = {
            {.name = "version", .type = api::Type::kInteger, .required = api::kRequired, .min = 0},
            {"keyspaces", api::Type::kArray, api::kRequired}};
        RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kSchema));
        RK_ASSIGN_OR_RETURN(SchemaView schema, schema_from_json(body));
        RK_RETURN_IF_ERROR(agent.apply_schema(schema));
        auto t = agent.topology();
        return api::json_ok({{"ok", true}, {"schema_version", t ? t->schema().version : 0}});
      },
      RoleSet{Role::kAgent});
  add_repair_session_routes(r, agent);
  add_backup_routes(r, agent);
  return r;
}

}  // namespace rk::agent
