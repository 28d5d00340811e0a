// rkctl node: the ways out of a node's quarantine (docs/cluster.md "Quarantine"): rebuild its
// quarantined tables from the other replicas, or accept the risk of serving its copy.
#include <fmt/format.h>

#include <ostream>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/core/http_client.h"

namespace rk::cli {

const char* const kNodeUsage =
    "usage: rkctl node rebuild HOST [--json]\n"
    "       rkctl node unquarantine HOST --accept-risk [--json]\n"
    "\n"
    "HOST is a host id or an address (host or host:port of any of the node's APIs).\n"
    "A node back after longer than the gc_grace of a tombstone_gc timeout table it replicates\n"
    "is QUARANTINED for those tables: it is no replica of them until one of these:\n"
    "  rebuild       discards its data of those tables and streams them from the other\n"
    "                replicas (waits until done), then it is NORMAL. Refused when it is the\n"
    "                last usable replica of a range.\n"
    "  unquarantine  serves its copy as it is: rows deleted while it was away may come back.\n"
    "                Needs --accept-risk; audited.\n";

namespace {

int node_fail(const Context& ctx, const std::string& command, const Status& s) {
  *ctx.err << "rkctl node " << command << ": " << s.message() << "\n";
  return kExitFailed;
}

// The host id of HOST: a host id as is, else the one node with an API at that address.
Result<std::string> resolve_host(ClusterClient& api, const std::string& host) {
  RK_ASSIGN_OR_RETURN(nlohmann::json nodes, api.get("/api/v1/nodes"));
  std::vector<std::string> found;
  for (const auto& n : nodes) {
    if (n.value("host_id", "") == host) return host;
    if (n.value("state", "") == "REPLACED") continue;
    const nlohmann::json addresses = n.value("addresses", nlohmann::json::object());
    for (const auto& address : addresses) {
      if (!address.is_string()) continue;
      const std::string a = address.get<std::string>();
      if (a == host || a.substr(0, a.rfind(':')) == host) {
        found.push_back(n["host_id"]);
        break;
      }
    }
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) return Status::NotFound("no node " + host);
  return Status::InvalidArgument(fmt::format("{} nodes are at {}; give host:port or the host id",
                                             found.size(), host));
}

void print_node(const Context& ctx, const nlohmann::json& node, const std::string& done) {
  if (ctx.json) {
    *ctx.out << node.dump() << "\n";
    return;
  }
  *ctx.out << done << "; node " << node.value("host_id", "") << " is "
           << node.value("state", "") << "\n";
}

}  // namespace

int node_command(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {}, {"--accept-risk"});
  if (!parsed.ok()) {
    *ctx.err << "rkctl node: " << parsed.status().message() << " (try 'rkctl node --help')\n";
    return kExitUsage;
  }
  if (parsed->help) {
    *ctx.out << kNodeUsage;
    return kExitOk;
  }
  const auto& pos = parsed->positionals;
  if (pos.size() != 2 || (pos[0] != "rebuild" && pos[0] != "unquarantine")) {
    *ctx.err << "rkctl node: expected 'rebuild HOST' or 'unquarantine HOST --accept-risk' (try "
                "'rkctl node --help')\n";
    return kExitUsage;
  }
  const std::string& sub = pos[0];
  if (sub == "unquarantine" && !parsed->has("--accept-risk")) {
    *ctx.err << "rkctl node unquarantine: serving " << pos[1]
             << "'s copy as it is may bring deleted rows back; say so with --accept-risk, or "
                "rebuild it ('rkctl node rebuild "
             << pos[1] << "')\n";
    return kExitUsage;
  }
  ClusterClient api(ctx);
  auto host_id = resolve_host(api, pos[1]);
  if (!host_id.ok()) return node_fail(ctx, sub, host_id.status());
  const std::string path = "/api/v1/nodes/" + http::percent_encode(*host_id) + "/" + sub;
  auto node = sub == "rebuild" ? api.post(path, nlohmann::json::object())
                               : api.post(path, {{"accept_risk", true}});
  if (!node.ok()) return node_fail(ctx, sub, node.status());
  print_node(ctx, *node, sub == "rebuild" ? "rebuilt" : "released with the risk accepted");
  return kExitOk;
}

}  // namespace rk::cli
