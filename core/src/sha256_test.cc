// SHA-256 against FIPS 180-2's published digests, one-shot, streamed in any split, and of files.
#include "ringkeeper/core/sha256.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "ringkeeper/core/hex.h"

namespace rk {
namespace {

// FIPS 180-2 Appendix B.1 ("abc", one block) and B.2 (448 bits, two blocks); the empty string's
// digest as NIST's example values give it.
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kTwoBlockInput = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr const char* kTwoBlock =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(Sha256, OneShotMatchesFips180Vectors) {
  EXPECT_EQ(sha256_hex("abc"), kAbc);
  EXPECT_EQ(sha256_hex(kTwoBlockInput), kTwoBlock);
  EXPECT_EQ(sha256_hex(""), kEmpty);
  EXPECT_EQ(hex_encode(sha256("abc")), kAbc);
}

TEST(Sha256, StreamingMatchesFips180VectorsAndStartsOverAfterFinish) {
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.finish_hex(), kAbc);
  h.update("abc");
  EXPECT_EQ(h.finish(), sha256("abc"));
  const std::string_view two(kTwoBlockInput);
  h.update(two.substr(0, 10));
  h.update(two.data() + 10, two.size() - 10);
  EXPECT_EQ(h.finish_hex(), kTwoBlock);
  h.update("", 0);
  EXPECT_EQ(h.finish_hex(), kEmpty);
}

TEST(Sha256, AnySplitOfTheInputGivesTheSameDigest) {
  std::string input;
  for (int i = 0; i < 3000; ++i) input.push_back(static_cast<char>(i * 31 + 7));
  const Sha256Digest whole = sha256(input);
  std::mt19937_64 rng(5);
  for (size_t max_piece : {1u, 7u, 63u, 64u, 65u, 1000u, 4000u}) {
    Sha256 h;
    for (size_t pos = 0; pos < input.size();) {
      const size_t n = std::min<size_t>(input.size() - pos, 1 + rng() % max_piece);
      h.update(std::string_view(input).substr(pos, n));
      pos += n;
    }
    EXPECT_EQ(h.finish(), whole) << max_piece;
  }
}

TEST(Sha256, FileDigestIsTheDigestOfItsBytes) {
  // A directory of this run's own: test binaries of several builds may run on one machine at once.
  std::string tmpl = (std::filesystem::temp_directory_path() / "rk-sha256-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::filesystem::path dir = tmpl;
  std::string big(3 * (size_t{1} << 20) + 17, '\0');  // crosses the 1 MiB read size
  std::mt19937_64 rng(9);
  for (char& c : big) c = static_cast<char>(rng());
  for (const std::string& content : {std::string(), std::string("abc"), big}) {
    const std::string path = (dir / "f").string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    auto got = sha256_file_hex(path);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(*got, sha256_hex(content));
  }
  auto missing = sha256_file_hex((dir / "missing").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kIOError);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rk
