// rk-scheduler's options: defaults, tokens, and docs/configuration.md kept equal to the schema.
#include "ringkeeper/scheduler/scheduler_options.h"

#include <gtest/gtest.h>

#include "ringkeeper/core/config_args.h"

#include <cstdlib>

namespace rk::scheduler {
namespace {

TEST(SchedulerOptionsSchema, AnEmptyFileGivesTheDefaults) {
  auto o = load_config_string("", scheduler_options_schema());
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->api.port, 7400);
  EXPECT_EQ(o->api.bind_address, "127.0.0.1");
  EXPECT_EQ(o->registry.heartbeat_timeout, std::chrono::seconds(30));
  EXPECT_TRUE(o->auth.tokens.empty());
}

TEST(SchedulerOptionsSchema, TokensAreNamedWithRolesAndNeverPrinted) {
  auto o = load_config_string(
      "auth:\n  agent_token: agent-secret-0123456789\n"
      "  tokens: ['alice:operator:alice-secret-0123456789', 'ro:readonly:ro-secret-0123456789']\n",
      scheduler_options_schema());
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  auto tokens = scheduler_tokens(o->auth);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ((*tokens)[0].name, "agent");
  EXPECT_EQ((*tokens)[0].role, Role::kAgent);
  EXPECT_EQ((*tokens)[1].name, "alice");
  EXPECT_EQ((*tokens)[1].role, Role::kOperator);
  EXPECT_EQ((*tokens)[2].role, Role::kReadonly);
  const std::string printed = scheduler_options_schema().effective_yaml(*o);
  // The values ("...-secret-..."), not key names such as s3.secret_access_key.
  EXPECT_EQ(printed.find("-secret-"), std::string::npos) << printed;

  EXPECT_FALSE(
      load_config_string("auth:\n  tokens: ['alice-no-role']\n", scheduler_options_schema()).ok());
  EXPECT_FALSE(load_config_string("auth:\n  tokens: ['a:agent:agent-secret-0123456789']\n",
                                  scheduler_options_schema())
                   .ok());
  EXPECT_FALSE(
      load_config_string("api:\n  tls_cert_file: a.pem\n", scheduler_options_schema()).ok());
}

// docs/configuration.md embeds the table between generated-block markers. To regenerate it after
// changing an option: RK_UPDATE_DOCS=1 build/scheduler/scheduler_test
// --gtest_filter='*DocumentationMatches*'
TEST(SchedulerOptionsSchema, DocumentationMatchesTheSchema) {
  const std::string path = std::string(RK_SOURCE_DIR) + "/docs/configuration.md";
  const std::string table = scheduler_options_schema().markdown_table();
  if (std::getenv("RK_UPDATE_DOCS") != nullptr) {
    ASSERT_TRUE(update_doc_block(path, "rk-scheduler", table).ok());
  }
  Status s = check_doc_block(path, "rk-scheduler", table);
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace rk::scheduler
