// The store and registry options as read from rk-scheduler's YAML: defaults and checked values.
#include "options.h"

#include <gtest/gtest.h>

namespace rk::scheduler {
namespace {

TEST(SchedulerOptions, DefaultsHoldWhenTheFileIsSilent) {
  auto store = load_config_string("{}", store_options_schema());
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ(store->synchronous, "FULL");
  EXPECT_EQ(store->busy_timeout, std::chrono::seconds(5));
  auto registry = load_config_string("{}", registry_options_schema());
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->heartbeat_timeout, std::chrono::seconds(30));
}

TEST(SchedulerOptions, ParsesAndChecksValues) {
  auto store = load_config_string("path: /tmp/x.db\nbusy_timeout: 250ms\nsynchronous: NORMAL\n",
                                  store_options_schema());
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ(store->path, "/tmp/x.db");
  EXPECT_EQ(store->busy_timeout, std::chrono::milliseconds(250));
  EXPECT_FALSE(load_config_string("synchronous: OFF\n", store_options_schema()).ok());
  EXPECT_FALSE(load_config_string("path: ''\n", store_options_schema()).ok());
  auto registry = load_config_string("heartbeat_timeout: 10s\n", registry_options_schema());
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->heartbeat_timeout, std::chrono::seconds(10));
  EXPECT_FALSE(load_config_string("heartbeat_timeout: 1ms\n", registry_options_schema()).ok());
}

}  // namespace
}  // namespace rk::scheduler
