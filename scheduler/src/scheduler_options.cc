// rk-scheduler's config schema (see scheduler_options.h).
#include "ringkeeper/scheduler/scheduler_options.h"

#include <fmt/format.h>

#include "ringkeeper/core/log.h"
#include "ringkeeper/scheduler/options.h"

namespace rk::scheduler {
namespace {

Result<NamedToken> parse_token_entry(const std::string& entry) {
  const auto first = entry.find(':');
  const auto second = first == std::string::npos ? first : entry.find(':', first + 1);
  if (second == std::string::npos) {
    return Status::InvalidArgument("a token entry must be NAME:ROLE:TOKEN");
  }
  NamedToken t;
  t.name = entry.substr(0, first);
  RK_ASSIGN_OR_RETURN(t.role, parse_role(entry.substr(first + 1, second - first - 1)));
  if (t.role == Role::kAgent) {
    return Status::InvalidArgument(
        fmt::format("token '{}': the agent token is auth.agent_token, not a tokens entry", t.name));
  }
  t.token = entry.substr(second + 1);
  if (t.name.empty()) return Status::InvalidArgument("a token entry has an empty name");
  return t;
}

ConfigSchema<SchedulerAuthOptions> auth_schema() {
  ConfigSchema<SchedulerAuthOptions> s;
  s.field("agent_token", &SchedulerAuthOptions::agent_token,
          "Token agents present (name 'agent'); empty: agents need none.")
      .secret();
  s.field("tokens", &SchedulerAuthOptions::tokens,
          "Operator and read-only tokens, each NAME:ROLE:TOKEN (ROLE operator or readonly).")
      .secret()
      .check(
          [](const std::vector<std::string>& entries) -> Status {
            for (const std::string& e : entries) RK_RETURN_IF_ERROR(parse_token_entry(e).status());
            return Status::OK();
          },
          "NAME:ROLE:TOKEN entries");
  return s;
}

ConfigSchema<SchedulerTlsOptions> tls_schema() {
  ConfigSchema<SchedulerTlsOptions> s;
  s.field("cert_file", &SchedulerTlsOptions::cert_file,
          "PEM certificate; with key_file the API speaks only HTTPS.");
  s.field("key_file", &SchedulerTlsOptions::key_file, "PEM private key of cert_file.");
  s.field("ca_file", &SchedulerTlsOptions::ca_file,
          "CA that verifies client certificates and agents' certificates.");
  s.field("require_client_cert", &SchedulerTlsOptions::require_client_cert,
          "With ca_file: refuse clients without a certificate.");
  s.field("agents_https", &SchedulerTlsOptions::agents_https,
          "Call agents' ops APIs over HTTPS (verified against ca_file).");
  s.check([](const SchedulerTlsOptions& t) -> Status {
    if (t.cert_file.empty() != t.key_file.empty()) {
      return Status::InvalidArgument("cert_file and key_file go together");
    }
    return Status::OK();
  });
  return s;
}

}  // namespace

ConfigSchema<SchedulerOptions> scheduler_options_schema() {
  ConfigSchema<SchedulerOptions> s;
  s.field("cluster", &SchedulerOptions::cluster, "The one cluster this scheduler manages.")
      .non_empty();
  s.field("listen_address", &SchedulerOptions::listen_address, "Address the REST API binds.")
      .non_empty();
  s.field("port", &SchedulerOptions::port, "REST API port; 0 picks a free one.");
  s.field("port_file", &SchedulerOptions::port_file,
          "If set, the bound port is written to this file.");
  s.field("log_level", &SchedulerOptions::log_level, "Log verbosity.").one_of(log_level_names());
  s.size("max_body_bytes", &SchedulerOptions::max_body_bytes,
         "Request bodies larger than this get 413.")
      .range(1024, int64_t{64} << 20);
  s.field("handler_threads", &SchedulerOptions::handler_threads, "Threads running API handlers.")
      .range(1, 64);
  s.field("sweep_interval", &SchedulerOptions::sweep_interval,
          "How often nodes silent past registry.heartbeat_timeout are marked DOWN.")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(60'000));
  s.field("agent_timeout", &SchedulerOptions::agent_timeout,
          "Time limit of one call to an agent (schema pushes).")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(60'000));
  s.field("datacenter_racks", &SchedulerOptions::datacenter_racks,
          "Racks of a new datacenter in ring order (docs/tokens.md); [] takes its first node's.");
  s.field("nodes_per_rack", &SchedulerOptions::nodes_per_rack,
          "Planned nodes per rack of a new datacenter (slots = racks x this).")
      .range(1, 4096);
  s.section("database", &SchedulerOptions::database, store_options_schema(), "The SQLite file.");
  s.section("registry", &SchedulerOptions::registry, registry_options_schema(), "Node liveness.");
  s.section("auth", &SchedulerOptions::auth, auth_schema(), "Bearer tokens.");
  s.section("tls", &SchedulerOptions::tls, tls_schema(), "HTTPS.");
  return s;
}

Result<std::vector<NamedToken>> scheduler_tokens(const SchedulerAuthOptions& auth) {
  std::vector<NamedToken> out;
  if (!auth.agent_token.empty()) out.push_back({"agent", auth.agent_token, Role::kAgent});
  for (const std::string& entry : auth.tokens) {
    RK_ASSIGN_OR_RETURN(NamedToken t, parse_token_entry(entry));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace rk::scheduler
