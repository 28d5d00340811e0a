// The registration's wire form: what the agent writes is what the scheduler reads, and a body
// that is not a registration is refused naming the field.
#include "ringkeeper/core/registration.h"

#include <gtest/gtest.h>

namespace rk {
namespace {

using nlohmann::json;

AgentRegistration sample() {
  AgentRegistration r;
  r.host_id = "h1";
  r.cluster = "ringkeeper";
  r.datacenter = "dc1";
  r.rack = "r2";
  r.num_tokens = 4;
  r.version = "1.2.3";
  r.addresses = {"10.0.0.5:7100", "10.0.0.5:7000", "10.0.0.5:9042"};
  r.replace_address = "10.0.0.9:7000";
  r.datacenter_racks = {"r1", "r2", "r3"};
  r.nodes_per_rack = 2;
  r.tokens = {kMinToken + 1, -5, 0, kMaxToken};
  return r;
}

TEST(Registration, WhatTheAgentWritesTheSchedulerReads) {
  const AgentRegistration r = sample();
  const json body = registration_body(r);
  ASSERT_TRUE(api::check(body, registration_spec()).ok());
  auto back = parse_registration(body);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->host_id, r.host_id);
  EXPECT_EQ(back->datacenter, r.datacenter);
  EXPECT_EQ(back->rack, r.rack);
  EXPECT_EQ(back->num_tokens, r.num_tokens);
  EXPECT_EQ(back->version, r.version);
  EXPECT_EQ(back->addresses.client, r.addresses.client);
  EXPECT_EQ(back->replace_address, r.replace_address);
  EXPECT_EQ(back->datacenter_racks, r.datacenter_racks);
  EXPECT_EQ(back->nodes_per_rack, r.nodes_per_rack);
  EXPECT_EQ(back->tokens, r.tokens);
  // Tokens travel as decimal strings; optional parts are left out when unset.
  EXPECT_EQ(body["tokens"][0], "-9223372036854775807");
  AgentRegistration plain = r;
  plain.replace_address.clear();
  plain.datacenter_racks.clear();
  plain.nodes_per_rack = 0;
  plain.tokens.clear();
  const json minimal = registration_body(plain);
  for (const char* absent : {"replace_address", "datacenter_racks", "nodes_per_rack", "tokens"}) {
    EXPECT_FALSE(minimal.contains(absent)) << absent;
  }
}

std::string refusal(const std::function<void(json&)>& change) {
  json body = registration_body(sample());
  change(body);
  auto r = parse_registration(body);
  EXPECT_FALSE(r.ok()) << body.dump();
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  return r.status().message();
}

TEST(Registration, ABodyThatIsNotARegistrationIsRefusedNamingTheField) {
  EXPECT_NE(
      refusal([](json& b) {
        b["addresses"]["ops"] = "10.0.0.6:7100";
      }).find("addresses must share one host; addresses.internode is on 10.0.0.5, not 10.0.0.6"),
      std::string::npos);
  EXPECT_NE(refusal([](json& b) {
              b["addresses"]["client"] = "10.0.0.5";
            }).find("addresses.client must be host:port"),
            std::string::npos);
  EXPECT_NE(refusal([](json& b) {
              b["addresses"]["internode"] = "10.0.0.5:65536";
            }).find("addresses.internode"),
            std::string::npos);
  EXPECT_NE(refusal([](json& b) {
              b["datacenter_racks"] = {"r1", ""};
            }).find("datacenter_racks"),
            std::string::npos);
  EXPECT_NE(refusal([](json& b) { b["tokens"] = json::array(); }).find("tokens must list 1..1536"),
            std::string::npos);
  EXPECT_NE(refusal([](json& b) { b["tokens"] = {1}; }).find("decimal strings"), std::string::npos);
  EXPECT_NE(refusal([](json& b) { b["tokens"] = {"9223372036854775808"}; }), "");
  EXPECT_NE(refusal([](json& b) { b.erase("host_id"); }).find("host_id"), std::string::npos);
  EXPECT_NE(refusal([](json& b) { b["num_tokens"] = -1; }).find("num_tokens"), std::string::npos);
  EXPECT_NE(refusal([](json& b) { b["extra"] = 1; }).find("extra"), std::string::npos);
}

TEST(Registration, HostAndPortAreTakenApart) {
  auto hp = split_host_port("10.0.0.5:7000");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "10.0.0.5");
  EXPECT_EQ(hp->port, 7000);
  hp = split_host_port("node-3.example");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "node-3.example");
  EXPECT_FALSE(hp->port.has_value());
  hp = split_host_port("[::1]:7100");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 7100);
  for (const char* bad : {"", ":7000", "h:", "h:0", "h:65536", "h:70x", "h:-1"}) {
    EXPECT_FALSE(split_host_port(bad).ok()) << bad;
  }
  auto endpoints = node_endpoints({"[::1]:7100", "[::1]:7000", "[::1]:9042"});
  ASSERT_TRUE(endpoints.ok()) << endpoints.status().to_string();
  EXPECT_EQ(endpoints->host, "::1");
  EXPECT_EQ(endpoints->ops_port, 7100);
  EXPECT_EQ(endpoints->internode_port, 7000);
  EXPECT_EQ(endpoints->client_port, 9042);
}

}  // namespace
}  // namespace rk
