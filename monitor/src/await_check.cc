// The await check: device discovery, two diskstats samples, thresholds per device, output.
#include "ringkeeper/monitor/await_check.h"

#include <fmt/format.h>

#include <cmath>

#include "ringkeeper/monitor/block_devices.h"

namespace rk::monitor {

namespace {

// iostat prints two decimals; so does the perfdata.
double round2(double v) { return std::round(v * 100) / 100; }

std::string ms_range(const std::optional<Range>& r) { return r ? r->to_string(1e-3) : ""; }

}  // namespace

Thresholds AwaitCheckOptions::default_thresholds() {
  return Thresholds{Range{false, 0, 0.020, Unit::kSeconds}, Range{false, 0, 0.100, Unit::kSeconds}};
}

Status validate_await_thresholds(const Thresholds& t) {
  for (const auto* r : {&t.warning, &t.critical}) {
    if (*r && (*r)->unit != Unit::kSeconds) {
      return Status::InvalidArgument(
          fmt::format("await thresholds are times (e.g. 20 or 20ms, 1s), not '{}{}'",
                      (*r)->to_string(), unit_symbol((*r)->unit)));
    }
  }
  return Status::OK();
}

PluginResult evaluate_await(const std::string& path, const std::vector<DeviceIo>& devices,
                            double interval_seconds, const AwaitCheckOptions& options) {
  if (devices.empty()) return unknown_result("AWAIT", "no block device to check under " + path);
  PluginResult r;
  r.label = "AWAIT";
  State state = State::kOk;
  std::string parts;
  for (const auto& d : devices) {
    const IoRates& x = d.rates;
    state = worse(state, options.thresholds.evaluate(x.await / 1000.0));
    if (!parts.empty()) parts += ", ";
    parts += fmt::format("await {:.2f} ms on {} (r {:.2f} ms, w {:.2f} ms, {:.1f}% util)", x.await,
                         d.name, x.r_await, x.w_await, x.util_percent);
    r.perfdata.push_back({d.name + "_await", round2(x.await), "ms",
                          ms_range(options.thresholds.warning),
                          ms_range(options.thresholds.critical), 0, std::nullopt});
    r.perfdata.push_back({d.name + "_r_await", round2(x.r_await), "ms", "", "", 0, std::nullopt});
    r.perfdata.push_back({d.name + "_w_await", round2(x.w_await), "ms", "", "", 0, std::nullopt});
    r.perfdata.push_back({d.name + "_util", round2(x.util_percent), "%", "", "", 0, 100});
    r.perfdata.push_back({d.name + "_r/s", round2(x.r_per_s), "", "", "", 0, std::nullopt});
    r.perfdata.push_back({d.name + "_w/s", round2(x.w_per_s), "", "", "", 0, std::nullopt});
  }
  r.state = state;
  r.text = fmt::format("{} over {:.2f} s for {}", parts, interval_seconds, path);
  return r;
}

PluginResult run_await_check(const AwaitCheckOptions& options, const Clock& clock,
                             const Sleeper& sleep) {
  if (Status s = validate_await_thresholds(options.thresholds); !s.ok()) {
    return unknown_result("AWAIT", s.message());
  }
  if (!(options.interval_seconds > 0)) {
    return unknown_result("AWAIT", "the interval must be more than 0 seconds");
  }
  auto devices = block_devices_under(options.path, options.mountinfo_path, options.sys_root);
  if (!devices.ok()) return unknown_result("AWAIT", devices.status().message());
  auto before = read_diskstats(options.diskstats_path);
  if (!before.ok()) return unknown_result("AWAIT", before.status().message());
  const int64_t t0 = clock.monotonic_micros();
  sleep(options.interval_seconds);
  auto after = read_diskstats(options.diskstats_path);
  if (!after.ok()) return unknown_result("AWAIT", after.status().message());
  const double seconds = static_cast<double>(clock.monotonic_micros() - t0) / 1e6;
  if (!(seconds > 0)) return unknown_result("AWAIT", "no time passed between the two samples");
  std::vector<DeviceIo> io;
  for (const auto& name : devices->watched()) {
    const DiskStats* p = find_disk(*before, name);
    const DiskStats* c = find_disk(*after, name);
    if (p == nullptr || c == nullptr) {
      return unknown_result("AWAIT",
                            fmt::format("device {} is not in {}", name, options.diskstats_path));
    }
    io.push_back({name, compute_io_rates(*p, *c, seconds)});
  }
  return evaluate_await(options.path, io, seconds, options);
}

}  // namespace rk::monitor
