// Time zones from TZif files (RFC 8536) with the POSIX TZ rule of their footer for instants past
// the last listed transition. Only what maintenance windows need: UTC offset at an instant, and
// the instant of a local wall time.
#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "civil_time.h"
#include "ringkeeper/repair/maintenance_window.h"

namespace rk::repair {

namespace {

// A POSIX TZ rule date: Jn (1..365, no Feb 29), n (0..365 with Feb 29), or Mm.w.d.
struct RuleDate {
  enum class Kind { kJulian1, kJulian0, kMonthWeekDay } kind = Kind::kMonthWeekDay;
  int day = 0;    // Jn / n
  int month = 0;  // Mm.w.d
  int week = 0;
  int weekday = 0;
  int64_t time = 7200;  // seconds after local midnight (may be negative or > 24 h in TZif v3)
};

// "std offset [dst [offset] [,start[/time],end[/time]]]".
struct PosixRule {
  int32_t std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int32_t dst_offset = 0;
  RuleDate start;
  RuleDate end;
};

// The largest UTC offset of a TZ rule (24:59:59) and of a TZif local time type (RFC 8536 3.2:
// -89999..93599 seconds). Anything beyond is a damaged file.
constexpr int64_t kMaxRuleOffset = 24 * 3600 + 3599;
constexpr int64_t kMinTypeOffset = -89999;
constexpr int64_t kMaxTypeOffset = 93599;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool name() {
    if (eat('<')) {
      while (!done() && peek() != '>') ++pos_;
      return eat('>');
    }
    size_t start = pos_;
    while (!done() && std::isalpha(static_cast<unsigned char>(peek()))) ++pos_;
    return pos_ - start >= 3;
  }
  // Up to 9 digits (no field of a TZ rule needs more; more could overflow).
  std::optional<int64_t> number() {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) return std::nullopt;
    int64_t v = 0;
    for (int digits = 0; std::isdigit(static_cast<unsigned char>(peek())); ++digits) {
      if (digits == 9) return std::nullopt;
      v = v * 10 + (s_[pos_++] - '0');
    }
    return v;
  }
  // [+-]hh[:mm[:ss]] as seconds; hours up to 167 (RFC 8536 3.3.1), minutes and seconds to 59.
  std::optional<int64_t> hms() {
    int64_t sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    auto h = number();
    if (!h || *h > 167) return std::nullopt;
    int64_t v = *h * 3600;
    if (eat(':')) {
      auto m = number();
      if (!m || *m > 59) return std::nullopt;
      v += *m * 60;
      if (eat(':')) {
        auto sec = number();
        if (!sec || *sec > 59) return std::nullopt;
        v += *sec;
      }
    }
    return sign * v;
  }
  // A UTC offset of the rule: hh no more than 24 (POSIX).
  std::optional<int64_t> offset() {
    auto v = hms();
    if (!v || *v < -kMaxRuleOffset || *v > kMaxRuleOffset) return std::nullopt;
    return v;
  }
  std::optional<RuleDate> date() {
    RuleDate d;
    if (eat('J')) {
      auto n = number();
      if (!n || *n < 1 || *n > 365) return std::nullopt;
      d.kind = RuleDate::Kind::kJulian1;
      d.day = static_cast<int>(*n);
    } else if (eat('M')) {
      auto m = number();
      if (!m || !eat('.')) return std::nullopt;
      auto w = number();
      if (!w || !eat('.')) return std::nullopt;
      auto wd = number();
      if (!wd || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *wd > 6) return std::nullopt;
      d.kind = RuleDate::Kind::kMonthWeekDay;
      d.month = static_cast<int>(*m);
      d.week = static_cast<int>(*w);
      d.weekday = static_cast<int>(*wd);
    } else {
      auto n = number();
      if (!n || *n > 365) return std::nullopt;
      d.kind = RuleDate::Kind::kJulian0;
      d.day = static_cast<int>(*n);
    }
    if (eat('/')) {
      auto t = hms();
      if (!t) return std::nullopt;
      d.time = *t;
    }
    return d;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

std::optional<PosixRule> parse_posix(std::string_view text) {
  Parser p(text);
  PosixRule rule;
  if (!p.name()) return std::nullopt;
  auto std_off = p.offset();
  if (!std_off) return std::nullopt;
  rule.std_offset = static_cast<int32_t>(-*std_off);
  if (p.done()) return rule;
  if (!p.name()) return std::nullopt;
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + 3600;
  if (p.peek() != ',' && !p.done()) {
    auto dst_off = p.offset();
    if (!dst_off) return std::nullopt;
    rule.dst_offset = static_cast<int32_t>(-*dst_off);
  }
  if (p.done()) {
    // No rule given: the US rules POSIX implementations default to.
    rule.start = RuleDate{RuleDate::Kind::kMonthWeekDay, 0, 3, 2, 0, 7200};
    rule.end = RuleDate{RuleDate::Kind::kMonthWeekDay, 0, 11, 1, 0, 7200};
    return rule;
  }
  if (!p.eat(',')) return std::nullopt;
  auto start = p.date();
  if (!start || !p.eat(',')) return std::nullopt;
  auto end = p.date();
  if (!end || !p.done()) return std::nullopt;
  rule.start = *start;
  rule.end = *end;
  return rule;
}

// Local seconds (since 1970-01-01 local midnight) at which `d` happens in `year`.
int64_t rule_local_seconds(const RuleDate& d, int64_t year) {
  int64_t day = 0;
  switch (d.kind) {
    case RuleDate::Kind::kJulian1: {
      // 1..365, February 29 never counted.
      day = days_from_civil(year, 1, 1) + d.day - 1;
      if (is_leap_year(year) && d.day >= 60) ++day;
      break;
    }
    case RuleDate::Kind::kJulian0:
      day = days_from_civil(year, 1, 1) + d.day;
      break;
    case RuleDate::Kind::kMonthWeekDay: {
      const int64_t first = days_from_civil(year, d.month, 1);
      const int first_wd = weekday_of(first);
      int64_t dom = 1 + (d.weekday - first_wd + 7) % 7 + 7 * (d.week - 1);
      const int len = days_in_month(year, d.month);
      while (dom > len) dom -= 7;
      day = first + dom - 1;
      break;
    }
  }
  return day * 86400 + d.time;
}

int32_t posix_offset_at(const PosixRule& rule, int64_t utc) {
  if (!rule.has_dst) return rule.std_offset;
  const int64_t year = civil_from_days(floor_div(utc + rule.std_offset, 86400)).year;
  // Transitions in UTC: DST starts at a standard-time wall clock, ends at a DST wall clock.
  const int64_t start = rule_local_seconds(rule.start, year) - rule.std_offset;
  const int64_t end = rule_local_seconds(rule.end, year) - rule.dst_offset;
  const bool dst = start < end ? (utc >= start && utc < end)
                               : !(utc >= end && utc < start);  // southern: DST spans new year
  return dst ? rule.dst_offset : rule.std_offset;
}

uint32_t be32(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[at + 3]));
}

int64_t be64(std::string_view b, size_t at) {
  return static_cast<int64_t>((static_cast<uint64_t>(be32(b, at)) << 32) | be32(b, at + 4));
}

}  // namespace

struct TimeZone::Rules {
  std::string name;
  std::vector<int64_t> transitions;  // UTC seconds, ascending
  std::vector<int32_t> offsets;      // offset in force from transitions[i]
  int32_t initial_offset = 0;        // before the first transition
  std::optional<PosixRule> footer;   // past the last transition
};

TimeZone::TimeZone() : TimeZone(fixed("UTC", 0)) {}

TimeZone TimeZone::fixed(std::string name, int32_t offset_seconds) {
  auto rules = std::make_shared<Rules>();
  rules->name = std::move(name);
  rules->initial_offset = offset_seconds;
  return TimeZone(std::move(rules));
}

const std::string& TimeZone::name() const { return rules_->name; }

int32_t TimeZone::offset_at(int64_t utc_seconds) const {
  const Rules& r = *rules_;
  if (r.transitions.empty() || utc_seconds < r.transitions.front()) {
    if (r.transitions.empty() && r.footer) return posix_offset_at(*r.footer, utc_seconds);
    return r.initial_offset;
  }
  if (utc_seconds >= r.transitions.back() && r.footer) {
    return posix_offset_at(*r.footer, utc_seconds);
  }
  auto it = std::upper_bound(r.transitions.begin(), r.transitions.end(), utc_seconds);
  return r.offsets[static_cast<size_t>(it - r.transitions.begin()) - 1];
}

int64_t TimeZone::to_utc(int64_t local_seconds) const {
  // Offsets change at most once within a day around any instant in real zones: the offsets a day
  // before and a day after are the only candidates.
  const int32_t before = offset_at(local_seconds - 86400 - 86400);
  const int32_t after = offset_at(local_seconds + 86400);
  std::optional<int64_t> best;
  for (int32_t o : {before, after}) {
    const int64_t u = local_seconds - o;
    if (offset_at(u) == o && (!best || u < *best)) best = u;
  }
  if (best) return *best;
  // A skipped local time: the first instant at which the later offset is in force.
  int64_t lo = local_seconds - std::max(before, after);
  int64_t hi = local_seconds - std::min(before, after);
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (offset_at(mid) == after) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

Result<TimeZone> TimeZone::from_tzif(std::string_view name, std::string_view b) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("time zone {}: {}", name, why));
  };
  if (b.size() < 44 || b.substr(0, 4) != "TZif") return bad("not a TZif file");
  const char version = b[4];
  auto counts = [&](size_t at) {
    std::array<uint32_t, 6> c{};
    for (size_t i = 0; i < 6; ++i) c[i] = be32(b, at + 20 + 4 * i);
    return c;  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  };
  auto block_size = [](const std::array<uint32_t, 6>& c, size_t time_size) {
    return static_cast<size_t>(c[3]) * time_size + c[3] + static_cast<size_t>(c[4]) * 6 + c[5] +
           static_cast<size_t>(c[2]) * (time_size + 4) + c[1] + c[0];
  };
  size_t header = 0;
  size_t time_size = 4;
  std::array<uint32_t, 6> c = counts(0);
  if (version >= '2') {
    const size_t second = 44 + block_size(c, 4);
    if (b.size() < second + 44 || b.substr(second, 4) != "TZif") return bad("truncated header");
    header = second;
    time_size = 8;
    c = counts(second);
  }
  const size_t data = header + 44;
  if (c[4] == 0) return bad("no local time types");
  if (b.size() < data + block_size(c, time_size)) return bad("truncated data");

  auto rules = std::make_shared<Rules>();
  rules->name = std::string(name);
  const size_t times_at = data;
  const size_t idx_at = times_at + c[3] * time_size;
  const size_t types_at = idx_at + c[3];
  std::vector<int32_t> type_offsets(c[4]);
  for (size_t i = 0; i < c[4]; ++i) {
    type_offsets[i] = static_cast<int32_t>(be32(b, types_at + 6 * i));
    if (type_offsets[i] < kMinTypeOffset || type_offsets[i] > kMaxTypeOffset) {
      return bad(fmt::format("local time type {} has a UTC offset of {} s (more than 26 hours)", i,
                             type_offsets[i]));
    }
  }
  rules->initial_offset = type_offsets[0];
  for (size_t i = 0; i < c[3]; ++i) {
    const int64_t t = time_size == 8 ? be64(b, times_at + 8 * i)
                                     : static_cast<int32_t>(be32(b, times_at + 4 * i));
    const uint8_t type = static_cast<uint8_t>(b[idx_at + i]);
    if (type >= c[4]) return bad("transition names an unknown type");
    if (!rules->transitions.empty() && t <= rules->transitions.back()) {
      return bad("transitions out of order");
    }
    rules->transitions.push_back(t);
    rules->offsets.push_back(type_offsets[type]);
  }
  if (version >= '2') {
    const size_t footer_at = data + block_size(c, time_size);
    if (footer_at < b.size() && b[footer_at] == '\n') {
      const size_t end = b.find('\n', footer_at + 1);
      if (end != std::string_view::npos && end > footer_at + 1) {
        auto rule = parse_posix(b.substr(footer_at + 1, end - footer_at - 1));
        if (!rule) return bad("malformed footer rule");
        rules->footer = *rule;
      }
    }
  }
  return TimeZone(std::move(rules));
}

Result<TimeZone> TimeZone::load(std::string_view name, std::string_view zoneinfo_dir) {
  if (name.empty() || name == "UTC" || name == "Z" || name == "Etc/UTC") {
    return fixed("UTC", 0);
  }
  if (name[0] == '+' || name[0] == '-') {
    Parser p(name);
    auto off = p.hms();
    if (!off || !p.done() || *off < -18 * 3600 || *off > 18 * 3600) {
      return Status::InvalidArgument(fmt::format("bad UTC offset '{}' (want +HH:MM)", name));
    }
    return fixed(std::string(name), static_cast<int32_t>(*off));
  }
  if (name.find("..") != std::string_view::npos || name[0] == '/') {
    return Status::InvalidArgument(fmt::format("bad time zone name '{}'", name));
  }
  const std::string path = fmt::format("{}/{}", zoneinfo_dir, name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("unknown time zone '{}' (no {})", name, path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return from_tzif(name, bytes.str());
}

}  // namespace rk::repair
