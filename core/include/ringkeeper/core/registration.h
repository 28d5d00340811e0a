// The registration an agent sends rk-scheduler when it starts (POST /api/v1/agents/register,
// docs/api.md): one definition for both ends, as heartbeat.h is for the heartbeat. The agent
// writes the body with registration_body(); the scheduler checks it against registration_spec()
// and reads it with parse_registration(). Each end keeps the answer in its own model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"

namespace rk {

// "host:port" of a node's three APIs (IPv6 hosts in brackets).
struct NodeAddresses {
  std::string ops;
  std::string internode;
  std::string client;
};

struct AgentRegistration {
  std::string host_id;
  std::string cluster;
  std::string datacenter;
  std::string rack;
  uint32_t num_tokens = 1;
  std::string version;  // the agent's
  NodeAddresses addresses;
  // "host" or "host:port" (ops or internode port) of a DOWN node this one replaces; "": none.
  std::string replace_address;
  // The plan of the datacenter this registration creates (docs/tokens.md): its racks in order
  // and the nodes per rack. Empty racks / 0: the scheduler's configured plan.
  std::vector<std::string> datacenter_racks;
  uint32_t nodes_per_rack = 0;
  // The tokens the node must hold (a node restored from a backup); empty: any free slot.
  std::vector<Token> tokens;
  // The last moment the node knows it was a healthy member of the ring (its last acknowledged
  // heartbeat or its last clean shutdown, kept in its data directory); 0: unknown (a new node).
  // The scheduler quarantines a node that was away longer than a timeout-mode table's gc_grace.
  int64_t last_healthy_us = 0;
};

// The most tokens (vnodes) a node may hold.
inline constexpr uint32_t kMaxNumTokens = 1536;

// The body's fields and types, for api::read_body / api::check.
const api::Spec& registration_spec();
nlohmann::json registration_body(const AgentRegistration& registration);
// A body that passed registration_spec(); InvalidArgument, naming the field, when its values are
// not a registration (addresses not host:port on one host, empty rack names, bad tokens).
Result<AgentRegistration> parse_registration(const nlohmann::json& body);

// "host:port" -> host and port (1..65535); "host" (no colon) -> host and no port;
// "[::1]:7000" -> "::1", 7000.
struct HostPort {
  std::string host;
  std::optional<int> port;
};
Result<HostPort> split_host_port(std::string_view text);

// The one host of `addresses` and its three ports; InvalidArgument when one is not host:port
// with a port 1..65535 or they are not on one host.
struct NodeEndpoints {
  std::string host;
  int ops_port = 0;
  int internode_port = 0;
  int client_port = 0;
};
Result<NodeEndpoints> node_endpoints(const NodeAddresses& addresses);

}  // namespace rk
