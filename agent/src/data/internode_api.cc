// The internode API (cluster secret on every route, set up in agent.cc): replica writes, raw
// partition reads for the coordinator's reconciliation, paged range exports for streaming, and a
// replica's side of repair sessions (/internode/v1/repair/*: leased views, row estimates, Merkle
// trees, rows' versions and single rows for the row-level exchange, chunked export/import at a
// view, marking repaired at a view).
#include "data/internode_api.h"

#include <nlohmann/json.hpp>

#include "data/local_replica.h"
#include "ringkeeper/agent/wire.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultPagePartitions = 1000;
constexpr int64_t kDefaultPageBytes = 4 << 20;
constexpr int64_t kMaxPagePartitions = 100'000;
constexpr int64_t kMaxPageBytes = int64_t{64} << 20;

const api::Field kMaxBytes = {
    .name = "max_bytes", .type = api::Type::kInteger, .min = 1, .max = kMaxPageBytes};
const api::Field kLeaseMs = {
    .name = "lease_ms", .type = api::Type::kInteger, .min = 100, .max = 86'400'000};

const api::Spec kViewScope = {
    {"view", api::Type::kString, api::kRequired},  {"keyspace", api::Type::kString, api::kRequired},
    {"table", api::Type::kString, api::kRequired}, {"scope", api::Type::kString, api::kRequired},
    {"range", api::Type::kString, api::kRequired}, kMaxBytes};

Result<RepairScope> repair_scope(const json& body) {
  RepairScope s;
  s.view = body["view"].get<std::string>();
  s.keyspace = body["keyspace"].get<std::string>();
  s.table = body["table"].get<std::string>();
  if (body.contains("scope")) {
    RK_ASSIGN_OR_RETURN(s.scope, parse_scope_name(body["scope"].get<std::string>()));
  }
  return s;
}

// A JSON array of ranges "(a,b]".
Result<std::vector<TokenRange>> ranges_of(const json& list) {
  std::vector<TokenRange> ranges;
  ranges.reserve(list.size());
  for (const auto& r : list) {
    if (!r.is_string()) return Status::InvalidArgument("'ranges' must hold ranges \"(a,b]\"");
    RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(r.get<std::string>()));
    ranges.push_back(range);
  }
  return ranges;
}

// The Spec (kLeaseMs) checked the range.
std::chrono::milliseconds lease_of(const json& body, std::chrono::milliseconds fallback) {
  return std::chrono::milliseconds(body.value("lease_ms", static_cast<int64_t>(fallback.count())));
}

json view_json(const PinnedView& v) {
  return {{"view", v.id},
          {"session", v.session},
          {"pinned_at_us", v.pinned_at_us},
          {"expires_at_us", v.expires_at_us}};
}

http::Response binary(std::string body) {
  http::Response r;
  r.body = std::move(body);
  r.content_type = "application/octet-stream";
  return r;
}

void add_repair_routes(http::Router& r, ViewRegistry& views, LocalRepair& local_repair,
                       std::chrono::milliseconds view_lease) {
  r.post(
      "/internode/v1/repair/views",
      [&views, view_lease](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kPin = {{"session", api::Type::kString, api::kRequired}, kLeaseMs};
        RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kPin));
        const auto lease = lease_of(body, view_lease);
        RK_ASSIGN_OR_RETURN(PinnedView v, views.pin(body["session"].get<std::string>(), lease));
        return api::json_response(201, view_json(v));
      });

  r.get("/internode/v1/repair/views", [&views](const http::Request&) -> Result<http::Response> {
    json list = json::array();
    for (const auto& v : views.list()) list.push_back(view_json(v));
    return api::json_ok({{"views", std::move(list)}});
  });

  r.post("/internode/v1/repair/views/{view}/renew",
         [&views, view_lease](const http::Request& req) -> Result<http::Response> {
           static const api::Spec kRenew = {kLeaseMs};
           RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kRenew));
           const auto lease = lease_of(body, view_lease);
           RK_ASSIGN_OR_RETURN(PinnedView v, views.renew(req.path_param("view"), lease));
           return api::json_ok(view_json(v));
         });

  r.del("/internode/v1/repair/views/{view}",
        [&views](const http::Request& req) -> Result<http::Response> {
          RK_RETURN_IF_ERROR(views.release(req.path_param("view")));
          return api::json_ok({{"ok", true}});
        });

  r.post("/internode/v1/repair/estimate",
         [&local_repair](const http::Request& req) -> Result<http::Response> {
           RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kViewScope));
           RK_ASSIGN_OR_RETURN(RepairScope scope, repair_scope(body));
           RK_ASSIGN_OR_RETURN(TokenRange range,
                               TokenRange::parse(body["range"].get<std::string>()));
           RK_ASSIGN_OR_RETURN(uint64_t rows, local_repair.estimate_rows(scope, range));
           return api::json_ok({{"rows", rows}});
         });

  r.post(
      "/internode/v1/repair/validate",
      [&local_repair](const http::Request& req) -> Result<http::Response> {
        static const api::Spec kTree = {{"range", api::Type::kString, api::kRequired},
                                        {.name = "depth",
                                         .type = api::Type::kInteger,
                                         .required = api::kRequired,
                                         .min = 0,
                                         .max = storage::MerkleTree::kMaxDepth}};
        static const api::Spec kValidate = {{"view", api::Type::kString, api::kRequired},
                                            {"keyspace", api::Type::kString, api::kRequired},
                                            {"table", api::Type::kString, api::kRequired},
                                            {"scope", api::Type::kString, api::kRequired},
                                            {"trees", api::Type::kArray, api::kRequired, &kTree}};
        RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kValidate));
        RK_ASSIGN_OR_RETURN(RepairScope scope, repair_scope(body));
        std::vector<TreeRequest> trees;
        for (const auto& t : body["trees"]) {
          RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(t["range"].get<std::string>()));
          trees.push_back({range, static_cast<int>(t["depth"].get<int64_t>())});
        }
        RK_ASSIGN_OR_RETURN(auto built, local_repair.validate(scope, trees));
        return binary(encode_trees(built));
      });

  r.post(
      "/internode/v1/repair/export",
      [&local_repair](const http::Request& req) -> Result<http::Response> {
        RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kViewScope));
        RK_ASSIGN_OR_RETURN(RepairScope scope, repair_scope(body));
        RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(body["range"].get<std::string>()));
        const int64_t max_bytes = body.value("max_bytes", kDefaultPageBytes);
        RK_ASSIGN_OR_RETURN(RepairChunk chunk, local_repair.export_chunk(
                                                   scope, range, static_cast<size_t>(max_bytes)));
        http::Response r = binary(std::move(chunk.bytes));
        r.headers["X-Rk-Partitions"] = std::to_string(chunk.partitions);
        if (chunk.next) r.headers["X-Rk-Next"] = chunk.next->to_string();
        return r;
      });

  r.post("/internode/v1/repair/rows",
         [&local_repair](const http::Request& req) -> Result<http::Response> {
           static const api::Spec kRows = {{"view", api::Type::kString, api::kRequired},
                                           {"keyspace", api::Type::kString, api::kRequired},
                                           {"table", api::Type::kString, api::kRequired},
                                           {"scope", api::Type::kString, api::kRequired},
                                           {"ranges", api::Type::kArray, api::kRequired}};
           RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kRows));
           RK_ASSIGN_OR_RETURN(RepairScope scope, repair_scope(body));
           if (body["ranges"].size() > storage::Node::kMaxExchangeRanges) {
             return Status::InvalidArgument(
                 "at most " + std::to_string(storage::Node::kMaxExchangeRanges) +
                 " ranges per call, got " + std::to_string(body["ranges"].size()));
           }
           RK_ASSIGN_OR_RETURN(std::vector<TokenRange> ranges, ranges_of(body["ranges"]));
           RK_ASSIGN_OR_RETURN(RowListing listing, local_repair.list_rows(scope, ranges));
           return binary(encode_row_listing(listing));
         });

  r.post("/internode/v1/repair/rows/export",
         [&local_repair](const http::Request& req) -> Result<http::Response> {
           auto param = [&req](const char* name) -> Result<std::string> {
             const std::string* v = req.query_param(name);
             if (v == nullptr || v->empty()) {
               return Status::InvalidArgument(std::string("query parameter '") + name +
                                              "' is required");
             }
             return *v;
           };
           RepairScope scope;
           RK_ASSIGN_OR_RETURN(scope.view, param("view"));
           RK_ASSIGN_OR_RETURN(scope.keyspace, param("keyspace"));
           RK_ASSIGN_OR_RETURN(scope.table, param("table"));
           RK_ASSIGN_OR_RETURN(std::string scope_text, param("scope"));
           RK_ASSIGN_OR_RETURN(scope.scope, parse_scope_name(scope_text));
           auto rows = decode_row_keys(req.body);
           // Malformed keys are the caller's fault (400), not this node's.
           if (!rows.ok() && rows.status().code() == ErrorCode::kCorruption) {
             return Status::InvalidArgument(rows.status().message());
           }
           RK_RETURN_IF_ERROR(rows.status());
           RK_ASSIGN_OR_RETURN(RepairChunk chunk, local_repair.export_rows(scope, *rows));
           http::Response r = binary(std::move(chunk.bytes));
           r.headers["X-Rk-Partitions"] = std::to_string(chunk.partitions);
           return r;
         });

  r.post("/internode/v1/repair/import",
         [&local_repair](const http::Request& req) -> Result<http::Response> {
           auto keyspace = req.query.find("keyspace");
           auto table = req.query.find("table");
           if (keyspace == req.query.end() || table == req.query.end()) {
             return Status::InvalidArgument("query parameters 'keyspace' and 'table' are required");
           }
           RK_RETURN_IF_ERROR(local_repair.import_chunk(keyspace->second, table->second, req.body));
           return api::json_ok({{"ok", true}});
         });

  r.post("/internode/v1/repair/compact",
         [&local_repair](const http::Request& req) -> Result<http::Response> {
           static const api::Spec kCompact = {{"keyspace", api::Type::kString, api::kRequired},
                                              {"table", api::Type::kString, api::kRequired},
                                              {"range", api::Type::kString, api::kRequired}};
           RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kCompact));
           RK_ASSIGN_OR_RETURN(TokenRange range,
                               TokenRange::parse(body["range"].get<std::string>()));
           RK_RETURN_IF_ERROR(local_repair.compact_unrepaired(
               body["keyspace"].get<std::string>(), body["table"].get<std::string>(), range));
           return api::json_ok({{"ok", true}});
         });

  r.post("/internode/v1/repair/history",
         [&local_repair](const http::Request& req) -> Result<http::Response> {
           static const api::Spec kHistory = {{"keyspace", api::Type::kString, api::kRequired},
                                              {"tables", api::Type::kArray, api::kRequired},
                                              {"range", api::Type::kString, api::kRequired},
                                              {.name = "repaired_at_us",
                                               .type = api::Type::kInteger,
                                               .required = api::kRequired,
                                               .min = 1}};
           RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kHistory));
           std::vector<std::string> tables;
           for (const auto& t : body["tables"]) {
             if (!t.is_string()) return Status::InvalidArgument("'tables' must hold table names");
             tables.push_back(t.get<std::string>());
           }
           RK_ASSIGN_OR_RETURN(TokenRange range,
                               TokenRange::parse(body["range"].get<std::string>()));
           RK_RETURN_IF_ERROR(local_repair.record_repair(body["keyspace"].get<std::string>(),
                                                         tables, range,
                                                         body["repaired_at_us"].get<int64_t>()));
           return api::json_ok({{"ok", true}});
         });

  r.post("/internode/v1/repair/mark",
         [&local_repair](const http::Request& req) -> Result<http::Response> {
           static const api::Spec kMark = {{"view", api::Type::kString, api::kRequired},
                                           {"keyspace", api::Type::kString, api::kRequired},
                                           {"table", api::Type::kString, api::kRequired},
                                           {"ranges", api::Type::kArray, api::kRequired},
                                           {.name = "repaired_at_ms",
                                            .type = api::Type::kInteger,
                                            .required = api::kRequired,
                                            .min = 1},
                                           {"record", api::Type::kBool}};
           RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kMark));
           RK_ASSIGN_OR_RETURN(RepairScope scope, repair_scope(body));
           RK_ASSIGN_OR_RETURN(std::vector<TokenRange> ranges, ranges_of(body["ranges"]));
           const int64_t repaired_at = body["repaired_at_ms"].get<int64_t>();
           RK_ASSIGN_OR_RETURN(
               uint64_t moved,
               local_repair.mark_repaired(scope, ranges, repaired_at, body.value("record", true)));
           return api::json_ok({{"moved", moved}});
         });
}

}  // namespace

http::Router internode_routes(storage::Node& node, ViewRegistry& views, LocalRepair& local_repair,
                              std::chrono::milliseconds view_lease,
                              Coordinator::TopologySource topology) {
  http::Router r;
  auto serving = [topology](const std::string& keyspace, const std::string& table) -> Status {
    auto t = topology ? topology() : nullptr;
    if (t && t->self_quarantined(keyspace, table)) {
      return Status::Unavailable("this node is quarantined for " + keyspace + "." + table +
                                 " (away longer than its gc_grace): it serves the table again "
                                 "once rebuilt (rkctl node rebuild) or released");
    }
    return Status::OK();
  };
  r.post("/internode/v1/apply", [&node, serving](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kApply = {{"mutations", api::Type::kArray, api::kRequired}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kApply));
    std::vector<storage::Mutation> mutations;
    mutations.reserve(body["mutations"].size());
    for (size_t i = 0; i < body["mutations"].size(); ++i) {
      auto m = wire::mutation_from_json(body["mutations"][i]);
      if (!m.ok()) return m.status().with_context("mutations[" + std::to_string(i) + "]");
      mutations.push_back(std::move(*m));
    }
    for (const auto& m : mutations) RK_RETURN_IF_ERROR(serving(m.keyspace, m.table));
    RK_RETURN_IF_ERROR(node.apply_batch(mutations));
    return api::json_ok({{"ok", true}, {"applied", mutations.size()}});
  });

  r.post("/internode/v1/read", [&node, serving](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kRead = {{"keyspace", api::Type::kString, api::kRequired},
                                    {"table", api::Type::kString, api::kRequired},
                                    {"partition", api::Type::kString, api::kRequired},
                                    {"slice", api::Type::kObject}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kRead));
    RK_RETURN_IF_ERROR(
        serving(body["keyspace"].get<std::string>(), body["table"].get<std::string>()));
    storage::ClusteringSlice slice;
    if (body.contains("slice")) {
      RK_ASSIGN_OR_RETURN(slice, wire::slice_from_json(body["slice"]));
    }
    RK_ASSIGN_OR_RETURN(storage::Partition p,
                        read_raw_partition(node, body["keyspace"].get<std::string>(),
                                           body["table"].get<std::string>(),
                                           body["partition"].get<std::string>(), slice));
    return api::json_ok(wire::partition_to_json(p));
  });

  r.post("/internode/v1/export", [&node, serving](const http::Request& req) -> Result<http::Response> {
    static const api::Spec kExport = {
        {"keyspace", api::Type::kString, api::kRequired},
        {"table", api::Type::kString, api::kRequired},
        {"range", api::Type::kString, api::kRequired},
        {"scope", api::Type::kString},
        {.name = "limit", .type = api::Type::kInteger, .min = 1, .max = kMaxPagePartitions},
        kMaxBytes};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kExport));
    RK_RETURN_IF_ERROR(
        serving(body["keyspace"].get<std::string>(), body["table"].get<std::string>()));
    RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(body["range"].get<std::string>()));
    RK_ASSIGN_OR_RETURN(storage::DataScope scope, parse_scope_name(body.value("scope", "all")));
    const int64_t limit = body.value("limit", kDefaultPagePartitions);
    const int64_t max_bytes = body.value("max_bytes", kDefaultPageBytes);
    RK_ASSIGN_OR_RETURN(
        storage::ExportPage page,
        node.export_page(body["keyspace"].get<std::string>(), body["table"].get<std::string>(),
                         range, scope, static_cast<size_t>(limit), static_cast<size_t>(max_bytes)));
    json partitions = json::array();
    for (const auto& p : page.partitions) partitions.push_back(wire::partition_to_json(p));
    return api::json_ok({{"range", range.to_string()},
                         {"partitions", std::move(partitions)},
                         {"next", page.next ? json(page.next->to_string()) : json(nullptr)}});
  });
  add_repair_routes(r, views, local_repair, view_lease);
  return r;
}

}  // namespace rk::agent
