// The registry's test fixture (registry_test.cc, registry_tokens_test.cc): a registry over a
// fresh database file, a manual clock, and requests for numbered nodes.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ringkeeper/scheduler/registry.h"
#include "ringkeeper/scheduler/store.h"
#include "db/test_db.h"

namespace rk::scheduler {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::open({.path = dir_.file("registry.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(store).value();
    registry_ = std::make_unique<Registry>(
        *store_, clock_, RegistryOptions{.heartbeat_timeout = std::chrono::seconds(10)});
  }

  // A request for node `n`: distinct ports on 127.0.0.1, racks r1..r3 declared.
  static RegisterRequest request(int n, const std::string& rack, uint32_t nodes_per_rack = 1) {
    RegisterRequest r;
    r.host_id = "host-" + std::to_string(n);
    r.rack = rack;
    r.ops_port = 7100 + n;
    r.internode_port = 7000 + n;
    r.client_port = 9000 + n;
    r.datacenter_racks = {"r1", "r2", "r3"};
    r.nodes_per_rack = nodes_per_rack;
    r.agent_version = "0.1.0";
    return r;
  }

  NodeInfo must_register(const RegisterRequest& r) {
    auto reg = registry_->register_node(r);
    EXPECT_TRUE(reg.ok()) << reg.status().to_string();
    return reg.ok() ? reg->node : NodeInfo{};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
};

}  // namespace rk::scheduler
