// How the coordinator and the replacement stream talk to replicas: one interface, with the real
// implementation sending the local replica's work straight to the storage node and everything
// else over the internode API (HTTP, cluster secret). Tests substitute fakes.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "data/consistency_level.h"
#include "data/local_replica.h"
#include "internode_client.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

struct RawReadRequest {
  std::string keyspace;
  std::string table;
  std::string partition_key;
  storage::ClusteringSlice slice;
};

class ReplicaClient {
 public:
  virtual ~ReplicaClient() = default;
  // Applies the mutations on the replica (atomically there).
  virtual Status apply(const ReplicaTarget& target, std::span<const storage::Mutation> mutations,
                       std::chrono::milliseconds timeout) = 0;
  // The replica's raw partition.
  virtual Result<storage::Partition> read(const ReplicaTarget& target,
                                          const RawReadRequest& request,
                                          std::chrono::milliseconds timeout) = 0;
  // One page of the replica's raw partitions of `range`.
  virtual Result<storage::ExportPage> export_page(const ReplicaTarget& target,
                                                  const std::string& keyspace,
                                                  const std::string& table, const TokenRange& range,
                                                  std::chrono::milliseconds timeout) = 0;
};

// Local work to `node`, remote work over HTTP to the target's internode address.
std::unique_ptr<ReplicaClient> make_replica_client(storage::Node& node,
                                                   const InternodeClientOptions& options);

}  // namespace rk::agent
