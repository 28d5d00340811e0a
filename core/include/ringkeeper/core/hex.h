// Hex text <-> bytes, for keys given on a command line or in JSON (`rkctl token --hex`, blob keys
// in the REST API) and for printing digests.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

// Lower-case hex of the bytes ("\x01\xab" -> "01ab").
std::string hex_encode(std::string_view bytes);
// The same for raw bytes, such as a digest (Sha256Digest).
std::string hex_encode(std::span<const uint8_t> bytes);

// Bytes of a hex string. Accepts upper and lower case and an optional "0x"/"0X" prefix (as CQL blob
// literals are written); the empty string (or a bare "0x") is the empty byte string.
// InvalidArgument for an odd number of digits or a non-hex character, naming its position.
Result<std::string> hex_decode(std::string_view text);

}  // namespace rk
