// Deterministic digests of reconciled rows, the units a Merkle tree is built from.
//
// A digest covers what replicas must agree on — keys, deletion timestamps, and each cell's kind,
// timestamp, TTL and value, columns in order — and leaves out local times (local deletion time,
// expiry), which each replica stamps with its own clock, and the table's local id.
//
// Canonical bytes of a unit (u64 = 8 bytes big-endian; esc() = key_codec's escaping of a key
// component: 0x00 written as 00 FF, terminated by 00 01, so it delimits itself):
//
//   partition deletion := 'P' | esc(partition key) | u64 marked_for_delete_at
//   row                := 'R' | esc(partition key) | esc(clustering key)
//                         [ 'D' | u64 marked_for_delete_at ]       the row deletion, if kept
//                         { 'C' | u64 len | column | kind (1 byte: CellKind) | u64 timestamp
//                               | u64 ttl_seconds | u64 len | value }   each kept cell, columns in
//                                                                       byte order
//
// and the unit's digest is XXH3-128 (seed 0) of those bytes (MerkleTree's RowHash). esc() is the
// form the keys are stored in, so validation hashes key bytes straight from the engine without
// unescaping them. Every field is delimited, so no two different units give the same bytes.
// Changing any of this changes every tree: bump merkle_tree.cc's wire format version with it.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "purge_rule.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/row.h"

namespace rk::storage {

// One unit of a partition: its deletion or one of its rows.
struct RowDigest {
  RowHash digest;
  uint64_t bytes;  // approximates the unit's size for streaming estimates
};

// Gathers a unit's canonical bytes and hashes them when it is complete. Up to kBufferBytes are
// gathered and hashed in one call (a row of a few cells: one pass over a short buffer); a larger
// unit is fed to XXH3's streaming state, which gives the same digest with bounded memory.
class RowHasher {
 public:
  static constexpr size_t kBufferBytes = 16 << 10;

  RowHasher();
  ~RowHasher();
  RowHasher(const RowHasher&) = delete;
  RowHasher& operator=(const RowHasher&) = delete;

  void add(const void* data, size_t size) {
    if (size_ + size <= kBufferBytes) {
      std::memcpy(buffer_.get() + size_, data, size);
      size_ += size;
    } else {
      add_streaming(data, size);
    }
  }
  void add(std::string_view bytes) { add(bytes.data(), bytes.size()); }
  // Room for the next `size` bytes of the unit, to be written there in order; null when they do
  // not fit the buffer (then add() them). One check instead of one per piece.
  char* room(size_t size) {
    if (streaming_ || size_ + size > kBufferBytes) return nullptr;
    char* out = buffer_.get() + size_;
    size_ += size;
    return out;
  }
  void add_tag(char tag) { add(&tag, 1); }
  void add_u64(uint64_t v) {
    const uint64_t be = __builtin_bswap64(v);
    add(&be, 8);
  }
  // u64 length, then the bytes.
  void add_sized(std::string_view bytes) {
    add_u64(bytes.size());
    add(bytes);
  }
  // The digest of everything added since the last finish(); starts over afterwards.
  RowHash finish();
  // Starts over without hashing.
  void clear();

 private:
  void add_streaming(const void* data, size_t size);

  std::unique_ptr<char[]> buffer_;
  size_t size_ = 0;
  void* state_ = nullptr;  // XXH3_state_t*, created for the first unit too large for the buffer
  bool streaming_ = false;
};

// Replaces `*out` with one unit for the partition's deletion (when it is set and not purgeable)
// and one per row with anything left after dropping what `rule` lets compaction purge (deletions
// and expired cells, purge_rule.h). The caller keeps `out` across
// partitions so that its storage is reused. Thread-safe (each thread hashes with its own state).
void digest_partition(const Partition& partition, int64_t now_seconds, const PurgeRule& rule,
                      std::vector<RowDigest>* out);

// The same digests straight from the engine's key-ordered entries (a raw scan's keys and values,
// before any Partition is built), added to a tree through `filler` as they complete. Applies what a
// raw scan applies — cells and row deletions shadowed by a newer row or partition deletion are left
// out — so for any range the tree gets exactly the units digest_partition() gives for the
// partitions Node::scan_raw visits (columns come in key order, which is their byte order, as in
// Row::cells). Keys are checked and hashed in their stored (escaped) form, values decoded in place:
// nothing is copied per entry beyond the hasher's buffer. Validation uses it to skip building
// partitions. One per thread.
class EntryDigester {
 public:
  // `rule`: the table's, copied (one per thread).
  EntryDigester(int64_t now_seconds, PurgeRule rule, MerkleTree::Filler* filler)
      : now_(now_seconds), rule_(std::move(rule)), tree_(filler) {}
  // Adds one entry; Corruption for undecodable bytes, or add_row's error.
  Status add(std::string_view key, std::string_view value);
  // Completes the last row; call once after the last entry.
  Status finish() { return finish_row(); }
  // Calls `f` with the token of every entry whose part in a digest depends on the clock or on
  // the table's purge rule (a deletion of any kind or an expiring cell, whether or not it is
  // purgeable now): a unit made of live cells only has the same digest at any time, under any
  // rule. Validation keeps only such leaves' aggregates for reuse.
  void on_time_dependent(std::function<void(Token)> f) { on_time_dependent_ = std::move(f); }

 private:
  Status finish_row();
  Status start_partition(std::string_view key);

  int64_t now_;
  PurgeRule rule_;
  MerkleTree::Filler* tree_;
  std::function<void(Token)> on_time_dependent_;
  RowHasher hash_;
  // Raw key bytes of the current partition: table id | token | esc(partition key).
  std::string partition_prefix_;
  bool have_partition_ = false;
  Token token_ = 0;
  uint64_t partition_key_size_ = 0;  // unescaped, for byte estimates
  Deletion partition_deletion_;
  bool have_row_ = false;
  // Raw entry bytes of the current row after the partition prefix: 0x02 | esc(clustering key).
  std::string row_prefix_;
  Deletion row_deletion_;
  bool row_has_content_ = false;  // anything left after purging: the row is a unit
  uint64_t row_bytes_ = 0;
};

// Length of the escaped component at the front of `in` up to and including its 00 01 terminator,
// and (when `unescaped` is set) the component's own length; 0 when there is no well-formed one.
size_t escaped_size(std::string_view in, uint64_t* unescaped = nullptr);

}  // namespace rk::storage
