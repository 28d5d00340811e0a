// rk-scheduler's config schema (see scheduler_options.h).
#include "ringkeeper/scheduler/scheduler_options.h"

#include <fmt/format.h>

#include "options.h"
#include "ringkeeper/core/http_config.h"
#include "ringkeeper/core/log.h"

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

ConfigSchema<AlertOptions> alert_schema() {
  ConfigSchema<AlertOptions> s;
  s.field("webhook_url", &AlertOptions::webhook_url,
          "POST every alert state change here as JSON (docs/monitoring.md); empty: no webhook.");
  s.field("webhook_token", &AlertOptions::webhook_token,
          "Bearer token sent to the webhook; empty: none.")
      .secret();
  s.field("webhook_timeout", &AlertOptions::webhook_timeout, "Time limit of one webhook call.")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(600'000));
  s.field("webhook_attempts", &AlertOptions::webhook_attempts,
          "Attempts per change (the first included) before it is dropped; 5xx, 429 and "
          "unreachable are retried with backoff.")
      .range(1, 1000);
  s.field("webhook_queue", &AlertOptions::webhook_queue,
          "Changes waiting for the webhook at most; beyond, the oldest is dropped.")
      .range(1, 1'000'000);
  return s;
}

ConfigSchema<backup::RetentionPolicy> retention_schema() {
  ConfigSchema<backup::RetentionPolicy> s;
  s.field("keep_last", &backup::RetentionPolicy::keep_last,
          "Newest complete backups kept; 0: no count rule.")
      .range(0, 1'000'000);
  s.field("keep_days", &backup::RetentionPolicy::keep_days,
          "Complete backups younger than this many days are kept; 0: no age rule.")
      .range(0, 100'000);
  return s;
}

ConfigSchema<BackupServiceOptions> backup_schema() {
  ConfigSchema<BackupServiceOptions> s;
  s.section("store", &BackupServiceOptions::store, backup::store_options_schema(),
            "The object store the agents back up to (the same URL as theirs).");
  s.field("poll_interval", &BackupServiceOptions::poll_interval,
          "How often running backups and due schedules are advanced.")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(600'000));
  s.field("purge_grace", &BackupServiceOptions::purge_grace,
          "Objects younger than this are never purged (an upload may have just written them).")
      .range(std::chrono::seconds(0), std::chrono::seconds(30 * 86400));
  s.section("retention", &BackupServiceOptions::retention, retention_schema(),
            "What a purge without rules of its own keeps (either rule keeps a backup).");
  return s;
}

}  // namespace

ConfigSchema<SchedulerOptions> scheduler_options_schema() {
  ConfigSchema<SchedulerOptions> s;
  s.field("cluster", &SchedulerOptions::cluster, "The one cluster this scheduler manages.")
      .non_empty();
  s.section("api", &SchedulerOptions::api, http::server_options_schema(), "The REST API listener.");
  s.field("log_level", &SchedulerOptions::log_level, "Log verbosity.").one_of(log_level_names());
  s.field("sweep_interval", &SchedulerOptions::sweep_interval,
          "How often nodes silent past registry.heartbeat_timeout are marked DOWN.")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(60'000));
  s.field("agent_timeout", &SchedulerOptions::agent_timeout,
          "Time limit of one call to an agent (schema pushes).")
      .range(std::chrono::milliseconds(10), std::chrono::milliseconds(60'000));
  s.field("agents_https", &SchedulerOptions::agents_https,
          "Call agents' ops APIs over HTTPS, verified against api.tls_ca_file.");
  s.field("datacenter_racks", &SchedulerOptions::datacenter_racks,
          "Racks of a new datacenter in ring order (docs/tokens.md); [] takes its first node's.");
  s.field("nodes_per_rack", &SchedulerOptions::nodes_per_rack,
          "Planned nodes per rack of a new datacenter (slots = racks x this).")
      .range(uint32_t{1}, kMaxNodesPerRack);
  s.section("database", &SchedulerOptions::database, store_options_schema(), "The SQLite file.");
  s.section("registry", &SchedulerOptions::registry, registry_options_schema(), "Node liveness.");
  s.section("repair", &SchedulerOptions::repair, repair_options_schema(), "The repair driver.");
  s.section("auth", &SchedulerOptions::auth, auth_schema(), "Bearer tokens.");
  s.section("alerts", &SchedulerOptions::alerts, alert_schema(), "Alert webhook.");
  s.section("backup", &SchedulerOptions::backup, backup_schema(),
            "Backups: the store, polling, retention (docs/backup.md).");
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
