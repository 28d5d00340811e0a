// rk-scheduler's options, one to one with its YAML config file (docs/configuration.md, generated
// from scheduler_options_schema() and checked by a test).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ringkeeper/core/auth.h"
#include "ringkeeper/core/config.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/backup/retention.h"
#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/scheduler/registry.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {

// The repair driver (docs/repair.md).
struct RepairOptions {
  std::chrono::milliseconds tick_interval{500};          // how often the driver looks at runs
  std::chrono::milliseconds segment_timeout{1'800'000};  // a session running longer is cancelled
  int max_attempts = 5;                                  // sessions per segment before it FAILs
  std::chrono::milliseconds retry_initial_delay{1000};   // backoff before the first retry
  std::chrono::milliseconds retry_max_delay{300'000};    // backoff cap
  int max_pending_compactions = 20;             // a replica with more postpones its segments
  std::chrono::milliseconds signals_ttl{5000};  // how long one agent's load reading is reused
  // AT_RISK when the forecast leaves less than this share of gc_grace before the deadline.
  double at_risk_margin = 0.2;
  // The maintenance window of runs and schedules that name none; empty: always open.
  std::string windows;
  std::string window_time_zone = "UTC";  // the zone of `windows`' local times
  std::string window_close = "finish";   // "finish" | "stop": running sessions at the close
};
ConfigSchema<RepairOptions> repair_options_schema();

// Backups (docs/backup.md).
struct BackupServiceOptions {
  backup::StoreOptions store;  // the store the agents upload to (same URL as theirs)
  std::chrono::milliseconds poll_interval{1000};  // how often runs and schedules are advanced
  // Objects younger than this are never purged: a running upload may have just written them.
  std::chrono::seconds purge_grace{3600};
  backup::RetentionPolicy retention;  // purge's default when a call gives no rule
};

struct SchedulerAuthOptions {
  // The token agents present (role agent, name "agent"); also sent by the scheduler when it calls
  // agents. Empty: agents need no token.
  std::string agent_token;
  // Operator and read-only tokens, each "NAME:ROLE:TOKEN" with ROLE operator or readonly.
  std::vector<std::string> tokens;
};

// Alerts (docs/monitoring.md): the webhook that receives every alert state change.
struct AlertOptions {
  std::string webhook_url;    // POST each change here as JSON; empty: no webhook
  std::string webhook_token;  // sent as "Authorization: Bearer <token>" when set
  std::chrono::milliseconds webhook_timeout{5000};  // per attempt
  int webhook_attempts = 8;      // attempts per change (the first included), then it is dropped
  int64_t webhook_queue = 1000;  // changes waiting at most; the oldest is dropped beyond
};

struct SchedulerOptions {
  std::string cluster = "ringkeeper";  // the one cluster this scheduler manages
  // The REST API listener (core/http_config.h keys: port, port_file, max_body, tls_*, ...).
  http::ServerOptions api{.name = "scheduler api", .port = 7400};
  std::string log_level = "info";                  // see core/log.h
  std::chrono::milliseconds sweep_interval{1000};  // how often silent nodes are marked DOWN
  std::chrono::milliseconds agent_timeout{2000};   // per call to an agent (schema pushes)
  bool agents_https = false;  // call agents' ops APIs over HTTPS, verified against api.tls_ca_file
  // The plan of a new datacenter (docs/tokens.md): racks in order and nodes per rack.
  std::vector<std::string> datacenter_racks;
  uint32_t nodes_per_rack = 1;
  StoreOptions database;      // the SQLite file
  RegistryOptions registry;   // heartbeat timeout
  RepairOptions repair;       // the repair driver (docs/repair.md)
  SchedulerAuthOptions auth;  // bearer tokens
  AlertOptions alerts;        // the alert webhook
  BackupServiceOptions backup;  // backup store, polling, retention
};

ConfigSchema<SchedulerOptions> scheduler_options_schema();

// The configured tokens as the HTTP server wants them. InvalidArgument for a malformed entry.
Result<std::vector<NamedToken>> scheduler_tokens(const SchedulerAuthOptions& auth);

}  // namespace rk::scheduler
