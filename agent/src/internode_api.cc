// The internode API (cluster secret on every route, set up in agent.cc): replica writes, raw
// partition reads for the coordinator's reconciliation, and paged range exports for streaming.
#include <nlohmann/json.hpp>

#include "agent_impl.h"
#include "local_replica.h"
#include "ringkeeper/agent/wire.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultPagePartitions = 1000;
constexpr int64_t kDefaultPageBytes = 4 << 20;

Result<storage::DataScope> parse_scope(const std::string& s) {
  if (s == "all") return storage::DataScope::kAll;
  if (s == "repaired") return storage::DataScope::kRepaired;
  if (s == "unrepaired") return storage::DataScope::kUnrepaired;
  return Status::InvalidArgument("'scope' must be all, repaired or unrepaired, got '" + s + "'");
}

}  // namespace

http::Router internode_routes(Agent::Impl& agent) {
  http::Router r;
  r.post("/internode/v1/apply", [&agent](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kApply = {{"mutations", api::Type::kArray, api::kRequired}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kApply));
    std::vector<storage::Mutation> mutations;
    mutations.reserve(body["mutations"].size());
    for (size_t i = 0; i < body["mutations"].size(); ++i) {
      auto m = wire::mutation_from_json(body["mutations"][i]);
      if (!m.ok()) return m.status().with_context("mutations[" + std::to_string(i) + "]");
      mutations.push_back(std::move(*m));
    }
    RK_RETURN_IF_ERROR(agent.node->apply_batch(mutations));
    return api::json_ok({{"ok", true}, {"applied", mutations.size()}});
  });

  r.post("/internode/v1/read", [&agent](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kRead = {{"keyspace", api::Type::kString, api::kRequired},
                                    {"table", api::Type::kString, api::kRequired},
                                    {"partition", api::Type::kString, api::kRequired},
                                    {"slice", api::Type::kObject}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kRead));
    storage::ClusteringSlice slice;
    if (body.contains("slice")) {
      RK_ASSIGN_OR_RETURN(slice, wire::slice_from_json(body["slice"]));
    }
    RK_ASSIGN_OR_RETURN(storage::Partition p,
                        read_raw_partition(*agent.node, body["keyspace"].get<std::string>(),
                                           body["table"].get<std::string>(),
                                           body["partition"].get<std::string>(), slice));
    return api::json_ok(wire::partition_to_json(p));
  });

  r.post("/internode/v1/export", [&agent](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kExport = {{"keyspace", api::Type::kString, api::kRequired},
                                      {"table", api::Type::kString, api::kRequired},
                                      {"range", api::Type::kString, api::kRequired},
                                      {"scope", api::Type::kString},
                                      {"limit", api::Type::kInteger},
                                      {"max_bytes", api::Type::kInteger}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kExport));
    RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(body["range"].get<std::string>()));
    RK_ASSIGN_OR_RETURN(storage::DataScope scope, parse_scope(body.value("scope", "all")));
    const int64_t limit = body.value("limit", kDefaultPagePartitions);
    const int64_t max_bytes = body.value("max_bytes", kDefaultPageBytes);
    if (limit < 1 || limit > 100'000) {
      return Status::InvalidArgument("'limit' must be 1 to 100000");
    }
    if (max_bytes < 1 || max_bytes > (int64_t{64} << 20)) {
      return Status::InvalidArgument("'max_bytes' must be 1 to 64MiB");
    }
    RK_ASSIGN_OR_RETURN(ExportPage page,
                        export_page(*agent.node, body["keyspace"].get<std::string>(),
                                    body["table"].get<std::string>(), range, scope,
                                    static_cast<size_t>(limit), static_cast<size_t>(max_bytes)));
    json partitions = json::array();
    for (const auto& p : page.partitions) partitions.push_back(wire::partition_to_json(p));
    return api::json_ok({{"range", range.to_string()},
                         {"partitions", std::move(partitions)},
                         {"next", page.next ? json(page.next->to_string()) : json(nullptr)}});
  });
  return r;
}

}  // namespace rk::agent
