// Feeds core/hex.h's hex_decode: keys given as hex on rkctl's command line and in the REST API's
// blob keys. Whatever decodes must encode back to the same digits (lower case, no "0x").
#include <cctype>
#include <string>

#include "fuzz_check.h"
#include "ringkeeper/core/hex.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz_text(data, size);
  auto decoded = rk::hex_decode(text);
  if (!decoded.ok()) {
    RK_FUZZ_CHECK(!decoded.status().message().empty(), "a refusal says why");
    return 0;
  }
  std::string digits(text);
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.erase(0, 2);
  }
  for (char& c : digits) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  RK_FUZZ_CHECK(decoded->size() * 2 == digits.size(), "one byte per two digits");
  RK_FUZZ_CHECK(rk::hex_encode(*decoded) == digits, "decode then encode gives the digits back");
  return 0;
}
