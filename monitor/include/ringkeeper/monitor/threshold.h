// Threshold ranges exactly as the Nagios/Monitoring Plugins development guidelines define them
// (https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT):
//
//   [@][start:][end]     start <= end; start 0 may be omitted; an empty end is +infinity;
//                        "~" as start is -infinity. Without "@" a value alerts when it is
//                        OUTSIDE start..end, with "@" when it is INSIDE; both ends inclusive.
//
//   10      alert if < 0 or > 10        10:     alert if < 10
//   ~:10    alert if > 10               10:20   alert if < 10 or > 20
//   @10:20  alert if >= 10 and <= 20
//
// ringkeeper adds units to the numbers (one threshold parser for every check): bytes
// (B, KB/MB/GB/TB/PB = powers of 1000, KiB/MiB/GiB/TiB/PiB = powers of 1024), time (s, ms, us,
// min, h, d) and percent (%). Both ends of a range carry the same unit. Values are kept in base
// units (bytes, seconds, percent points), so "200GiB:" has start 214748364800.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"
#include "ringkeeper/monitor/state.h"

namespace rk::monitor {

enum class Unit {
  kNone,     // a plain number; each check says what it means (see its --help)
  kBytes,    // base unit: 1 byte
  kSeconds,  // base unit: 1 second
  kPercent,  // base unit: 1 percent point
};

// "", "B", "s", "%".
std::string_view unit_symbol(Unit u);

struct Range {
  bool inside = false;  // "@": alert when the value is inside start..end
  double start = 0;     // -infinity for "~"
  double end = 0;       // +infinity when omitted after ':'
  Unit unit = Unit::kNone;

  // Whether `value` raises the alert this range stands for.
  bool alerts(double value) const;

  // Whether an alert raised by this range may clear: the value is back past the range's edge by
  // at least `margin` (in the range's base unit). With margin 0 this is !alerts(value).
  bool clears(double value, double margin) const;

  // The range in the guidelines' syntax with both ends divided by `per_unit` (e.g. 1e-3 to print
  // seconds as milliseconds), without unit symbols, as perfdata's warn/crit fields want it.
  std::string to_string(double per_unit = 1) const;

  // A unitless range reinterpreted in `unit`, its ends multiplied by `factor` (a check that takes
  // "-w 20" as 20 ms calls with_default_unit(Unit::kSeconds, 1e-3)). Ranges with a unit are
  // returned unchanged.
  Range with_default_unit(Unit unit, double factor) const;
};

// Parses a range. Errors (kInvalidArgument) name the text and what is wrong with it: empty
// ranges, start > end, "~" as an end, unknown or mixed units, scientific notation, stray
// characters.
Result<Range> parse_range(std::string_view text);

// A warning and a critical range; either may be absent (never alerts).
struct Thresholds {
  std::optional<Range> warning;
  std::optional<Range> critical;

  // CRITICAL if the critical range alerts, else WARNING if the warning range alerts, else OK.
  State evaluate(double value) const;
};

}  // namespace rk::monitor
