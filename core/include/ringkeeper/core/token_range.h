// Token ranges over the Murmur3 ring, with the semantics of Cassandra's Range<Token>.
//
// The ring holds every int64 value. A TokenRange (start, end] holds the tokens met when walking
// from `start` (exclusive) up to `end` (inclusive), wrapping from kMaxToken to kMinToken:
//   - start < end:      an ordinary range, e.g. (0, 100] holds 1..100.
//   - start > end:      a wrap-around range, e.g. (100, 0] holds 101..kMaxToken, kMinToken..0.
//   - start == end:     the whole ring (2^64 tokens), (kMinToken, kMinToken] being the canonical
//   one.
//   - end == kMinToken: "to the end of the ring": (x, kMinToken] holds x+1..kMaxToken (and the
//                       point kMinToken, which is never the token of a key). Like Cassandra, such a
//                       range does not count as wrapping.
// The minimum token thus plays both the ring's start (as a range start) and its end (as a range
// end). All arithmetic is exact: sizes are counted as uint128_t (the whole ring is 2^64).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"

namespace rk {

// Token counts need 65 bits (the whole ring is 2^64). `__extension__` keeps -Wpedantic quiet about
// the GCC/Clang builtin type.
__extension__ typedef unsigned __int128 uint128_t;

// Number of tokens on the ring: 2^64.
inline constexpr uint128_t kRingSize = static_cast<uint128_t>(1) << 64;

class TokenRange {
 public:
  // (start, end]. Any pair of tokens is a valid range; start == end is the whole ring.
  constexpr TokenRange(Token start, Token end) : start_(start), end_(end) {}
  // The whole ring, (kMinToken, kMinToken].
  static constexpr TokenRange full_ring() { return TokenRange(kMinToken, kMinToken); }

  Token start() const { return start_; }
  Token end() const { return end_; }

  // True when the range holds all 2^64 tokens (start == end).
  bool is_full_ring() const { return start_ == end_; }
  // True when the range passes from kMaxToken to kMinToken and has to be cut in two to be scanned
  // in token order (see unwrap()). The full ring (x, x] wraps unless x == kMinToken; (x, kMinToken]
  // and (kMinToken, x] never wrap.
  bool is_wrapping() const;

  // Number of tokens in the range, 1..2^64.
  uint128_t size() const;
  long double size_ld() const { return static_cast<long double>(size()); }
  // The share of the ring this range owns, in (0, 1].
  double ownership() const;

  // Whether `token` lies in (start, end].
  bool contains(Token token) const;
  // Whether every token of `other` lies in this range.
  bool contains(const TokenRange& other) const;
  // Whether the two ranges share at least one token.
  bool intersects(const TokenRange& other) const;

  // The tokens in both ranges, as the fewest disjoint ranges (0, 1 or 2; two when, e.g., a
  // wrap-around range meets an ordinary range at both of its ends), sorted by start token, with
  // any wrapping piece last. Empty when the ranges do not meet; a whole-ring result is
  // (kMinToken, kMinToken].
  std::vector<TokenRange> intersection(const TokenRange& other) const;

  // The same tokens as non-wrapping ranges (1 or 2 pieces), sorted by start token: a wrapping
  // (s, e] gives (kMinToken, e] and (s, kMinToken]; any other range comes back as is.
  std::vector<TokenRange> unwrap() const;

  // Cuts the range into `n` contiguous, non-empty sub-ranges whose sizes differ by at most one
  // token, in ring order from start; the first starts at start() and the last ends at end().
  // Piece i is (start + floor(size*i/n), start + floor(size*(i+1)/n)] computed exactly.
  // InvalidArgument if n == 0 or n > size().
  Result<std::vector<TokenRange>> split(uint64_t n) const;
  // The i-th piece of split(n) (0 <= i < n <= size()), without building the others.
  TokenRange split_piece(uint64_t n, uint64_t i) const;
  // Index of the piece of split(n) that holds `token`; the caller guarantees contains(token) and
  // 1 <= n <= size().
  uint64_t split_index_of(Token token, uint64_t n) const;

  // "(start,end]", e.g. "(-9223372036854775808,0]".
  std::string to_string() const;
  // Parses "(start,end]" (spaces allowed around the numbers); InvalidArgument otherwise.
  static Result<TokenRange> parse(std::string_view text);

  friend bool operator==(const TokenRange&, const TokenRange&) = default;
  // Orders by start then end (useful for sorting; says nothing about containment).
  friend auto operator<=>(const TokenRange&, const TokenRange&) = default;

 private:
  Token start_;
  Token end_;
};

std::ostream& operator<<(std::ostream& os, const TokenRange& range);

// The union of `ranges` as sorted, disjoint, non-adjacent, non-wrapping ranges (the same shape
// Cassandra's Range.normalize gives): overlapping and touching ranges are merged, wrapping ones are
// unwrapped first. The whole ring comes back as {(kMinToken, kMinToken]}; an empty input as {}.
std::vector<TokenRange> normalize(std::vector<TokenRange> ranges);

// Total number of tokens covered by `ranges` (overlaps counted once), 0..2^64.
uint128_t covered_size(const std::vector<TokenRange>& ranges);

// Decimal text of a 128-bit unsigned count (for logs and messages).
std::string u128_to_string(uint128_t value);

}  // namespace rk
