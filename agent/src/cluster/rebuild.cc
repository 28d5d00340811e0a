// Rebuilding a quarantined node's tables (see rebuild.h).
#include "cluster/rebuild.h"

#include <spdlog/spdlog.h>

#include "ringkeeper/core/json_api.h"

namespace rk::agent {

Result<RebuildReport> Rebuild::run(const TableNames& tables) {
  std::lock_guard lock(mu_);
  auto topology = ring_.topology();
  if (!topology) return Status::Unavailable("this node does not know the ring yet");
  for (const std::string& name : tables) {
    const size_t dot = name.find('.');
    const KeyspaceDef* ks =
        dot == std::string::npos ? nullptr : topology->schema().find_keyspace(name.substr(0, dot));
    const bool known = ks != nullptr && std::any_of(ks->tables.begin(), ks->tables.end(),
                                                    [&](const TableDef& t) {
                                                      return t.name == name.substr(dot + 1);
                                                    });
    if (!known) return Status::InvalidArgument("'" + name + "' is not a table of the schema");
  }
  for (const std::string& name : tables) {
    const size_t dot = name.find('.');
    RK_RETURN_IF_ERROR(node_.truncate_table(name.substr(0, dot), name.substr(dot + 1)));
    spdlog::warn("rebuild: discarded this node's data of {}", name);
  }
  RebuildReport report{tables, {}};
  RK_ASSIGN_OR_RETURN(report.streamed,
                      stream_replaced_ranges(*topology, replicas_, node_, page_timeout_,
                                             [this] { return stop_.stopping(); }, tables));
  spdlog::info("rebuild done: {} table ranges, {} pages, {} partitions streamed",
               report.streamed.ranges, report.streamed.pages, report.streamed.partitions);
  return report;
}

void add_rebuild_route(http::Router& r, Rebuild& rebuild) {
  r.post("/v1/rebuild", [&rebuild](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kRebuild = {{"tables", api::Type::kArray, api::kRequired}};
    RK_ASSIGN_OR_RETURN(nlohmann::json body, api::read_body(req, kRebuild));
    TableNames tables;
    for (const auto& t : body["tables"]) {
      if (!t.is_string()) return Status::InvalidArgument("'tables' must hold \"ks.t\" names");
      tables.insert(t.get<std::string>());
    }
    if (tables.empty()) return Status::InvalidArgument("'tables' must name at least one table");
    RK_ASSIGN_OR_RETURN(RebuildReport report, rebuild.run(tables));
    return api::json_ok({{"tables", report.tables},
                         {"ranges", report.streamed.ranges},
                         {"pages", report.streamed.pages},
                         {"partitions", report.streamed.partitions}});
  });
}

}  // namespace rk::agent
