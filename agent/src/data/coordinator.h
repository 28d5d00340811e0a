// The coordinator: any node takes a client's write or read, finds the replicas of the partition
// from its ring view and the keyspace's replication, sends the work to all of them in parallel
// (the local replica straight to the storage node), and answers once the consistency level is
// met. Reads merge the replicas' raw partitions by timestamp (read_reconcile.h) and return live
// data. No hinted handoff and no read repair: a replica that misses a write keeps missing it
// until repair.
//
// Failures: NotFound (keyspace/table), Unavailable when the level cannot be met any more (the
// message names the replicas that failed) or when the work pool's queue is full (nothing was sent
// then: the client should retry later), Timeout when it is not met in time, or the replicas' own
// refusal (e.g. InvalidArgument for a key the storage node rejects) when that is why.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/consistency_level.h"
#include "data/replica_client.h"
#include "ringkeeper/core/clock.h"
#include "cluster/topology.h"
#include "data/work_pool.h"

namespace rk::agent {

struct CoordinatorOptions {
  std::string local_dc = "dc1";                    // the datacenter LOCAL_QUORUM counts in
  std::chrono::milliseconds write_timeout{2'000};  // a write waits this long for its level
  std::chrono::milliseconds read_timeout{5'000};   // a read waits this long for its level
};

struct WriteOutcome {
  int acks = 0;  // counted replica acknowledgements when the level was met (fewest over a batch)
  int replicas = 0;  // replicas written to (most over a batch)
};

class Coordinator {
 public:
  using TopologySource = std::function<std::shared_ptr<const Topology>()>;

  // `replicas`, `pool` and `clock` must outlive the coordinator.
  Coordinator(CoordinatorOptions options, ReplicaClient& replicas, WorkPool& pool,
              const Clock& clock, TopologySource topology);

  // Writes the mutations (each to its own replicas; mutations sharing a replica travel in one
  // internode request) and waits until every one of them meets `level`.
  Result<WriteOutcome> write(const std::vector<storage::Mutation>& mutations,
                             ConsistencyLevel level);

  // Reads a partition at `level` and returns its live rows.
  Result<storage::Partition> read(const RawReadRequest& request, ConsistencyLevel level);

 private:
  Status check_table(const Topology& topology, const std::string& keyspace,
                     const std::string& table) const;

  CoordinatorOptions options_;
  ReplicaClient& replicas_;
  WorkPool& pool_;
  const Clock& clock_;
  TopologySource topology_;
};

}  // namespace rk::agent
