// Plugin output as the Monitoring Plugins guidelines define it: one line, "LABEL STATE - text",
// perfdata after '|', 'label'=value[UOM];[warn];[crit];[min];[max], exit codes 0..3.
#include "ringkeeper/monitor/plugin_output.h"

#include <gtest/gtest.h>

#include <limits>

namespace rk::monitor {
namespace {

TEST(PluginOutput, ExitCodesFollowTheGuidelines) {
  EXPECT_EQ(exit_code(State::kOk), 0);
  EXPECT_EQ(exit_code(State::kWarning), 1);
  EXPECT_EQ(exit_code(State::kCritical), 2);
  EXPECT_EQ(exit_code(State::kUnknown), 3);
}

TEST(PluginOutput, WorstStateOrdersCriticalWarningUnknownOk) {
  EXPECT_EQ(worse(State::kOk, State::kWarning), State::kWarning);
  EXPECT_EQ(worse(State::kCritical, State::kWarning), State::kCritical);
  EXPECT_EQ(worse(State::kUnknown, State::kOk), State::kUnknown);
  EXPECT_EQ(worse(State::kUnknown, State::kWarning), State::kWarning);
}

TEST(PluginOutput, OneLineWithStateTextAndPerfdata) {
  PluginResult r;
  r.label = "DISK";
  r.state = State::kWarning;
  r.text = "42% free on /var/lib/ringkeeper";
  r.perfdata.push_back({"free", 42, "%", "60:", "50:", 0, 100});
  r.perfdata.push_back({"free_bytes", 123456789, "B", "", "", 0, 300000000});
  EXPECT_EQ(format_plugin_output(r),
            "DISK WARNING - 42% free on /var/lib/ringkeeper | 'free'=42%;60:;50:;0;100 "
            "'free_bytes'=123456789B;;;0;300000000\n");
}

TEST(PluginOutput, NoPerfdataMeansNoPipe) {
  EXPECT_EQ(format_plugin_output(unknown_result("AWAIT", "cannot read /proc/diskstats")),
            "AWAIT UNKNOWN - cannot read /proc/diskstats\n");
}

TEST(PluginOutput, TrailingEmptyFieldsAreDropped) {
  EXPECT_EQ(format_perf_value({"a", 1, "", "", "", std::nullopt, std::nullopt}), "'a'=1");
  EXPECT_EQ(format_perf_value({"a", 1, "s", "5", "", std::nullopt, std::nullopt}), "'a'=1s;5");
  EXPECT_EQ(format_perf_value({"a", 1, "s", "", "", 0, std::nullopt}), "'a'=1s;;;0");
}

TEST(PluginOutput, LabelsAreQuotedAndQuotesDoubled) {
  EXPECT_EQ(format_perf_value({"it's here", 1, "c", "", "", std::nullopt, std::nullopt}),
            "'it''s here'=1c");
  EXPECT_EQ(format_perf_value({"a=b", 2, "", "", "", std::nullopt, std::nullopt}), "'a=b'=2");
}

TEST(PluginOutput, TextAndLabelsCannotBreakTheLine) {
  PluginResult r;
  r.label = "DISK";
  r.state = State::kOk;
  r.text = "a|b\nc";
  r.perfdata.push_back({"x|y\nz", 1, "", "", "", std::nullopt, std::nullopt});
  EXPECT_EQ(format_plugin_output(r), "DISK OK - a/b c | 'x_y_z'=1\n");
}

TEST(PluginOutput, NumbersNeverUseScientificNotation) {
  EXPECT_EQ(format_perf_number(0), "0");
  EXPECT_EQ(format_perf_number(-0.0), "0");
  EXPECT_EQ(format_perf_number(42), "42");
  EXPECT_EQ(format_perf_number(1.5), "1.5");
  EXPECT_EQ(format_perf_number(0.000001), "0.000001");
  EXPECT_EQ(format_perf_number(-2.25), "-2.25");
  EXPECT_EQ(format_perf_number(1e15), "1000000000000000");
  EXPECT_EQ(format_perf_number(375809638400), "375809638400");
  EXPECT_EQ(format_perf_number(std::numeric_limits<double>::quiet_NaN()), "U");
}

TEST(PluginOutput, UndeterminedValueIsU) {
  PerfValue v{"await",     std::numeric_limits<double>::quiet_NaN(), "ms", "20", "100", 0,
              std::nullopt};
  EXPECT_EQ(format_perf_value(v), "'await'=U;20;100;0");
}

}  // namespace
}  // namespace rk::monitor
