// Tokens of the Murmur3Partitioner, byte-exact with Cassandra's.
//
// A partition key's token is the first 64 bits (as a signed long) of MurmurHash3 x64_128 over the
// key bytes, with seed 0, computed the way Cassandra's MurmurHash.hash3_x64_128 does it (tail
// bytes are read as *signed* bytes before shifting). Long.MIN_VALUE is reserved as the ring's
// minimum token and is mapped to Long.MAX_VALUE.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

using Token = int64_t;

// The partitioner's minimum token: never the token of a non-empty key; (kMinToken, kMinToken] is
// the ring.
inline constexpr Token kMinToken = std::numeric_limits<int64_t>::min();
inline constexpr Token kMaxToken = std::numeric_limits<int64_t>::max();

// Token of a partition key (arbitrary bytes). As in Cassandra's Murmur3Partitioner.getToken, the
// empty key gets kMinToken (Cassandra refuses empty partition keys on write; callers that store
// data should do the same).
Token murmur3_token(std::string_view key);

// Decimal text of a token, as Cassandra and CQL's token() print it ("-7468325962851647638").
std::string token_to_string(Token token);

// Parses a decimal token ("-123", "+5", "0"); the whole text must be an int64 without spaces.
// InvalidArgument naming the text otherwise (also for values outside the int64 range).
Result<Token> parse_token(std::string_view text);

}  // namespace rk
