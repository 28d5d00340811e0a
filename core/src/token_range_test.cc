#include "ringkeeper/core/token_range.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace rk {
namespace {

using u128 = uint128_t;
constexpr Token kMin = kMinToken;
constexpr Token kMax = kMaxToken;

TEST(TokenRange, OrdinaryRangeExcludesStartIncludesEnd) {
  TokenRange r(0, 100);
  EXPECT_FALSE(r.contains(0));
  EXPECT_TRUE(r.contains(1));
  EXPECT_TRUE(r.contains(100));
  EXPECT_FALSE(r.contains(101));
  EXPECT_FALSE(r.contains(-5));
  EXPECT_FALSE(r.is_wrapping());
  EXPECT_TRUE(r.size() == 100);
}

TEST(TokenRange, StartEqualsEndIsTheWholeRing) {
  for (Token t : {kMin, Token{0}, Token{42}, kMax}) {
    TokenRange r(t, t);
    EXPECT_TRUE(r.is_full_ring());
    EXPECT_TRUE(r.size() == kRingSize);
    EXPECT_DOUBLE_EQ(r.ownership(), 1.0);
    for (Token p : {kMin, kMin + 1, Token{-1}, Token{0}, t, kMax}) EXPECT_TRUE(r.contains(p));
  }
  EXPECT_EQ(TokenRange::full_ring(), TokenRange(kMin, kMin));
  EXPECT_FALSE(TokenRange::full_ring().is_wrapping());
  EXPECT_TRUE(TokenRange(7, 7).is_wrapping());
}

TEST(TokenRange, WrapAroundRangeHoldsBothEndsOfTheRing) {
  TokenRange r(100, -100);
  EXPECT_TRUE(r.is_wrapping());
  EXPECT_TRUE(r.contains(101));
  EXPECT_TRUE(r.contains(kMax));
  EXPECT_TRUE(r.contains(kMin));
  EXPECT_TRUE(r.contains(kMin + 1));
  EXPECT_TRUE(r.contains(-100));
  EXPECT_FALSE(r.contains(-99));
  EXPECT_FALSE(r.contains(0));
  EXPECT_FALSE(r.contains(100));
  EXPECT_TRUE(r.size() == kRingSize - 200);
}

TEST(TokenRange, MinTokenEndMeansEndOfRingAndDoesNotWrap) {
  TokenRange r(0, kMin);
  EXPECT_FALSE(r.is_wrapping());
  EXPECT_TRUE(r.contains(1));
  EXPECT_TRUE(r.contains(kMax));
  EXPECT_FALSE(r.contains(0));
  EXPECT_FALSE(r.contains(-1));
  EXPECT_TRUE(r.size() == (u128{1} << 63));
  EXPECT_DOUBLE_EQ(r.ownership(), 0.5);
  TokenRange s(kMin, 0);
  EXPECT_FALSE(s.is_wrapping());
  EXPECT_TRUE(s.contains(kMin + 1));
  EXPECT_TRUE(s.contains(0));
  EXPECT_FALSE(s.contains(kMin));
  EXPECT_TRUE(s.size() == (u128{1} << 63));
}

TEST(TokenRange, ExtremeBoundaries) {
  TokenRange top(kMax - 1, kMax);
  EXPECT_TRUE(top.size() == 1);
  EXPECT_TRUE(top.contains(kMax));
  EXPECT_FALSE(top.contains(kMin));
  TokenRange across(kMax, kMin + 1);  // wraps: kMin and kMin+1
  EXPECT_TRUE(across.is_wrapping());
  EXPECT_TRUE(across.size() == 2);
  EXPECT_TRUE(across.contains(kMin));
  EXPECT_TRUE(across.contains(kMin + 1));
  EXPECT_FALSE(across.contains(kMax));
  TokenRange almost(kMin, kMax);
  EXPECT_TRUE(almost.size() == kRingSize - 1);
  EXPECT_FALSE(almost.contains(kMin));
}

TEST(TokenRange, ContainsRange) {
  TokenRange wrap(100, -100);
  EXPECT_TRUE(wrap.contains(TokenRange(200, 300)));
  EXPECT_TRUE(wrap.contains(TokenRange(200, -200)));
  EXPECT_TRUE(wrap.contains(TokenRange(100, -100)));
  EXPECT_TRUE(wrap.contains(TokenRange(kMin, -100)));
  EXPECT_TRUE(wrap.contains(TokenRange(100, kMin)));
  EXPECT_FALSE(wrap.contains(TokenRange(-101, -99)));
  EXPECT_FALSE(wrap.contains(TokenRange(0, 200)));
  EXPECT_FALSE(wrap.contains(TokenRange(99, 200)));
  EXPECT_FALSE(wrap.contains(TokenRange::full_ring()));
  EXPECT_TRUE(TokenRange(5, 5).contains(TokenRange(0, 10)));  // full ring holds everything
  EXPECT_TRUE(TokenRange(5, 5).contains(TokenRange::full_ring()));
  EXPECT_FALSE(TokenRange(0, 10).contains(TokenRange(10, 0)));
  EXPECT_TRUE(TokenRange(0, 10).contains(TokenRange(0, 10)));
  EXPECT_TRUE(TokenRange(0, 10).contains(TokenRange(3, 4)));
  EXPECT_FALSE(TokenRange(0, 10).contains(TokenRange(3, 11)));
}

TEST(TokenRange, IntersectionOfOrdinaryRanges) {
  EXPECT_EQ(TokenRange(0, 100).intersection(TokenRange(50, 150)),
            std::vector<TokenRange>{TokenRange(50, 100)});
  EXPECT_TRUE(TokenRange(0, 100).intersection(TokenRange(100, 200)).empty());  // touching only
  EXPECT_FALSE(TokenRange(0, 100).intersects(TokenRange(100, 200)));
  EXPECT_TRUE(TokenRange(0, 100).intersects(TokenRange(99, 200)));
}

TEST(TokenRange, IntersectionOfWrapAroundWithOrdinaryCanBeTwoPieces) {
  std::vector<TokenRange> expected{TokenRange(-50, 0), TokenRange(100, 200)};
  EXPECT_EQ(TokenRange(100, 0).intersection(TokenRange(-50, 200)), expected);
  EXPECT_EQ(TokenRange(-50, 200).intersection(TokenRange(100, 0)), expected);
}

TEST(TokenRange, IntersectionOfTwoWrapAroundsStaysOneWrappingRange) {
  EXPECT_EQ(TokenRange(100, -100).intersection(TokenRange(50, -200)),
            std::vector<TokenRange>{TokenRange(100, -200)});
  // Two wrapping ranges that overlap at both ends: (3,5] and the wrapping (10,1].
  std::vector<TokenRange> expected{TokenRange(3, 5), TokenRange(10, 1)};
  EXPECT_EQ(TokenRange(10, 5).intersection(TokenRange(3, 1)), expected);
}

TEST(TokenRange, IntersectionWithTheFullRingIsTheOtherRange) {
  for (TokenRange full : {TokenRange::full_ring(), TokenRange(42, 42)}) {
    for (TokenRange r : {TokenRange(0, 10), TokenRange(10, 0), TokenRange(0, kMin),
                         TokenRange(kMin, 0), TokenRange(30, 50)}) {
      EXPECT_EQ(full.intersection(r), std::vector<TokenRange>{r}) << full << " " << r;
      EXPECT_EQ(r.intersection(full), std::vector<TokenRange>{r}) << full << " " << r;
    }
  }
  EXPECT_EQ(TokenRange(42, 42).intersection(TokenRange(7, 7)),
            std::vector<TokenRange>{TokenRange::full_ring()});
}

// Property check against the definition: a token is in the intersection iff it is in both ranges,
// and normalize() covers exactly the union. Endpoints cluster near the ring's ends and zero, where
// the wrap-around cases live.
TEST(TokenRange, IntersectionAndNormalizeAgreeWithContainsOnRandomRanges) {
  std::mt19937_64 rng(3);
  std::vector<Token> anchors{kMin, kMin + 1, -1, 0, 1, kMax - 1, kMax};
  auto pick = [&]() -> Token {
    Token a = anchors[rng() % anchors.size()];
    return static_cast<Token>(static_cast<uint64_t>(a) + (rng() % 7) - 3);
  };
  for (int iter = 0; iter < 2000; ++iter) {
    TokenRange a(pick(), pick()), b(pick(), pick());
    auto both = a.intersection(b);
    auto merged = normalize({a, b});
    for (size_t i = 1; i < merged.size(); ++i) {
      EXPECT_LT(merged[i - 1].end(), merged[i].start()) << a << " " << b;
    }
    for (int k = 0; k < 20; ++k) {
      Token t = pick();
      bool in_both = false, in_merged = false;
      for (const TokenRange& r : both) in_both |= r.contains(t);
      for (const TokenRange& r : merged) in_merged |= r.contains(t);
      EXPECT_EQ(in_both, a.contains(t) && b.contains(t)) << a << " " << b << " t=" << t;
      EXPECT_EQ(in_merged, a.contains(t) || b.contains(t)) << a << " " << b << " t=" << t;
    }
    EXPECT_EQ(a.intersects(b), !both.empty());
    bool contained = a.contains(b);
    EXPECT_EQ(contained, covered_size({a, b}) == a.size()) << a << " " << b;
  }
}

TEST(TokenRange, UnwrapCutsAtTheRingsEnd) {
  EXPECT_EQ(TokenRange(100, -100).unwrap(),
            (std::vector<TokenRange>{TokenRange(kMin, -100), TokenRange(100, kMin)}));
  EXPECT_EQ(TokenRange(0, 10).unwrap(), std::vector<TokenRange>{TokenRange(0, 10)});
  EXPECT_EQ(TokenRange(0, kMin).unwrap(), std::vector<TokenRange>{TokenRange(0, kMin)});
  EXPECT_EQ(TokenRange::full_ring().unwrap(), std::vector<TokenRange>{TokenRange::full_ring()});
  EXPECT_EQ(TokenRange(5, 5).unwrap(),
            (std::vector<TokenRange>{TokenRange(kMin, 5), TokenRange(5, kMin)}));
}

TEST(TokenRange, SplitFullRingIntoQuarters) {
  auto pieces = TokenRange::full_ring().split(4);
  ASSERT_TRUE(pieces.ok());
  Token q = Token{1} << 62;
  std::vector<TokenRange> expected{TokenRange(kMin, kMin + q), TokenRange(kMin + q, 0),
                                   TokenRange(0, q), TokenRange(q, kMin)};
  EXPECT_EQ(*pieces, expected);
}

TEST(TokenRange, SplitPiecesAreContiguousNearlyEqualAndSumToTheWhole) {
  std::mt19937_64 rng(7);
  std::vector<TokenRange> ranges{TokenRange::full_ring(), TokenRange(5, 5),
                                 TokenRange(100, -100),   TokenRange(kMax - 10, kMin + 10),
                                 TokenRange(0, kMin),     TokenRange(-7, 1000003)};
  for (int i = 0; i < 20; ++i) ranges.emplace_back(rng(), rng());
  for (const TokenRange& r : ranges) {
    for (uint64_t n : {1ull, 2ull, 3ull, 7ull, 16ull, 1000ull}) {
      if (n > r.size()) continue;
      auto pieces = r.split(n);
      ASSERT_TRUE(pieces.ok());
      ASSERT_EQ(pieces->size(), n);
      EXPECT_EQ(pieces->front().start(), r.start());
      EXPECT_EQ(pieces->back().end(), r.end());
      u128 sum = 0, lo = ~u128{0}, hi = 0;
      for (size_t i = 0; i < n; ++i) {
        const TokenRange& p = (*pieces)[i];
        if (i > 0) {
          EXPECT_EQ(p.start(), (*pieces)[i - 1].end());
        }
        EXPECT_TRUE(r.contains(p)) << r << " " << p;
        EXPECT_EQ(p, r.split_piece(n, i));
        sum += p.size();
        lo = std::min(lo, p.size());
        hi = std::max(hi, p.size());
      }
      EXPECT_TRUE(sum == r.size()) << r << " n=" << n;
      EXPECT_TRUE(hi - lo <= 1) << r << " n=" << n;
    }
  }
}

TEST(TokenRange, SplitIntoAMillionPiecesIsExact) {
  uint64_t n = uint64_t{1} << 20;
  auto pieces = TokenRange::full_ring().split(n);
  ASSERT_TRUE(pieces.ok());
  ASSERT_EQ(pieces->size(), n);
  u128 sum = 0;
  for (const TokenRange& p : *pieces) {
    EXPECT_TRUE(p.size() == (u128{1} << 44));
    sum += p.size();
  }
  EXPECT_TRUE(sum == kRingSize);
  EXPECT_EQ(pieces->back().end(), kMin);
}

TEST(TokenRange, SplitRejectsZeroAndMorePiecesThanTokens) {
  EXPECT_EQ(TokenRange(0, 10).split(0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(TokenRange(0, 10).split(11).status().code(), ErrorCode::kInvalidArgument);
  auto ten = TokenRange(0, 10).split(10);
  ASSERT_TRUE(ten.ok());
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ((*ten)[i], TokenRange(Token(i), Token(i + 1)));
}

TEST(TokenRange, SplitIndexOfFindsThePieceHoldingTheToken) {
  std::mt19937_64 rng(11);
  std::vector<TokenRange> ranges{TokenRange::full_ring(), TokenRange(5, 5), TokenRange(100, -100),
                                 TokenRange(-7, 1000003), TokenRange(0, 10)};
  for (const TokenRange& r : ranges) {
    for (uint64_t n : {1ull, 3ull, 10ull, 1024ull}) {
      if (n > r.size()) continue;
      std::vector<Token> probes{r.end(), static_cast<Token>(static_cast<uint64_t>(r.start()) + 1)};
      for (uint64_t i = 0; i < n; i += std::max<uint64_t>(1, n / 7)) {
        TokenRange p = r.split_piece(n, i);
        probes.push_back(p.end());
        probes.push_back(static_cast<Token>(static_cast<uint64_t>(p.start()) + 1));
      }
      for (int k = 0; k < 50; ++k) {
        Token t = static_cast<Token>(rng());
        if (r.contains(t)) probes.push_back(t);
      }
      for (Token t : probes) {
        ASSERT_TRUE(r.contains(t));
        uint64_t i = r.split_index_of(t, n);
        ASSERT_LT(i, n);
        EXPECT_TRUE(r.split_piece(n, i).contains(t)) << r << " n=" << n << " t=" << t;
      }
    }
  }
}

TEST(TokenRange, NormalizeMergesOverlappingAndTouchingRangesAndUnwraps) {
  EXPECT_TRUE(normalize({}).empty());
  EXPECT_EQ(
      normalize({TokenRange(50, 60), TokenRange(0, 10), TokenRange(10, 20), TokenRange(55, 70)}),
      (std::vector<TokenRange>{TokenRange(0, 20), TokenRange(50, 70)}));
  EXPECT_EQ(normalize({TokenRange(100, -100)}),
            (std::vector<TokenRange>{TokenRange(kMin, -100), TokenRange(100, kMin)}));
  EXPECT_EQ(normalize({TokenRange(100, -100), TokenRange(-100, 100)}),
            std::vector<TokenRange>{TokenRange::full_ring()});
  EXPECT_EQ(normalize({TokenRange(3, 3)}), std::vector<TokenRange>{TokenRange::full_ring()});
  EXPECT_TRUE(covered_size({TokenRange(0, 10), TokenRange(5, 15), TokenRange(100, 101)}) == 16);
  EXPECT_TRUE(covered_size({TokenRange(1, 1), TokenRange(0, 10)}) == kRingSize);
}

TEST(TokenRange, FormatsAndParsesCassandraStyle) {
  TokenRange r(kMin, 0);
  EXPECT_EQ(r.to_string(), "(-9223372036854775808,0]");
  auto parsed = TokenRange::parse("(-9223372036854775808,0]");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, r);
  auto spaced = TokenRange::parse(" ( 5 , -9223372036854775807 ] ");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(*spaced, TokenRange(5, kMin + 1));
  std::ostringstream os;
  os << TokenRange(1, 2);
  EXPECT_EQ(os.str(), "(1,2]");
}

TEST(TokenRange, ParseRejectsMalformedText) {
  for (const char* bad : {"", "(", "(1,2)", "[1,2]", "(1 2]", "(1,]", "(,2]", "(a,2]", "(1,2]x",
                          "(9223372036854775808,0]", "(1,2,3]", "(0x10,2]", "(1.5,2]"}) {
    EXPECT_EQ(TokenRange::parse(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(TokenRange, U128FormatsDecimal) {
  EXPECT_EQ(u128_to_string(0), "0");
  EXPECT_EQ(u128_to_string(kRingSize), "18446744073709551616");
}

}  // namespace
}  // namespace rk
