// The client data API (open unless configured otherwise): write, batch and read with a
// consistency level. Handlers parse and validate, then hand over to the Coordinator.
#include "data/client_api.h"

#include <nlohmann/json.hpp>

#include "ringkeeper/agent/wire.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using api::Field;
using api::kRequired;
using api::Spec;
using api::Type;
using nlohmann::json;

// Cassandra's default consistency level.
constexpr const char* kDefaultConsistency = "ONE";
constexpr size_t kMaxBatchMutations = 10'000;
// A write's timestamp: positive µs (Cassandra's writetime).
const api::Field kTimestamp = {.name = "timestamp", .type = Type::kInteger, .min = 1};

Result<storage::Mutation> client_mutation(const json& j, int64_t now_micros) {
  storage::Mutation m(j["keyspace"].get<std::string>(), j["table"].get<std::string>(),
                      j["partition"].get<std::string>());
  if (m.partition_key.empty()) return Status::InvalidArgument("'partition' must not be empty");
  const int64_t timestamp = j.value("timestamp", now_micros);
  RK_ASSIGN_OR_RETURN(m.ops, wire::client_ops_from_json(j["ops"], timestamp));
  return m;
}

json write_reply(const WriteOutcome& o) {
  return {{"ok", true}, {"acks", o.acks}, {"replicas", o.replicas}};
}

}  // namespace

http::Router client_routes(Coordinator& coordinator, Clock& clock) {
  http::Router r;
  r.post("/v1/write", [&coordinator, &clock](const http::Request& req) -> Result<http::Response> {
    static const Spec kWrite = {
        {"keyspace", Type::kString, kRequired},  {"table", Type::kString, kRequired},
        {"partition", Type::kString, kRequired}, {"consistency", Type::kString},
        {"ops", Type::kArray, kRequired},        kTimestamp};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kWrite));
    RK_ASSIGN_OR_RETURN(ConsistencyLevel level,
                        parse_consistency(body.value("consistency", kDefaultConsistency)));
    RK_ASSIGN_OR_RETURN(storage::Mutation m, client_mutation(body, clock.now_micros()));
    RK_ASSIGN_OR_RETURN(WriteOutcome o, coordinator.write({std::move(m)}, level));
    return api::json_ok(write_reply(o));
  });

  r.post("/v1/batch", [&coordinator, &clock](const http::Request& req) -> Result<http::Response> {
    static const Spec kMutation = {{"keyspace", Type::kString, kRequired},
                                   {"table", Type::kString, kRequired},
                                   {"partition", Type::kString, kRequired},
                                   {"ops", Type::kArray, kRequired},
                                   kTimestamp};
    static const Spec kBatch = {{"consistency", Type::kString},
                                {"mutations", Type::kArray, kRequired, &kMutation}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kBatch));
    RK_ASSIGN_OR_RETURN(ConsistencyLevel level,
                        parse_consistency(body.value("consistency", kDefaultConsistency)));
    const json& list = body["mutations"];
    if (list.empty()) return Status::InvalidArgument("'mutations' must not be empty");
    if (list.size() > kMaxBatchMutations) {
      return Status::InvalidArgument("a batch holds at most " + std::to_string(kMaxBatchMutations) +
                                     " mutations");
    }
    const int64_t now = clock.now_micros();
    std::vector<storage::Mutation> mutations;
    mutations.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      auto m = client_mutation(list[i], now);
      if (!m.ok()) return m.status().with_context("mutations[" + std::to_string(i) + "]");
      mutations.push_back(std::move(*m));
    }
    RK_ASSIGN_OR_RETURN(WriteOutcome o, coordinator.write(mutations, level));
    json reply = write_reply(o);
    reply["mutations"] = mutations.size();
    return api::json_ok(reply);
  });

  r.post("/v1/read", [&coordinator, &clock](const http::Request& req) -> Result<http::Response> {
    static const Spec kRead = {{"keyspace", Type::kString, kRequired},
                               {"table", Type::kString, kRequired},
                               {"partition", Type::kString, kRequired},
                               {"consistency", Type::kString},
                               {"slice", Type::kObject}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kRead));
    RK_ASSIGN_OR_RETURN(ConsistencyLevel level,
                        parse_consistency(body.value("consistency", kDefaultConsistency)));
    RawReadRequest read;
    read.keyspace = body["keyspace"].get<std::string>();
    read.table = body["table"].get<std::string>();
    read.partition_key = body["partition"].get<std::string>();
    if (body.contains("slice")) {
      RK_ASSIGN_OR_RETURN(read.slice, wire::slice_from_json(body["slice"]));
    }
    RK_ASSIGN_OR_RETURN(storage::Partition p, coordinator.read(read, level));
    return api::json_ok(wire::live_partition_to_json(p));
  });
  return r;
}

}  // namespace rk::agent
