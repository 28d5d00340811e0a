// Maintenance windows (see maintenance_window.h): parsing, and the open intervals of a schedule
// computed day by day in the schedule's time zone.
#include "ringkeeper/repair/maintenance_window.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "civil_time.h"
#include "ringkeeper/core/saturating.h"

namespace rk::repair {

namespace {

constexpr int64_t kMicros = 1'000'000;
constexpr int64_t kDay = 86400;
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int day_index(std::string_view name) {
  std::string lower;
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower.size() > 3) lower.resize(3);  // "monday" -> "mon"
  for (size_t i = 0; i < kDayNames.size(); ++i) {
    if (kDayNames[i] == lower) return static_cast<int>(i);
  }
  return -1;
}

// "HH:MM" as minutes after midnight; 24:00 only when `allow_24`.
int parse_minutes(std::string_view s, bool allow_24) {
  s = trim(s);
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() - colon != 3)
    return -1;
  int h = 0;
  int m = 0;
  for (char c : s.substr(0, colon)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    h = h * 10 + (c - '0');
  }
  for (char c : s.substr(colon + 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    m = m * 10 + (c - '0');
  }
  if (m > 59) return -1;
  if (h == 24 && m == 0 && allow_24) return 1440;
  if (h > 23) return -1;
  return h * 60 + m;
}

Result<uint8_t> parse_days(std::string_view text) {
  text = trim(text);
  if (text == "daily" || text == "*") return uint8_t{0x7f};
  uint8_t mask = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = trim(text.substr(pos, comma - pos));
    const size_t dash = item.find('-');
    const int from = day_index(trim(item.substr(0, dash)));
    const int to = dash == std::string_view::npos ? from : day_index(trim(item.substr(dash + 1)));
    if (from < 0 || to < 0) {
      return Status::InvalidArgument(fmt::format(
          "bad weekday '{}' (want mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, or "
          "daily)",
          item));
    }
    for (int d = from;; d = (d + 1) % 7) {
      mask |= static_cast<uint8_t>(1u << d);
      if (d == to) break;
    }
    pos = comma + 1;
  }
  return mask;
}

std::string minutes_text(int m) { return fmt::format("{:02}:{:02}", m / 60, m % 60); }

}  // namespace

Result<MaintenanceSchedule> MaintenanceSchedule::parse(std::string_view spec, TimeZone zone) {
  std::vector<MaintenanceWindow> windows;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t semi = spec.find(';', pos);
    if (semi == std::string_view::npos) semi = spec.size();
    const std::string_view part = trim(spec.substr(pos, semi - pos));
    pos = semi + 1;
    if (part.empty()) continue;
    // "<days> <HH:MM>-<HH:MM>" or "<HH:MM>-<HH:MM>" (every day).
    const size_t space = part.find_last_of(" \t");
    MaintenanceWindow w;
    std::string_view times = part;
    if (space != std::string_view::npos) {
      RK_ASSIGN_OR_RETURN(w.weekdays, parse_days(part.substr(0, space)));
      times = trim(part.substr(space + 1));
    }
    const size_t dash = times.find('-');
    w.start_minute =
        dash == std::string_view::npos ? -1 : parse_minutes(times.substr(0, dash), false);
    w.end_minute =
        dash == std::string_view::npos ? -1 : parse_minutes(times.substr(dash + 1), true);
    if (w.start_minute < 0 || w.end_minute < 0) {
      return Status::InvalidArgument(
          fmt::format("bad time range '{}' in window '{}' (want HH:MM-HH:MM)", times, part));
    }
    if (w.start_minute == w.end_minute) {
      return Status::InvalidArgument(fmt::format(
          "window '{}' is empty (start equals end; use 00:00-24:00 for a whole day)", part));
    }
    windows.push_back(w);
  }
  return MaintenanceSchedule(std::move(windows), std::move(zone));
}

std::string MaintenanceSchedule::to_string() const {
  std::string out;
  for (const MaintenanceWindow& w : windows_) {
    if (!out.empty()) out += "; ";
    if (w.weekdays == 0x7f) {
      out += "daily";
    } else {
      std::string days;
      for (int d = 0; d < 7; ++d) {
        if (w.weekdays & (1u << d)) {
          if (!days.empty()) days += ",";
          days += kDayNames[static_cast<size_t>(d)];
        }
      }
      out += days;
    }
    out += fmt::format(" {}-{}", minutes_text(w.start_minute), minutes_text(w.end_minute));
  }
  return out;
}

std::vector<MaintenanceSchedule::Interval> MaintenanceSchedule::intervals_around(int64_t utc_us,
                                                                                 int days) const {
  const int64_t secs = floor_div(utc_us, kMicros);
  const int64_t local_day = floor_div(secs + zone_.offset_at(secs), kDay);
  std::vector<Interval> out;
  for (int64_t d = local_day - 1; d <= local_day + days; ++d) {
    const int wd = weekday_of(d);
    for (const MaintenanceWindow& w : windows_) {
      if (!(w.weekdays & (1u << wd))) continue;
      const int64_t start_local = d * kDay + w.start_minute * 60;
      const int64_t end_local =
          (w.end_minute > w.start_minute ? d : d + 1) * kDay + int64_t{w.end_minute} * 60;
      const int64_t s = zone_.to_utc(start_local);
      const int64_t e = zone_.to_utc(end_local);
      if (e > s) out.push_back({s * kMicros, e * kMicros});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Interval& a, const Interval& b) { return a.start_us < b.start_us; });
  std::vector<Interval> merged;
  for (const Interval& i : out) {
    if (!merged.empty() && i.start_us <= merged.back().end_us) {
      merged.back().end_us = std::max(merged.back().end_us, i.end_us);
    } else {
      merged.push_back(i);
    }
  }
  return merged;
}

bool MaintenanceSchedule::is_open(int64_t utc_us) const {
  if (always_open()) return true;
  for (const Interval& i : intervals_around(utc_us, 1)) {
    if (i.start_us <= utc_us && utc_us < i.end_us) return true;
  }
  return false;
}

int64_t MaintenanceSchedule::next_open(int64_t utc_us) const {
  if (always_open()) return utc_us;
  for (const Interval& i : intervals_around(utc_us, 8)) {
    if (i.end_us > utc_us) return std::max(i.start_us, utc_us);
  }
  return std::numeric_limits<int64_t>::max();  // windows on no day at all
}

int64_t MaintenanceSchedule::next_close(int64_t utc_us) const {
  if (always_open()) return std::numeric_limits<int64_t>::max();
  int64_t cursor = utc_us;
  // Follow touching intervals; a schedule open around the clock never closes.
  for (int step = 0; step < 8; ++step) {
    bool inside = false;
    for (const Interval& i : intervals_around(cursor, 8)) {
      if (i.start_us <= cursor && cursor < i.end_us) {
        inside = true;
        cursor = i.end_us;
        break;
      }
    }
    if (!inside) return cursor;
  }
  return std::numeric_limits<int64_t>::max();
}

int64_t MaintenanceSchedule::advance(int64_t from_us, int64_t work_us) const {
  if (always_open()) return saturating_add(from_us, work_us);
  int64_t cursor = from_us;
  int64_t left = work_us;
  while (true) {
    bool progressed = false;
    for (const Interval& i : intervals_around(cursor, 8)) {
      if (i.end_us <= cursor) continue;
      const int64_t s = std::max(i.start_us, cursor);
      if (left <= i.end_us - s) return s + left;
      left -= i.end_us - s;
      cursor = i.end_us;
      progressed = true;
    }
    if (!progressed) return std::numeric_limits<int64_t>::max();
  }
}

int64_t MaintenanceSchedule::open_time(int64_t from_us, int64_t to_us) const {
  if (to_us <= from_us) return 0;
  if (always_open()) return to_us - from_us;
  int64_t total = 0;
  int64_t cursor = from_us;
  while (cursor < to_us) {
    bool progressed = false;
    for (const Interval& i : intervals_around(cursor, 8)) {
      if (i.end_us <= cursor) continue;
      if (i.start_us >= to_us) return total;
      total += std::min(i.end_us, to_us) - std::max(i.start_us, cursor);
      cursor = i.end_us;
      progressed = true;
      if (cursor >= to_us) return total;
    }
    if (!progressed) return total;
  }
  return total;
}

int64_t MaintenanceSchedule::worst_case_duration(int64_t work_us, int64_t from_us) const {
  if (always_open() || work_us <= 0) return std::max<int64_t>(work_us, 0);
  constexpr int64_t kStep = 15 * 60 * kMicros;
  int64_t worst = 0;
  const int64_t week_end = saturating_add(from_us, 7 * kDay * kMicros);
  for (int64_t start = from_us; start < week_end; start = saturating_add(start, kStep)) {
    const int64_t done = advance(start, work_us);
    if (done == std::numeric_limits<int64_t>::max()) return done;
    worst = std::max(worst, done - start);
  }
  return saturating_add(worst, kStep);
}

}  // namespace rk::repair
