// YAML keys for the HTTP settings every ringkeeper process shares, so that every listener and
// every client is configured with the same keys and checks (config.h explains schemas).
//
// A process embeds them as sections of its own options:
//
//   struct SchedulerOptions {
//     http::ServerOptions api{.name = "scheduler api", .port = 7400};  // REST API listener
//     ...
//   };
//   s.section("api", &SchedulerOptions::api, http::server_options_schema(), "REST API listener.");
//
// which reads
//
//   api:
//     port: 0
//     port_file: run/scheduler.port
//     tls_cert_file: tls/server.crt
//     tls_key_file: tls/server.key
//
// Bearer tokens do not live in the main config file: see load_tokens_file in auth.h.
#pragma once

#include "ringkeeper/core/config.h"
#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/http_server.h"

namespace rk::http {

// bind_address, port, port_file, io_threads, handler_threads, max_queued_requests,
// max_connections, max_body, max_header, idle_timeout, drain_timeout, tls_cert_file, tls_key_file,
// tls_ca_file, tls_require_client_cert; with cross-checks (certificate and key together; a CA or
// required client certificates only with TLS on).
ConfigSchema<ServerOptions> server_options_schema();

// The keys of one listener of a process that binds all its listeners to one address and sets TLS
// once for them (rk-agent: listen_address and tls): port, port_file, handler_threads,
// max_queued_requests, max_connections, max_body, idle_timeout, with the same checks as above;
// handler_threads from `min_handler_threads` (a process whose handlers block on other listeners
// of its own must not run them on the I/O threads: 1).
ConfigSchema<ServerOptions> listener_options_schema(int min_handler_threads);

// timeout, pool_idle_timeout, pool_max_idle, tls_ca_file, tls_cert_file, tls_key_file,
// bearer_token (secret: never printed).
ConfigSchema<ClientOptions> client_options_schema();

}  // namespace rk::http
