// rk-agent's life cycle: open the node, serve the three APIs, register and heartbeat with the
// scheduler, keep the ring cache, and run a replacement's streaming (see agent.h).
#include "ringkeeper/agent/agent.h"

#include <algorithm>
#include <filesystem>
#include <functional>

#include <spdlog/spdlog.h>

#include "agent_impl.h"
#include "atomic_file.h"
#include "backup/restore.h"
#include "cluster/host_id.h"
#include "cluster/replacement.h"
#include "backup/restore_replay.h"
#include "ringkeeper/core/auth.h"
#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/time_text.h"

namespace rk::agent {
namespace fs = std::filesystem;

// ---- shared state -------------------------------------------------------------------------

std::shared_ptr<const Topology> Agent::Impl::topology() const {
  std::lock_guard lock(mu);
  return topology_;
}

std::string Agent::Impl::state() const {
  std::lock_guard lock(mu);
  return state_;
}

std::vector<Token> Agent::Impl::tokens() const {
  std::lock_guard lock(mu);
  return tokens_;
}

NodeAddresses Agent::Impl::addresses() const {
  const std::string& host = options.advertised();
  NodeAddresses a;
  if (ops_server) a.ops = host + ":" + std::to_string(ops_server->bound_port());
  if (internode_server) {
    a.internode = host + ":" + std::to_string(internode_server->bound_port());
  }
  if (client_server) a.client = host + ":" + std::to_string(client_server->bound_port());
  return a;
}

Status Agent::Impl::apply_schema(const SchemaView& schema) {
  RK_RETURN_IF_ERROR(create_on_node(schema));
  std::lock_guard lock(mu);
  if (topology_ && topology_->schema().version > schema.version) return Status::OK();
  return install_locked(std::nullopt, schema);
}

Status Agent::Impl::create_on_node(const SchemaView& schema) {
  for (const KeyspaceDef& ks : schema.keyspaces) {
    if (!node->keyspace(ks.name).ok()) {
      Status s = node->create_keyspace(storage::KeyspaceSchema{ks.name, ks.replication});
      if (!s.ok() && s.code() != ErrorCode::kAlreadyExists) {
        return s.with_context("schema: keyspace " + ks.name);
      }
    }
    for (const TableDef& t : ks.tables) {
      if (node->table(ks.name, t.name).ok()) continue;
      storage::TableSchema table;
      table.keyspace = ks.name;
      table.name = t.name;
      table.gc_grace_seconds = t.gc_grace_seconds;
      table.default_ttl_seconds = t.default_ttl_seconds;
      auto created = node->create_table(table);
      if (!created.ok() && created.status().code() != ErrorCode::kAlreadyExists) {
        return created.status().with_context("schema: table " + ks.name + "." + t.name);
      }
    }
  }
  return Status::OK();
}

Status Agent::Impl::install(std::optional<RingView> ring, std::optional<SchemaView> schema) {
  if (schema) RK_RETURN_IF_ERROR(apply_schema(*schema));
  std::lock_guard lock(mu);
  return install_locked(std::move(ring), std::nullopt);
}

Status Agent::Impl::install_locked(std::optional<RingView> ring, std::optional<SchemaView> schema) {
  if (!ring && !schema) return Status::OK();
  RingView r = ring ? std::move(*ring) : (topology_ ? topology_->ring_view() : RingView{});
  SchemaView s = schema ? std::move(*schema) : (topology_ ? topology_->schema() : SchemaView{});
  if (r.cluster.empty()) r.cluster = options.cluster;
  // The ring always shows this node as it knows itself (the scheduler's copy may lag).
  if (!tokens_.empty()) {
    RingMember* self = nullptr;
    for (auto& m : r.nodes) {
      if (m.host_id == host_id) self = &m;
    }
    if (self == nullptr) {
      r.nodes.push_back(RingMember{});
      self = &r.nodes.back();
      self->host_id = host_id;
      self->datacenter = options.datacenter;
      self->rack = options.rack;
      self->version = kAgentVersion;
    }
    self->tokens = tokens_;
    if (state_ != "STARTING") self->state = state_;
    self->addresses = addresses();
  }
  RK_ASSIGN_OR_RETURN(auto t, Topology::create(std::move(r), std::move(s), host_id));
  topology_ = std::move(t);
  return write_cache_locked();
}

Status Agent::Impl::write_cache_locked() {
  if (!topology_) return Status::OK();
  RingCache cache;
  cache.host_id = host_id;
  cache.tokens = tokens_;
  cache.state = state_;
  cache.ring = topology_->ring_view();
  cache.schema = topology_->schema();
  Status s = write_ring_cache(cache_path, cache);
  if (!s.ok()) spdlog::warn("cannot write the ring cache: {}", s.message());
  return s;
}

int64_t Agent::Impl::load_bytes() const {
  std::error_code ec;
  int64_t total = 0;
  const fs::path dir = fs::path(options.data_dir) / "storage";
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() == "snapshots" || it->path().filename() == "backups") {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code fec;
    if (it->is_regular_file(fec)) total += static_cast<int64_t>(it->file_size(fec));
  }
  return total;
}

// ---- start-up -----------------------------------------------------------------------------

namespace {

Result<std::shared_ptr<const BearerTokens>> make_tokens(std::vector<NamedToken> tokens) {
  std::vector<NamedToken> set;
  for (auto& t : tokens) {
    if (!t.token.empty()) set.push_back(std::move(t));
  }
  RK_ASSIGN_OR_RETURN(BearerTokens b, BearerTokens::create(set));
  return std::make_shared<const BearerTokens>(std::move(b));
}

http::ServerOptions server_options(const AgentOptions& o, const ListenerOptions& l,
                                   std::string name) {
  http::ServerOptions s;
  s.name = std::move(name);
  s.bind_address = o.listen_address;
  s.port = l.port;
  s.port_file = l.port_file;
  s.handler_threads = l.handler_threads;
  s.max_queued_requests = l.max_queued_requests;
  s.max_connections = l.max_connections;
  s.max_body_bytes = static_cast<size_t>(l.max_body_bytes);
  s.idle_timeout = l.idle_timeout;
  s.tls_cert_file = o.tls.cert_file;
  s.tls_key_file = o.tls.key_file;
  s.tls_ca_file = o.tls.ca_file;
  s.tls_require_client_cert = o.tls.require_client_cert;
  return s;
}

}  // namespace

Status Agent::Impl::open() {
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec)
    return Status::IOError("cannot create data_dir " + options.data_dir + ": " + ec.message());
  // A restore staged through the ops API, or configured to run at start, is swapped in before
  // the node opens (docs/backup.md): the node never serves a half-restored directory.
  RK_ASSIGN_OR_RETURN(std::optional<RestoreRecord> swapped,
                      apply_pending_restore(options.data_dir));
  {
    std::string existing;
    if (auto text = read_small_file(options.data_dir + "/host_id"); text.ok()) {
      existing = text->substr(0, text->find_first_of(" \r\n"));
    }
    RK_ASSIGN_OR_RETURN(auto on_start, NodeBackups::restore_on_start(
                                           options.backup, options.data_dir, existing, clock));
    if (on_start) swapped = std::move(on_start);
  }
  RK_ASSIGN_OR_RETURN(host_id, load_or_create_host_id(options.data_dir + "/host_id"));
  cache_path = options.data_dir + "/ring.json";

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
  RK_ASSIGN_OR_RETURN(node, storage::Node::open(so, clock));

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
    id.tokens = tokens();
    if (auto t = topology()) id.schema = schema_to_json(t->schema());
    return id;
  };
  backup_deps.request_restart = [this] {
    restart_requested_ = true;
    set_fatal(Status::Unavailable("restarting to swap in a staged restore"));
  };
  RK_ASSIGN_OR_RETURN(backups, NodeBackups::start(options.backup, std::move(backup_deps)));

  const bool https = !options.tls.cert_file.empty();
  InternodeClientOptions io;
  io.cluster_secret = options.cluster_secret;
  io.https = https;
  io.tls_ca_file = options.tls.ca_file;
  io.tls_cert_file = options.tls.cert_file;
  io.tls_key_file = options.tls.key_file;
  replicas = make_replica_client(*node, io);
  views = std::make_unique<ViewRegistry>(*node, clock);
  local_repair = std::make_unique<LocalRepair>(*node, *views, options.repair.view_lease);
  repair_client = make_repair_replicas(*local_repair, io, options.repair.call_timeout);
  repairs = std::make_unique<RepairService>(options.repair, *repair_client, *views, clock,
                                            [this] { return topology(); });
  pool = std::make_unique<WorkPool>(options.coordinator_threads,
                                    static_cast<size_t>(options.coordinator_queue));
  CoordinatorOptions co;
  co.local_dc = options.datacenter;
  co.write_timeout = options.write_timeout;
  co.read_timeout = options.read_timeout;
  coordinator =
      std::make_unique<Coordinator>(co, *replicas, *pool, clock, [this] { return topology(); });
  http::ClientOptions sc;
  sc.bearer_token = options.agent_token;
  sc.timeout = options.scheduler_timeout;
  sc.tls_ca_file = options.tls.ca_file;
  sc.tls_cert_file = options.tls.cert_file;
  sc.tls_key_file = options.tls.key_file;
  scheduler = std::make_unique<SchedulerClient>(options.scheduler_url, sc);

  // The ring cache: serve data at once, whatever the scheduler is doing.
  auto cache = read_ring_cache(cache_path);
  if (cache.ok()) {
    if (!cache->host_id.empty() && cache->host_id != host_id) {
      return Status::FailedPrecondition("ring cache " + cache_path + " belongs to host " +
                                        cache->host_id + ", not " + host_id);
    }
    {
      std::lock_guard lock(mu);
      tokens_ = cache->tokens;
      if (!cache->state.empty()) state_ = cache->state;
    }
    RK_RETURN_IF_ERROR(install(cache->ring, cache->schema));
    spdlog::info("serving from the ring cache (ring version {}, schema version {}, {} nodes)",
                 cache->ring.version, cache->schema.version, cache->ring.nodes.size());
  } else if (cache.status().code() != ErrorCode::kNotFound) {
    spdlog::warn("ignoring the ring cache: {}", cache.status().message());
  }

  // Listeners. Ops: reads open, mutating calls need the operator or agent token (when set).
  RK_ASSIGN_OR_RETURN(auto ops_tokens,
                      make_tokens({{"agent", options.agent_token, Role::kAgent},
                                   {"operator", options.operator_token, Role::kOperator}}));
  auto count_requests = [this](const http::RequestRecord& r) {
    request_metrics.observe(r.listener, r.method, r.route, r.status, r.micros);
  };
  auto ops_options = server_options(options, options.ops, "ops API");
  ops_options.tokens = ops_tokens;
  ops_options.access.writes = RoleSet{Role::kOperator, Role::kAgent};
  ops_options.on_request = count_requests;
  http::Router ops = ops_routes(*this);
  add_signal_routes(ops, *this);
  // A restore swapped in at this start shows in the restore status from the first answer on.
  RK_ASSIGN_OR_RETURN(std::optional<RestoreJob> restoring, restore_at_start(swapped));
  RK_ASSIGN_OR_RETURN(ops_server, http::Server::start(ops_options, std::move(ops)));
  // Its last step, with only the ops API up (showing the progress): the node serves no client
  // or peer and does not register before the replay is complete.
  if (restoring) RK_RETURN_IF_ERROR(finish_restore(*restoring));

  if (options.cluster_secret.empty()) {
    spdlog::warn("cluster_secret is not set: the internode API accepts any caller");
  }
  RK_ASSIGN_OR_RETURN(auto internode_tokens,
                      make_tokens({{"cluster", options.cluster_secret, Role::kAgent}}));
  auto internode_options = server_options(options, options.internode, "internode API");
  internode_options.tokens = internode_tokens;
  internode_options.access.reads = RoleSet{Role::kAgent};
  internode_options.access.writes = RoleSet{Role::kAgent};
  internode_options.on_request = count_requests;
  RK_ASSIGN_OR_RETURN(internode_server,
                      http::Server::start(internode_options, internode_routes(*this)));

  auto client_options = server_options(options, options.client, "client API");
  client_options.on_request = count_requests;
  RK_ASSIGN_OR_RETURN(client_server, http::Server::start(client_options, client_routes(*this)));
  {
    // Addresses are known now: refresh this node's entry in the served ring.
    std::lock_guard lock(mu);
    if (topology_) RK_RETURN_IF_ERROR(install_locked(topology_->ring_view(), std::nullopt));
  }
  spdlog::info("rk-agent {} host {} ({}/{}) ops :{} internode :{} client :{}", kAgentVersion,
               host_id, options.datacenter, options.rack, ops_server->bound_port(),
               internode_server->bound_port(), client_server->bound_port());
  RK_RETURN_IF_ERROR(start_signals(*this));
  loop_thread = std::thread([this] { loop(); });
  return Status::OK();
}

Result<std::optional<RestoreJob>> Agent::Impl::restore_at_start(
    const std::optional<RestoreRecord>& swapped) {
  RK_ASSIGN_OR_RETURN(std::optional<RestoreRecord> replay, pending_replay(options.data_dir));
  if (!replay && !swapped) return std::optional<RestoreJob>();
  const RestoreRecord& r = replay ? *replay : *swapped;
  RestoreJob job;
  job.tag = r.tag;
  job.host_id = r.host_id;
  job.until_us = r.until_us;
  job.started_at_us = r.at_us;
  job.replay_files = r.replay.size();
  job.progress.files_total = replay ? r.replay.size() : 0;
  job.phase = replay ? "replaying" : "done";
  job.state = replay ? JobState::kRunning : JobState::kSucceeded;
  if (!replay) job.finished_at_us = clock.now_micros();
  backups->report_restore(job);
  return std::optional<RestoreJob>(job);
}

Status Agent::Impl::finish_restore(RestoreJob job) {
  if (job.state != JobState::kRunning) return Status::OK();
  RK_ASSIGN_OR_RETURN(std::optional<RestoreRecord> replay, pending_replay(options.data_dir));
  if (!replay) return Status::Internal("the restore's replay plan vanished");
  spdlog::info("restore of {}: replaying {} incremental and WAL files{}", job.tag,
               replay->replay.size(),
               replay->until_us ? " up to " + format_time_us(replay->until_us) : "");
  Status s = replay_restore(
      options.data_dir, *replay, *node,
      [&](const ReplayProgress& p) {
        job.progress.files_total = p.files_total;
        job.progress.files_done = p.files_done;
        job.progress.bytes_total = p.bytes_total;
        job.progress.bytes_done = p.bytes_done;
        job.progress.updated_at_us = clock.now_micros();
        job.cells_applied = p.cells_applied;
        backups->report_restore(job);
      },
      [this] { return wait_for_stop(std::chrono::milliseconds(0)); });
  job.finished_at_us = clock.now_micros();
  if (!s.ok()) {
    job.state = s.code() == ErrorCode::kCancelled ? JobState::kAborted : JobState::kFailed;
    job.error = s.message() + " (the agent replays again at its next start)";
    backups->report_restore(job);
    return s;
  }
  job.state = JobState::kSucceeded;
  job.phase = "done";
  backups->report_restore(job);
  return Status::OK();
}

// ---- the scheduler loop ---------------------------------------------------------------------

bool Agent::Impl::wait_for_stop(std::chrono::milliseconds d) {
  std::unique_lock lock(stop_mu);
  return stop_cv.wait_for(lock, d, [this] { return stopping_ || fatal_.has_value(); });
}

void Agent::Impl::set_fatal(Status s) {
  spdlog::error("{}", s.message());
  {
    std::lock_guard lock(stop_mu);
    if (!fatal_) fatal_ = std::move(s);
  }
  stop_cv.notify_all();
}

Status Agent::Impl::register_with_scheduler() {
  RegisterRequest req;
  req.host_id = host_id;
  req.cluster = options.cluster;
  req.datacenter = options.datacenter;
  req.rack = options.rack;
  req.num_tokens = options.num_tokens;
  req.version = kAgentVersion;
  req.addresses = addresses();
  // A node that already holds tokens (from its ring cache) registered before, possibly as the
  // replacement: it registers by host id alone, as the node it replaced is gone from the ring.
  if (tokens().empty()) {
    req.replace_address = options.replace_address;
  } else if (!options.replace_address.empty()) {
    spdlog::info("replace_address ignored: this node already holds its tokens");
  }
  // A node restored from a backup asks for the backed-up tokens: a scheduler that does not know
  // it (a whole cluster restored onto a fresh one) gives it their slot, in whatever order the
  // restored nodes come up; one that knows it with other tokens, or whose slot another host
  // holds, refuses the registration (409) and the agent stops.
  const std::optional<RestoreRecord> restored = applied_restore(options.data_dir);
  if (restored && restored->host_id == host_id) req.tokens = restored->tokens;

  BackoffOptions bo;
  bo.max_attempts = std::numeric_limits<int>::max();
  bo.initial_delay = std::chrono::milliseconds(100);
  bo.max_delay = options.register_retry_max;
  bo.seed = std::hash<std::string>{}(host_id);
  Backoff backoff(bo);
  while (true) {
    auto reg = scheduler->register_node(req);
    if (reg.ok()) {
      // A node restored from a backup must hold the backed-up tokens: its data is theirs.
      if (restored && restored->host_id == host_id) {
        if (!std::is_permutation(restored->tokens.begin(), restored->tokens.end(),
                                 reg->tokens.begin(), reg->tokens.end())) {
          return Status::FailedPrecondition(
              "this node was restored from backup " + restored->tag +
              " but the scheduler gave it other tokens than the backup's; it must not serve "
              "(start it against the scheduler that knows host " +
              host_id + ", or restore the cluster's registry)");
        }
        confirm_applied_restore(options.data_dir);
      }
      Status applied = reg->schema ? create_on_node(*reg->schema) : Status::OK();
      {
        // Tokens, state and ring change together: whoever sees the state sees the ring.
        std::lock_guard lock(mu);
        tokens_ = reg->tokens;
        state_ = reg->state.empty() ? "NORMAL" : reg->state;
        registered_ = true;
        Status installed = install_locked(reg->ring, reg->schema);
        if (applied.ok()) applied = installed;
      }
      if (!applied.ok())
        spdlog::warn("cannot apply the scheduler's ring/schema: {}", applied.message());
      std::string tokens;
      for (Token t : reg->tokens) tokens += (tokens.empty() ? "" : ",") + token_to_string(t);
      spdlog::info("registered with the scheduler: slot {}, state {}, tokens {}", reg->slot,
                   reg->state, tokens);
      return Status::OK();
    }
    const Status& s = reg.status();
    if (!is_retryable(s) && s.code() != ErrorCode::kInternal) {
      return Status(s.code(), "the scheduler refused the registration: " + s.message());
    }
    auto delay = backoff.next_delay().value_or(options.register_retry_max);
    spdlog::warn("cannot register with the scheduler at {} ({}); retrying in {} ms",
                 options.scheduler_url, s.message(), delay.count());
    if (wait_for_stop(delay)) return Status::Cancelled("stopping");
  }
}

Status Agent::Impl::replace_node() {
  auto t = topology();
  spdlog::info("replacing {}: streaming this node's ranges from the surviving replicas",
               options.replace_address);
  auto stats = stream_replaced_ranges(*t, *replicas, *node, options.stream_timeout, [this] {
    return wait_for_stop(std::chrono::milliseconds(0));
  });
  if (!stats.ok()) return stats.status();
  spdlog::info("replacement streaming done: {} table ranges, {} pages, {} partitions",
               stats->ranges, stats->pages, stats->partitions);
  return Status::OK();
}

void Agent::Impl::loop() {
  while (true) {
    Status s = register_with_scheduler();
    if (s.code() == ErrorCode::kCancelled) return;
    if (!s.ok()) {
      set_fatal(s);
      return;
    }
    // A replacement streams in the background while it keeps heartbeating (so the scheduler
    // does not take it for DOWN), and reports NORMAL once done. A plain new node reports NORMAL
    // at once.
    if (state() == "JOINING" && !options.replace_address.empty() && !stream_thread.joinable()) {
      stream_thread = std::thread([this] { stream_until_done(); });
    }
    heartbeat_loop();
    if (wait_for_stop(std::chrono::milliseconds(0))) return;
  }
}

void Agent::Impl::stream_until_done() {
  BackoffOptions bo;
  bo.max_attempts = std::numeric_limits<int>::max();
  bo.max_delay = options.register_retry_max;
  Backoff backoff(bo);
  while (true) {
    Status r = replace_node();
    if (r.ok()) {
      streamed_ = true;
      return;
    }
    if (r.code() == ErrorCode::kCancelled) return;
    spdlog::warn("{}; retrying", r.message());
    if (wait_for_stop(backoff.next_delay().value_or(options.register_retry_max))) return;
  }
}

// Heartbeats until stopping (returns) or the scheduler forgot this node (returns to register).
void Agent::Impl::heartbeat_loop() {
  bool first = true;
  int failures = 0;  // in a row: only the first of a streak is logged as a warning
  while (true) {
    if (!first && wait_for_stop(options.heartbeat_interval)) return;
    first = false;
    HeartbeatRequest req;
    const std::string current = state();
    if (current == "JOINING" && (options.replace_address.empty() || streamed_)) {
      req.state = "NORMAL";
    }
    req.load_bytes = load_bytes();
    if (auto t = topology()) {
      req.ring_version = t->ring_view().version;
      req.schema_version = t->schema().version;
    }
    auto reply = scheduler->heartbeat(host_id, req);
    if (!reply.ok()) {
      const Status& s = reply.status();
      if (s.code() == ErrorCode::kNotFound) {
        spdlog::warn("the scheduler does not know this node any more; registering again");
        return;
      }
      if (s.code() == ErrorCode::kFailedPrecondition) {
        set_fatal(Status(s.code(), "the scheduler refused the heartbeat: " + s.message()));
        return;
      }
      if (failures++ == 0) {
        spdlog::warn("heartbeat failed (serving with the cached ring meanwhile): {}", s.message());
      } else {
        spdlog::debug("heartbeat failed again: {}", s.message());
      }
      continue;
    }
    if (failures > 0) spdlog::info("heartbeats answered again after {} failures", failures);
    failures = 0;
    if (req.state) {
      std::lock_guard lock(mu);
      state_ = *req.state;
      spdlog::info("reported {} to the scheduler", state_);
    }
    const bool got_ring = reply->ring.has_value();
    Status s = install(std::move(reply->ring), std::move(reply->schema));
    if (!s.ok()) spdlog::warn("cannot apply the scheduler's ring/schema: {}", s.message());
    if (req.state && !got_ring) {
      // Show this node's new state in the served ring even before the scheduler sends one.
      std::lock_guard lock(mu);
      if (topology_) (void)install_locked(topology_->ring_view(), std::nullopt);
    }
  }
}

void Agent::Impl::stop() {
  std::lock_guard stop_call(stop_call_mu);
  {
    std::lock_guard lock(stop_mu);
    stopping_ = true;
  }
  stop_cv.notify_all();
  if (backups) backups->stop();
  if (loop_thread.joinable()) loop_thread.join();
  if (stream_thread.joinable()) stream_thread.join();
  if (signals) signals->stop();  // it reads the node's facts
  if (alert_push) alert_push->stop();
  if (repairs) repairs->stop();  // cancels running sessions; they release their views
  if (client_server) client_server->stop();
  if (internode_server) internode_server->stop();
  if (ops_server) ops_server->stop();
  pool.reset();  // joins in-flight replica calls before what they use goes away
}

// ---- Agent ----------------------------------------------------------------------------------

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Agent::~Agent() { stop(); }

Result<std::unique_ptr<Agent>> Agent::start(const AgentOptions& options, Clock& clock) {
  auto impl = std::make_unique<Impl>(options, clock);
  Status s = impl->open();
  if (!s.ok()) {
    impl->stop();
    return s;
  }
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

void Agent::stop() {
  if (impl_) impl_->stop();
}

Status Agent::wait() {
  std::unique_lock lock(impl_->stop_mu);
  impl_->stop_cv.wait(lock, [this] { return impl_->stopping_ || impl_->fatal_.has_value(); });
  return impl_->fatal_ ? *impl_->fatal_ : Status::OK();
}

bool Agent::restart_requested() const { return impl_->restart_requested_; }
uint16_t Agent::ops_port() const { return impl_->ops_server->bound_port(); }
uint16_t Agent::internode_port() const { return impl_->internode_server->bound_port(); }
uint16_t Agent::client_port() const { return impl_->client_server->bound_port(); }
const std::string& Agent::host_id() const { return impl_->host_id; }
std::string Agent::state() const { return impl_->state(); }
bool Agent::registered() const {
  std::lock_guard lock(impl_->mu);
  return impl_->registered_;
}
int64_t Agent::ring_version() const {
  auto t = impl_->topology();
  return t ? t->ring_view().version : 0;
}
storage::Node& Agent::node() { return *impl_->node; }

}  // namespace rk::agent
