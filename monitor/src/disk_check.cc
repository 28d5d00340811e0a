// The disk headroom check: thresholds on free percent / free bytes, the data budget, output.
#include "ringkeeper/monitor/disk_check.h"

#include <fmt/format.h>

#include <limits>

namespace rk::monitor {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Range free_at_least_percent(double pct) { return Range{false, pct, kInf, Unit::kPercent}; }

// The value a range is compared with: free percent for % ranges, free bytes for byte ranges.
double value_for(const Range& r, const DiskUsage& u) {
  return r.unit == Unit::kBytes ? static_cast<double>(u.available_bytes)
                                : static_cast<double>(u.free_percent);
}

std::string range_text_if(const std::optional<Range>& r, Unit unit) {
  return r && r->unit == unit ? r->to_string() : "";
}

}  // namespace

Thresholds DiskCheckOptions::default_thresholds() {
  return Thresholds{free_at_least_percent(60), free_at_least_percent(50)};
}

std::string format_bytes_iec(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int i = 0;
  while (v >= 1024 && i < 6) {
    v /= 1024;
    ++i;
  }
  if (i == 0) return fmt::format("{}B", bytes);
  return fmt::format("{:.1f}{}", v, kUnits[i]);
}

Status validate_disk_thresholds(const Thresholds& t) {
  for (const auto* r : {&t.warning, &t.critical}) {
    if (!*r) continue;
    if ((*r)->unit != Unit::kPercent && (*r)->unit != Unit::kBytes) {
      return Status::InvalidArgument(
          fmt::format("disk thresholds are free percent (e.g. 60%:) or free bytes (e.g. "
                      "200GiB:), not '{}{}'",
                      (*r)->to_string(), unit_symbol((*r)->unit)));
    }
  }
  return Status::OK();
}

PluginResult evaluate_disk(const DiskFacts& facts, const DiskCheckOptions& options) {
  const DiskUsage& u = facts.usage;
  if (u.free_percent < 0) {
    return unknown_result("DISK", fmt::format("{} reports no usable size", facts.path));
  }
  PluginResult r;
  r.label = "DISK";
  State state = State::kOk;
  const Thresholds& t = options.thresholds;
  if (t.critical && t.critical->alerts(value_for(*t.critical, u))) {
    state = State::kCritical;
  } else if (t.warning && t.warning->alerts(value_for(*t.warning, u))) {
    state = State::kWarning;
  }
  r.text =
      fmt::format("{}% free ({} of {}) on {}", u.free_percent, format_bytes_iec(u.available_bytes),
                  format_bytes_iec(u.size_bytes), facts.path);
  if (facts.data_bytes && options.data_budget_bytes > 0) {
    const bool over = *facts.data_bytes > options.data_budget_bytes;
    if (over) state = worse(state, State::kWarning);
    r.text += fmt::format(", data {} {} budget {}", format_bytes_iec(*facts.data_bytes),
                          over ? "over" : "within", format_bytes_iec(options.data_budget_bytes));
  }
  r.state = state;
  r.perfdata.push_back({"free", static_cast<double>(u.free_percent), "%",
                        range_text_if(t.warning, Unit::kPercent),
                        range_text_if(t.critical, Unit::kPercent), 0, 100});
  r.perfdata.push_back({"free_bytes", static_cast<double>(u.available_bytes), "B",
                        range_text_if(t.warning, Unit::kBytes),
                        range_text_if(t.critical, Unit::kBytes), 0,
                        static_cast<double>(u.size_bytes)});
  r.perfdata.push_back({"used_bytes", static_cast<double>(u.used_bytes), "B", "", "", 0,
                        static_cast<double>(u.size_bytes)});
  if (facts.data_bytes && options.data_budget_bytes > 0) {
    r.perfdata.push_back({"data_bytes", static_cast<double>(*facts.data_bytes), "B",
                          format_perf_number(static_cast<double>(options.data_budget_bytes)), "", 0,
                          std::nullopt});
  }
  return r;
}

PluginResult run_disk_check(const DiskCheckOptions& options) {
  if (Status s = validate_disk_thresholds(options.thresholds); !s.ok()) {
    return unknown_result("DISK", s.message());
  }
  auto facts = measure_disk(options);
  if (!facts.ok()) return unknown_result("DISK", facts.status().message());
  return evaluate_disk(*facts, options);
}

Result<DiskFacts> measure_disk(const DiskCheckOptions& options) {
  RK_ASSIGN_OR_RETURN(FsStats stats, read_fs_stats(options.path));
  DiskFacts facts{options.path, disk_usage(stats), std::nullopt};
  if (options.data_budget_bytes > 0) {
    RK_ASSIGN_OR_RETURN(facts.data_bytes, data_bytes(options.path));
  }
  return facts;
}

}  // namespace rk::monitor
