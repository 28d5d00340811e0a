// The alert thresholds of every signal the agent samples, parsed from the config's `signals`
// block (Nagios-style ranges with units, monitor/threshold.h). The config check runs the same
// parse, so a bad range stops the agent at start with the key named.
#pragma once

#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/monitor/await_check.h"
#include "ringkeeper/monitor/disk_check.h"
#include "ringkeeper/monitor/node_signals.h"

namespace rk::agent {

// The thresholds of every signal, parsed from SignalOptions.
struct SignalThresholds {
  monitor::DiskCheckOptions disk;    // path unused; thresholds and budget
  monitor::AwaitCheckOptions await;  // thresholds
  monitor::NodeCheckOptions node;
};
Result<SignalThresholds> parse_signal_thresholds(const SignalOptions& options);

}  // namespace rk::agent
