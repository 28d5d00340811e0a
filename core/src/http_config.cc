// YAML schemas for ServerOptions and ClientOptions; see http_config.h.
#include "ringkeeper/core/http_config.h"

namespace rk::http {

using std::chrono::milliseconds;

namespace {

// Both schemas below, from one list of keys. A whole server's schema has every key; a listener's
// leaves out what its process sets once for all its listeners (bind address, TLS) and the I/O
// tuning the process fixes (io_threads, max_header, drain_timeout).
ConfigSchema<ServerOptions> schema_of(bool whole_server, int min_handler_threads) {
  using O = ServerOptions;
  ConfigSchema<O> s;
  if (whole_server) {
    s.field("bind_address", &O::bind_address, "Address the listener binds (IPv4 or IPv6).")
        .non_empty();
  }
  s.field("port", &O::port, "TCP port; 0 lets the OS pick a free one (see port_file).");
  s.field("port_file", &O::port_file,
          "If set, the bound port is written to this file (replaced atomically).");
  if (whole_server) {
    s.field("io_threads", &O::io_threads, "Threads doing socket I/O and TLS.").range(1, 64);
  }
  s.field("handler_threads", &O::handler_threads,
          min_handler_threads == 0
              ? "Threads running request handlers; 0 runs them on the I/O threads."
              : "Threads running request handlers.")
      .range(min_handler_threads, 256);
  s.field("max_queued_requests", &O::max_queued_requests,
          "Requests waiting for a handler thread at most; one that finds the queue full is "
          "answered 503 with Retry-After at once. 0: 16 per handler thread.")
      .range(0, 1'000'000);
  s.field("max_connections", &O::max_connections,
          "Open connections at most; a new one past it is answered 503 and closed (keep it "
          "under the process's file descriptor limit).")
      .range(1, 1'000'000);
  s.size("max_body", &O::max_body_bytes, "Larger request bodies are refused with 413.")
      .range(1024, size_t{1} << 30);
  if (whole_server) {
    s.size("max_header", &O::max_header_bytes, "Larger request headers are refused with 431.")
        .range(1024, size_t{1} << 20);
  }
  s.field("idle_timeout", &O::idle_timeout,
          "A connection without a complete request for this long is closed.")
      .range(milliseconds(100), milliseconds(3'600'000));
  if (!whole_server) return s;
  s.field("drain_timeout", &O::drain_timeout,
          "On shutdown, how long requests in progress may take to finish.")
      .range(milliseconds(0), milliseconds(600'000));
  s.field("tls_cert_file", &O::tls_cert_file,
          "PEM certificate chain; with tls_key_file the listener speaks only HTTPS.");
  s.field("tls_key_file", &O::tls_key_file, "PEM private key of tls_cert_file.");
  s.field("tls_ca_file", &O::tls_ca_file,
          "If set, client certificates are verified against this PEM CA.");
  s.field("tls_require_client_cert", &O::tls_require_client_cert,
          "Refuse clients without a certificate signed by tls_ca_file.");
  s.check([](const O& o) {
    if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
      return Status::InvalidArgument("tls_cert_file and tls_key_file go together");
    }
    if (!o.tls_ca_file.empty() && o.tls_cert_file.empty()) {
      return Status::InvalidArgument("tls_ca_file needs tls_cert_file and tls_key_file");
    }
    if (o.tls_require_client_cert && o.tls_ca_file.empty()) {
      return Status::InvalidArgument("tls_require_client_cert needs tls_ca_file");
    }
    return Status::OK();
  });
  return s;
}

}  // namespace

ConfigSchema<ServerOptions> server_options_schema() { return schema_of(true, 0); }

ConfigSchema<ServerOptions> listener_options_schema(int min_handler_threads) {
  return schema_of(false, min_handler_threads);
}

ConfigSchema<ClientOptions> client_options_schema() {
  using O = ClientOptions;
  ConfigSchema<O> s;
  s.field("timeout", &O::timeout, "How long one request attempt may take.")
      .range(milliseconds(10), milliseconds(3'600'000));
  s.field("pool_idle_timeout", &O::pool_idle_timeout,
          "A kept-alive connection idle this long is closed, not reused; keep it below the "
          "servers' idle_timeout. 0 reuses no connection.")
      .range(milliseconds(0), milliseconds(3'600'000));
  s.field("pool_max_idle", &O::pool_max_idle,
          "Idle connections kept for reuse per server (scheme, host and port).")
      .range(0, 1024);
  s.field("tls_ca_file", &O::tls_ca_file,
          "PEM CA that https servers must be signed by (default: the system's trust store).");
  s.field("tls_cert_file", &O::tls_cert_file,
          "PEM client certificate, for servers that require one.");
  s.field("tls_key_file", &O::tls_key_file, "PEM private key of tls_cert_file.");
  s.field("bearer_token", &O::bearer_token, "Token sent as Authorization: Bearer.").secret();
  s.check([](const O& o) {
    if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
      return Status::InvalidArgument("tls_cert_file and tls_key_file go together");
    }
    return Status::OK();
  });
  return s;
}

}  // namespace rk::http
