// Logging set-up: level by name, line format, bad levels refused.
#include "ringkeeper/core/log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <sstream>

namespace rk {
namespace {

class LogTest : public ::testing::Test {
 protected:
  // Each test installs its own logger; restore a quiet stderr one afterwards.
  void TearDown() override { (void)setup_logging("warn"); }
};

TEST_F(LogTest, WritesOneLinePerEventWithUtcTimeLevelAndProcessName) {
  std::ostringstream out;
  ASSERT_TRUE(setup_logging("info", "rk-test", out).ok());
  spdlog::info("listening on port {}", 7100);
  const std::string line = out.str();
  // "2026-11-22T23:11:24.123Z " then the event.
  const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ ";
  ASSERT_GT(line.size(), shape.size()) << line;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 'd') {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(line[i]))) << line;
    } else {
      EXPECT_EQ(line[i], shape[i]) << line;
    }
  }
  EXPECT_EQ(line.substr(shape.size()), "info rk-test: listening on port 7100\n");
}

TEST_F(LogTest, LevelFiltersLessSevereEvents) {
  std::ostringstream out;
  ASSERT_TRUE(setup_logging("warn", "rk-test", out).ok());
  spdlog::info("hidden");
  spdlog::debug("hidden");
  spdlog::warn("shown");
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
  EXPECT_NE(out.str().find("warning rk-test: shown"), std::string::npos) << out.str();
  EXPECT_EQ(spdlog::get_level(), spdlog::level::warn);
}

TEST_F(LogTest, EveryListedLevelIsAccepted) {
  for (const auto& level : log_level_names()) {
    std::ostringstream out;
    EXPECT_TRUE(setup_logging(level, "rk-test", out).ok()) << level;
  }
}

TEST_F(LogTest, UnknownLevelIsRefusedAndNamesTheValidOnes) {
  std::ostringstream out;
  ASSERT_TRUE(setup_logging("debug", "rk-test", out).ok());
  Status s = setup_logging("verbose", "rk-test");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "unknown log level 'verbose' (valid levels: trace, debug, info, warn, error, "
            "critical, off)");
  // The previous logger stays in place.
  spdlog::debug("still here");
  EXPECT_NE(out.str().find("still here"), std::string::npos);
}

}  // namespace
}  // namespace rk
