// Hex encoding and decoding.
#include "ringkeeper/core/hex.h"

#include <gtest/gtest.h>

#include <array>

namespace rk {
namespace {

TEST(Hex, EncodesLowerCase) {
  EXPECT_EQ(hex_encode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(hex_encode(""), "");
  const std::array<uint8_t, 3> raw = {0x00, 0x7f, 0xff};
  EXPECT_EQ(hex_encode(raw), "007fff");
}

TEST(Hex, DecodesBothCasesAndOptionalPrefix) {
  EXPECT_EQ(*hex_decode("0001abff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(*hex_decode("0xABcd"), "\xab\xcd");
  EXPECT_EQ(*hex_decode("0X10"), "\x10");
  EXPECT_EQ(*hex_decode(""), "");
  EXPECT_EQ(*hex_decode("0x"), "");
}

TEST(Hex, RejectsOddLength) {
  auto r = hex_decode("abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("odd number of digits"), std::string::npos);
}

TEST(Hex, RejectsNonHexCharacterNamingItsPosition) {
  auto r = hex_decode("0x12zz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("character 5"), std::string::npos) << r.status().message();
  EXPECT_FALSE(hex_decode("12 34").ok());
  EXPECT_FALSE(hex_decode("-1").ok());
}

TEST(Hex, ErrorsStayOnOneLineWhateverTheInput) {
  auto r = hex_decode("ab\ncd");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "the 5-character input is not hex: character 3 is not a hex digit");
}

TEST(Hex, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(*hex_decode(hex_encode(all)), all);
}

}  // namespace
}  // namespace rk
