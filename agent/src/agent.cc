// rk-agent's life cycle (see agent.h): opens the node and builds each service with what it uses —
// the ring state, the data path (coordinator, replicas), repairs, backups, signals, the scheduler
// link — serves the three APIs, each router given only the services it calls, and stops them in
// order. No service receives the agent itself.
#include "ringkeeper/agent/agent.h"

#include <atomic>
#include <filesystem>
#include <mutex>

#include <spdlog/spdlog.h>

#include "backup/api.h"
#include "backup/node_backups.h"
#include "backup/startup_restore.h"
#include "cluster/host_id.h"
#include "cluster/rebuild.h"
#include "cluster/replacement.h"
#include "cluster/ring_state.h"
#include "cluster/scheduler_client.h"
#include "cluster/scheduler_link.h"
#include "data/client_api.h"
#include "data/coordinator.h"
#include "data/internode_api.h"
#include "data/replica_client.h"
#include "data/work_pool.h"
#include "ops_api.h"
#include "repair/replica.h"
#include "repair/service.h"
#include "repair/views.h"
#include "ringkeeper/core/auth.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/monitor/prometheus.h"
#include "ringkeeper/storage/node.h"
#include "signals/api.h"
#include "signals/node_signals.h"
#include "stop_signal.h"
#include "version.h"

namespace rk::agent {
namespace fs = std::filesystem;

// /v1/repair/sessions on the ops API (repair_api.cc).
void add_repair_session_routes(http::Router& ops, RepairService& repairs);

// The agent's services, built in open() in the order they depend on each other.
struct Agent::Parts {
  Parts(const AgentOptions& options, Clock& clock) : options(options), clock(clock) {}

  Status open();
  void stop();

  AgentOptions options;
  Clock& clock;
  StopSignal stop_signal;
  std::atomic<bool> restart_requested{false};  // a restore is staged: restart to swap it in
  std::string host_id;
  std::unique_ptr<storage::Node> node;
  std::unique_ptr<RingState> ring;
  std::unique_ptr<NodeBackups> backups;
  std::unique_ptr<ReplicaClient> replicas;
  // Repair: views pinned on this node, its side of sessions, and the sessions it coordinates.
  std::unique_ptr<ViewRegistry> views;
  std::unique_ptr<LocalRepair> local_repair;
  std::unique_ptr<RepairReplicas> repair_client;
  std::unique_ptr<RepairService> repairs;
  std::unique_ptr<WorkPool> pool;
  std::unique_ptr<Coordinator> coordinator;
  std::unique_ptr<SchedulerClient> scheduler;
  std::unique_ptr<Replacement> replacement;
  std::unique_ptr<Rebuild> rebuild;
  std::unique_ptr<SchedulerLink> link;
  // Request counts of all three listeners (GET /metrics).
  monitor::RequestMetrics request_metrics;
  std::unique_ptr<NodeSignals> signals;
  std::unique_ptr<http::Server> ops_server, internode_server, client_server;
  // Serializes stop(): the signal thread and main() may both call it; joins must happen once.
  std::mutex stop_call_mu;
};

namespace {

Result<std::shared_ptr<const BearerTokens>> make_tokens(std::vector<NamedToken> tokens) {
  std::vector<NamedToken> set;
  for (auto& t : tokens) {
    if (!t.token.empty()) set.push_back(std::move(t));
  }
  RK_ASSIGN_OR_RETURN(BearerTokens b, BearerTokens::create(set));
  return std::make_shared<const BearerTokens>(std::move(b));
}

// A listener as configured, bound to listen_address and with the agent's TLS.
http::ServerOptions server_options(const AgentOptions& o, http::ServerOptions s) {
  s.bind_address = o.listen_address;
  s.tls_cert_file = o.tls.cert_file;
  s.tls_key_file = o.tls.key_file;
  s.tls_ca_file = o.tls.ca_file;
  s.tls_require_client_cert = o.tls.require_client_cert;
  return s;
}

std::string address_of(const std::string& host, const std::unique_ptr<http::Server>& server) {
  return server ? host + ":" + std::to_string(server->bound_port()) : std::string();
}

storage::Options storage_options(const AgentOptions& options) {
  storage::Options so;
  so.data_dir = options.data_dir + "/storage";
  so.write_buffer_bytes = static_cast<size_t>(options.storage.write_buffer_bytes);
  so.total_memtable_bytes = static_cast<size_t>(options.storage.total_memtable_bytes);
  so.block_cache_bytes = static_cast<size_t>(options.storage.block_cache_bytes);
  so.target_file_size_bytes = static_cast<size_t>(options.storage.target_file_size_bytes);
  so.sync_writes = options.storage.sync_writes;
  so.max_background_jobs = options.storage.max_background_jobs;
  so.incremental_backups = options.storage.incremental_backups;
  so.archive_wal = options.backup.archive_wal;  // the agent uploads and removes what it archives
  return so;
}

}  // namespace

Status Agent::Parts::open() {
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec)
    return Status::IOError("cannot create data_dir " + options.data_dir + ": " + ec.message());
  // A restore staged through the ops API, or configured to run at start, is swapped in before
  // the node opens (docs/backup.md): the node never serves a half-restored directory.
  RK_ASSIGN_OR_RETURN(std::optional<RestoreRecord> swapped, swap_in_restore(options, clock));
  RK_ASSIGN_OR_RETURN(host_id, load_or_create_host_id(options.data_dir + "/host_id"));
  RK_ASSIGN_OR_RETURN(node, storage::Node::open(storage_options(options), clock));
  ring = std::make_unique<RingState>(
      RingStateOptions{options.cluster, options.datacenter, options.rack, host_id,
                       options.data_dir + "/ring.json"},
      *node);

  NodeBackups::Deps backup_deps;
  backup_deps.node = node.get();
  backup_deps.data_dir = options.data_dir;
  backup_deps.clock = &clock;
  backup_deps.identity = [this] {
    NodeIdentity id;
    id.cluster = options.cluster;
    id.host_id = host_id;
    id.datacenter = options.datacenter;
    id.rack = options.rack;
    id.tokens = ring->tokens();
    if (auto t = ring->topology()) id.schema = schema_to_json(t->schema());
    return id;
  };
  backup_deps.request_restart = [this] {
    restart_requested = true;
    stop_signal.fail(Status::Unavailable("restarting to swap in a staged restore"));
  };
  RK_ASSIGN_OR_RETURN(backups, NodeBackups::start(options.backup, std::move(backup_deps)));

  auto topology = [ring = ring.get()] { return ring->topology(); };
  InternodeClientOptions io;
  io.cluster_secret = options.cluster_secret;
  io.https = !options.tls.cert_file.empty();
  io.tls_ca_file = options.tls.ca_file;
  io.tls_cert_file = options.tls.cert_file;
  io.tls_key_file = options.tls.key_file;
  replicas = make_replica_client(*node, io);
  views = std::make_unique<ViewRegistry>(*node, clock);
  local_repair = std::make_unique<LocalRepair>(*node, *views, options.repair.view_lease);
  repair_client = make_repair_replicas(*local_repair, io, options.repair.call_timeout);
  repairs =
      std::make_unique<RepairService>(options.repair, *repair_client, *views, clock, topology);
  pool = std::make_unique<WorkPool>(options.coordinator_threads,
                                    static_cast<size_t>(options.coordinator_queue));
  CoordinatorOptions co;
  co.local_dc = options.datacenter;
  co.write_timeout = options.write_timeout;
  co.read_timeout = options.read_timeout;
  coordinator = std::make_unique<Coordinator>(co, *replicas, *pool, clock, topology);
  http::ClientOptions sc;
  sc.bearer_token = options.agent_token;
  sc.timeout = options.scheduler_timeout;
  sc.tls_ca_file = options.tls.ca_file;
  sc.tls_cert_file = options.tls.cert_file;
  sc.tls_key_file = options.tls.key_file;
  scheduler = std::make_unique<SchedulerClient>(options.scheduler_url, sc);
  // The scheduler learns at once that a session this node coordinated ended (it polls too).
  repairs->on_session_end([client = scheduler.get()](const std::string& id) {
    Status s = client->session_ended(id);
    if (!s.ok()) spdlog::debug("telling the scheduler that session {} ended: {}", id, s.to_string());
  });
  replacement = std::make_unique<Replacement>(
      ReplacementOptions{options.replace_address, options.stream_timeout,
                         options.register_retry_max},
      *ring, *replicas, *node, stop_signal);
  rebuild = std::make_unique<Rebuild>(*ring, *replicas, *node, options.stream_timeout,
                                      stop_signal);
  link = std::make_unique<SchedulerLink>(options, *scheduler, *ring, *replacement, stop_signal,
                                         clock);
  signals = std::make_unique<NodeSignals>(options, *node, *scheduler, host_id, clock);

  // The ring cache: serve data at once, whatever the scheduler is doing.
  RK_RETURN_IF_ERROR(ring->load_cache());
  // ... but not the tables a long absence may have made stale, until the scheduler has judged.
  ring->judge_own_absence(read_last_healthy(options.data_dir), clock.now_micros());

  // Listeners. Ops: reads open, mutating calls need the operator or agent token (when set).
  RK_ASSIGN_OR_RETURN(auto ops_tokens,
                      make_tokens({{"agent", options.agent_token, Role::kAgent},
                                   {"operator", options.operator_token, Role::kOperator}}));
  auto count_requests = [this](const http::RequestRecord& r) {
    request_metrics.observe(r.listener, r.method, r.route, r.status, r.micros);
  };
  auto ops_options = server_options(options, options.ops);
  ops_options.tokens = ops_tokens;
  ops_options.access.writes = RoleSet{Role::kOperator, Role::kAgent};
  ops_options.on_request = count_requests;
  http::Router ops = ops_routes(*ring, *node, options);
  add_repair_session_routes(ops, *repairs);
  add_rebuild_route(ops, *rebuild);
  add_backup_routes(ops, *backups);
  add_signal_routes(ops, *signals, request_metrics);
  // A restore swapped in at this start shows in the restore status from the first answer on.
  RK_ASSIGN_OR_RETURN(std::optional<RestoreJob> restoring,
                      restore_at_start(options.data_dir, swapped, *backups, clock));
  RK_ASSIGN_OR_RETURN(ops_server, http::Server::start(ops_options, std::move(ops)));
  const std::string& host = options.advertised();
  ring->set_addresses({address_of(host, ops_server), "", ""});
  // Its last step, with only the ops API up (showing the progress): the node serves no client
  // or peer and does not register before the replay is complete.
  if (restoring) {
    RK_RETURN_IF_ERROR(
        finish_restore(options.data_dir, *restoring, *node, *backups, clock, stop_signal));
  }

  if (options.cluster_secret.empty()) {
    spdlog::warn("cluster_secret is not set: the internode API accepts any caller");
  }
  RK_ASSIGN_OR_RETURN(auto internode_tokens,
                      make_tokens({{"cluster", options.cluster_secret, Role::kAgent}}));
  auto internode_options = server_options(options, options.internode);
  internode_options.tokens = internode_tokens;
  internode_options.access.reads = RoleSet{Role::kAgent};
  internode_options.access.writes = RoleSet{Role::kAgent};
  internode_options.on_request = count_requests;
  RK_ASSIGN_OR_RETURN(
      internode_server,
      http::Server::start(internode_options, internode_routes(*node, *views, *local_repair,
                                                              options.repair.view_lease,
                                                              topology)));

  auto client_options = server_options(options, options.client);
  client_options.on_request = count_requests;
  RK_ASSIGN_OR_RETURN(client_server,
                      http::Server::start(client_options, client_routes(*coordinator, clock)));
  // Addresses are known now: refresh this node's entry in the served ring.
  ring->set_addresses({address_of(host, ops_server), address_of(host, internode_server),
                       address_of(host, client_server)});
  RK_RETURN_IF_ERROR(ring->refresh_self());
  spdlog::info("rk-agent {} host {} ({}/{}) ops :{} internode :{} client :{}", kAgentVersion,
               host_id, options.datacenter, options.rack, ops_server->bound_port(),
               internode_server->bound_port(), client_server->bound_port());
  RK_RETURN_IF_ERROR(signals->start());
  link->start();
  return Status::OK();
}

void Agent::Parts::stop() {
  std::lock_guard stop_call(stop_call_mu);
  stop_signal.stop();
  if (backups) backups->stop();
  if (link) link->join();
  if (replacement) replacement->join();
  if (signals) signals->stop();  // it reads the node's facts
  if (repairs) repairs->stop();  // cancels running sessions; they release their views
  if (client_server) client_server->stop();
  if (internode_server) internode_server->stop();
  if (ops_server) ops_server->stop();
  pool.reset();  // joins in-flight replica calls before what they use goes away
}

// ---- Agent ----------------------------------------------------------------------------------

Agent::Agent(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Agent::~Agent() { stop(); }

Result<std::unique_ptr<Agent>> Agent::start(const AgentOptions& options, Clock& clock) {
  auto parts = std::make_unique<Parts>(options, clock);
  Status s = parts->open();
  if (!s.ok()) {
    parts->stop();
    return s;
  }
  return std::unique_ptr<Agent>(new Agent(std::move(parts)));
}

void Agent::stop() {
  if (parts_) parts_->stop();
}

Status Agent::wait() { return parts_->stop_signal.wait(); }

bool Agent::restart_requested() const { return parts_->restart_requested; }
uint16_t Agent::ops_port() const { return parts_->ops_server->bound_port(); }
uint16_t Agent::internode_port() const { return parts_->internode_server->bound_port(); }
uint16_t Agent::client_port() const { return parts_->client_server->bound_port(); }
const std::string& Agent::host_id() const { return parts_->host_id; }
std::string Agent::state() const { return parts_->ring->state(); }
bool Agent::registered() const { return parts_->ring->registered(); }
int64_t Agent::ring_version() const {
  auto t = parts_->ring->topology();
  return t ? t->ring_view().version : 0;
}
storage::Node& Agent::node() { return *parts_->node; }

}  // namespace rk::agent
