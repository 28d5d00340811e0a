// Maintenance windows: the weekly times, in a named time zone, when repairs may start.
//
// A window is a set of weekdays and a local time range, e.g. "mon-fri 22:00-06:00" or
// "sat,sun 00:00-24:00". The weekday is the day the window opens: "fri 22:00-02:00" runs from
// Friday 22:00 to Saturday 02:00. A schedule is a list of windows joined by ';' plus a time zone;
// an empty schedule is always open.
//
// Local times become instants through the time zone's rules (TZif files from the system's
// zoneinfo, including the POSIX rule in their footer for years past the last listed transition).
// Across daylight saving changes a window keeps its local times, so it is an hour shorter or
// longer that night: a local time that does not exist (skipped in spring) means the instant the
// clocks jumped; a local time that happens twice (autumn) means its first occurrence.
//
// Everything works on µs since the Unix epoch (UTC), like the rest of ringkeeper.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk::repair {

// A time zone's UTC offsets over time.
class TimeZone {
 public:
  // UTC.
  TimeZone();
  // "UTC", a fixed offset "+05:30"/"-08:00", or a name under `zoneinfo_dir` such as
  // "Europe/Berlin" (reads that one TZif file; the only I/O in this library).
  // NotFound for an unknown name, InvalidArgument for a name with ".." or a malformed file.
  static Result<TimeZone> load(std::string_view name,
                               std::string_view zoneinfo_dir = "/usr/share/zoneinfo");
  // Parses TZif bytes (version 1, 2 or 3) already read by the caller. InvalidArgument if malformed.
  static Result<TimeZone> from_tzif(std::string_view name, std::string_view bytes);
  // A zone that is always `offset_seconds` east of UTC.
  static TimeZone fixed(std::string name, int32_t offset_seconds);

  const std::string& name() const;
  // Seconds east of UTC in force at `utc_seconds`.
  int32_t offset_at(int64_t utc_seconds) const;
  // The instant (UTC seconds) of local wall time `local_seconds` (seconds since 1970-01-01 00:00
  // local). Skipped local times map to the transition instant, repeated ones to their first
  // occurrence.
  int64_t to_utc(int64_t local_seconds) const;

  struct Rules;  // opaque: transitions and the footer rule

 private:
  explicit TimeZone(std::shared_ptr<const Rules> rules) : rules_(std::move(rules)) {}
  std::shared_ptr<const Rules> rules_;
};

enum class Weekday : uint8_t {
  kSunday = 0,
  kMonday,
  kTuesday,
  kWednesday,
  kThursday,
  kFriday,
  kSaturday
};

struct MaintenanceWindow {
  uint8_t weekdays = 0x7f;  // bit (1 << Weekday): the days the window opens on; all by default
  int start_minute = 0;     // local minutes after midnight, 0..1439
  int end_minute = 1440;    // 1..1440; <= start_minute: the window ends the next day
};

// What happens to sessions that are still running when a window closes.
enum class WindowClosePolicy {
  kFinish,  // let them finish; only new starts wait (the default)
  kStop,    // cancel them; their segments are retried in the next window (not counted as failures)
};

class MaintenanceSchedule {
 public:
  // Always open.
  MaintenanceSchedule() = default;
  MaintenanceSchedule(std::vector<MaintenanceWindow> windows, TimeZone zone)
      : windows_(std::move(windows)), zone_(std::move(zone)) {}

  // Parses "mon-fri 22:00-06:00; sat,sun 00:00-24:00" (days: mon tue wed thu fri sat sun, ranges
  // with '-' wrap past sunday, "daily"/"*" for every day; times HH:MM, end 24:00 allowed; an empty
  // or blank spec is always open). InvalidArgument naming the bad part otherwise.
  static Result<MaintenanceSchedule> parse(std::string_view spec, TimeZone zone = TimeZone());

  bool always_open() const { return windows_.empty(); }
  const std::vector<MaintenanceWindow>& windows() const { return windows_; }
  const TimeZone& zone() const { return zone_; }
  // The schedule as parse() reads it (without the zone), e.g. "mon-fri 22:00-06:00".
  std::string to_string() const;

  // Whether new sessions may start at `utc_us`.
  bool is_open(int64_t utc_us) const;
  // The first instant >= utc_us at which the schedule is open (utc_us itself when open). With
  // windows configured this is always within eight days.
  int64_t next_open(int64_t utc_us) const;
  // When the window open at `utc_us` closes (the end of the run of overlapping or touching
  // windows); INT64_MAX when always open; utc_us when closed.
  int64_t next_close(int64_t utc_us) const;
  // The instant at which `work_us` of open time has elapsed counting from `from_us` (only time
  // inside windows counts). Used by the gc_grace forecast. from_us + work_us when always open.
  int64_t advance(int64_t from_us, int64_t work_us) const;
  // Open time in [from_us, to_us).
  int64_t open_time(int64_t from_us, int64_t to_us) const;
  // The longest wall time that `work_us` of open time can take, whatever instant in the week from
  // `from_us` it starts at (sampled every 15 minutes, plus 15 minutes to stay on the safe side).
  // work_us when always open. Schedules use it so that a cycle fits gc_grace however it falls.
  int64_t worst_case_duration(int64_t work_us, int64_t from_us) const;

 private:
  struct Interval {
    int64_t start_us;
    int64_t end_us;
  };
  // The open intervals (merged, sorted) of windows that open on local days from the day before
  // `utc_us` up to `days` days after it.
  std::vector<Interval> intervals_around(int64_t utc_us, int days) const;

  std::vector<MaintenanceWindow> windows_;
  TimeZone zone_;
};

}  // namespace rk::repair
