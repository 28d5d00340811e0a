// The agent's registration on the wire (registration.h).
#include "ringkeeper/core/registration.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace rk {
namespace {

using nlohmann::json;

constexpr int64_t kUint32Max = std::numeric_limits<uint32_t>::max();

const api::Spec kAddresses = {
    {"ops", api::Type::kString, api::kRequired},
    {"internode", api::Type::kString, api::kRequired},
    {"client", api::Type::kString, api::kRequired},
};

const api::Spec kRegistration = {
    {"host_id", api::Type::kString, api::kRequired},
    {"cluster", api::Type::kString, api::kRequired},
    {"datacenter", api::Type::kString, api::kRequired},
    {"rack", api::Type::kString, api::kRequired},
    {.name = "num_tokens", .type = api::Type::kInteger, .min = 0, .max = kUint32Max},
    {"version", api::Type::kString},
    {"addresses", api::Type::kObject, api::kRequired, &kAddresses},
    {"replace_address", api::Type::kString},
    {"datacenter_racks", api::Type::kArray},
    {.name = "nodes_per_rack", .type = api::Type::kInteger, .min = 0, .max = kUint32Max},
    // Decimal strings, as tokens are everywhere on the wire.
    {"tokens", api::Type::kArray},
    // When the node last knew itself a healthy member (µs since the epoch; absent: unknown).
    {.name = "last_healthy_us", .type = api::Type::kInteger, .min = 0},
};

// host:port of one of the node's APIs, all on `*host` once the first is read.
Status read_endpoint(const std::string& text, const char* which, std::string* host, int* port) {
  auto hp = split_host_port(text);
  if (!hp.ok() || !hp->port) {
    return Status::InvalidArgument(
        fmt::format("addresses.{} must be host:port with a port 1..65535, got '{}'", which, text));
  }
  if (!host->empty() && *host != hp->host) {
    return Status::InvalidArgument(fmt::format(
        "addresses must share one host; addresses.{} is on {}, not {}", which, hp->host, *host));
  }
  *host = hp->host;
  *port = *hp->port;
  return Status::OK();
}

}  // namespace

const api::Spec& registration_spec() { return kRegistration; }

json registration_body(const AgentRegistration& r) {
  json body = {{"host_id", r.host_id},
               {"cluster", r.cluster},
               {"datacenter", r.datacenter},
               {"rack", r.rack},
               {"num_tokens", r.num_tokens},
               {"version", r.version},
               {"addresses",
                {{"ops", r.addresses.ops},
                 {"internode", r.addresses.internode},
                 {"client", r.addresses.client}}}};
  if (!r.replace_address.empty()) body["replace_address"] = r.replace_address;
  if (!r.datacenter_racks.empty()) body["datacenter_racks"] = r.datacenter_racks;
  if (r.nodes_per_rack != 0) body["nodes_per_rack"] = r.nodes_per_rack;
  if (!r.tokens.empty()) {
    json tokens = json::array();
    for (Token t : r.tokens) tokens.push_back(token_to_string(t));
    body["tokens"] = std::move(tokens);
  }
  if (r.last_healthy_us > 0) body["last_healthy_us"] = r.last_healthy_us;
  return body;
}

Result<AgentRegistration> parse_registration(const json& body) {
  RK_RETURN_IF_ERROR(api::check(body, kRegistration));
  AgentRegistration r;
  r.host_id = body["host_id"];
  r.cluster = body["cluster"];
  r.datacenter = body["datacenter"];
  r.rack = body["rack"];
  r.num_tokens = static_cast<uint32_t>(body.value("num_tokens", int64_t{r.num_tokens}));
  if (body.contains("version")) r.version = body["version"];
  const json& addresses = body["addresses"];
  r.addresses = {addresses["ops"], addresses["internode"], addresses["client"]};
  RK_RETURN_IF_ERROR(node_endpoints(r.addresses).status());
  if (body.contains("replace_address")) r.replace_address = body["replace_address"];
  if (body.contains("datacenter_racks")) {
    for (const json& rack : body["datacenter_racks"]) {
      if (!rack.is_string() || rack.get_ref<const std::string&>().empty()) {
        return Status::InvalidArgument("datacenter_racks must be a list of rack names");
      }
      r.datacenter_racks.push_back(rack);
    }
  }
  r.nodes_per_rack = static_cast<uint32_t>(body.value("nodes_per_rack", int64_t{r.nodes_per_rack}));
  if (body.contains("tokens")) {
    if (body["tokens"].empty() || body["tokens"].size() > kMaxNumTokens) {
      return Status::InvalidArgument(fmt::format("tokens must list 1..{} tokens", kMaxNumTokens));
    }
    for (const json& t : body["tokens"]) {
      if (!t.is_string()) return Status::InvalidArgument("tokens must be decimal strings");
      RK_ASSIGN_OR_RETURN(Token token, parse_token(t.get_ref<const std::string&>()));
      r.tokens.push_back(token);
    }
  }
  r.last_healthy_us = body.value("last_healthy_us", int64_t{0});
  return r;
}

Result<HostPort> split_host_port(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("an empty address is not host:port");
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return HostPort{std::string(text), std::nullopt};
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data() + colon + 1, end, port);
  if (host.empty() || ec != std::errc() || ptr != end || port < 1 || port > 65535) {
    return Status::InvalidArgument(fmt::format("'{}' is not host:port", text));
  }
  return HostPort{std::string(host), port};
}

Result<NodeEndpoints> node_endpoints(const NodeAddresses& a) {
  NodeEndpoints out;
  RK_RETURN_IF_ERROR(read_endpoint(a.ops, "ops", &out.host, &out.ops_port));
  RK_RETURN_IF_ERROR(read_endpoint(a.internode, "internode", &out.host, &out.internode_port));
  RK_RETURN_IF_ERROR(read_endpoint(a.client, "client", &out.host, &out.client_port));
  return out;
}

}  // namespace rk
