// rkctl's top level: help, unknown commands, exit codes.
#include "ringkeeper/cli/rkctl.h"

#include <gtest/gtest.h>

#include <sstream>

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

}  // namespace
}  // namespace rk::cli
