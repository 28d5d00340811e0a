// `rkctl check disk|await` as Nagios runs it: one line on stdout, exit code = state, UNKNOWN (3)
// for bad options and --help, figures that agree with df.
#include "check_command.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>

#include "ringkeeper/cli/rkctl.h"

namespace rk::cli {
namespace {

struct CheckRun {
  int code;
  std::string out, err;
};

CheckRun rkctl(std::vector<std::string> args) {
  args.insert(args.begin(), "rkctl");
  std::ostringstream out, err;
  const int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

std::string cwd() { return std::filesystem::current_path().string(); }

// The state word must match the exit code, and the output must be exactly one line.
void expect_plugin_line(const CheckRun& r, const std::string& label) {
  static const char* const kStates[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  ASSERT_GE(r.code, 0);
  ASSERT_LE(r.code, 3);
  EXPECT_EQ(r.out.rfind(label + " " + kStates[r.code] + " - ", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(CheckCommand, DiskOnTheBuildDirectoryPrintsOnePluginLine) {
  CheckRun r = rkctl({"check", "disk", "--path", cwd(), "--budget", "0"});
  expect_plugin_line(r, "DISK");
  EXPECT_NE(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("| 'free'="), std::string::npos) << r.out;
}

TEST(CheckCommand, ExitCodeFollowsTheThresholds) {
  // "@0%:100%" alerts for every free percent, "~:" never does.
  CheckRun warning =
      rkctl({"check", "disk", "--path", cwd(), "--budget", "0", "-w", "@0%:100%", "-c", "~:"});
  EXPECT_EQ(warning.code, 1) << warning.out;
  expect_plugin_line(warning, "DISK");
  CheckRun critical = rkctl({"check", "disk", "--path", cwd(), "--budget=0", "-c@0:100"});
  EXPECT_EQ(critical.code, 2) << critical.out;
  CheckRun ok = rkctl(
      {"check", "disk", "--path", cwd(), "--budget", "0", "--warning=~:", "--critical", "~:"});
  EXPECT_EQ(ok.code, 0) << ok.out;
}

TEST(CheckCommand, DiskAgreesWithDf) {
  CheckRun r = rkctl({"check", "disk", "--path", cwd(), "--budget", "0"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("'free'=([0-9]+)%"))) << r.out;
  const int free_percent = std::stoi(m[1]);
  FILE* p = ::popen(("df --output=pcent '" + cwd() + "' | tail -n 1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[64] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, p), nullptr);
  ::pclose(p);
  const int use_percent = std::stoi(buf);
  // The build filesystem is shared with other work: allow the percent to move by one.
  EXPECT_NEAR(free_percent, 100 - use_percent, 1) << r.out << " df: " << buf;
}

TEST(CheckCommand, BadThresholdIsUnknownWithTheReason) {
  CheckRun r = rkctl({"check", "disk", "--path", cwd(), "-w", "20:10"});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "DISK UNKNOWN - invalid threshold range '20:10': start is greater than end\n");
  CheckRun unit = rkctl({"check", "disk", "--path", cwd(), "-c", "20ms"});
  EXPECT_EQ(unit.code, 3);
  EXPECT_NE(unit.out.find("disk thresholds are free percent"), std::string::npos) << unit.out;
  CheckRun await_unit = rkctl({"check", "await", "--path", cwd(), "-w", "50%"});
  EXPECT_EQ(await_unit.code, 3);
  EXPECT_NE(await_unit.out.find("await thresholds are times"), std::string::npos);
}

TEST(CheckCommand, UsageErrorsAreUnknown) {
  CheckRun missing = rkctl({"check", "disk", "--path"});
  EXPECT_EQ(missing.code, 3);
  EXPECT_EQ(missing.out, "DISK UNKNOWN - option '--path' needs a value\n");
  CheckRun unknown_option = rkctl({"check", "disk", "--interval", "1"});
  EXPECT_EQ(unknown_option.code, 3);
  EXPECT_EQ(unknown_option.out, "DISK UNKNOWN - unknown option '--interval' (see --help)\n");
  CheckRun unknown_check = rkctl({"check", "memory"});
  EXPECT_EQ(unknown_check.code, 3);
  EXPECT_EQ(unknown_check.out,
            "CHECK UNKNOWN - unknown check 'memory' (disk, await, node, repair, backup or "
            "consistency)\n");
  CheckRun none = rkctl({"check"});
  EXPECT_EQ(none.code, 3);
  CheckRun budget = rkctl({"check", "disk", "--budget", "10:"});
  EXPECT_EQ(budget.code, 3);
  EXPECT_NE(budget.out.find("invalid size '10:'"), std::string::npos);
  CheckRun interval = rkctl({"check", "await", "--interval", "0"});
  EXPECT_EQ(interval.code, 3);
  EXPECT_NE(interval.out.find("invalid interval '0'"), std::string::npos);
}

TEST(CheckCommand, MissingPathIsUnknown) {
  CheckRun r = rkctl({"check", "disk", "--path", "/nonexistent/ringkeeper"});
  EXPECT_EQ(r.code, 3);
  expect_plugin_line(r, "DISK");
  EXPECT_NE(r.out.find("/nonexistent/ringkeeper"), std::string::npos);
}

TEST(CheckCommand, HelpHasExamplesAndExitsUnknown) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"check", "--help"}, {"check", "disk", "-h"}, {"check", "await", "--bogus", "--help"}}) {
    CheckRun r = rkctl(args);
    EXPECT_EQ(r.code, 3);
    EXPECT_NE(r.out.find("examples:"), std::string::npos);
    EXPECT_NE(r.out.find("@10:20"), std::string::npos);
  }
  CheckRun listed = rkctl({"--help"});
  EXPECT_NE(listed.out.find("  check "), std::string::npos);
}

TEST(CheckCommand, AwaitOnTheBuildDirectory) {
  CheckRun r = rkctl({"check", "await", "--path", cwd(), "--interval", "0.1"});
  expect_plugin_line(r, "AWAIT");
  if (r.code == 3 && r.out.find("no block device") != std::string::npos) {
    GTEST_SKIP() << r.out;
  }
  EXPECT_NE(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("_await'="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(";20;100;0"), std::string::npos) << r.out;
}

TEST(CheckCommand, AwaitThresholdsInMillisecondsByDefault) {
  // Any await is >= 0, so "@0:100000" (ms) always alerts.
  CheckRun r = rkctl({"check", "await", "--path", cwd(), "--interval", "0.05", "-c", "@0:100000"});
  if (r.code == 3) GTEST_SKIP() << r.out;
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(";20;@100000;0"), std::string::npos) << r.out;
}

std::atomic<int> timeout_exits{0};

TEST(CheckCommand, TimeoutPrintsOneUnknownLineAndEnds) {
  timeout_exits = 0;
  std::ostringstream out;
  // Sampling for 0.4 s with a 0.1 s timeout: the deadline speaks first.
  const int code =
      check_command_with_timeout_exit({"await", "--path", cwd(), "--interval", "0.4", "-t", "0.1"},
                                      out, [](int c) { timeout_exits = c; });
  EXPECT_EQ(code, 3);
  EXPECT_EQ(timeout_exits.load(), 3);
  EXPECT_EQ(out.str(),
            "AWAIT UNKNOWN - timed out after 0.1 s checking " + cwd() + " (sampling for 0.4 s)\n");
}

TEST(CheckCommand, FinishedCheckIsNotInterruptedByItsTimeout) {
  timeout_exits = 0;
  std::ostringstream out;
  const int code =
      check_command_with_timeout_exit({"disk", "--path", cwd(), "--budget", "0", "--timeout", "5"},
                                      out, [](int c) { timeout_exits = c; });
  EXPECT_NE(code, 3) << out.str();
  EXPECT_EQ(timeout_exits.load(), 0);
  EXPECT_EQ(out.str().rfind("DISK ", 0), 0u);
  EXPECT_EQ(out.str().find('\n'), out.str().size() - 1);
}

TEST(CheckCommand, BadTimeoutIsUnknown) {
  CheckRun r = rkctl({"check", "disk", "-t", "0"});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "DISK UNKNOWN - invalid timeout '0' (seconds, more than 0 and at most 3600)\n");
}

}  // namespace
}  // namespace rk::cli
