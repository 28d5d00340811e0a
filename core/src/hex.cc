// Hex encoding and decoding; see hex.h.
#include "ringkeeper/core/hex.h"

#include <string>

namespace rk {

namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The input as it may appear in a one-line message: quoted when short and printable, otherwise
// described by its length.
std::string shown(std::string_view text) {
  bool printable = text.size() <= 80;
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) printable = false;
  }
  if (printable) return "'" + std::string(text) + "'";
  return "the " + std::to_string(text.size()) + "-character input";
}

}  // namespace

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string hex_encode(std::span<const uint8_t> bytes) {
  return hex_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Result<std::string> hex_decode(std::string_view text) {
  std::string_view digits = text;
  size_t offset = 0;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    offset = 2;
  }
  for (size_t i = 0; i < digits.size(); ++i) {
    if (hex_digit_value(digits[i]) < 0) {
      return Status::InvalidArgument(shown(text) + " is not hex: character " +
                                     std::to_string(offset + i + 1) + " is not a hex digit");
    }
  }
  if (digits.size() % 2 != 0) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not hex: odd number of digits (" +
                                   std::to_string(digits.size()) + ")");
  }
  std::string out;
  out.reserve(digits.size() / 2);
  for (size_t i = 0; i < digits.size(); i += 2) {
    out.push_back(
        static_cast<char>((hex_digit_value(digits[i]) << 4) | hex_digit_value(digits[i + 1])));
  }
  return out;
}

}  // namespace rk
