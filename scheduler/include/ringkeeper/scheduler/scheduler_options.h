// rk-scheduler's options, one to one with its YAML config file (docs/configuration.md, generated
// from scheduler_options_schema() and checked by a test).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ringkeeper/core/auth.h"
#include "ringkeeper/core/config.h"
#include "ringkeeper/scheduler/registry.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {

struct SchedulerAuthOptions {
  // The token agents present (role agent, name "agent"); also sent by the scheduler when it calls
  // agents. Empty: agents need no token.
  std::string agent_token;
  // Operator and read-only tokens, each "NAME:ROLE:TOKEN" with ROLE operator or readonly.
  std::vector<std::string> tokens;
};

struct SchedulerTlsOptions {
  std::string cert_file;             // PEM certificate; with key_file the API speaks only HTTPS
  std::string key_file;              // PEM private key
  std::string ca_file;               // CA for client certificates and for agents' certificates
  bool require_client_cert = false;  // with ca_file: refuse clients without a certificate
  bool agents_https = false;         // call agents' ops APIs over HTTPS
};

struct SchedulerOptions {
  std::string cluster = "ringkeeper";              // the one cluster this scheduler manages
  std::string listen_address = "127.0.0.1";        // address the REST API binds
  uint16_t port = 7400;                            // REST API port; 0 picks a free one
  std::string port_file;                           // if set, the bound port is written here
  std::string log_level = "info";                  // see core/log.h
  int64_t max_body_bytes = 1 << 20;                // larger request bodies get 413
  int handler_threads = 4;                         // threads running API handlers
  std::chrono::milliseconds sweep_interval{1000};  // how often silent nodes are marked DOWN
  std::chrono::milliseconds agent_timeout{2000};   // per call to an agent (schema pushes)
  // The plan of a new datacenter (docs/tokens.md): racks in order and nodes per rack.
  std::vector<std::string> datacenter_racks;
  uint32_t nodes_per_rack = 1;
  StoreOptions database;      // the SQLite file
  RegistryOptions registry;   // heartbeat timeout
  SchedulerAuthOptions auth;  // bearer tokens
  SchedulerTlsOptions tls;    // HTTPS
};

ConfigSchema<SchedulerOptions> scheduler_options_schema();

// The configured tokens as the HTTP server wants them. InvalidArgument for a malformed entry.
Result<std::vector<NamedToken>> scheduler_tokens(const SchedulerAuthOptions& auth);

}  // namespace rk::scheduler
