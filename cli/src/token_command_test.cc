// `rkctl token` through rk::cli::run, with key -> token pairs published by DataStax drivers (see
// core/src/murmur3_test.cc for the sources).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "ringkeeper/cli/rkctl.h"
#include "ringkeeper/core/token.h"

namespace rk::cli {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome rkctl(std::vector<std::string> args) {
  args.insert(args.begin(), "rkctl");
  std::ostringstream out, err;
  int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(TokenCommand, PrintsOneTokenPerKeyInOrder) {
  // python-driver test_metadata.py and scylla-rust-driver partitioner.rs vectors.
  auto r = rkctl({"token", "123", "test", "9223372036854775807"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "-7468325962851647638\n-6017608668500074083\n7162290910810015547\n");
  EXPECT_EQ(r.err, "");
}

TEST(TokenCommand, TextKeysAreUtf8Bytes) {
  auto r = rkctl({"token", "krem\xc3\xb3wki"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "4354931215268080151\n");
}

TEST(TokenCommand, HexKeysAreDecodedFirst) {
  // csharp-driver TokenTests.cs vectors; with and without 0x, either case.
  auto r = rkctl({"token", "--hex", "e2e7", "0xFEFEFEFE", "00010203ffffffffffffffffffffffff"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "-8582699461035929883\n4566408979886474012\n6463632673159404390\n");
}

TEST(TokenCommand, BadHexFailsWithOneLineAndPrintsNothing) {
  auto r = rkctl({"token", "--hex", "e2e7", "abc", "zz"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "rkctl token: key 2: 'abc' is not hex: odd number of digits (3)\n");
}

TEST(TokenCommand, InvalidUtf8TextIsRefusedWithAHintToUseHex) {
  auto r = rkctl({"token", "ok", "bad\xff"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "rkctl token: key 2 is not valid UTF-8 (byte 4); give raw bytes with --hex\n");
  EXPECT_EQ(rkctl({"token", "\xc0\xaf"}).code, 1);      // overlong '/'
  EXPECT_EQ(rkctl({"token", "\xed\xa0\x80"}).code, 1);  // surrogate
}

TEST(TokenCommand, JsonPrintsAnArrayOfKeyAndTokenStrings) {
  auto r = rkctl({"token", "--json", "123", "xd"});
  EXPECT_EQ(r.code, 0);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["key"], "123");
  EXPECT_EQ(j[0]["token"], "-7468325962851647638");
  EXPECT_EQ(j[1]["key"], "xd");
  EXPECT_EQ(j[1]["token"], "4507812186440344727");
}

TEST(TokenCommand, JsonWithHexEchoesTheHexKey) {
  auto r = rkctl({"token", "--hex", "--json", "0xe2e7"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, R"([{"key":"0xe2e7","token":"-8582699461035929883"}])"
                   "\n");
}

TEST(TokenCommand, DoubleDashMakesLaterArgumentsKeys) {
  auto r = rkctl({"token", "--", "--hex"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, token_to_string(murmur3_token("--hex")) + "\n");
}

TEST(TokenCommand, EmptyKeyHasTheMinimumToken) {
  auto r = rkctl({"token", ""});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "-9223372036854775808\n");
}

TEST(TokenCommand, UsageErrorsExitTwo) {
  auto none = rkctl({"token"});
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.out, "");
  EXPECT_NE(none.err.find("no keys given"), std::string::npos);
  auto bad = rkctl({"token", "--hexx", "a"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err, "rkctl token: unknown option '--hexx' (try 'rkctl token --help')\n");
}

TEST(TokenCommand, HelpDescribesOptions) {
  for (auto args :
       {std::vector<std::string>{"token", "--help"}, std::vector<std::string>{"token", "-h"},
        std::vector<std::string>{"help", "token"}}) {
    auto r = rkctl(args);
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out.rfind("usage: rkctl token", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("--hex"), std::string::npos);
    EXPECT_NE(r.out.find("--json"), std::string::npos);
  }
}

}  // namespace
}  // namespace rk::cli
