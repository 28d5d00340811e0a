// Token assignment the way Netflix Priam does it, extended to vnodes and ring growth.
//
// A datacenter's ring is cut into `slot_count` (N) evenly spaced slots. The token of position p
// out of P positions is
//
//     token = MIN + floor((MAX - MIN) * p / P) + offset(dc)        (MIN = -2^63, MAX = 2^63)
//
// wrapped into the int64 ring, computed exactly in 128-bit arithmetic. This is Priam's
// TokenManager.initialToken ("(MAX - MIN)/N * s + offset + MIN", Netflix/Priam
// priam/src/main/java/com/netflix/priam/utils/TokenManager.java) except that we multiply before
// dividing: the result differs from Priam's by less than p tokens and has the property that
// doubling the ring (p -> 2p, P -> 2P) keeps every existing token. The per-datacenter offset is
// Priam's regionOffset: |Java String.hashCode(dc name)|, so two datacenters' tokens never meet.
//
// Slots go to racks round-robin in the order the datacenter's racks were declared, as Priam's
// NewTokenRetriever does: the rack at index r takes the lowest free slot s with s % R == r, so
// consecutive ring positions alternate racks. With num_tokens T > 1 (vnodes) the position space is
// N*T and slot s owns positions s, s + N, ..., s + (T-1)*N: one token in each 1/T of the ring, the
// rack pattern repeated T times. See docs/tokens.md for the whole scheme (growth, collisions).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"

namespace rk {

// |Java String.hashCode(name)| over the name's UTF-16 code units, as Priam's regionOffset; the one
// value Java's Math.abs leaves negative (Integer.MIN_VALUE) is taken as 2^31.
uint32_t datacenter_offset(std::string_view datacenter);

// MIN + floor(2^64 * position / positions) + offset, wrapped into the ring. 0 <= position <
// positions is the caller's guarantee.
Token position_token(uint64_t position, uint64_t positions, uint32_t offset);

// The T tokens of slot `slot` in a ring of `slot_count` slots (see the file comment), ascending by
// position (not necessarily by value once they wrap). Before collision avoidance.
std::vector<Token> slot_tokens(uint64_t slot, uint64_t slot_count, uint32_t num_tokens,
                               uint32_t offset);

// How a datacenter's ring is laid out. Stored with the datacenter; fixed when it is created, except
// that racks are appended as new ones appear and slot_count doubles when every slot is held.
struct DatacenterLayout {
  std::string name;
  // Racks in declaration order; a rack's index decides which slots it prefers (slot % size()).
  std::vector<std::string> racks;
  // N: slots spaced evenly over the ring (Priam: rack count x nodes per rack). Always >= 1.
  uint64_t slot_count = 1;
  // Tokens per node (vnodes). Every node of a datacenter has the same count.
  uint32_t num_tokens = 1;
};

// A node that is already on some ring, as token assignment needs to see it.
struct SlottedNode {
  std::string host_id;
  std::string datacenter;
  std::string rack;
  uint64_t slot = 0;
  std::vector<Token> tokens;
  // False for a node whose slot is free again (REPLACED: its replacement holds the slot, or a
  // node removed for good). Its tokens no longer count as taken.
  bool holds_slot = true;
};

struct TokenAssignment {
  uint64_t slot = 0;
  std::vector<Token> tokens;
  // The datacenter's layout after this assignment (a new rack appended, slot_count doubled).
  DatacenterLayout layout;
  // Every existing slot of the datacenter is multiplied by this (1, or 2^k after the ring grew);
  // the caller stores the new slots together with the new node. Tokens never change.
  uint64_t slot_scale = 1;
};

// The slot and tokens of a new node in `rack` of the datacenter `layout` describes, given every
// node already registered (all datacenters: tokens must be unique across the cluster).
//
// Slot choice among the free slots (a slot is free when no node holding a slot has it), where a
// slot is "rack-safe" when both adjacent slots (s - 1 and s + 1, around the ring) are free or held
// by other racks: (1) the lowest rack-safe slot of the rack's round-robin class (s % R == index of
// the rack); (2) else the lowest rack-safe slot; (3) else the lowest free slot. With no free slot
// the ring doubles first (existing slot s becomes 2s, its tokens unchanged). A new rack is appended
// to the layout's racks.
// A computed token already taken (or kMinToken, which Cassandra reserves) moves up by one until
// it is free. InvalidArgument for an empty rack name, num_tokens 0, or slot_count 0.
Result<TokenAssignment> assign_tokens(const DatacenterLayout& layout,
                                      std::span<const SlottedNode> nodes, std::string_view rack);

// How far collision avoidance may have moved a token up from its slot's computed value and still
// count as that slot's (find_slot_of_tokens). A token moves only when another datacenter's token
// at the same position has the very same value (equal offsets), so chains are as long as the
// datacenters sharing an offset; kept small so that another datacenter's tokens (offsets differ
// by the names' hash codes) are rarely taken for this one's.
inline constexpr uint64_t kMaxTokenBump = 1024;

// Where a node holding `tokens` sits: the slot, in the smallest ring of
// layout.slot_count x 2^k slots (k >= 0) that has one, whose tokens as slot_tokens computes them
// are exactly `tokens` (in any order), each allowing for collision avoidance (moved up by less
// than kMaxTokenBump). A node restored from a backup asks for its slot this way.
struct SlotOfTokens {
  uint64_t slot = 0;          // in a ring of slot_count slots
  uint64_t slot_count = 0;    // layout.slot_count * slot_scale
  uint64_t slot_scale = 1;    // the datacenter's existing slots are multiplied by this
  std::vector<Token> tokens;  // the given tokens in position order (as slot_tokens)
};
// nullopt when no such ring (up to 2^32 positions) has such a slot, or when tokens.size() is not
// layout.num_tokens.
std::optional<SlotOfTokens> find_slot_of_tokens(const DatacenterLayout& layout,
                                                std::span<const Token> tokens);

}  // namespace rk
