// Murmur3Partitioner tokens: MurmurHash3 x64_128 (seed 0) exactly as Cassandra's
// org.apache.cassandra.utils.MurmurHash.hash3_x64_128 computes it, reduced to a token the way
// org.apache.cassandra.dht.Murmur3Partitioner.getToken does. See token.h.
//
// Cassandra's Java port differs from the reference C implementation in one place: the tail bytes
// (the last len % 16) are read as signed Java bytes, so a byte >= 0x80 is sign-extended to 64 bits
// before it is shifted into place. Keys whose tail holds such bytes hash differently from the
// reference MurmurHash3; Cassandra's result is the one that decides data placement, so it is the
// one computed here.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ringkeeper/core/token.h"

namespace rk {

namespace {

constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;

inline uint64_t rotl64(uint64_t v, int n) { return (v << n) | (v >> (64 - n)); }

inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Little-endian 64-bit load (Java's ByteBuffer.getLong on a little-endian view), whatever the
// host's byte order.
inline uint64_t load_le64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// A tail byte as Java's `(long) byteBuffer.get(i)` sees it: sign-extended.
inline uint64_t signed_byte(unsigned char b) {
  return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(b)));
}

// The first 64 bits of Cassandra's hash3_x64_128(key, seed 0).
uint64_t cassandra_murmur3_h1(std::string_view key) {
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const size_t len = key.size();
  const size_t nblocks = len / 16;

  uint64_t h1 = 0;  // seed 0
  uint64_t h2 = 0;

  for (size_t i = 0; i < nblocks; ++i) {
    uint64_t k1 = load_le64(data + i * 16);
    uint64_t k2 = load_le64(data + i * 16 + 8);

    k1 *= kC1;
    k1 = rotl64(k1, 31);
    k1 *= kC2;
    h1 ^= k1;
    h1 = rotl64(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;

    k2 *= kC2;
    k2 = rotl64(k2, 33);
    k2 *= kC1;
    h2 ^= k2;
    h2 = rotl64(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }

  const unsigned char* tail = data + nblocks * 16;
  const size_t rest = len & 15;
  uint64_t k1 = 0;
  uint64_t k2 = 0;
  // Bytes 8..15 of the tail feed k2, bytes 0..7 feed k1 (the reference switch falls through).
  for (size_t i = rest; i > 8; --i) k2 ^= signed_byte(tail[i - 1]) << (8 * (i - 9));
  if (rest > 8) {
    k2 *= kC2;
    k2 = rotl64(k2, 33);
    k2 *= kC1;
    h2 ^= k2;
  }
  for (size_t i = rest < 8 ? rest : 8; i > 0; --i) k1 ^= signed_byte(tail[i - 1]) << (8 * (i - 1));
  if (rest > 0) {
    k1 *= kC1;
    k1 = rotl64(k1, 31);
    k1 *= kC2;
    h1 ^= k1;
  }

  h1 ^= static_cast<uint64_t>(len);
  h2 ^= static_cast<uint64_t>(len);
  h1 += h2;
  h2 += h1;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 += h2;
  return h1;
}

}  // namespace

Token murmur3_token(std::string_view key) {
  // Cassandra gives the empty key the minimum token rather than its hash (which would be 0).
  if (key.empty()) return kMinToken;
  const auto h = static_cast<Token>(cassandra_murmur3_h1(key));
  // Long.MIN_VALUE is the ring's minimum and never a key's token (Murmur3Partitioner.normalize).
  return h == kMinToken ? kMaxToken : h;
}

}  // namespace rk
