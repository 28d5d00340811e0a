// How loudly a table's gc_grace deadline state is reported: the one map from deadline states
// (gc_grace.h) to the Nagios severities OK, WARNING and CRITICAL. The scheduler raises its
// repair_deadline alerts with it and serves it as "severity" in GET /api/v1/repair/deadlines
// (which the web UI reads); `rkctl check repair` decides its verdict with it (docs/repair.md,
// "How loud each state is").
//
//   OK              OK
//   AT_RISK         WARNING   the forecast lands after the safe point: act while there is time
//   OVERDUE         CRITICAL  the deadline passed: deleted data may come back
//   NEVER_REPAIRED  OK while the table is younger than gc_grace (its deadline, creation +
//                   gc_grace, is still ahead: a new table is not an emergency, its first scheduled
//                   repair has time); CRITICAL once that deadline passed (tombstones older than
//                   gc_grace may be purged while a replica still misses the delete: the danger
//                   of OVERDUE); WARNING when its age is unknown (deadline 0), since nothing shows
//                   it is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ringkeeper/repair/gc_grace.h"

namespace rk::repair {

// Same order and numbers as the Nagios states (monitor::State): 0 OK, 1 WARNING, 2 CRITICAL.
enum class DeadlineSeverity { kOk = 0, kWarning = 1, kCritical = 2 };

// "OK", "WARNING", "CRITICAL".
inline std::string_view deadline_severity_name(DeadlineSeverity severity) {
  switch (severity) {
    case DeadlineSeverity::kOk:
      return "OK";
    case DeadlineSeverity::kWarning:
      return "WARNING";
    case DeadlineSeverity::kCritical:
      return "CRITICAL";
  }
  return "UNKNOWN";
}

// The severity of a table in `state` whose deadline is `deadline_us` (0: unknown), at `now_us`.
inline DeadlineSeverity deadline_severity(DeadlineState state, int64_t deadline_us,
                                          int64_t now_us) {
  switch (state) {
    case DeadlineState::kOk:
      return DeadlineSeverity::kOk;
    case DeadlineState::kAtRisk:
      return DeadlineSeverity::kWarning;
    case DeadlineState::kOverdue:
      return DeadlineSeverity::kCritical;
    case DeadlineState::kNeverRepaired:
      if (deadline_us == 0) return DeadlineSeverity::kWarning;
      return now_us < deadline_us ? DeadlineSeverity::kOk : DeadlineSeverity::kCritical;
  }
  return DeadlineSeverity::kWarning;
}

// The state named by deadline_state_name ("OK", "AT_RISK", "OVERDUE", "NEVER_REPAIRED"), for
// readers of the deadlines API; nullopt for anything else.
inline std::optional<DeadlineState> parse_deadline_state(std::string_view name) {
  for (DeadlineState s : {DeadlineState::kOk, DeadlineState::kAtRisk, DeadlineState::kOverdue,
                          DeadlineState::kNeverRepaired}) {
    if (deadline_state_name(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace rk::repair
