// `rkctl keyspace create|describe|list` and `rkctl table create|alter|describe`: the cluster
// schema through the scheduler's REST API (creating and altering need an operator token).
#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/schema_limits.h"

namespace rk::cli {

const char* const kKeyspaceUsage =
    "usage: rkctl keyspace create NAME (--rf N | --dc DC=N [--dc DC=N ...]) [--json]\n"
    "       rkctl keyspace describe NAME [--json]\n"
    "       rkctl keyspace list [--json]\n"
    "\n"
    "create: SimpleStrategy with --rf, NetworkTopologyStrategy with one --dc per datacenter.\n"
    "Needs an operator token (--token or RK_TOKEN) when the scheduler has tokens configured.\n";

const char* const kTableUsage =
    "usage: rkctl table create KEYSPACE.TABLE [--gc-grace SECONDS] [--ttl SECONDS]\n"
    "                          [--tombstone-gc MODE [--force]] [--json]\n"
    "       rkctl table alter KEYSPACE.TABLE --tombstone-gc MODE [--force] [--json]\n"
    "       rkctl table describe KEYSPACE.TABLE [--json]\n"
    "\n"
    "--gc-grace is gc_grace_seconds (default 864000, 10 days; 0..2147483647): repair must reach\n"
    "every replica within it. --ttl is the table's default TTL (0: none; at most 630720000, 20\n"
    "years, as in Cassandra). --tombstone-gc says when compaction may purge tombstones: repair\n"
    "(the default for new tables: once a repair covering them succeeded on every replica),\n"
    "timeout (gc_grace after the delete; tables from before the mode keep it), disabled (never)\n"
    "or immediate (at once: only for tables whose deletes never race writes; with more than one\n"
    "replica it needs --force).\n";

namespace {

int usage_error(const Context& ctx, const std::string& command, const std::string& message) {
  *ctx.err << "rkctl " << command << ": " << message << " (try 'rkctl " << command << " --help')\n";
  return kExitUsage;
}

int failed(const Context& ctx, const std::string& command, const Status& s) {
  *ctx.err << "rkctl " << command << ": " << s.message() << "\n";
  return kExitFailed;
}

std::string replication_text(const nlohmann::json& r) {
  std::string out = r.value("class", "?");
  std::string params;
  for (const auto& [key, value] : r.items()) {
    if (key == "class") continue;
    params += (params.empty() ? "" : ", ") + key + "=" +
              (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out + " {" + params + "}";
}

void print_keyspace(std::ostream& out, const nlohmann::json& ks) {
  out << "Keyspace: " << ks.value("name", "") << "\n"
      << "Replication: " << replication_text(ks["replication"]) << "\n";
  const auto& tables = ks.value("tables", nlohmann::json::array());
  if (tables.empty()) {
    out << "Tables: none\n";
    return;
  }
  out << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : tables) {
    rows.push_back({t.value("name", ""), t["gc_grace_seconds"].dump(),
                    t["default_ttl_seconds"].dump(), t.value("tombstone_gc", "timeout")});
  }
  print_table(out, {"Table", "gc_grace_seconds", "default_ttl_seconds", "tombstone_gc"}, rows);
}

}  // namespace

int keyspace_command(Context& ctx, const std::vector<std::string>& args) {
  const std::string cmd = "keyspace";
  auto parsed = parse_args(args, {"--rf", "--dc"}, {});
  if (!parsed.ok()) return usage_error(ctx, cmd, parsed.status().message());
  // --dc may repeat; parse_args keeps the last, so collect them here.
  std::vector<std::string> dcs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dc" && i + 1 < args.size()) dcs.push_back(args[i + 1]);
    if (args[i].starts_with("--dc=")) dcs.push_back(args[i].substr(5));
  }
  if (parsed->help) {
    *ctx.out << kKeyspaceUsage;
    return kExitOk;
  }
  const auto& pos = parsed->positionals;
  if (pos.empty()) return usage_error(ctx, cmd, "say create, describe or list");
  ClusterClient api(ctx);
  const std::string& verb = pos[0];
  if (verb == "list") {
    if (pos.size() != 1) return usage_error(ctx, cmd, "list takes no arguments");
    auto list = api.get("/api/v1/keyspaces");
    if (!list.ok()) return failed(ctx, cmd, list.status());
    if (ctx.json) {
      *ctx.out << list->dump() << "\n";
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& ks : *list) {
      rows.push_back({ks.value("name", ""), replication_text(ks["replication"]),
                      std::to_string(ks.value("tables", nlohmann::json::array()).size())});
    }
    if (rows.empty()) {
      *ctx.out << "no keyspaces\n";
    } else {
      print_table(*ctx.out, {"Keyspace", "Replication", "Tables"}, rows);
    }
    return kExitOk;
  }
  if (verb != "create" && verb != "describe") {
    return usage_error(ctx, cmd, "unknown action '" + verb + "'; say create, describe or list");
  }
  if (pos.size() != 2) return usage_error(ctx, cmd, verb + " takes one keyspace NAME");
  const std::string& name = pos[1];
  Result<nlohmann::json> result = Status::Internal("unset");
  if (verb == "describe") {
    result = api.get("/api/v1/keyspaces/" + http::percent_encode(name));
  } else {
    nlohmann::json replication;
    if (parsed->value("--rf") && !dcs.empty()) {
      return usage_error(ctx, cmd, "give --rf or --dc, not both");
    }
    if (parsed->value("--rf")) {
      auto rf = int_flag(*parsed, "--rf", 1, 1, 100);
      if (!rf.ok()) return usage_error(ctx, cmd, rf.status().message());
      replication = {{"class", "SimpleStrategy"}, {"replication_factor", *rf}};
    } else if (!dcs.empty()) {
      replication = {{"class", "NetworkTopologyStrategy"}};
      for (const std::string& dc : dcs) {
        const auto eq = dc.find('=');
        int rf = -1;
        if (eq != std::string::npos && eq > 0) {
          std::from_chars(dc.data() + eq + 1, dc.data() + dc.size(), rf);
        }
        if (rf < 0) return usage_error(ctx, cmd, "--dc takes DATACENTER=RF, got '" + dc + "'");
        replication[dc.substr(0, eq)] = rf;
      }
    } else {
      return usage_error(ctx, cmd, "create needs --rf N or --dc DC=N");
    }
    result = api.post("/api/v1/keyspaces", {{"name", name}, {"replication", replication}});
  }
  if (!result.ok()) return failed(ctx, cmd, result.status());
  if (ctx.json) {
    *ctx.out << result->dump() << "\n";
  } else {
    if (verb == "create") *ctx.out << "created keyspace " << name << "\n";
    print_keyspace(*ctx.out, *result);
  }
  return kExitOk;
}

int table_command(Context& ctx, const std::vector<std::string>& args) {
  const std::string cmd = "table";
  auto parsed = parse_args(args, {"--gc-grace", "--ttl", "--tombstone-gc"}, {"--force"});
  if (!parsed.ok()) return usage_error(ctx, cmd, parsed.status().message());
  if (parsed->help) {
    *ctx.out << kTableUsage;
    return kExitOk;
  }
  const auto& pos = parsed->positionals;
  if (pos.size() != 2 || (pos[0] != "create" && pos[0] != "alter" && pos[0] != "describe")) {
    return usage_error(ctx, cmd, "say create, alter or describe, then KEYSPACE.TABLE");
  }
  // The mode is checked before anything is sent.
  std::optional<std::string> mode;
  if (const auto* given = parsed->value("--tombstone-gc")) {
    auto known = parse_tombstone_gc(*given);
    if (!known.ok()) return usage_error(ctx, cmd, known.status().message());
    mode = *given;
  }
  const bool force = parsed->has("--force");
  if (pos[0] == "alter" && !mode) return usage_error(ctx, cmd, "alter needs --tombstone-gc MODE");
  if (force && !mode) return usage_error(ctx, cmd, "--force goes with --tombstone-gc");
  std::string keyspace, table;
  if (Status s = split_table(pos[1], &keyspace, &table); !s.ok()) {
    return usage_error(ctx, cmd, s.message());
  }
  ClusterClient api(ctx);
  Result<nlohmann::json> result = Status::Internal("unset");
  if (pos[0] == "describe") {
    result = api.get("/api/v1/keyspaces/" + http::percent_encode(keyspace));
  } else if (pos[0] == "alter") {
    nlohmann::json body = {{"tombstone_gc", *mode}};
    if (force) body["force"] = true;
    result = api.call("PATCH",
                      "/api/v1/keyspaces/" + http::percent_encode(keyspace) + "/tables/" +
                          http::percent_encode(table),
                      body);
  } else {
    nlohmann::json body = {{"name", table}};
    auto gc = int_flag(*parsed, "--gc-grace", 864000, 0, kMaxGcGraceSeconds);
    auto ttl = int_flag(*parsed, "--ttl", 0, 0, kMaxTtlSeconds);
    if (!gc.ok()) return usage_error(ctx, cmd, gc.status().message());
    if (!ttl.ok()) return usage_error(ctx, cmd, ttl.status().message());
    body["gc_grace_seconds"] = *gc;
    body["default_ttl_seconds"] = *ttl;
    if (mode) body["tombstone_gc"] = *mode;
    if (force) body["force"] = true;
    result = api.post("/api/v1/keyspaces/" + http::percent_encode(keyspace) + "/tables", body);
  }
  if (!result.ok()) return failed(ctx, cmd, result.status());
  std::optional<nlohmann::json> found;
  for (const auto& t : result->value("tables", nlohmann::json::array())) {
    if (t.value("name", "") == table) found = t;
  }
  if (!found) {
    return failed(ctx, cmd, Status::NotFound("no table " + keyspace + "." + table));
  }
  nlohmann::json out = *found;
  out["keyspace"] = keyspace;
  out["replication"] = (*result)["replication"];
  if (ctx.json) {
    *ctx.out << out.dump() << "\n";
    return kExitOk;
  }
  if (pos[0] == "create") *ctx.out << "created table " << keyspace << "." << table << "\n";
  if (pos[0] == "alter") *ctx.out << "altered table " << keyspace << "." << table << "\n";
  *ctx.out << "Table: " << keyspace << "." << table << "\n"
           << "Replication: " << replication_text(out["replication"]) << "\n"
           << "gc_grace_seconds: " << out["gc_grace_seconds"].dump() << "\n"
           << "default_ttl_seconds: " << out["default_ttl_seconds"].dump() << "\n"
           << "tombstone_gc: " << out.value("tombstone_gc", "timeout") << "\n";
  return kExitOk;
}

}  // namespace rk::cli
