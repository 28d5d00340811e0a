// Repair deadline and backup age verdicts on the contract's shapes, with a fixed "now".
#include "ringkeeper/monitor/scheduler_checks.h"

#include <gtest/gtest.h>

namespace rk::monitor {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;
constexpr int64_t kHour = 3'600'000'000;

TableDeadline table(const std::string& name, const std::string& state, int64_t left_us) {
  TableDeadline t;
  t.keyspace = "ks";
  t.table = name;
  t.gc_grace_seconds = 864000;
  t.deadline_us = kNow + left_us;
  t.state = state;
  return t;
}

TEST(RepairCheck, TheSchedulersStatesDecideByDefault) {
  RepairCheckOptions o;
  EXPECT_EQ(evaluate_repair({table("a", "OK", 100 * kHour)}, kNow, o).state, State::kOk);
  EXPECT_EQ(
      evaluate_repair({table("a", "OK", 100 * kHour), table("b", "AT_RISK", 10 * kHour)}, kNow, o)
          .state,
      State::kWarning);
  PluginResult r = evaluate_repair(
      {table("a", "AT_RISK", 10 * kHour), table("b", "OVERDUE", -48 * kHour)}, kNow, o);
  EXPECT_EQ(r.state, State::kCritical);
  EXPECT_EQ(format_plugin_output(r),
            "REPAIR CRITICAL - ks.b OVERDUE (2.0 d past gc_grace), ks.a AT_RISK (10.0 h left); "
            "0 of 2 tables OK | 'min_time_left'=-172800s 'tables'=2;;;0 'overdue'=1;;;0 "
            "'at_risk'=1;;;0 'never_repaired'=0;;;0\n");
}

TEST(RepairCheck, NeverRepairedIsAWarningAndNoTablesIsOk) {
  TableDeadline never = table("n", "NEVER_REPAIRED", 0);
  never.deadline_us = 0;
  EXPECT_EQ(evaluate_repair({never}, kNow, {}).state, State::kWarning);
  PluginResult empty = evaluate_repair({}, kNow, {});
  EXPECT_EQ(empty.state, State::kOk);
  EXPECT_EQ(empty.text, "no tables to repair");
}

TEST(RepairCheck, OwnThresholdsOnTimeLeftReplaceTheSchedulersStates) {
  RepairCheckOptions o;
  o.time_left.warning = parse_range("2d:").value();
  o.time_left.critical = parse_range("0s:").value();
  EXPECT_EQ(evaluate_repair({table("a", "OK", 24 * kHour)}, kNow, o).state, State::kWarning);
  EXPECT_EQ(evaluate_repair({table("a", "AT_RISK", 72 * kHour)}, kNow, o).state, State::kOk);
  EXPECT_EQ(evaluate_repair({table("a", "OK", -1)}, kNow, o).state, State::kCritical);
  EXPECT_NE(format_plugin_output(evaluate_repair({table("a", "OK", 72 * kHour)}, kNow, o))
                .find("'min_time_left'=259200s;172800:;0:"),
            std::string::npos);
}

BackupRun backup(const std::string& tag, const std::string& state, int64_t ago_us) {
  return {tag,     state, kNow - ago_us - kHour, state == "COMPLETE" ? kNow - ago_us : 0, 3,
          5 << 20, 12};
}

TEST(BackupCheck, AgeOfTheLastCompleteBackup) {
  BackupCheckOptions o;
  PluginResult ok =
      evaluate_backup({backup("b2", "RUNNING", 0), backup("b1", "COMPLETE", 5 * kHour)}, kNow, o);
  EXPECT_EQ(ok.state, State::kOk);
  EXPECT_EQ(
      format_plugin_output(ok),
      "BACKUP OK - last complete backup 'b1' 5.0 h ago (5.0MiB, 3 nodes, 12 files); 'b2' "
      "running for 60 min | 'age'=18000s;129600;259200;0 'bytes'=5242880B;;;0 'files'=12;;;0\n");
  EXPECT_EQ(evaluate_backup({backup("b1", "COMPLETE", 40 * kHour)}, kNow, o).state,
            State::kWarning);
  EXPECT_EQ(evaluate_backup({backup("b1", "COMPLETE", 80 * kHour)}, kNow, o).state,
            State::kCritical);
}

TEST(BackupCheck, NoCompleteBackupIsCriticalAndAFailedLatestIsNamed) {
  PluginResult none = evaluate_backup({}, kNow, {});
  EXPECT_EQ(none.state, State::kCritical);
  EXPECT_EQ(none.text, "no backup has run");
  PluginResult failed =
      evaluate_backup({backup("b2", "FAILED", 0), backup("b1", "COMPLETE", 2 * kHour)}, kNow, {});
  EXPECT_EQ(failed.state, State::kOk);
  EXPECT_NE(failed.text.find("the latest, 'b2', FAILED"), std::string::npos) << failed.text;
}

PreviewRun preview(int64_t id, std::vector<std::string> tables, int64_t ago_us,
                   std::vector<PreviewTable> differences) {
  return {id, "ks", std::move(tables), kNow - ago_us, std::move(differences)};
}

TEST(ConsistencyCheck, EachTableAndTheTotalsAreJudged) {
  ConsistencyCheckOptions o;
  EXPECT_EQ(evaluate_consistency({preview(1, {"a", "b"}, kHour, {})}, kNow, o).state, State::kOk);
  // 600 rows in each of two tables: each table is only a WARNING, together they pass 1,000.
  PluginResult both = evaluate_consistency(
      {preview(2, {"a", "b"}, kHour, {{"a", 2, 600, 6000, {"h3"}}, {"b", 3, 600, 6000, {"h3"}}})},
      kNow, o);
  EXPECT_EQ(both.state, State::kCritical) << both.text;
  EXPECT_NE(both.text.find("ks.a: 600 rows"), std::string::npos) << both.text;
  o.table = "a";
  EXPECT_EQ(
      evaluate_consistency({preview(2, {"a", "b"}, kHour, {{"a", 2, 600, 6000, {"h3"}}})}, kNow, o)
          .state,
      State::kWarning);
}

TEST(ConsistencyCheck, NoPreviewOrAnOldOneIsUnknown) {
  ConsistencyCheckOptions o;
  o.keyspace = "ks";
  PluginResult none = evaluate_consistency({}, kNow, o);
  EXPECT_EQ(none.state, State::kUnknown);
  EXPECT_NE(none.text.find("rkctl repair start ks --preview"), std::string::npos) << none.text;
  PluginResult old = evaluate_consistency({preview(1, {"a"}, 9 * 24 * kHour, {})}, kNow, o);
  EXPECT_EQ(old.state, State::kUnknown) << old.text;
  o.max_age_us = 10 * 24 * kHour;
  EXPECT_EQ(evaluate_consistency({preview(1, {"a"}, 9 * 24 * kHour, {})}, kNow, o).state,
            State::kOk);
}

}  // namespace
}  // namespace rk::monitor
