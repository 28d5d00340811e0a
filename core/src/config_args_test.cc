// Shared start-up flags (--config, --print-config, --config-doc, --help) and doc-block checks.
#include "ringkeeper/core/config_args.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rk {
namespace {

struct DemoOptions {
  int64_t port = 7100;  // listen port
  std::string token;    // bearer token
};

ConfigSchema<DemoOptions> demo_schema() {
  ConfigSchema<DemoOptions> s;
  s.field("port", &DemoOptions::port, "Listen port.").range(0, 65535);
  s.field("token", &DemoOptions::token, "Bearer token.").secret();
  return s;
}

const ProgramInfo kInfo{"rk-demo", "a demo process"};

struct Outcome {
  int code;
  std::string out;
  std::string err;
  int64_t port_seen = -1;
};

Outcome run(std::vector<std::string> args) {
  args.insert(args.begin(), "rk-demo");
  std::ostringstream out, err;
  Outcome o{};
  o.code = run_with_config<DemoOptions>(
      args, demo_schema(), kInfo,
      [&](const DemoOptions& opts) {
        o.port_seen = opts.port;
        return 0;
      },
      out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("rk_config_args_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(ConfigArgs, NoFlagsRunsTheBodyWithDefaults) {
  auto o = run({});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.port_seen, 7100);
}

TEST(ConfigArgs, ConfigFileIsLoadedInBothSpellings) {
  const std::string path = temp_path("a.yaml");
  write(path, "port: 9000\n");
  EXPECT_EQ(run({"--config", path}).port_seen, 9000);
  EXPECT_EQ(run({"--config=" + path}).port_seen, 9000);
  std::filesystem::remove(path);
}

TEST(ConfigArgs, ConfigErrorsAreOneLineAndExitTwoWithoutRunning) {
  const std::string path = temp_path("b.yaml");
  write(path, "prot: 1\n");
  auto o = run({"--config", path});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.port_seen, -1);
  EXPECT_EQ(o.err, "rk-demo: " + path + ":1:1: key 'prot': unknown key (did you mean 'port'?)\n");
  std::filesystem::remove(path);
  auto missing = run({"--config", path});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos);
}

TEST(ConfigArgs, BadFlagsExitTwo) {
  EXPECT_EQ(run({"--bogus"}).err, "rk-demo: unknown option '--bogus' (try 'rk-demo --help')\n");
  EXPECT_EQ(run({"--config"}).code, 2);
  EXPECT_EQ(run({"extra"}).code, 2);
}

TEST(ConfigArgs, HelpPrintsUsage) {
  auto o = run({"--help"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out.rfind("usage: rk-demo [--config FILE]", 0), 0u) << o.out;
  EXPECT_NE(o.out.find("a demo process"), std::string::npos);
  EXPECT_EQ(o.port_seen, -1);
}

TEST(ConfigArgs, PrintConfigShowsEffectiveValuesWithSecretsRedacted) {
  const std::string path = temp_path("c.yaml");
  write(path, "port: 1234\ntoken: hunter2\n");
  auto o = run({"--config", path, "--print-config"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, "port: 1234\ntoken: <redacted>\n");
  EXPECT_EQ(o.port_seen, -1);
  std::filesystem::remove(path);
}

TEST(ConfigArgs, ConfigDocPrintsTheMarkdownTable) {
  auto o = run({"--config-doc"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, demo_schema().markdown_table());
}

TEST(DocBlocks, CheckPassesWhenInSyncAndUpdateRepairsIt) {
  const std::string path = temp_path("doc.md");
  write(path, "# X\n<!-- BEGIN GENERATED: rk-demo -->\nstale\n<!-- END GENERATED: rk-demo -->\n");
  const std::string table = demo_schema().markdown_table();
  Status stale = check_doc_block(path, "rk-demo", table);
  EXPECT_EQ(stale.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(stale.message().find("--config-doc"), std::string::npos);
  ASSERT_TRUE(update_doc_block(path, "rk-demo", table).ok());
  EXPECT_TRUE(check_doc_block(path, "rk-demo", table).ok());
  EXPECT_EQ(check_doc_block(path, "rk-other", table).code(), ErrorCode::kNotFound);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rk
