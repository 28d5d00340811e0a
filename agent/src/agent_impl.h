// The agent's internals, shared by agent.cc (life cycle, scheduler loop) and the three API files
// (ops_api.cc, internode_api.cc, client_api.cc), which only translate HTTP into calls on it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backup/restore.h"
#include "data/coordinator.h"
#include "backup/node_backups.h"
#include "repair/replica.h"
#include "repair/service.h"
#include "repair/views.h"
#include "data/replica_client.h"
#include "ringkeeper/agent/agent.h"
#include "ringkeeper/agent/cluster_view.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/monitor/delivery_queue.h"
#include "ringkeeper/monitor/prometheus.h"
#include "ringkeeper/storage/node.h"
#include "cluster/scheduler_client.h"
#include "signals/sampler.h"
#include "cluster/topology.h"
#include "data/work_pool.h"

namespace rk::agent {

inline constexpr const char* kAgentVersion = "0.1.0";

class Agent::Impl {
 public:
  Impl(const AgentOptions& options, Clock& clock) : options(options), clock(clock) {}

  // --- state shared with handlers (thread-safe) ---------------------------------------------
  std::shared_ptr<const Topology> topology() const;
  std::string state() const;
  std::vector<Token> tokens() const;
  NodeAddresses addresses() const;
  // Creates the schema's missing keyspaces and tables on the node, then serves with it (when it
  // is not older than the current one) and rewrites the ring cache.
  Status apply_schema(const SchemaView& schema);
  // Serves with a newer ring and/or schema (each kept when not given), rewriting the ring cache.
  Status install(std::optional<RingView> ring, std::optional<SchemaView> schema);

  // Bytes under <data_dir>/storage, snapshots and backups excluded (the heartbeat's load).
  int64_t load_bytes() const;

  // --- life cycle ----------------------------------------------------------------------------
  Status open();
  void loop();
  bool wait_for_stop(std::chrono::milliseconds d);  // true when stopping
  void set_fatal(Status s);
  void stop();

  AgentOptions options;
  Clock& clock;
  std::string host_id;
  std::string cache_path;
  std::unique_ptr<storage::Node> node;
  std::unique_ptr<ReplicaClient> replicas;
  std::unique_ptr<WorkPool> pool;
  std::unique_ptr<Coordinator> coordinator;
  std::unique_ptr<SchedulerClient> scheduler;
  // Repair: views pinned on this node, its side of sessions, and the sessions it coordinates.
  std::unique_ptr<ViewRegistry> views;
  std::unique_ptr<LocalRepair> local_repair;
  std::unique_ptr<RepairReplicas> repair_client;
  std::unique_ptr<RepairService> repairs;
  std::unique_ptr<NodeBackups> backups;
  std::unique_ptr<http::Server> ops_server, internode_server, client_server;
  // Monitoring: request counts of all three listeners, the signal sampler, and the queue that
  // pushes alert state changes to the scheduler (signals_api.cc, docs/monitoring.md).
  monitor::RequestMetrics request_metrics;
  std::unique_ptr<monitor::DeliveryQueue> alert_push;
  std::unique_ptr<SignalSampler> signals;
  std::thread loop_thread;
  std::thread stream_thread;                    // a replacement's streaming, beside the heartbeats
  std::atomic<bool> streamed_{false};           // the replacement's streaming is done
  std::atomic<bool> restart_requested_{false};  // a restore is staged: restart to swap it in

  mutable std::mutex mu;  // guards the fields below
  std::shared_ptr<const Topology> topology_;
  std::vector<Token> tokens_;
  std::string state_ = "STARTING";
  bool registered_ = false;

  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping_ = false;
  // Serializes stop(): the signal thread and main() may both call it; joins must happen once.
  std::mutex stop_call_mu;
  std::optional<Status> fatal_;

 private:
  // Creates the schema's missing keyspaces and tables on the storage node.
  Status create_on_node(const SchemaView& schema);
  Status install_locked(std::optional<RingView> ring, std::optional<SchemaView> schema);
  Status write_cache_locked();
  Status register_with_scheduler();
  void heartbeat_loop();
  Status replace_node();
  // A restore swapped in at this start (or at an earlier one whose replay did not finish), shown
  // in the restore status: "replaying" while files are left to replay, else "done".
  Result<std::optional<RestoreJob>> restore_at_start(const std::optional<RestoreRecord>& swapped);
  // Replays its files into the node (restore_replay.h), showing the progress.
  Status finish_restore(RestoreJob job);
  void stream_until_done();
};

http::Router ops_routes(Agent::Impl& agent);
http::Router internode_routes(Agent::Impl& agent);
http::Router client_routes(Agent::Impl& agent);
// GET /v1/signals and GET /metrics (signals_api.cc).
void add_signal_routes(http::Router& router, Agent::Impl& agent);
// Starts the signal sampler and the alert push to the scheduler (signals_api.cc).
Status start_signals(Agent::Impl& agent);
// /v1/repair/sessions on the ops API (repair/api.cc).
void add_repair_session_routes(http::Router& ops, Agent::Impl& agent);

}  // namespace rk::agent
