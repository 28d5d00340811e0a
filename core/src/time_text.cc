// Points in time as text (see time_text.h).
#include "ringkeeper/core/time_text.h"

#include <ctime>

#include <fmt/format.h>

namespace rk {
namespace {

Status bad(std::string_view text) {
  return Status::InvalidArgument("'" + std::string(text.substr(0, 64)) +
                                 "' is not a time: give µs since the epoch or RFC 3339 such as "
                                 "2026-11-23T05:10:00Z");
}

// Reads exactly `n` digits at `pos`; -1 when they are not there.
int digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

Result<int64_t> parse_time_us(std::string_view text) {
  if (text.empty()) return bad(text);
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 18) return bad(text);  // beyond the year 33658: a typo
    return static_cast<int64_t>(std::stoll(std::string(text)));
  }
  // YYYY-MM-DDThh:mm:ss
  const int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (text.size() < 20 || year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 ||
      text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      text[13] != ':' || text[16] != ':')
    return bad(text);
  size_t pos = 19;
  int64_t micros = 0;
  if (text[pos] == '.') {
    size_t n = 0;
    int64_t scale = 100'000;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++n) {
      micros += (text[pos] - '0') * scale;
      scale /= 10;
    }
    if (n == 0) return bad(text);  // digits past µs are read and dropped
  }
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int oh = digits(text, pos + 1, 2), om = digits(text, pos + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || pos + 3 >= text.size() || text[pos + 3] != ':')
      return bad(text);
    offset_s = (text[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return bad(text);  // a time without a zone is ambiguous
  }
  if (pos != text.size()) return bad(text);
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t seconds = static_cast<int64_t>(timegm(&tm)) - offset_s;
  if (seconds < 0) return bad(text);
  return seconds * 1'000'000 + micros;
}

std::string format_time_us(int64_t us, TimeForm form) {
  // Floor division, so that a time before 1970 is the second it falls in, not the one after.
  const int64_t seconds = us / 1'000'000 - (us % 1'000'000 < 0 ? 1 : 0);
  const int64_t frac = us - seconds * 1'000'000;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const char* pattern = "%Y-%m-%dT%H:%M:%SZ";
  switch (form) {
    case TimeForm::kRfc3339:
    case TimeForm::kRfc3339Seconds:
      break;
    case TimeForm::kSpaced:
      pattern = "%Y-%m-%d %H:%M:%S";
      break;
    case TimeForm::kBasic:
      pattern = "%Y%m%dT%H%M%SZ";
      break;
    case TimeForm::kTag:
      pattern = "%Y%m%d-%H%M%S";
      break;
  }
  char buf[48];
  const size_t n = std::strftime(buf, sizeof buf, pattern, &tm);
  std::string out(buf, n);
  if (form == TimeForm::kRfc3339 && frac != 0)
    out.insert(out.size() - 1, fmt::format(".{:06}", frac));
  return out;
}

}  // namespace rk
