// Printing and parsing tokens as decimal text; see token.h.
#include <charconv>
#include <string>

#include "ringkeeper/core/token.h"

namespace rk {

std::string token_to_string(Token token) { return std::to_string(token); }

Result<Token> parse_token(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  Token value = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec == std::errc::invalid_argument || ptr != end) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a token (expected a decimal 64-bit integer)");
  }
  if (ec == std::errc::result_out_of_range) {
    return Status::InvalidArgument("'" + std::string(text) + "' is outside the token range [" +
                                   std::to_string(kMinToken) + ", " + std::to_string(kMaxToken) +
                                   "]");
  }
  return value;
}

}  // namespace rk
