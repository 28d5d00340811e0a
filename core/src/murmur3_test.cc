// Murmur3Partitioner tokens checked against key -> token pairs published by others, never values
// computed by this code. Sources are named next to each group.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ringkeeper/core/hex.h"
#include "ringkeeper/core/token.h"

namespace rk {
namespace {

struct Vector {
  std::string key_hex;  // key bytes as hex
  Token token;
};

std::string bytes(const std::string& hex) {
  auto r = hex_decode(hex);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::string();
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

void expect_tokens(const std::vector<Vector>& vectors) {
  for (const auto& v : vectors) {
    EXPECT_EQ(murmur3_token(bytes(v.key_hex)), v.token) << "key 0x" << v.key_hex;
  }
}

// datastax/python-driver tests/unit/test_metadata.py, TokensTest.test_murmur3_tokens.
TEST(Murmur3Token, MatchesPythonDriverVectors) {
  EXPECT_EQ(murmur3_token("123"), -7468325962851647638);                 // 3-byte tail
  EXPECT_EQ(murmur3_token("9223372036854775807"), 7162290910810015547);  // 16 + 3 bytes
  expect_tokens({
      // 50 bytes: three blocks and a 2-byte tail "fa 99", both >= 0x80 (signed-tail case).
      {repeat("00ff10fa99", 10), 5837342703291459765},
      // 8 bytes of 0xfe: the whole tail is negative Java bytes.
      {repeat("fe", 8), -8927430733708461935},
      {repeat("10", 8), 1446172840243228796},
  });
}

// datastax/csharp-driver src/Cassandra.Tests/TokenTests.cs, Murmur_Hash_Test ("inputs and result
// values from Cassandra"). The same table appears in pouyapayandeh/elixir-cassandra
// test/cassandra/murmur3_test.exs.
TEST(Murmur3Token, MatchesCsharpDriverVectorsFromCassandra) {
  expect_tokens({
      // Exactly one 16-byte block, no tail.
      {"0102030405060708090a0b0c0d0e0f10", -5563837382979743776},
      {"02030405060708090a0b0c0d0e0f1011", -1513403162740402161},
      {"030405060708090a0b0c0d0e0f101112", -495360443712684655},
      {"0405060708090a0b0c0d0e0f10111213", 1734091135765407943},
      {"05060708090a0b0c0d0e0f1011121314", -3199412112042527988},
      {"060708090a0b0c0d0e0f101112131415", -6316563938475080831},
      {"0708090a0b0c0d0e0f10111213141516", 8228893370679682632},
      {"00000000000000000000000000000000", 5457549051747178710},
      {"ffffffffffffffffffffffffffffffff", -2824192546314762522},
      {"fefefefefefefefefefefefefefefefe", -833317529301936754},
      {"00010203ffffffffffffffffffffffff", 6463632673159404390},
      // 17 bytes: one block plus a 1-byte tail of 0xfe.
      {"fefefefefefefefefefefefefefefefefe", -1672437813826982685},
      // Short keys, tail only; several with bytes >= 0x80.
      {"fefefefe", 4566408979886474012},
      {"00000000", -3485513579396041028},
      {"00017f7f", 6573459401642635627},
      {"00ffffff", 123573637386978882},
      {"ff010203", -2839127690952877842},
      {"e2e7", -8582699461035929883},
      {"e2e7e2e7e2e7"
       "01",
       2222373981930033306},
  });
}

// scylladb/scylla-rust-driver scylla/src/routing/partitioner.rs, test_murmur3_partitioner.
TEST(Murmur3Token, MatchesScyllaRustDriverVectors) {
  EXPECT_EQ(murmur3_token("test"), -6017608668500074083);
  EXPECT_EQ(murmur3_token("xd"), 4507812186440344727);
  EXPECT_EQ(murmur3_token("primary_key"), -1632642444691073360);  // 11-byte tail
  // UTF-8 "kremówki": 9 bytes, "ó" is c3 b3 (>= 0x80) inside the tail.
  EXPECT_EQ(murmur3_token("krem\xc3\xb3wki"), 4354931215268080151);
}

// hajimes/mmh3 tests/test_mmh3.py, test_hash64: mmh3.hash64("foo") == (-2129773440516405919, ...)
// (reference MurmurHash3 x64_128, seed 0; for ASCII keys it equals Cassandra's).
TEST(Murmur3Token, MatchesReferenceMurmur3ForAsciiKeys) {
  EXPECT_EQ(murmur3_token("foo"), -2129773440516405919);
}

// apache/cassandra src/java/org/apache/cassandra/dht/Murmur3Partitioner.java, getToken:
// "if (key.remaining() == 0) return MINIMUM;".
TEST(Murmur3Token, EmptyKeyHasTheMinimumToken) { EXPECT_EQ(murmur3_token(""), kMinToken); }

TEST(Murmur3Token, KeysAreArbitraryBytesIncludingNul) {
  // The 16 zero bytes from the C# driver table: a std::string_view with embedded NULs.
  EXPECT_EQ(murmur3_token(std::string(16, '\0')), 5457549051747178710);
}

TEST(TokenText, PrintsDecimal) {
  EXPECT_EQ(token_to_string(-7468325962851647638), "-7468325962851647638");
  EXPECT_EQ(token_to_string(kMinToken), "-9223372036854775808");
  EXPECT_EQ(token_to_string(kMaxToken), "9223372036854775807");
  EXPECT_EQ(token_to_string(0), "0");
}

TEST(TokenText, ParsesWhatItPrints) {
  for (Token t : {kMinToken, kMaxToken, Token{0}, Token{-1}, Token{7162290910810015547}}) {
    auto parsed = parse_token(token_to_string(t));
    ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(*parse_token("+5"), 5);
}

TEST(TokenText, RejectsNonNumbersAndOverflow) {
  for (const char* bad : {"", "+", "-", "12a", " 1", "1 ", "0x10", "1.5", "--1"}) {
    auto r = parse_token(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  }
  auto big = parse_token("9223372036854775808");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("outside the token range"), std::string::npos);
  EXPECT_FALSE(parse_token("-9223372036854775809").ok());
}

}  // namespace
}  // namespace rk
