// This node's place in the cluster as the agent knows it: its host id, tokens and state, the ring
// and schema it serves with (as a Topology), and the ring cache <data_dir>/ring.json that keeps
// them across restarts, so a restarted node serves data before the scheduler answers.
//
// The scheduler link writes here (registration, heartbeats); the coordinator, repairs, backups
// and the ops API read. Thread-safe: tokens, state and ring change together under one lock, so
// whoever sees the state sees the ring that goes with it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/topology.h"
#include "ringkeeper/agent/cluster_view.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

struct RingStateOptions {
  std::string cluster;
  std::string datacenter;
  std::string rack;
  std::string host_id;
  std::string cache_path;  // <data_dir>/ring.json
};

class RingState {
 public:
  // `node` must outlive this; it receives the schema's keyspaces and tables.
  RingState(RingStateOptions options, storage::Node& node);

  const std::string& host_id() const { return options_.host_id; }
  // Null until the node knows a ring (from its cache or the scheduler).
  std::shared_ptr<const Topology> topology() const;
  // "STARTING" (no ring yet), "JOINING", "NORMAL", ... as last known.
  std::string state() const;
  std::vector<Token> tokens() const;
  // True once the scheduler accepted a registration in this process.
  bool registered() const;
  NodeAddresses addresses() const;

  // Serves with the ring cache when there is one. FailedPrecondition when it belongs to another
  // host; an unreadable cache is logged and ignored.
  Status load_cache();
  // The addresses of the node's listeners, shown in its own ring entry from the next change on.
  void set_addresses(NodeAddresses addresses);
  // Rewrites this node's entry in the served ring (addresses or state changed).
  Status refresh_self();

  // Creates the schema's missing keyspaces and tables on the node, then serves with it (when it
  // is not older than the current one) and rewrites the ring cache.
  Status apply_schema(const SchemaView& schema);
  // Serves with a newer ring and/or schema (each kept when not given), rewriting the ring cache.
  Status install(std::optional<RingView> ring, std::optional<SchemaView> schema);
  // The scheduler's answer to a registration: tokens, state and ring change together.
  Status take_registration(std::vector<Token> tokens, std::string state,
                           std::optional<RingView> ring, std::optional<SchemaView> schema);
  // Until the scheduler accepts a registration, this node holds itself quarantined for the
  // tombstone_gc timeout tables of its cached schema whose gc_grace is shorter than its absence
  // since `last_healthy_us` (<data_dir>/last_healthy): a node back from a long absence serves none
  // of them from its ring cache before the scheduler has judged it (docs/cluster.md
  // "Quarantine"). Returns the tables ("ks.t"); none when there is no cache or no record.
  std::vector<std::string> judge_own_absence(int64_t last_healthy_us, int64_t now_us);
  // The state this node reported to the scheduler in a heartbeat.
  void set_reported_state(std::string state);

 private:
  // Creates the schema's missing keyspaces and tables on the storage node and, with `alter`,
  // gives existing tables the schema's options (gc_grace_seconds, default TTL, tombstone_gc).
  Status create_on_node(const SchemaView& schema, bool alter);
  Status install_locked(std::optional<RingView> ring, std::optional<SchemaView> schema);
  Status write_cache_locked();

  const RingStateOptions options_;
  storage::Node& node_;
  mutable std::mutex mu_;  // guards the fields below
  std::shared_ptr<const Topology> topology_;
  std::vector<Token> tokens_;
  std::string state_ = "STARTING";
  bool registered_ = false;
  NodeAddresses addresses_;
  std::set<std::string, std::less<>> self_quarantine_;  // until registered_
};

}  // namespace rk::agent
