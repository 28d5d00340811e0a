// Priam-style slot and token assignment (see token_assignment.h and docs/tokens.md).
#include "ringkeeper/core/token_assignment.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>

namespace rk {
namespace {

__extension__ typedef unsigned __int128 u128;  // -Wpedantic: __int128 is a GNU extension

// Cassandra refuses more than 1536 tokens per node; positions must stay below 2^32 so that
// 2^64 * position fits in 128 bits.
constexpr uint32_t kMaxNumTokens = 1536;
constexpr uint64_t kMaxPositions = uint64_t{1} << 32;

// Appends the UTF-16 code units of a UTF-8 string; bytes that are not valid UTF-8 count as one
// code unit each (as Latin-1 would).
std::vector<uint16_t> utf16_units(std::string_view s) {
  std::vector<uint16_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    uint32_t cp = b0;
    size_t len = 1;
    if (b0 >= 0xC0 && b0 < 0xE0) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 < 0xF0) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 < 0xF8) {
      len = 4;
      cp = b0 & 0x07;
    }
    bool valid = len == 1 ? b0 < 0x80 : i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (!valid) {
      out.push_back(b0);
      i += 1;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<uint16_t>(cp));
    }
    i += len;
  }
  return out;
}

// Whether slot `s` may take a node of `rack` without sitting next to a node of the same rack.
bool rack_safe(uint64_t s, uint64_t n, const std::vector<const SlottedNode*>& by_slot,
               std::string_view rack) {
  if (n == 1) return true;
  const SlottedNode* prev = by_slot[(s + n - 1) % n];
  const SlottedNode* next = by_slot[(s + 1) % n];
  return (prev == nullptr || prev->rack != rack) && (next == nullptr || next->rack != rack);
}

}  // namespace

uint32_t datacenter_offset(std::string_view datacenter) {
  uint32_t h = 0;  // Java int arithmetic wraps; unsigned arithmetic gives the same bits.
  for (uint16_t unit : utf16_units(datacenter)) h = 31 * h + unit;
  const auto signed_h = static_cast<int32_t>(h);
  if (signed_h >= 0) return static_cast<uint32_t>(signed_h);
  return static_cast<uint32_t>(-static_cast<int64_t>(signed_h));  // 2^31 for Integer.MIN_VALUE
}

Token position_token(uint64_t position, uint64_t positions, uint32_t offset) {
  const u128 ring = static_cast<u128>(1) << 64;                          // MAX - MIN
  const auto step = static_cast<uint64_t>(ring * position / positions);  // < 2^64
  // MIN + step + offset modulo 2^64: adding 2^63 to the unsigned value is adding MIN.
  const uint64_t bits = step + uint64_t{offset} + (uint64_t{1} << 63);
  return static_cast<Token>(bits);
}

std::vector<Token> slot_tokens(uint64_t slot, uint64_t slot_count, uint32_t num_tokens,
                               uint32_t offset) {
  std::vector<Token> tokens;
  tokens.reserve(num_tokens);
  const uint64_t positions = slot_count * num_tokens;
  for (uint64_t j = 0; j < num_tokens; ++j) {
    tokens.push_back(position_token(slot + j * slot_count, positions, offset));
  }
  return tokens;
}

Result<TokenAssignment> assign_tokens(const DatacenterLayout& layout,
                                      std::span<const SlottedNode> nodes, std::string_view rack) {
  if (rack.empty()) return Status::InvalidArgument("rack name is empty");
  if (layout.num_tokens == 0 || layout.num_tokens > kMaxNumTokens) {
    return Status::InvalidArgument(
        fmt::format("num_tokens must be 1..{}, got {}", kMaxNumTokens, layout.num_tokens));
  }
  if (layout.slot_count == 0) return Status::InvalidArgument("slot_count must be at least 1");

  TokenAssignment out;
  out.layout = layout;
  auto rack_it = std::find(out.layout.racks.begin(), out.layout.racks.end(), rack);
  const auto rack_index = static_cast<uint64_t>(rack_it - out.layout.racks.begin());
  if (rack_it == out.layout.racks.end()) out.layout.racks.emplace_back(rack);
  const uint64_t rack_count = out.layout.racks.size();

  // The datacenter's nodes that hold a slot, indexed by slot.
  std::vector<const SlottedNode*> dc_nodes;
  for (const SlottedNode& node : nodes) {
    if (node.holds_slot && node.datacenter == layout.name) dc_nodes.push_back(&node);
  }
  uint64_t n = layout.slot_count;
  while (dc_nodes.size() >= n) {
    n *= 2;
    out.slot_scale *= 2;
  }
  if (n * layout.num_tokens > kMaxPositions) {
    return Status::ResourceExhausted(
        fmt::format("datacenter {} cannot grow past {} slots of {} tokens", layout.name, n / 2,
                    layout.num_tokens));
  }
  std::vector<const SlottedNode*> by_slot(n, nullptr);
  for (const SlottedNode* node : dc_nodes) {
    const uint64_t s = node->slot * out.slot_scale;
    if (s >= n || by_slot[s] != nullptr) {
      return Status::FailedPrecondition(fmt::format(
          "datacenter {}: node {} has slot {} which is out of range or shared (slot_count {})",
          layout.name, node->host_id, node->slot, layout.slot_count));
    }
    by_slot[s] = node;
  }

  std::optional<uint64_t> preferred, safe, any;
  for (uint64_t s = 0; s < n && !preferred; ++s) {
    if (by_slot[s] != nullptr) continue;
    if (!any) any = s;
    if (!rack_safe(s, n, by_slot, rack)) continue;
    if (!safe) safe = s;
    if (s % rack_count == rack_index) preferred = s;
  }
  out.slot = preferred ? *preferred : safe ? *safe : *any;
  out.layout.slot_count = n;

  // Tokens taken anywhere in the cluster, plus the reserved minimum.
  std::unordered_set<Token> taken{kMinToken};
  for (const SlottedNode& node : nodes) {
    if (node.holds_slot) taken.insert(node.tokens.begin(), node.tokens.end());
  }
  out.tokens = slot_tokens(out.slot, n, layout.num_tokens, datacenter_offset(layout.name));
  for (Token& t : out.tokens) {
    while (taken.contains(t)) t = static_cast<Token>(static_cast<uint64_t>(t) + 1);
    taken.insert(t);
  }
  return out;
}

std::optional<SlotOfTokens> find_slot_of_tokens(const DatacenterLayout& layout,
                                                std::span<const Token> tokens) {
  const uint64_t t_count = layout.num_tokens;
  if (t_count == 0 || t_count > kMaxNumTokens || tokens.size() != t_count ||
      layout.slot_count == 0) {
    return std::nullopt;
  }
  const uint32_t offset = datacenter_offset(layout.name);
  for (uint64_t scale = 1, n = layout.slot_count; n * t_count <= kMaxPositions;
       scale *= 2, n *= 2) {
    const uint64_t positions = n * t_count;
    SlotOfTokens out{.slot = 0, .slot_count = n, .slot_scale = scale, .tokens = {}};
    out.tokens.assign(t_count, 0);
    std::vector<bool> seen(t_count, false);
    bool match = true;
    for (size_t i = 0; i < tokens.size() && match; ++i) {
      // Invert position_token: the position whose token is at or just below this one.
      const uint64_t bits = static_cast<uint64_t>(tokens[i]) - (uint64_t{1} << 63) - offset;
      const auto guess = static_cast<uint64_t>((static_cast<u128>(bits) * positions) >> 64);
      std::optional<uint64_t> position;
      for (uint64_t p = guess; p <= guess + 1 && p < positions && !position; ++p) {
        const uint64_t bump = static_cast<uint64_t>(tokens[i]) -
                              static_cast<uint64_t>(position_token(p, positions, offset));
        if (bump < kMaxTokenBump) position = p;
      }
      if (!position) {
        match = false;
        break;
      }
      const uint64_t slot = *position % n;
      const uint64_t round = *position / n;
      if ((i > 0 && slot != out.slot) || seen[round]) {
        match = false;
        break;
      }
      out.slot = slot;
      seen[round] = true;
      out.tokens[round] = tokens[i];
    }
    if (match) return out;
  }
  return std::nullopt;
}

}  // namespace rk
