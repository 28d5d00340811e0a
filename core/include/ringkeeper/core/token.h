// Tokens of the Murmur3Partitioner, byte-exact with Cassandra's.
//
// A partition key's token is the first 64 bits (as a signed long) of MurmurHash3 x64_128 over the
// key bytes, with seed 0, computed the way Cassandra's MurmurHash.hash3_x64_128 does it (tail
// bytes are read as *signed* bytes before shifting). Long.MIN_VALUE is reserved as the ring's
// minimum token and is mapped to Long.MAX_VALUE.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace rk {

using Token = int64_t;

// The partitioner's minimum token: never the token of a key; (kMinToken, kMinToken] is the ring.
inline constexpr Token kMinToken = std::numeric_limits<int64_t>::min();
inline constexpr Token kMaxToken = std::numeric_limits<int64_t>::max();

// Token of a partition key (arbitrary bytes).
Token murmur3_token(std::string_view key);

}  // namespace rk
