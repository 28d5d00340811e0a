// The store's config section: YAML onto StoreOptions, and docs/configuration.md kept in sync.
#include "ringkeeper/backup/store_factory.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "ringkeeper/core/config_args.h"

namespace rk::backup {
namespace {

TEST(StoreOptions, YamlMapsOntoTheOptions) {
  auto o = load_config_string(
      "url: s3://backups/cluster-1\n"
      "s3:\n"
      "  endpoint: http://127.0.0.1:9000\n"
      "  path_style: true\n"
      "  part_size: 16MiB\n"
      "  bandwidth_limit: 50MiB\n"
      "  retry:\n"
      "    max_attempts: 10\n"
      "encryption_key_file: /etc/ringkeeper/backup.key\n",
      store_options_schema());
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->url, "s3://backups/cluster-1");
  EXPECT_TRUE(o->s3.path_style);
  EXPECT_EQ(o->s3.part_size, 16 << 20);
  EXPECT_EQ(o->s3.bandwidth_limit, 50 << 20);
  EXPECT_EQ(o->s3.retry.max_attempts, 10);
  EXPECT_EQ(o->s3.multipart_threshold, int64_t{256} << 20);  // default kept
}

TEST(StoreOptions, BadValuesAreRefusedWithTheirKey) {
  auto o = load_config_string("s3:\n  part_size: 1MiB\n", store_options_schema());
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("s3.part_size"), std::string::npos);
  EXPECT_FALSE(load_config_string("s3:\n  secret_key: x\n", store_options_schema()).ok());
}

TEST(StoreOptions, SecretsAreRedacted) {
  auto o = load_config_string("s3:\n  secret_access_key: very-secret\n", store_options_schema());
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(store_options_schema().effective_yaml(*o).find("very-secret"), std::string::npos);
}

// docs/configuration.md embeds the generated table; set RK_UPDATE_DOCS=1 to rewrite it.
TEST(StoreOptions, ConfigurationDocMatchesTheSchema) {
  const std::string path = std::string(RK_SOURCE_DIR) + "/docs/configuration.md";
  const std::string table = store_options_schema().markdown_table();
  if (std::getenv("RK_UPDATE_DOCS") != nullptr) {
    ASSERT_TRUE(update_doc_block(path, "backup-store", table).ok());
  }
  Status s = check_doc_block(path, "backup-store", table);
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace rk::backup
