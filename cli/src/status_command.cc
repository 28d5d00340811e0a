// `rkctl status` (like `nodetool status`) and `rkctl ring` (like `nodetool ring`): the cluster as
// the scheduler's registry sees it, with each node's share of the ring computed here from the
// tokens (core/ring.h, core/replica_placement.h).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/ring.h"
#include "ringkeeper/core/token.h"

namespace rk::cli {

const char* const kStatusUsage =
    "usage: rkctl status [--keyspace KS] [--json] [--scheduler URL]\n"
    "\n"
    "Shows every node of the cluster by datacenter: state (U/D = up/down, N/J/L/R/Q = normal,\n"
    "joining, leaving, replaced, quarantined: back after longer than a timeout-mode table's\n"
    "gc_grace, see 'rkctl node'), client address, load, tokens, the share of the ring it owns,\n"
    "host id and rack. Owns is the primary share, or with --keyspace the effective share for\n"
    "that keyspace's replication (sums to RF x 100%).\n";

const char* const kRingUsage =
    "usage: rkctl ring [--json] [--scheduler URL]\n"
    "\n"
    "Lists every token of the ring in order with the node that owns it (address, rack, state).\n";

namespace {

std::string state_code(const std::string& state) {
  const char up = state == "DOWN" ? 'D' : 'U';
  const char what = state == "JOINING"       ? 'J'
                    : state == "LEAVING"     ? 'L'
                    : state == "REPLACED"    ? 'R'
                    : state == "QUARANTINED" ? 'Q'
                                             : 'N';
  return std::string{up, what};
}

// The state shown: a NORMAL node quarantined for some tables shows QUARANTINED (docs/cluster.md).
std::string shown_state(const nlohmann::json& node) {
  const std::string state = node.value("state", "");
  const auto q = node.find("quarantine");
  if (state == "NORMAL" && q != node.end() && q->is_array() && !q->empty()) return "QUARANTINED";
  return state;
}

Result<Replication> parse_replication(const nlohmann::json& r) {
  const std::string cls = r.value("class", "");
  if (cls.ends_with("SimpleStrategy")) {
    const auto& rf = r.at("replication_factor");
    return Replication::simple(rf.is_string() ? std::stoi(rf.get<std::string>()) : rf.get<int>());
  }
  std::map<std::string, int> factors;
  for (const auto& [key, value] : r.items()) {
    if (key == "class") continue;
    factors[key] = value.is_string() ? std::stoi(value.get<std::string>()) : value.get<int>();
  }
  return Replication::network_topology(std::move(factors));
}

Result<std::vector<Token>> tokens_of(const nlohmann::json& node) {
  std::vector<Token> out;
  for (const auto& t : node.value("tokens", nlohmann::json::array())) {
    RK_ASSIGN_OR_RETURN(Token token, parse_token(t.get<std::string>()));
    out.push_back(token);
  }
  return out;
}

int fail(const Context& ctx, const std::string& command, const Status& s) {
  *ctx.err << "rkctl " << command << ": " << s.message() << "\n";
  return kExitFailed;
}

}  // namespace

int status_command(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {"--keyspace"}, {});
  if (!parsed.ok()) {
    *ctx.err << "rkctl status: " << parsed.status().message() << " (try 'rkctl status --help')\n";
    return kExitUsage;
  }
  if (parsed->help) {
    *ctx.out << kStatusUsage;
    return kExitOk;
  }
  if (!parsed->positionals.empty()) {
    *ctx.err << "rkctl status: unexpected argument '" << parsed->positionals[0] << "'\n";
    return kExitUsage;
  }
  ClusterClient api(ctx);
  auto nodes = api.get("/api/v1/nodes");
  if (!nodes.ok()) return fail(ctx, "status", nodes.status());

  std::vector<RingNode> ring_nodes;
  for (const auto& n : *nodes) {
    if (n.value("state", "") == "REPLACED") continue;
    auto tokens = tokens_of(n);
    if (!tokens.ok()) return fail(ctx, "status", tokens.status());
    if (tokens->empty()) continue;
    ring_nodes.push_back({n["host_id"], n["datacenter"], n["rack"], std::move(*tokens)});
  }
  std::map<std::string, double> owns;
  auto ring = Ring::build(ring_nodes);
  if (!ring.ok()) return fail(ctx, "status", ring.status());
  if (const std::string* ks = parsed->value("--keyspace")) {
    auto keyspace = api.get("/api/v1/keyspaces/" + http::percent_encode(*ks));
    if (!keyspace.ok()) return fail(ctx, "status", keyspace.status());
    Result<Replication> replication = Status::InvalidArgument("bad replication");
    try {
      replication = parse_replication((*keyspace)["replication"]);
    } catch (const std::exception&) {
    }
    if (!replication.ok()) return fail(ctx, "status", replication.status());
    auto placement = ReplicaPlacement::create(std::move(*ring), *replication);
    if (!placement.ok()) return fail(ctx, "status", placement.status());
    owns = placement->effective_ownership();
  } else if (!ring->empty()) {
    owns = ring->primary_ownership();
  }

  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (auto n : *nodes) {
      const auto it = owns.find(n["host_id"]);
      n["owns"] = it == owns.end() ? 0.0 : it->second;
      out.push_back(std::move(n));
    }
    *ctx.out << out.dump() << "\n";
    return kExitOk;
  }
  std::map<std::string, std::vector<std::vector<std::string>>> by_dc;
  for (const auto& n : *nodes) {
    const auto it = owns.find(n["host_id"]);
    const double share = it == owns.end() ? 0.0 : it->second;
    by_dc[n["datacenter"]].push_back(
        {state_code(shown_state(n)), shown_state(n), n["addresses"].value("client", ""),
         human_bytes(n.value("load_bytes", int64_t{0})),
         std::to_string(n.value("tokens", nlohmann::json::array()).size()),
         fmt::format("{:.1f}%", share * 100), n["host_id"], n["rack"]});
  }
  if (by_dc.empty()) *ctx.out << "no nodes registered\n";
  bool first = true;
  for (const auto& [dc, rows] : by_dc) {
    if (!first) *ctx.out << "\n";
    first = false;
    const std::string title = "Datacenter: " + dc;
    *ctx.out << title << "\n" << std::string(title.size(), '=') << "\n";
    *ctx.out << "Status=Up/Down  State=Normal/Joining/Leaving/Replaced/Quarantined\n";
    print_table(*ctx.out, {"--", "State", "Address", "Load", "Tokens", "Owns", "Host ID", "Rack"},
                rows);
  }
  return kExitOk;
}

int ring_command(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {}, {});
  if (!parsed.ok()) {
    *ctx.err << "rkctl ring: " << parsed.status().message() << " (try 'rkctl ring --help')\n";
    return kExitUsage;
  }
  if (parsed->help) {
    *ctx.out << kRingUsage;
    return kExitOk;
  }
  ClusterClient api(ctx);
  auto ring = api.get("/api/v1/ring");
  if (!ring.ok()) return fail(ctx, "ring", ring.status());
  if (ctx.json) {
    *ctx.out << ring->dump() << "\n";
    return kExitOk;
  }
  struct Row {
    Token token;
    const nlohmann::json* node;
  };
  std::vector<Row> rows;
  for (const auto& n : (*ring)["nodes"]) {
    auto tokens = tokens_of(n);
    if (!tokens.ok()) return fail(ctx, "ring", tokens.status());
    for (Token t : *tokens) rows.push_back({t, &n});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.token < b.token; });
  std::vector<std::vector<std::string>> table;
  for (const Row& r : rows) {
    const auto& n = *r.node;
    table.push_back({n["datacenter"], n["rack"], n["state"], n["addresses"].value("client", ""),
                     token_to_string(r.token), n["host_id"]});
  }
  *ctx.out << "ring version " << (*ring)["version"].dump() << ", cluster "
           << (*ring).value("cluster", "") << "\n\n";
  print_table(*ctx.out, {"Datacenter", "Rack", "State", "Address", "Token", "Host ID"}, table);
  return kExitOk;
}

}  // namespace rk::cli
