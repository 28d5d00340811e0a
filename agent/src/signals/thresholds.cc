// Parsing the signals' alert thresholds from the config (see thresholds.h).
#include "signals/thresholds.h"

#include "ringkeeper/monitor/threshold.h"

namespace rk::agent {
namespace {

Result<monitor::Range> range_option(const std::string& key, const std::string& text,
                                    monitor::Unit default_unit, double factor) {
  auto r = monitor::parse_range(text);
  if (!r.ok()) return r.status().with_context("signals." + key);
  return r->with_default_unit(default_unit, factor);
}

}  // namespace

Result<SignalThresholds> parse_signal_thresholds(const SignalOptions& o) {
  using monitor::Unit;
  SignalThresholds t;
  RK_ASSIGN_OR_RETURN(t.disk.thresholds.warning,
                      range_option("disk_warning", o.disk_warning, Unit::kPercent, 1));
  RK_ASSIGN_OR_RETURN(t.disk.thresholds.critical,
                      range_option("disk_critical", o.disk_critical, Unit::kPercent, 1));
  RK_RETURN_IF_ERROR(monitor::validate_disk_thresholds(t.disk.thresholds));
  if (t.disk.thresholds.warning->unit != t.disk.thresholds.critical->unit) {
    return Status::InvalidArgument(
        "signals.disk_warning and signals.disk_critical must both be % or both bytes");
  }
  t.disk.data_budget_bytes = static_cast<uint64_t>(o.data_budget_bytes);
  RK_ASSIGN_OR_RETURN(t.await.thresholds.warning,
                      range_option("await_warning", o.await_warning, Unit::kSeconds, 1e-3));
  RK_ASSIGN_OR_RETURN(t.await.thresholds.critical,
                      range_option("await_critical", o.await_critical, Unit::kSeconds, 1e-3));
  RK_RETURN_IF_ERROR(monitor::validate_await_thresholds(t.await.thresholds));
  RK_ASSIGN_OR_RETURN(t.node.headroom.warning,
                      range_option("headroom_warning", o.headroom_warning, Unit::kNone, 1));
  RK_ASSIGN_OR_RETURN(t.node.headroom.critical,
                      range_option("headroom_critical", o.headroom_critical, Unit::kNone, 1));
  RK_ASSIGN_OR_RETURN(t.node.tombstones.warning,
                      range_option("tombstones_warning", o.tombstones_warning, Unit::kNone, 1));
  RK_ASSIGN_OR_RETURN(t.node.tombstones.critical,
                      range_option("tombstones_critical", o.tombstones_critical, Unit::kNone, 1));
  RK_ASSIGN_OR_RETURN(t.node.files.warning,
                      range_option("files_warning", o.files_warning, Unit::kNone, 1));
  RK_ASSIGN_OR_RETURN(t.node.files.critical,
                      range_option("files_critical", o.files_critical, Unit::kNone, 1));
  for (const auto* th : {&t.node.headroom, &t.node.tombstones, &t.node.files}) {
    for (const auto* r : {&th->warning, &th->critical}) {
      if (*r && (*r)->unit != Unit::kNone) {
        return Status::InvalidArgument(
            "signals: headroom, tombstones and files ranges are plain numbers (no unit)");
      }
    }
  }
  return t;
}

}  // namespace rk::agent
