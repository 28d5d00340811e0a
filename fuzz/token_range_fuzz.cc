// Feeds core/token_range.h's TokenRange::parse and token.h's parse_token: ranges and tokens as
// operators and agents send them ("(start,end]" in repair and export requests, decimal tokens in
// manifests and registrations). What parses must print back to text that parses to the same
// value, and the range's arithmetic must hold for it.
#include "fuzz_check.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/core/token_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz_text(data, size);

  if (auto token = rk::parse_token(text); token.ok()) {
    auto again = rk::parse_token(rk::token_to_string(*token));
    RK_FUZZ_CHECK(again.ok() && *again == *token, "a token prints back to itself");
  }

  auto range = rk::TokenRange::parse(text);
  if (!range.ok()) return 0;
  auto again = rk::TokenRange::parse(range->to_string());
  RK_FUZZ_CHECK(again.ok() && *again == *range, "a range prints back to itself");
  RK_FUZZ_CHECK(range->size() >= 1 && range->size() <= rk::kRingSize, "1..2^64 tokens");
  RK_FUZZ_CHECK(range->contains(range->end()) || range->end() == rk::kMinToken,
                "a range holds its end token");
  rk::uint128_t pieces = 0;
  for (const rk::TokenRange& piece : range->unwrap()) {
    RK_FUZZ_CHECK(!piece.is_wrapping(), "unwrapped pieces do not wrap");
    pieces += piece.size();
  }
  RK_FUZZ_CHECK(pieces == range->size(), "unwrapping keeps every token");
  RK_FUZZ_CHECK(rk::covered_size(rk::normalize({*range})) == range->size(),
                "normalising keeps every token");
  const uint64_t n = range->size() < 7 ? static_cast<uint64_t>(range->size()) : 7;
  auto split = range->split(n);
  RK_FUZZ_CHECK(split.ok() && split->size() == n, "a range splits into n <= size pieces");
  RK_FUZZ_CHECK(split->front().start() == range->start() && split->back().end() == range->end(),
                "the pieces span the range");
  return 0;
}
