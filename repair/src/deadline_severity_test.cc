// The one map from gc_grace deadline states to the severities alerts and checks report.
#include "ringkeeper/repair/deadline_severity.h"

#include <gtest/gtest.h>

namespace rk::repair {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000;
constexpr int64_t kDay = 86'400'000'000;

TEST(DeadlineSeverity, OkAtRiskAndOverdueAreOkWarningAndCritical) {
  EXPECT_EQ(deadline_severity(DeadlineState::kOk, kNow + kDay, kNow), DeadlineSeverity::kOk);
  EXPECT_EQ(deadline_severity(DeadlineState::kAtRisk, kNow + kDay, kNow),
            DeadlineSeverity::kWarning);
  EXPECT_EQ(deadline_severity(DeadlineState::kOverdue, kNow - kDay, kNow),
            DeadlineSeverity::kCritical);
}

TEST(DeadlineSeverity, ANeverRepairedTableYoungerThanGcGraceIsOk) {
  // Created a day ago with a 10-day gc_grace: its deadline is 9 days ahead.
  EXPECT_EQ(deadline_severity(DeadlineState::kNeverRepaired, kNow + 9 * kDay, kNow),
            DeadlineSeverity::kOk);
}

TEST(DeadlineSeverity, ANeverRepairedTableOlderThanGcGraceIsCritical) {
  EXPECT_EQ(deadline_severity(DeadlineState::kNeverRepaired, kNow, kNow),
            DeadlineSeverity::kCritical);
  EXPECT_EQ(deadline_severity(DeadlineState::kNeverRepaired, kNow - kDay, kNow),
            DeadlineSeverity::kCritical);
}

TEST(DeadlineSeverity, ANeverRepairedTableOfUnknownAgeIsAWarning) {
  EXPECT_EQ(deadline_severity(DeadlineState::kNeverRepaired, 0, kNow), DeadlineSeverity::kWarning);
}

TEST(DeadlineSeverity, NamesAndStatesReadBack) {
  EXPECT_EQ(deadline_severity_name(DeadlineSeverity::kOk), "OK");
  EXPECT_EQ(deadline_severity_name(DeadlineSeverity::kWarning), "WARNING");
  EXPECT_EQ(deadline_severity_name(DeadlineSeverity::kCritical), "CRITICAL");
  for (DeadlineState s : {DeadlineState::kOk, DeadlineState::kAtRisk, DeadlineState::kOverdue,
                          DeadlineState::kNeverRepaired}) {
    EXPECT_EQ(parse_deadline_state(deadline_state_name(s)), s);
  }
  EXPECT_FALSE(parse_deadline_state("ok").has_value());
  EXPECT_FALSE(parse_deadline_state("").has_value());
}

}  // namespace
}  // namespace rk::repair
