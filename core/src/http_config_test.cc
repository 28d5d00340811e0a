// The shared YAML keys of HTTP listeners and clients.
#include "ringkeeper/core/http_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "ringkeeper/core/config_args.h"

namespace rk::http {
namespace {

TEST(HttpConfig, ServerKeysMapOntoServerOptions) {
  auto o = load_config_string(R"(
bind_address: 0.0.0.0
port: 7400
port_file: run/api.port
max_body: 4MiB
max_queued_requests: 32
max_connections: 200
idle_timeout: 5s
tls_cert_file: s.crt
tls_key_file: s.key
tls_ca_file: ca.crt
tls_require_client_cert: true
)",
                              server_options_schema());
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->bind_address, "0.0.0.0");
  EXPECT_EQ(o->port, 7400);
  EXPECT_EQ(o->port_file, "run/api.port");
  EXPECT_EQ(o->max_body_bytes, size_t{4} << 20);
  EXPECT_EQ(o->max_queued_requests, 32);
  EXPECT_EQ(o->max_connections, 200);
  EXPECT_EQ(o->idle_timeout, std::chrono::seconds(5));
  EXPECT_TRUE(o->tls_require_client_cert);
}

TEST(HttpConfig, ServerKeysAreChecked) {
  EXPECT_FALSE(load_config_string("port: 70000\n", server_options_schema()).ok());
  EXPECT_FALSE(load_config_string("max_body: 10\n", server_options_schema()).ok());
  EXPECT_FALSE(load_config_string("max_queued_requests: -1\n", server_options_schema()).ok());
  EXPECT_FALSE(load_config_string("max_connections: 0\n", server_options_schema()).ok());
  auto half = load_config_string("tls_cert_file: s.crt\n", server_options_schema());
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("go together"), std::string::npos);
  EXPECT_FALSE(load_config_string("tls_require_client_cert: true\n", server_options_schema()).ok());
  EXPECT_FALSE(load_config_string("prot: 1\n", server_options_schema()).ok());
}

TEST(HttpConfig, ListenerKeysLeaveBindAddressAndTlsToTheProcess) {
  auto schema = listener_options_schema(1);
  auto o = load_config_string("port: 7100\nhandler_threads: 2\nmax_body: 2MiB\n", schema);
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->port, 7100);
  EXPECT_EQ(o->handler_threads, 2);
  EXPECT_EQ(o->max_body_bytes, size_t{2} << 20);
  for (const char* key : {"bind_address: 0.0.0.0\n", "tls_cert_file: s.crt\n", "io_threads: 2\n",
                          "max_header: 64KiB\n", "drain_timeout: 1s\n"}) {
    EXPECT_FALSE(load_config_string(key, schema).ok()) << key;
  }
  EXPECT_FALSE(load_config_string("handler_threads: 0\n", schema).ok());
  EXPECT_TRUE(load_config_string("handler_threads: 0\n", listener_options_schema(0)).ok());
  EXPECT_FALSE(load_config_string("max_body: 10\n", schema).ok());
}

TEST(HttpConfig, ClientTokenIsNeverPrinted) {
  auto schema = client_options_schema();
  auto o = load_config_string("bearer_token: very-secret-token-123\ntimeout: 2s\n", schema);
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->bearer_token, "very-secret-token-123");
  EXPECT_EQ(o->timeout, std::chrono::seconds(2));
  EXPECT_EQ(schema.effective_yaml(*o).find("very-secret"), std::string::npos);
}

// docs/configuration.md embeds the generated table; set RK_UPDATE_DOCS=1 to rewrite it.
TEST(HttpConfig, ConfigurationDocMatchesTheClientSchema) {
  const std::string path = std::string(RK_SOURCE_DIR) + "/docs/configuration.md";
  const std::string table = client_options_schema().markdown_table();
  if (std::getenv("RK_UPDATE_DOCS") != nullptr) {
    ASSERT_TRUE(update_doc_block(path, "http-client", table).ok());
  }
  Status s = check_doc_block(path, "http-client", table);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(HttpConfig, ClientPoolKeysAreReadAndChecked) {
  auto schema = client_options_schema();
  auto o = load_config_string("pool_idle_timeout: 5s\npool_max_idle: 2\n", schema);
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->pool_idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(o->pool_max_idle, 2);
  EXPECT_LT(ClientOptions{}.pool_idle_timeout, ServerOptions{}.idle_timeout);
  EXPECT_FALSE(load_config_string("pool_idle_timeout: -1s\n", schema).ok());
  EXPECT_FALSE(load_config_string("pool_idle_timeout: 2h\n", schema).ok());
  EXPECT_FALSE(load_config_string("pool_max_idle: -1\n", schema).ok());
  EXPECT_FALSE(load_config_string("pool_max_idle: lots\n", schema).ok());
}

}  // namespace
}  // namespace rk::http
