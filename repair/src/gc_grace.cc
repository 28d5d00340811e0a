// gc_grace deadlines, the forecast of when outstanding work completes, and the default schedule
// interval (see gc_grace.h).
#include "ringkeeper/repair/gc_grace.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ringkeeper/core/duration_text.h"
#include "ringkeeper/core/saturating.h"
#include "ringkeeper/core/time_text.h"

namespace rk::repair {

namespace {

constexpr int64_t kMicros = 1'000'000;

std::string duration_text(int64_t us) {
  return format_duration(std::chrono::microseconds(us), DurationStyle::kRoundedWords);
}

// The safety margin for a gc_grace of `grace_us` µs: a share of it, at least the minimum.
int64_t margin_us(int64_t grace_us, const ForecastOptions& o) {
  // Clamped before the cast: a double beyond int64 does not convert.
  const double share =
      std::clamp(o.safety_margin_fraction * static_cast<double>(grace_us), 0.0, 9e18);
  return std::max(seconds_to_micros(o.safety_margin_min.count()), static_cast<int64_t>(share));
}

}  // namespace

std::string_view deadline_state_name(DeadlineState state) {
  static constexpr std::array<std::string_view, 4> kNames = {"OK", "AT_RISK", "OVERDUE",
                                                             "NEVER_REPAIRED"};
  return kNames[static_cast<size_t>(state)];
}

int64_t group_gc_grace_seconds(std::span<const TableRef> tables) {
  int64_t out = std::numeric_limits<int64_t>::max();
  for (const TableRef& t : tables) out = std::min(out, t.gc_grace_seconds);
  return tables.empty() ? 0 : out;
}

std::vector<TableDeadline> forecast_deadlines(std::vector<RepairWork> work, int64_t now_us,
                                              const ForecastOptions& o) {
  struct Item {
    RepairWork work;
    int64_t gc_grace = 0;
    int64_t deadline = 0;    // 0: unknown
    int64_t safe_point = 0;  // the deadline minus the safety margin
  };
  std::vector<Item> items;
  items.reserve(work.size());
  for (RepairWork& w : work) {
    Item item;
    item.gc_grace = group_gc_grace_seconds(w.tables);
    const int64_t base = w.oldest_repaired_at_us > 0 ? w.oldest_repaired_at_us : w.first_seen_at_us;
    // Saturating: a huge gc_grace puts the deadline at the end of time, not (wrapped) in the past.
    // The safe point is taken from the base too, so that it stays as far before the true
    // deadline when the deadline itself had to be clamped.
    const int64_t grace_us = seconds_to_micros(item.gc_grace);
    item.deadline = base > 0 ? saturating_add(base, grace_us) : 0;
    item.safe_point = saturating_add(base, saturating_sub(grace_us, margin_us(grace_us, o)));
    item.work = std::move(w);
    items.push_back(std::move(item));
  }
  // Unknown deadlines (never repaired, creation unknown) first, then by deadline.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if ((a.deadline == 0) != (b.deadline == 0)) return a.deadline == 0;
    return a.deadline < b.deadline;
  });

  std::vector<TableDeadline> out;
  int64_t cursor = now_us;
  bool pace_known = o.bytes_per_second > 0;
  for (const Item& item : items) {
    int64_t done = 0;
    if (item.work.remaining_bytes <= 0) {
      done = pace_known ? cursor : now_us;
    } else if (pace_known) {
      const double work_us =
          static_cast<double>(item.work.remaining_bytes) / o.bytes_per_second * kMicros;
      done = work_us >= 9e18 ? std::numeric_limits<int64_t>::max()
                             : o.windows.advance(cursor, static_cast<int64_t>(work_us));
      cursor = done;
    }
    const int64_t margin = margin_us(seconds_to_micros(item.gc_grace), o);
    const int64_t safe_point = item.safe_point;
    DeadlineState state = DeadlineState::kOk;
    std::string message;
    const std::string forecast_text =
        done == 0 ? std::string("no repair pace known yet")
        : done == std::numeric_limits<int64_t>::max()
            ? std::string("the repair never completes at the current pace")
            : fmt::format("repair forecast to complete {}",
                          format_time_us(done, TimeForm::kRfc3339Seconds));
    if (item.work.oldest_repaired_at_us == 0) {
      state = DeadlineState::kNeverRepaired;
      message =
          item.deadline > 0
              ? fmt::format("never repaired; must be repaired by {}; {}",
                            format_time_us(item.deadline, TimeForm::kRfc3339Seconds), forecast_text)
              : fmt::format("never repaired; {}", forecast_text);
    } else if (now_us >= item.deadline) {
      state = DeadlineState::kOverdue;
      message = fmt::format(
          "OVERDUE by {}: the oldest range was last repaired {} and gc_grace is {} s; deleted "
          "data may come back; {}",
          duration_text(saturating_sub(now_us, item.deadline)),
          format_time_us(item.work.oldest_repaired_at_us, TimeForm::kRfc3339Seconds), item.gc_grace,
          forecast_text);
    } else if (done == 0) {
      if (now_us > safe_point) {
        state = DeadlineState::kAtRisk;
        message = fmt::format("deadline {} is {} away and {}",
                              format_time_us(item.deadline, TimeForm::kRfc3339Seconds),
                              duration_text(saturating_sub(item.deadline, now_us)), forecast_text);
      } else {
        message =
            fmt::format("deadline {}; {}", format_time_us(item.deadline, TimeForm::kRfc3339Seconds),
                        forecast_text);
      }
    } else if (done > safe_point) {
      state = DeadlineState::kAtRisk;
      message = fmt::format(
          "{} is {} past the safe point (deadline {} minus {} margin); add repair capacity "
          "(parallelism, intensity, windows) or start now",
          forecast_text,
          done == std::numeric_limits<int64_t>::max()
              ? std::string("forever")
              : duration_text(saturating_sub(done, safe_point)),
          format_time_us(item.deadline, TimeForm::kRfc3339Seconds), duration_text(margin));
    } else {
      message = fmt::format("{}, {} before the deadline {}", forecast_text,
                            duration_text(saturating_sub(item.deadline, done)),
                            format_time_us(item.deadline, TimeForm::kRfc3339Seconds));
    }
    for (const TableRef& t : item.work.tables) {
      out.push_back(TableDeadline{t, item.gc_grace, item.work.oldest_repaired_at_us, item.deadline,
                                  done, state, message});
    }
  }
  return out;
}

double observed_bytes_per_second(const SegmentPlan& plan, std::span<const SegmentProgress> progress,
                                 int64_t now_us, const MaintenanceSchedule& windows,
                                 std::chrono::seconds lookback, size_t min_segments) {
  const int64_t since = saturating_sub(now_us, seconds_to_micros(lookback.count()));
  auto collect = [&](bool recent_only, int64_t& first, int64_t& last) {
    long double bytes = 0;
    size_t count = 0;
    first = std::numeric_limits<int64_t>::max();
    last = 0;
    for (size_t i = 0; i < progress.size() && i < plan.segments.size(); ++i) {
      const SegmentProgress& p = progress[i];
      if (p.state != SegmentState::kDone || p.started_at_us <= 0 || p.finished_at_us <= 0) continue;
      if (recent_only && p.finished_at_us < since) continue;
      bytes += plan.segments[i].estimated_bytes;
      first = std::min(first, p.started_at_us);
      last = std::max(last, p.finished_at_us);
      ++count;
    }
    return std::pair(bytes, count);
  };
  int64_t first = 0;
  int64_t last = 0;
  auto [bytes, count] = collect(true, first, last);
  if (count < min_segments) std::tie(bytes, count) = collect(false, first, last);
  if (count == 0 || last <= first) return 0;
  const int64_t open_us = windows.open_time(first, last);
  if (open_us <= 0) return 0;
  return static_cast<double>(bytes / (static_cast<long double>(open_us) / kMicros));
}

Result<ScheduleAdvice> default_repair_interval(int64_t gc_grace_seconds,
                                               std::chrono::seconds estimated_cycle,
                                               const ForecastOptions& o, int64_t now_us) {
  if (gc_grace_seconds <= 0) {
    return Status::InvalidArgument("gc_grace_seconds must be positive to derive an interval");
  }
  const int64_t gc = gc_grace_seconds;
  const int64_t margin = margin_us(seconds_to_micros(gc), o) / kMicros;
  const bool known = estimated_cycle.count() > 0;
  const int64_t work_us = known ? seconds_to_micros(static_cast<int64_t>(std::min(
                                      9e18, std::ceil(static_cast<double>(estimated_cycle.count()) *
                                                      (1.0 + std::max(0.0, o.cycle_allowance))))))
                                : seconds_to_micros(gc / 4);
  const int64_t wall_us = o.windows.worst_case_duration(work_us, now_us);
  const int64_t cycle = wall_us == std::numeric_limits<int64_t>::max()
                            ? std::numeric_limits<int64_t>::max() / 4
                            : saturating_add(wall_us, kMicros - 1) / kMicros;
  const int64_t interval = saturating_sub(saturating_sub(gc, cycle), margin);
  if (interval < cycle) {
    return Status::FailedPrecondition(fmt::format(
        "a repair cycle of up to {} does not fit gc_grace {} s: interval + cycle + margin ({}) "
        "must stay within gc_grace with the interval at least one cycle; add repair capacity, "
        "widen the maintenance windows or raise gc_grace_seconds",
        duration_text(seconds_to_micros(cycle)), gc, duration_text(seconds_to_micros(margin))));
  }
  ScheduleAdvice advice;
  advice.interval = std::chrono::seconds(interval);
  advice.explanation = fmt::format(
      "every {}: gc_grace {} minus a cycle of up to {} ({}{}) minus {} safety margin, so a "
      "range repaired early in one cycle is repaired again before its deadline",
      duration_text(seconds_to_micros(interval)), duration_text(seconds_to_micros(gc)),
      duration_text(seconds_to_micros(cycle)),
      known ? fmt::format("estimated, +{:.0f}% allowance", o.cycle_allowance * 100)
            : std::string("assumed: a quarter of gc_grace"),
      o.windows.always_open() ? "" : ", stretched by the maintenance windows",
      duration_text(seconds_to_micros(margin)));
  return advice;
}

}  // namespace rk::repair
