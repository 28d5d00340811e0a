// rkctl's top level: help, unknown commands, exit codes.
#include "ringkeeper/cli/rkctl.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace rk::cli {
namespace {

TEST(Rkctl, HelpListsCommandsAndExitsZero) {
  for (const char* flag : {"--help", "-h", "help"}) {
    std::ostringstream out, err;
    EXPECT_EQ(run({"rkctl", flag}, out, err), 0);
    EXPECT_EQ(out.str().rfind("usage: rkctl <command>", 0), 0u);
    EXPECT_NE(out.str().find("  token "), std::string::npos) << out.str();
    EXPECT_EQ(err.str(), "");
  }
}

TEST(Rkctl, NoCommandIsAUsageError) {
  std::ostringstream out, err;
  EXPECT_EQ(run({"rkctl"}, out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find("usage: rkctl"), std::string::npos);
}

TEST(Rkctl, UnknownCommandIsOneLineAndExitsTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(run({"rkctl", "tokn"}, out, err), 2);
  EXPECT_EQ(err.str(), "rkctl: unknown command 'tokn' (try 'rkctl help')\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(run({"rkctl", "help", "nope"}, out2, err2), 2);
}

TEST(Rkctl, MalformedUrlsAreUsageErrorsThatSayWhy) {
  // Each refused before anything is sent, with the same words every time.
  const std::vector<std::vector<std::string>> cases = {
      {"rkctl", "--scheduler", "http://127.0.0.1:", "status"},
      {"rkctl", "status", "--scheduler=http://127.0.0.1:99999"},
      {"rkctl", "--scheduler", "http://:7400", "ring"},
      {"rkctl", "--scheduler", "ftp://127.0.0.1:7400", "status"},
      {"rkctl", "write", "ks.t", "k", "c=v", "--node", "127.0.0.1:"},
      {"rkctl", "read", "ks.t", "k", "--node", "127.0.0.1:port"},
      {"rkctl", "restore", "--agent", ":7100"},
  };
  for (const auto& args : cases) {
    std::string first;
    for (int i = 0; i < 2; ++i) {
      std::ostringstream out, err;
      EXPECT_EQ(run(args, out, err), 2) << args.back() << ": " << err.str();
      EXPECT_EQ(out.str(), "");
      EXPECT_NE(err.str().find("--"), std::string::npos) << err.str();
      if (i == 0) first = err.str();
      EXPECT_EQ(err.str(), first);
    }
  }
  std::ostringstream out, err;
  run({"rkctl", "--scheduler", "http://127.0.0.1:", "status"}, out, err);
  EXPECT_EQ(err.str(),
            "rkctl: --scheduler: URL 'http://127.0.0.1:' has an empty port (write host:PORT, or "
            "leave out ':')\n");
}

TEST(Rkctl, CheckAnswersUnknownForAMalformedUrl) {
  std::ostringstream out, err;
  EXPECT_EQ(run({"rkctl", "--scheduler", "http://127.0.0.1:", "check", "repair"}, out, err), 3);
  EXPECT_NE(out.str().find("has an empty port"), std::string::npos) << out.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(run({"rkctl", "check", "node", "--agent", "http://127.0.0.1:x"}, out2, err2), 3);
  EXPECT_NE(out2.str().find("--agent"), std::string::npos) << out2.str();
}

}  // namespace
}  // namespace rk::cli
