// The I/O latency check (`rkctl check await`): iostat's await, r_await, w_await and %util of the
// block device(s) under the node's data directory, from two samples of /proc/diskstats taken an
// interval apart. The first sign of I/O trouble is await: about 9 ms on a healthy busy disk,
// thousands of ms on an overloaded one. Defaults: WARNING above 20 ms, CRITICAL above 100 ms.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/monitor/diskstats.h"
#include "ringkeeper/monitor/plugin_output.h"
#include "ringkeeper/monitor/threshold.h"

namespace rk::monitor {

struct AwaitCheckOptions {
  // The node's data directory; its mount decides the devices.
  std::string path = "/var/lib/ringkeeper";
  // Seconds between the two samples (iostat's interval).
  double interval_seconds = 1.0;
  // Ranges in seconds applied to each device's await. Defaults: warning "20ms" (await > 20 ms),
  // critical "100ms" (await > 100 ms).
  Thresholds thresholds = default_thresholds();
  // Where the samples come from (tests point these at fixtures).
  std::string diskstats_path = "/proc/diskstats";
  std::string mountinfo_path = "/proc/self/mountinfo";
  std::string sys_root = "/sys";

  static Thresholds default_thresholds();
};

struct DeviceIo {
  std::string name;  // kernel name, as in /proc/diskstats
  IoRates rates;
};

// Checks that every range is in seconds (a time unit); kInvalidArgument otherwise. Unitless
// ranges must have been given a unit by the caller (the CLI reads them as milliseconds).
Status validate_await_thresholds(const Thresholds& t);

// The verdict on measured rates: the worst device decides the state. Pure.
PluginResult evaluate_await(const std::string& path, const std::vector<DeviceIo>& devices,
                            double interval_seconds, const AwaitCheckOptions& options);

// Waits between the two samples; rkctl sleeps, tests move a fake clock and swap fixtures.
using Sleeper = std::function<void(double seconds)>;

// Finds the devices, samples, waits, samples again, evaluates. The interval used is the one the
// clock measured between the two reads. Any failure is an UNKNOWN result saying why.
PluginResult run_await_check(const AwaitCheckOptions& options, const Clock& clock,
                             const Sleeper& sleep);

}  // namespace rk::monitor
