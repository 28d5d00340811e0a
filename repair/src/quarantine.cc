// Which tables a returning node is quarantined for (see quarantine.h).
#include "ringkeeper/repair/quarantine.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ringkeeper/core/duration_text.h"

namespace rk::repair {

QuarantineDecision decide_quarantine(int64_t left_at_us, int64_t back_at_us,
                                     const std::vector<ReplicatedTable>& replicated) {
  QuarantineDecision d;
  if (left_at_us <= 0 || back_at_us <= left_at_us) return d;
  d.away_us = back_at_us - left_at_us;
  for (const ReplicatedTable& t : replicated) {
    if (t.tombstone_gc != TombstoneGc::kTimeout) continue;
    // A deletion made just after the node left is purgeable gc_grace later: an absence longer
    // than gc_grace may have missed a tombstone that is gone everywhere else.
    if (d.away_us <= t.gc_grace_seconds * 1'000'000) continue;
    if (d.tables.empty() || t.gc_grace_seconds < d.smallest_gc_grace_seconds) {
      d.smallest_gc_grace_seconds = t.gc_grace_seconds;
    }
    d.tables.push_back(t);
  }
  return d;
}

std::string quarantine_message(const std::string& host, const QuarantineDecision& d) {
  std::vector<std::string> names;
  for (const ReplicatedTable& t : d.tables) names.push_back(t.keyspace + "." + t.table);
  std::sort(names.begin(), names.end());
  return fmt::format(
      "node {} came back after {} away, longer than gc_grace ({}) of tombstone_gc timeout "
      "table(s) {}: it may hold data deleted meanwhile whose tombstones are purged elsewhere, so "
      "it is QUARANTINED for them (not read, written or repaired from). Run 'rkctl node rebuild "
      "{}' to discard its copy and stream them from the other replicas, or 'rkctl node "
      "unquarantine {} --accept-risk' to serve its copy as it is",
      host, format_duration(std::chrono::microseconds(d.away_us), DurationStyle::kTwoUnits),
      format_duration(std::chrono::seconds(d.smallest_gc_grace_seconds), DurationStyle::kTwoUnits),
      fmt::join(names, ", "), host, host);
}

}  // namespace rk::repair
