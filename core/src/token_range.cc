// Token range arithmetic. Internally a non-wrapping range is a "span" (lo, hi] of ring positions
// 0..2^64, where position(t) = t - kMinToken as an unsigned number, and kMinToken as a range end
// is position 2^64 (the end of the ring). Working on spans turns wrap-around cases into plain
// interval arithmetic; spans convert back to ranges without loss.
#include "ringkeeper/core/token_range.h"

#include <algorithm>
#include <charconv>
#include <ostream>

namespace rk {
namespace {

using u128 = uint128_t;

struct Span {
  u128 lo;  // exclusive, 0..2^64-1
  u128 hi;  // inclusive, lo+1..2^64
};

u128 position(Token t) { return static_cast<uint64_t>(t) ^ (uint64_t{1} << 63); }
u128 end_position(Token t) { return t == kMinToken ? kRingSize : position(t); }
Token token_at(u128 pos) {
  // Position 2^64 (end of ring) and 0 (start of ring) are both kMinToken.
  return static_cast<Token>(static_cast<uint64_t>(pos) ^ (uint64_t{1} << 63));
}

// The range as 1 or 2 spans sorted by lo.
int to_spans(const TokenRange& r, Span out[2]) {
  if (r.is_full_ring() && r.start() != kMinToken) {
    out[0] = {0, position(r.start())};
    out[1] = {position(r.start()), kRingSize};
    return 2;
  }
  if (r.is_wrapping()) {
    out[0] = {0, end_position(r.end())};
    out[1] = {position(r.start()), kRingSize};
    return 2;
  }
  out[0] = {position(r.start()), r.is_full_ring() ? kRingSize : end_position(r.end())};
  return 1;
}

TokenRange to_range(const Span& s) { return TokenRange(token_at(s.lo), token_at(s.hi)); }

// Sorts spans and merges the ones that overlap or touch.
std::vector<Span> merge_spans(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.lo < b.lo; });
  std::vector<Span> out;
  for (const Span& s : spans) {
    if (!out.empty() && s.lo <= out.back().hi) {
      out.back().hi = std::max(out.back().hi, s.hi);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

bool parse_token(std::string_view text, Token* out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

bool TokenRange::is_wrapping() const {
  if (start_ == kMinToken || end_ == kMinToken) return false;
  return start_ >= end_;
}

uint128_t TokenRange::size() const {
  if (is_full_ring()) return kRingSize;
  return static_cast<uint64_t>(end_) - static_cast<uint64_t>(start_);
}

double TokenRange::ownership() const {
  return static_cast<double>(static_cast<long double>(size()) /
                             static_cast<long double>(kRingSize));
}

bool TokenRange::contains(Token token) const {
  if (is_full_ring()) return true;
  uint64_t offset = static_cast<uint64_t>(token) - static_cast<uint64_t>(start_);
  return offset != 0 && offset <= size();
}

bool TokenRange::contains(const TokenRange& other) const {
  if (is_full_ring()) return true;
  if (other.is_full_ring()) return false;
  // `other` covers offsets off+1 .. off+other.size() from our start; ours are 1 .. size().
  u128 offset = static_cast<uint64_t>(other.start_) - static_cast<uint64_t>(start_);
  return offset + other.size() <= size();
}

bool TokenRange::intersects(const TokenRange& other) const { return !intersection(other).empty(); }

std::vector<TokenRange> TokenRange::intersection(const TokenRange& other) const {
  Span a[2], b[2];
  int na = to_spans(*this, a), nb = to_spans(other, b);
  std::vector<Span> common;
  for (int i = 0; i < na; ++i) {
    for (int j = 0; j < nb; ++j) {
      u128 lo = std::max(a[i].lo, b[j].lo), hi = std::min(a[i].hi, b[j].hi);
      if (lo < hi) common.push_back({lo, hi});
    }
  }
  common = merge_spans(std::move(common));
  std::vector<TokenRange> out;
  // A piece touching the ring's start and one touching its end are one wrapping range.
  bool join = common.size() >= 2 && common.front().lo == 0 && common.back().hi == kRingSize;
  size_t first = join ? 1 : 0, last = join ? common.size() - 1 : common.size();
  for (size_t i = first; i < last; ++i) out.push_back(to_range(common[i]));
  if (join) out.emplace_back(token_at(common.back().lo), token_at(common.front().hi));
  return out;
}

std::vector<TokenRange> TokenRange::unwrap() const {
  if (!is_wrapping()) return {*this};
  Span s[2];
  int n = to_spans(*this, s);
  std::vector<TokenRange> out;
  for (int i = 0; i < n; ++i) out.push_back(to_range(s[i]));
  return out;
}

Result<std::vector<TokenRange>> TokenRange::split(uint64_t n) const {
  if (n == 0) return Status::InvalidArgument("cannot split " + to_string() + " into 0 pieces");
  if (n > size()) {
    return Status::InvalidArgument("cannot split " + to_string() + " (" + u128_to_string(size()) +
                                   " tokens) into " + std::to_string(n) + " non-empty pieces");
  }
  std::vector<TokenRange> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) out.push_back(split_piece(n, i));
  return out;
}

TokenRange TokenRange::split_piece(uint64_t n, uint64_t i) const {
  // size * (i + 1) < 2^64 * 2^64: exact in 128 bits.
  u128 total = size();
  uint64_t lo = static_cast<uint64_t>(total * i / n);
  uint64_t hi = static_cast<uint64_t>(total * (i + 1) / n);
  return TokenRange(static_cast<Token>(static_cast<uint64_t>(start_) + lo),
                    static_cast<Token>(static_cast<uint64_t>(start_) + hi));
}

uint64_t TokenRange::split_index_of(Token token, uint64_t n) const {
  // Offset o in 1..size of the token from start; piece i holds o iff floor(S*i/n) < o, i.e.
  // i < o*n/S, so the index is ceil(o*n/S) - 1. o*n + S - 1 <= 2^128 - 1.
  u128 total = size();
  u128 offset = static_cast<uint64_t>(token) - static_cast<uint64_t>(start_);
  if (offset == 0) offset = kRingSize;  // only the full ring's start token, its last one
  return static_cast<uint64_t>((offset * n + total - 1) / total - 1);
}

std::string TokenRange::to_string() const {
  return "(" + std::to_string(start_) + "," + std::to_string(end_) + "]";
}

Result<TokenRange> TokenRange::parse(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("bad token range '" + std::string(text) +
                                   "': expected (start,end] with 64-bit signed tokens");
  };
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.size() < 2 || t.front() != '(' || t.back() != ']') return bad();
  t = t.substr(1, t.size() - 2);
  size_t comma = t.find(',');
  if (comma == std::string_view::npos) return bad();
  Token start = 0, end = 0;
  if (!parse_token(t.substr(0, comma), &start) || !parse_token(t.substr(comma + 1), &end)) {
    return bad();
  }
  return TokenRange(start, end);
}

std::ostream& operator<<(std::ostream& os, const TokenRange& range) {
  return os << range.to_string();
}

std::vector<TokenRange> normalize(std::vector<TokenRange> ranges) {
  std::vector<Span> spans;
  for (const TokenRange& r : ranges) {
    Span s[2];
    int n = to_spans(r, s);
    spans.insert(spans.end(), s, s + n);
  }
  std::vector<TokenRange> out;
  for (const Span& s : merge_spans(std::move(spans))) out.push_back(to_range(s));
  return out;
}

uint128_t covered_size(const std::vector<TokenRange>& ranges) {
  u128 total = 0;
  for (const TokenRange& r : normalize(ranges)) total += r.size();
  return total;
}

std::string u128_to_string(uint128_t value) {
  if (value == 0) return "0";
  std::string out;
  while (value > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace rk
