// rk-scheduler's wiring (see scheduler_process.h).
#include "ringkeeper/scheduler/scheduler_process.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "alerts/api.h"
#include "alerts/store.h"
#include "alerts/webhook.h"
#include "audit/audit_log.h"
#include "audit/request_audit.h"
#include "backup/api.h"
#include "backup/service.h"
#include "cluster/agent_client.h"
#include "cluster/api.h"
#include "cluster/quarantine.h"
#include "cluster/schema_catalog.h"
#include "cluster/service.h"
#include "repair/api.h"
#include "repair/service.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/monitor/prometheus.h"
#include "ringkeeper/scheduler/registry.h"
#include "ringkeeper/scheduler/store.h"
#include "scheduler_metrics.h"
#include "ui_routes.h"

namespace rk::scheduler {

// How long a rebuild's call waits for the agent to discard and stream the quarantined tables.
constexpr std::chrono::milliseconds kRebuildTimeout = std::chrono::minutes(30);

struct SchedulerProcess::Impl {
  SchedulerOptions options;
  std::unique_ptr<Store> store;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<SchemaCatalog> catalog;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<AgentClient> agents;
  std::unique_ptr<NodeQuarantine> quarantine;
  std::unique_ptr<ClusterService> service;
  std::unique_ptr<AlertStore> alerts;
  std::unique_ptr<AlertWebhook> webhook;  // null without alerts.webhook_url
  monitor::RequestMetrics request_metrics;
  std::unique_ptr<RepairScheduler> repair;  // before server: handlers use it until the server ends
  std::unique_ptr<BackupService> backups;
  std::unique_ptr<http::Server> server;

  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread sweeper;
  std::thread backup_loop;

  // Advances backup runs and schedules every poll interval.
  void run_backups() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      wake.wait_for(lock, options.backup.poll_interval);
      if (stopping) break;
      lock.unlock();
      if (Status s = backups->tick(); !s.ok()) spdlog::warn("backups: {}", s.to_string());
      lock.lock();
    }
  }

  void sweep_loop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      wake.wait_for(lock, options.sweep_interval);
      if (stopping) break;
      lock.unlock();
      Result<std::vector<NodeInfo>> down = service->sweep();
      if (!down.ok()) {
        spdlog::warn("sweep failed: {}", down.status().to_string());
      } else {
        for (const NodeInfo& n : *down) {
          spdlog::warn("node {} ({}/{}) is DOWN: no heartbeat for {} ms", n.host_id, n.datacenter,
                       n.rack, options.registry.heartbeat_timeout.count());
        }
      }
      lock.lock();
    }
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      if (stopping) return;
      stopping = true;
    }
    wake.notify_all();
    if (sweeper.joinable()) sweeper.join();
    if (repair) repair->stop();
    if (backup_loop.joinable()) backup_loop.join();
    if (server) server->stop();
    if (webhook) webhook->stop();
  }
};

SchedulerProcess::SchedulerProcess(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchedulerProcess::~SchedulerProcess() { stop(); }

void SchedulerProcess::stop() { impl_->stop(); }

uint16_t SchedulerProcess::port() const { return impl_->server->bound_port(); }

Result<std::unique_ptr<SchedulerProcess>> SchedulerProcess::start(const SchedulerOptions& options,
                                                                  Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  RK_ASSIGN_OR_RETURN(std::vector<NamedToken> named, scheduler_tokens(options.auth));
  RK_ASSIGN_OR_RETURN(BearerTokens tokens, BearerTokens::create(named));

  RK_ASSIGN_OR_RETURN(impl->store, Store::open(options.database, clock));
  spdlog::info("database {} at schema version {}", options.database.path,
               impl->store->schema_version());
  impl->registry = std::make_unique<Registry>(*impl->store, clock, options.registry);
  impl->catalog = std::make_unique<SchemaCatalog>(*impl->store);
  impl->audit = std::make_unique<AuditLog>(*impl->store, clock);
  impl->agents = std::make_unique<AgentClient>(
      AgentClientOptions{options.auth.agent_token, options.agent_timeout, options.agents_https,
                         options.api.tls_ca_file});
  ClusterServiceOptions service_options;
  service_options.cluster = options.cluster;
  service_options.datacenter_racks = options.datacenter_racks;
  service_options.nodes_per_rack = options.nodes_per_rack;
  AgentClient* agents = impl->agents.get();
  impl->alerts = std::make_unique<AlertStore>(*impl->store, clock);
  AlertStore* alerts = impl->alerts.get();
  impl->quarantine = std::make_unique<NodeQuarantine>(
      *impl->store, *impl->registry, *impl->catalog, clock,
      [alerts](const std::string& host_id, bool quarantined, const std::string& message) {
        (void)alerts->record({.source = kSchedulerSource,
                              .signal = "quarantine/" + host_id,
                              .state = quarantined ? monitor::State::kCritical
                                                   : monitor::State::kOk,
                              .message = message});
      },
      [agents](const NodeInfo& node, const std::vector<std::string>& tables) {
        return agents->rebuild(node, tables, kRebuildTimeout);
      });
  impl->service = std::make_unique<ClusterService>(
      *impl->store, *impl->registry, *impl->catalog, *impl->audit, clock, service_options,
      [agents](const ClusterSchema& schema, const std::vector<NodeView>& targets) {
        agents->push_schema(schema, targets);
      },
      impl->quarantine.get());
  if (!options.alerts.webhook_url.empty()) {
    impl->webhook =
        std::make_unique<AlertWebhook>(options.alerts, options.cluster, options.api.tls_ca_file);
    AlertWebhook* webhook = impl->webhook.get();
    impl->alerts->add_listener([webhook](const AlertRecord& r) { webhook->send(r); });
  }
  ClusterService* cluster = impl->service.get();
  impl->repair = std::make_unique<RepairScheduler>(
      *impl->store, *impl->audit, clock, *impl->agents,
      [cluster]() -> Result<ClusterState> {
        ClusterState state;
        RK_ASSIGN_OR_RETURN(RingView ring, cluster->ring());
        state.nodes = std::move(ring.nodes);
        // Repair never streams from a quarantined node: its segments wait as a DOWN node's do
        // until it is rebuilt or released (docs/cluster.md "Quarantine").
        for (NodeView& n : state.nodes) {
          if (!n.quarantine.empty() && n.info.state == NodeState::kNormal) {
            n.info.state = NodeState::kDown;
          }
        }
        RK_ASSIGN_OR_RETURN(state.schema, cluster->schema());
        return state;
      },
      options.repair, repair_deadline_alert(*impl->alerts));
  impl->backups =
      std::make_unique<BackupService>(*impl->store, *impl->registry, *impl->audit, *impl->agents,
                                      clock, options.cluster, options.backup);

  http::ServerOptions server = options.api;
  monitor::RequestMetrics* request_metrics = &impl->request_metrics;
  AuditLog* audit = impl->audit.get();
  server.on_request = [request_metrics, audit](const http::RequestRecord& r) {
    request_metrics->observe(r.listener, r.method, r.route, r.status, r.micros);
    audit_request(*audit, r);
  };
  http::Router routes = rest_api_routes(*impl->service);
  add_alert_routes(routes, *impl->alerts);
  Impl* self = impl.get();
  routes.get("/metrics", [self](const http::Request&) -> Result<http::Response> {
    monitor::DeliveryStats webhook_stats;
    if (self->webhook) webhook_stats = self->webhook->stats();
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = scheduler_metrics({self->store.get(), self->service.get(), self->alerts.get(),
                                &self->request_metrics, self->webhook ? &webhook_stats : nullptr});
    return r;
  });
  server.tokens = std::make_shared<const BearerTokens>(std::move(tokens));
  if (!server.tokens->enabled()) {
    spdlog::warn("auth: no tokens configured; every endpoint is open");
  }
  add_repair_routes(routes, *impl->repair);
  add_backup_routes(routes, *impl->backups);
  add_schema_restore_route(routes, *impl->backups, *impl->service);
  add_ui_routes(routes);
  RK_ASSIGN_OR_RETURN(impl->server,
                      http::Server::start(std::move(server), with_conditional_get(routes)));
  impl->repair->start();
  Impl* raw = impl.get();
  impl->sweeper = std::thread([raw] { raw->sweep_loop(); });
  impl->backup_loop = std::thread([raw] { raw->run_backups(); });
  return std::unique_ptr<SchedulerProcess>(new SchedulerProcess(std::move(impl)));
}

}  // namespace rk::scheduler
