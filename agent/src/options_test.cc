// rk-agent's config: defaults, a full file, and docs/configuration.md in sync with the schema.
#include "ringkeeper/agent/options.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "ringkeeper/core/config_args.h"

namespace rk::agent {
namespace {

TEST(AgentOptions, EmptyFileGivesTheDocumentedDefaults) {
  auto o = load_config_string("", agent_options_schema());
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->ops.port, 7100);
  EXPECT_EQ(o->internode.port, 7000);
  EXPECT_EQ(o->client.port, 9043);
  EXPECT_EQ(o->datacenter, "dc1");
  EXPECT_EQ(o->heartbeat_interval, std::chrono::milliseconds(5000));
}

TEST(AgentOptions, ReadsEveryKindOfKey) {
  auto o = load_config_string(R"(
cluster: prod
datacenter: eu
rack: r2
num_tokens: 4
data_dir: /tmp/x
cluster_secret: 0123456789abcdef0123
ops: {port: 0, port_file: /tmp/ops.port}
heartbeat_interval: 250ms
replace_address: 127.0.0.1:7101
storage: {block_cache: 8MiB, sync_writes: true}
)",
                              agent_options_schema());
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->num_tokens, 4u);
  EXPECT_EQ(o->ops.port, 0);
  EXPECT_EQ(o->ops.port_file, "/tmp/ops.port");
  EXPECT_EQ(o->heartbeat_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(o->storage.block_cache_bytes, 8 << 20);
  EXPECT_TRUE(o->storage.sync_writes);
  EXPECT_EQ(o->replace_address, "127.0.0.1:7101");
}

TEST(AgentOptions, RefusesShortClusterSecretAndWildcardWithoutAdvertiseAddress) {
  auto s = load_config_string("cluster_secret: short\n", agent_options_schema());
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
  auto w = load_config_string("listen_address: 0.0.0.0\n", agent_options_schema());
  EXPECT_EQ(w.status().code(), ErrorCode::kInvalidArgument);
  auto ok = load_config_string("listen_address: 0.0.0.0\nadvertise_address: 10.0.0.5\n",
                               agent_options_schema());
  EXPECT_TRUE(ok.ok());
}

TEST(AgentOptions, ListenersTakeTheSharedListenerKeysWithTheirLimits) {
  auto o = load_config_string("internode: {handler_threads: 2, max_body: 8MiB, idle_timeout: 5s}\n",
                              agent_options_schema());
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->internode.handler_threads, 2);
  EXPECT_EQ(o->internode.max_body_bytes, size_t{8} << 20);
  EXPECT_EQ(o->internode.idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(o->client.max_body_bytes, size_t{4} << 20);
  // Handlers never run on the I/O threads; bind address and TLS are set once for all three.
  EXPECT_FALSE(load_config_string("ops: {handler_threads: 0}\n", agent_options_schema()).ok());
  EXPECT_FALSE(load_config_string("ops: {bind_address: 0.0.0.0}\n", agent_options_schema()).ok());
  EXPECT_FALSE(load_config_string("client: {tls_cert_file: a.crt}\n", agent_options_schema()).ok());
}

TEST(AgentOptions, SecretsAreRedactedInPrintedConfig) {
  auto o = load_config_string("agent_token: aaaaaaaaaaaaaaaaaaaa\n", agent_options_schema());
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(agent_options_schema().effective_yaml(*o).find("aaaaaaaa"), std::string::npos);
}

// docs/configuration.md embeds the generated table; set RK_UPDATE_DOCS=1 to rewrite it.
TEST(AgentOptions, ConfigurationDocMatchesTheSchema) {
  const std::string path = std::string(RK_SOURCE_DIR) + "/docs/configuration.md";
  const std::string table = agent_options_schema().markdown_table();
  if (std::getenv("RK_UPDATE_DOCS") != nullptr) {
    ASSERT_TRUE(update_doc_block(path, "rk-agent", table).ok());
  }
  Status s = check_doc_block(path, "rk-agent", table);
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace rk::agent
