// YAML config loading onto Options structs: defaults, every field type, located errors, the
// Markdown table and generated doc blocks.
#include "ringkeeper/core/config.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace rk {
namespace {

using namespace std::chrono_literals;

enum class Consistency { kOne, kQuorum, kAll };

struct StorageOptions {
  std::string data_dir = "data";                  // where the node keeps its files
  int64_t block_cache_bytes = int64_t{64} << 20;  // RocksDB block cache
  std::chrono::seconds flush_interval{10};        // memtable flush period
};

struct TestOptions {
  std::string listen_address = "127.0.0.1";        // address to bind
  int64_t port = 7100;                             // 0 picks a free port
  uint16_t backlog = 128;                          // listen backlog
  bool tls = false;                                // serve HTTPS
  double repair_intensity = 0.5;                   // fraction of time spent repairing
  std::chrono::milliseconds timeout{1500};         // request timeout
  std::string log_level = "info";                  // log verbosity
  std::vector<std::string> seeds;                  // peers to contact first
  Consistency consistency = Consistency::kQuorum;  // default consistency level
  std::string auth_token;                          // bearer token; empty = no auth
  StorageOptions storage;                          // the embedded node
};

ConfigSchema<StorageOptions> storage_schema() {
  ConfigSchema<StorageOptions> s;
  s.field("data_dir", &StorageOptions::data_dir, "Directory for the node's files.").non_empty();
  s.size("block_cache", &StorageOptions::block_cache_bytes, "RocksDB block cache.")
      .range(1 << 20, int64_t{64} << 30);
  s.field("flush_interval", &StorageOptions::flush_interval, "Memtable flush period.")
      .range(1s, 1h);
  return s;
}

ConfigSchema<TestOptions> test_schema() {
  ConfigSchema<TestOptions> s;
  s.field("listen_address", &TestOptions::listen_address, "Address to bind.");
  s.field("port", &TestOptions::port, "Port; 0 picks a free one.").range(0, 65535);
  s.field("backlog", &TestOptions::backlog, "Listen backlog.");
  s.field("tls", &TestOptions::tls, "Serve HTTPS.");
  s.field("repair_intensity", &TestOptions::repair_intensity, "Fraction of time repairing.")
      .range(0.0, 1.0);
  s.field("timeout", &TestOptions::timeout, "Request timeout.").range(1ms, 10min);
  s.field("log_level", &TestOptions::log_level, "Log verbosity.")
      .one_of({"trace", "debug", "info", "warn", "error"});
  s.field("seeds", &TestOptions::seeds, "Peers to contact first.");
  s.enumeration(
      "consistency", &TestOptions::consistency,
      {{"one", Consistency::kOne}, {"quorum", Consistency::kQuorum}, {"all", Consistency::kAll}},
      "Default consistency level.");
  s.field("auth_token", &TestOptions::auth_token, "Bearer token; empty disables auth.").secret();
  s.section("storage", &TestOptions::storage, storage_schema(), "The embedded storage node.");
  return s;
}

Result<TestOptions> load(std::string_view yaml) {
  return load_config_string(yaml, test_schema(), "agent.yaml");
}

// The error message of a load that must fail.
std::string error_of(std::string_view yaml) {
  auto r = load(yaml);
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << yaml;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  return r.status().message();
}

TEST(Config, EmptyDocumentGivesAllDefaults) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->listen_address, "127.0.0.1");
  EXPECT_EQ(r->port, 7100);
  EXPECT_EQ(r->storage.data_dir, "data");
  EXPECT_EQ(r->storage.flush_interval, 10s);
  EXPECT_TRUE(load("# only a comment\n").ok());
}

TEST(Config, LoadsEveryFieldType) {
  auto r = load(R"(
listen_address: 0.0.0.0
port: 0
backlog: 1024
tls: true
repair_intensity: 0.25
timeout: 2s
log_level: debug
seeds: [10.0.0.1, "10.0.0.2"]
consistency: all
auth_token: s3cret
storage:
  data_dir: /var/lib/rk
  block_cache: 512MiB
  flush_interval: 2m
)");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->listen_address, "0.0.0.0");
  EXPECT_EQ(r->port, 0);
  EXPECT_EQ(r->backlog, 1024);
  EXPECT_TRUE(r->tls);
  EXPECT_DOUBLE_EQ(r->repair_intensity, 0.25);
  EXPECT_EQ(r->timeout, 2000ms);
  EXPECT_EQ(r->log_level, "debug");
  EXPECT_EQ(r->seeds, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(r->consistency, Consistency::kAll);
  EXPECT_EQ(r->auth_token, "s3cret");
  EXPECT_EQ(r->storage.data_dir, "/var/lib/rk");
  EXPECT_EQ(r->storage.block_cache_bytes, int64_t{512} << 20);
  EXPECT_EQ(r->storage.flush_interval, 120s);
}

TEST(Config, KeysLeftOutKeepTheirDefaults) {
  auto r = load("storage:\n  data_dir: /d\n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->storage.data_dir, "/d");
  EXPECT_EQ(r->storage.block_cache_bytes, int64_t{64} << 20);
  EXPECT_EQ(r->port, 7100);
}

TEST(Config, EmptySectionMeansDefaults) {
  auto r = load("storage:\n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->storage.data_dir, "data");
}

TEST(Config, UnknownKeyNamesFileLineAndSuggestsTheClosestKey) {
  std::string m = error_of("port: 1\nstorage:\n  dat_dir: /x\n");
  EXPECT_EQ(m,
            "agent.yaml:3:3: key 'storage.dat_dir': unknown key (did you mean "
            "'storage.data_dir'?)");
}

TEST(Config, UnknownKeyAtTheWrongLevelPointsToTheSection) {
  std::string m = error_of("data_dir: /x\n");
  EXPECT_NE(m.find("did you mean 'storage.data_dir'?"), std::string::npos) << m;
}

TEST(Config, UnknownKeyWithNothingCloseListsKnownKeys) {
  std::string m = error_of("storage:\n  zzzzzzzzzz: 1\n");
  EXPECT_NE(m.find("known keys in 'storage': data_dir, block_cache, flush_interval"),
            std::string::npos)
      << m;
}

TEST(Config, WrongTypeIsReportedWithLineAndKey) {
  EXPECT_EQ(error_of("tls: maybe\n"),
            "agent.yaml:1:6: key 'tls': expected true or false, got "
            "'maybe'");
  EXPECT_EQ(error_of("\nport: seven\n"),
            "agent.yaml:2:7: key 'port': expected an integer, got 'seven'");
  EXPECT_NE(error_of("port: [1]\n").find("expected an integer, got a list"), std::string::npos);
  EXPECT_NE(error_of("seeds: a\n").find("key 'seeds': expected a list of strings"),
            std::string::npos);
  EXPECT_NE(error_of("seeds: [a, [b]]\n").find("key 'seeds[1]': expected a string, got a list"),
            std::string::npos);
  EXPECT_NE(error_of("storage: 5\n").find("key 'storage': is a section"), std::string::npos);
  EXPECT_NE(error_of("repair_intensity: lots\n").find("expected a number"), std::string::npos);
}

TEST(Config, OutOfRangeValuesAreRejected) {
  EXPECT_EQ(error_of("port: 70000\n"),
            "agent.yaml:1:7: key 'port': must be between 0 and 65535, got 70000");
  EXPECT_NE(error_of("backlog: 70000\n").find("must be between 0 and 65535"), std::string::npos);
  EXPECT_NE(error_of("backlog: -1\n").find("must not be negative"), std::string::npos);
  EXPECT_NE(error_of("repair_intensity: 1.5\n").find("must be between 0.0 and 1.0, got 1.5"),
            std::string::npos);
  EXPECT_NE(error_of("timeout: 1h\n").find("must be between 1ms and 10m, got 1h"),
            std::string::npos);
  EXPECT_NE(error_of("storage:\n  block_cache: 1KiB\n")
                .find("key 'storage.block_cache': must be between 1MiB and 64GiB, got 1KiB"),
            std::string::npos);
  EXPECT_NE(error_of("port: 99999999999999999999\n").find("outside the 64-bit integer range"),
            std::string::npos);
}

TEST(Config, EnumsAndOneOfListTheAllowedValues) {
  EXPECT_EQ(error_of("consistency: two\n"),
            "agent.yaml:1:14: key 'consistency': must be one of: one, quorum, all (got 'two')");
  EXPECT_NE(error_of("log_level: loud\n")
                .find("must be one of: trace, debug, info, warn, error (got 'loud')"),
            std::string::npos);
}

TEST(Config, NonEmptyRefusesEmptyString) {
  EXPECT_NE(error_of("storage:\n  data_dir: \"\"\n").find("must not be empty"), std::string::npos);
}

TEST(Config, KeyWithoutValueIsAnError) {
  std::string m = error_of("port:\n");
  EXPECT_NE(m.find("agent.yaml:1:1: key 'port': has no value"), std::string::npos) << m;
}

TEST(Config, ErrorsStayOnOneLineForMultiLineValues) {
  EXPECT_EQ(error_of("port: |\n  12\n  34\n"),
            "agent.yaml:1:7: key 'port': expected an integer, got '12\\n34\\n'");
}

TEST(Config, DuplicateKeysAreRejected) {
  EXPECT_NE(error_of("port: 1\nport: 2\n").find("agent.yaml:2:1: key 'port': is given twice"),
            std::string::npos);
}

TEST(Config, MalformedYamlNamesTheLine) {
  std::string m = error_of("port: 1\nstorage: {data_dir: /x\n");
  EXPECT_NE(m.find("agent.yaml:"), std::string::npos) << m;
  EXPECT_NE(m.find("malformed YAML"), std::string::npos) << m;
}

// yaml-cpp 0.7 never returns from such documents: the loader must refuse them first.
TEST(Config, ACommaStartingAValueOutsideAFlowCollectionIsMalformedNotAHang) {
  const std::string m = "malformed YAML: ',' outside [ ] or { } cannot start a value";
  EXPECT_EQ(error_of(","), "agent.yaml:1:1: " + m);
  EXPECT_EQ(error_of("# comment\n\n  , port: 1\n"), "agent.yaml:3:3: " + m);
  EXPECT_EQ(error_of("port: 1\n--- ,\n"), "agent.yaml:2:5: " + m);
  EXPECT_EQ(error_of("&a,"), "agent.yaml:1:3: " + m);
  EXPECT_EQ(error_of("&anchor\n!tag ,\n"), "agent.yaml:2:6: " + m);
  EXPECT_EQ(error_of("&\r,"), "agent.yaml:2:1: " + m);
  // After a scalar that a comment ends, after an anchor, in a sequence: each looped before.
  EXPECT_EQ(error_of("a #c\n,x"), "agent.yaml:2:1: " + m);
  EXPECT_EQ(error_of("a #c\n\n ,x"), "agent.yaml:3:2: " + m);
  EXPECT_EQ(error_of("a #c\n #d\n,x"), "agent.yaml:3:1: " + m);
  EXPECT_EQ(error_of("&a ,x"), "agent.yaml:1:4: " + m);
  EXPECT_EQ(error_of("- - a #c\n,b"), "agent.yaml:2:1: " + m);
  EXPECT_EQ(error_of("\"a\" #c\n,x"), "agent.yaml:2:1: " + m);
  EXPECT_EQ(error_of("[a] #c\n,x"), "agent.yaml:2:1: " + m);
  EXPECT_EQ(error_of("port: 1 #c\n,x"), "agent.yaml:2:1: " + m);
  // Commas inside flow collections, quotes, plain scalars, comments and block scalars are text.
  EXPECT_TRUE(load("seeds: [a, b]\n").ok());
  EXPECT_TRUE(load("seeds: [a #c\n , b]\n").ok());
  EXPECT_TRUE(load("seeds: [\"a\n,b\", 'it''s, c']\n").ok());
  EXPECT_TRUE(load("# , comment\nseeds: [a,b] # ,\n").ok());
  EXPECT_EQ(load("auth_token: a,b\n")->auth_token, "a,b");
  EXPECT_EQ(load("auth_token: |\n  ,x\n")->auth_token, ",x\n");
  EXPECT_EQ(load("auth_token: it's, \"x, [y\n")->auth_token, "it's, \"x, [y");
}

TEST(Config, ControlCharactersAndMalformedUtf8AreMalformedYaml) {
  EXPECT_EQ(error_of("port: 1\nlog_level: in\x01fo\n"),
            "agent.yaml:2:14: malformed YAML: a control character or malformed UTF-8");
  EXPECT_EQ(error_of("seeds: [\xff]\n"),
            "agent.yaml:1:9: malformed YAML: a control character or malformed UTF-8");
  EXPECT_TRUE(load("seeds: [\"h\xc3\xa9\"]\r\nport: 1\r\n").ok());
}

TEST(Config, TopLevelMustBeAMapping) {
  EXPECT_NE(error_of("- a\n- b\n").find("expected a mapping of keys to values, got a list"),
            std::string::npos);
  EXPECT_NE(error_of("a: 1\n---\nb: 2\n").find("2 YAML documents"), std::string::npos);
}

TEST(Config, DurationsNeedAUnitAndAWholeNumberOfTheFieldUnit) {
  EXPECT_NE(error_of("timeout: 100\n").find("'100' has no unit (write e.g. 100s or 100ms)"),
            std::string::npos);
  EXPECT_NE(error_of("timeout: 5 years\n").find("unknown duration unit"), std::string::npos);
  EXPECT_NE(error_of("timeout: 1500us\n").find("must be a whole number of 1ms, got 1500us"),
            std::string::npos);
  auto r = load("storage:\n  flush_interval: 1d\n");
  EXPECT_FALSE(r.ok());  // out of range (1s..1h), not a parse error
  EXPECT_NE(r.status().message().find("must be between 1s and 1h, got 1d"), std::string::npos);
}

TEST(Config, SizesAcceptBinaryAndDecimalUnitsAndPlainBytes) {
  for (auto [text, bytes] : std::vector<std::pair<std::string, int64_t>>{
           {"1048576", 1 << 20},
           {"2MiB", 2 << 20},
           {"1GiB", int64_t{1} << 30},
           {"3 mib", 3 << 20},
           {"10MB", 10'000'000},
       }) {
    auto r = load("storage:\n  block_cache: " + text + "\n");
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().to_string();
    EXPECT_EQ(r->storage.block_cache_bytes, bytes) << text;
  }
  EXPECT_NE(error_of("storage:\n  block_cache: 5 parsecs\n").find("unknown size unit"),
            std::string::npos);
}

TEST(Config, CustomChecksReportTheirMessageWithLocation) {
  struct O {
    std::string keyspace = "system_repair";  // keyspace for repair history
  };
  ConfigSchema<O> s;
  s.field("keyspace", &O::keyspace, "Keyspace.")
      .check(
          [](const std::string& v) {
            return v.find('-') == std::string::npos
                       ? Status::OK()
                       : Status::InvalidArgument("'" + v + "' contains '-'");
          },
          "no dashes");
  auto r = load_config_string("keyspace: a-b\n", s, "x.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "x.yaml:1:11: key 'keyspace': 'a-b' contains '-'");
}

TEST(Config, StructChecksSeeTheWholeSection) {
  struct O {
    int64_t low = 1;   // lower bound
    int64_t high = 2;  // upper bound
  };
  ConfigSchema<O> s;
  s.field("low", &O::low, "Lower.");
  s.field("high", &O::high, "Upper.");
  s.check([](const O& o) {
    return o.low <= o.high ? Status::OK() : Status::InvalidArgument("low must not exceed high");
  });
  EXPECT_TRUE(load_config_string("low: 2\nhigh: 3\n", s).ok());
  auto r = load_config_string("low: 5\n", s, "x.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("low must not exceed high"), std::string::npos);
}

TEST(Config, LoadsFromFileAndReportsMissingFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("rk_config_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream f(path);
    f << "port: 9000\nstorage:\n  data_dir: /tmp/x\n  bogus: 1\n";
  }
  auto r = load_config_file(path.string(), test_schema());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind(path.string() + ":4:3: key 'storage.bogus'", 0), 0u)
      << r.status().message();
  {
    std::ofstream f(path);
    f << "port: 9000\n";
  }
  r = load_config_file(path.string(), test_schema());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->port, 9000);
  std::filesystem::remove(path);

  auto missing = load_config_file(path.string(), test_schema());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST(Config, ADirectoryIsNotAnEmptyConfigFile) {
  auto r = load_config_file(std::filesystem::temp_directory_path().string(), test_schema());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is a directory"), std::string::npos);
}

TEST(ConfigDocs, MarkdownTableListsEveryKeyWithTypeDefaultAndDoc) {
  const std::string table = test_schema().markdown_table();
  const std::string expected =
      "| key | type | default | description |\n"
      "|---|---|---|---|\n"
      "| `listen_address` | string | `127.0.0.1` | Address to bind. |\n"
      "| `port` | int | `7100` | Port; 0 picks a free one. Allowed: 0 to 65535. |\n"
      "| `backlog` | int | `128` | Listen backlog. |\n"
      "| `tls` | bool | `false` | Serve HTTPS. |\n"
      "| `repair_intensity` | float | `0.5` | Fraction of time repairing. Allowed: 0.0 to 1.0. |\n"
      "| `timeout` | duration | `1500ms` | Request timeout. Allowed: 1ms to 10m. |\n"
      "| `log_level` | string | `info` | Log verbosity. Allowed: one of: trace, debug, info, "
      "warn, error. |\n"
      "| `seeds` | list of strings | `[]` | Peers to contact first. |\n"
      "| `consistency` | enum | `quorum` | Default consistency level. Allowed: one of: one, "
      "quorum, all. |\n"
      "| `auth_token` | string | (secret) | Bearer token; empty disables auth. |\n"
      "| `storage` | section |  | The embedded storage node. |\n"
      "| `storage.data_dir` | string | `data` | Directory for the node's files. Allowed: not "
      "empty. |\n"
      "| `storage.block_cache` | size | `64MiB` | RocksDB block cache. Allowed: 1MiB to 64GiB. |\n"
      "| `storage.flush_interval` | duration | `10s` | Memtable flush period. Allowed: 1s to "
      "1h. |\n";
  EXPECT_EQ(table, expected);
}

TEST(ConfigDocs, EffectiveYamlRedactsSecretsAndLoadsBack) {
  auto r = load("auth_token: s3cret\nseeds: [a, \"b c\"]\nstorage:\n  block_cache: 2GiB\n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const std::string yaml = test_schema().effective_yaml(*r);
  EXPECT_EQ(yaml.find("s3cret"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("auth_token: <redacted>"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  block_cache: 2GiB\n"), std::string::npos) << yaml;
  // Everything but the secret reads back to the same values.
  auto again = load(yaml);
  ASSERT_TRUE(again.ok()) << again.status().to_string() << "\n" << yaml;
  EXPECT_EQ(again->seeds, r->seeds);
  EXPECT_EQ(again->storage.block_cache_bytes, r->storage.block_cache_bytes);
  EXPECT_EQ(again->timeout, r->timeout);
}

TEST(ConfigDocs, GeneratedBlocksAreFoundAndReplaced) {
  const std::string doc =
      "# Title\n<!-- BEGIN GENERATED: rk-agent -->\nold\n<!-- END GENERATED: rk-agent -->\ntail\n";
  EXPECT_EQ(*generated_block(doc, "rk-agent"), "old\n");
  auto replaced = replace_generated_block(doc, "rk-agent", "new table");
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(*replaced,
            "# Title\n<!-- BEGIN GENERATED: rk-agent -->\nnew table\n<!-- END GENERATED: "
            "rk-agent -->\ntail\n");
  EXPECT_EQ(generated_block(doc, "rk-scheduler").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rk
