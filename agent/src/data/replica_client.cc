// The real ReplicaClient: the local storage node directly, peers over the internode API
// (InternodeClient).
#include "data/replica_client.h"

#include <nlohmann/json.hpp>

#include "ringkeeper/agent/wire.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {
namespace {

using nlohmann::json;

constexpr size_t kLocalPagePartitions = 1000;
constexpr size_t kLocalPageBytes = 4 << 20;

class HttpReplicaClient final : public ReplicaClient {
 public:
  HttpReplicaClient(storage::Node& node, const InternodeClientOptions& o)
      : node_(node), internode_(o) {}

  Status apply(const ReplicaTarget& target, std::span<const storage::Mutation> mutations,
               std::chrono::milliseconds timeout) override {
    if (target.local) return node_.apply_batch(mutations);
    json list = json::array();
    for (const auto& m : mutations) list.push_back(wire::mutation_to_json(m));
    RK_ASSIGN_OR_RETURN(
        json reply, call(target, "/internode/v1/apply", {{"mutations", std::move(list)}}, timeout));
    return Status::OK();
  }

  Result<storage::Partition> read(const ReplicaTarget& target, const RawReadRequest& r,
                                  std::chrono::milliseconds timeout) override {
    if (target.local) {
      return read_raw_partition(node_, r.keyspace, r.table, r.partition_key, r.slice);
    }
    json body = {{"keyspace", r.keyspace}, {"table", r.table}, {"partition", r.partition_key}};
    if (r.slice.start || r.slice.end) body["slice"] = wire::slice_to_json(r.slice);
    RK_ASSIGN_OR_RETURN(json reply, call(target, "/internode/v1/read", body, timeout));
    auto p = wire::partition_from_json(reply);
    if (!p.ok())
      return Status::Internal("replica " + target.address +
                              " sent a bad partition: " + p.status().message());
    return p;
  }

  Result<storage::ExportPage> export_page(const ReplicaTarget& target, const std::string& keyspace,
                                          const std::string& table, const TokenRange& range,
                                          std::chrono::milliseconds timeout) override {
    if (target.local) {
      return node_.export_page(keyspace, table, range, storage::DataScope::kAll,
                               kLocalPagePartitions, kLocalPageBytes);
    }
    json body = {
        {"keyspace", keyspace}, {"table", table}, {"range", range.to_string()}, {"scope", "all"}};
    RK_ASSIGN_OR_RETURN(json reply, call(target, "/internode/v1/export", body, timeout));
    storage::ExportPage page;
    if (!reply.is_object() || !reply.contains("partitions") || !reply["partitions"].is_array()) {
      return Status::Internal("replica " + target.address + " sent a bad export page");
    }
    for (const auto& pj : reply["partitions"]) {
      auto p = wire::partition_from_json(pj);
      if (!p.ok())
        return Status::Internal("replica " + target.address +
                                " sent a bad partition: " + p.status().message());
      page.partitions.push_back(std::move(*p));
    }
    if (reply.contains("next") && reply["next"].is_string()) {
      RK_ASSIGN_OR_RETURN(TokenRange next, TokenRange::parse(reply["next"].get<std::string>()));
      page.next = next;
    }
    return page;
  }

 private:
  Result<json> call(const ReplicaTarget& target, const std::string& path, const json& body,
                    std::chrono::milliseconds timeout) {
    // Every internode call here may be sent twice: an apply writes timestamped cells, and a
    // second apply of the same cells changes nothing (last write wins per timestamp); read and
    // export only read.
    return internode_.call_json(target, {.path = path, .idempotent = true, .timeout = timeout},
                                body);
  }

  storage::Node& node_;
  InternodeClient internode_;
};

}  // namespace

std::unique_ptr<ReplicaClient> make_replica_client(storage::Node& node,
                                                   const InternodeClientOptions& options) {
  return std::make_unique<HttpReplicaClient>(node, options);
}

}  // namespace rk::agent
