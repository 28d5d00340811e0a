// Merkle trees for validation (anti-entropy repair), as Cassandra builds them.
//
// A MerkleTree covers one token range cut into 2^depth leaves (TokenRange::split: contiguous,
// sizes within one token of each other). The storage node feeds every row of the range into the
// tree as (token, 128-bit digest of the row's content: XXH3-128 of the canonical bytes defined in
// storage/src/row_digest.h); replicas exchange serialized trees, repair compares them leaf by leaf
// (repair/include/ringkeeper/repair/tree_diff.h, over leaf_hashes() and leaf_rows()), and only the
// differing leaves' sub-ranges are streamed.
//
// Why a fast non-cryptographic row hash: a row digest only has to make accidental equality of
// different rows negligible (2^-128 per pair), not resist someone forging rows; hashing every row
// of a table is what validation spends most of its CPU on beyond reading, and XXH3-128 costs a
// fraction of SHA-256 for row-sized inputs. (Cassandra too moved off MD5 for its Merkle leaves.)
// Leaves and inner nodes, a few per leaf rather than per row, stay SHA-256.
//
// How a leaf hashes its rows: the row digests are added as 128-bit integers (high:low) modulo
// 2^128, and the leaf hash is SHA-256(0x00 || row count (u64 LE) || that sum (16 bytes LE)).
// Addition is commutative and associative, so the tree depends only on the *set* of rows, never
// on the order they are fed in: a full validation may read the repaired and the unrepaired set one
// after the other, several threads may build partial trees and absorb() them, and compaction or
// flush timing cannot change a hash. Unlike XOR (Cassandra's choice), a row fed twice does not
// cancel itself out. The sum is not collision-resistant against an adversary choosing rows, which
// is not the threat here. Inner node = SHA-256(0x01 || left || right); the prefixes keep leaves
// and inner nodes apart. Trees built with SHA-256 row digests (wire format version 1) are
// refused by deserialize(): replicas of different versions never diff incomparable trees.
//
// Memory: 2^(depth+1) hashes of 32 bytes plus two 8-byte counters per leaf, ~80 bytes per leaf
// (and 2 bytes per leaf more once fillers are used):
// depth 15 ≈ 2.5 MiB, depth 20 (kMaxDepth, the budget's cap) ≈ 80 MiB. memory_bytes() says exactly.
//
// Pure data structure: no I/O, no engine. Not thread-safe, except that Fillers over disjoint leaf
// spans may add rows from several threads at once; or build one tree per thread and absorb().
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/sha256.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token_range.h"

namespace rk::storage {

// The SHA-256 digest of a leaf or an inner node.
using Digest = Sha256Digest;

// The 128-bit digest of one row (or partition deletion): XXH3-128, seed 0, of its canonical
// bytes (storage/src/row_digest.h), as xxHash's XXH128_hash_t gives it.
struct RowHash {
  uint64_t low = 0;
  uint64_t high = 0;
  friend bool operator==(const RowHash&, const RowHash&) = default;
};

// XXH3-128 (seed 0) of `bytes`: the row digest of a row whose canonical bytes they are.
RowHash row_hash(std::string_view bytes);

// What the rows added to one leaf amount to before the leaf is hashed: the sum of their digests
// (mod 2^128, as the leaf hash takes it), their count and their bytes. A leaf's hash depends on
// nothing else, so adding a kept aggregate to a leaf of another tree of the same range and depth
// gives the hash adding its rows again would (validation reuses leaves of unchanged files so).
struct LeafAggregate {
  RowHash digest_sum;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  friend bool operator==(const LeafAggregate&, const LeafAggregate&) = default;
};

class MerkleTree {
 public:
  // Deepest tree allowed: 2^20 leaves, about 80 MiB (see memory_bytes). Cassandra caps at 20 too.
  static constexpr int kMaxDepth = 20;

  // An empty tree over `range` with 2^depth leaves. InvalidArgument if depth is outside
  // 0..kMaxDepth or the range holds fewer than 2^depth tokens (a leaf must hold at least one).
  static Result<MerkleTree> create(const TokenRange& range, int depth);

  // Bytes of memory a tree of this depth holds (the budget callers plan with).
  static uint64_t memory_bytes(int depth);

  const TokenRange& range() const { return range_; }
  int depth() const { return depth_; }
  uint64_t leaf_count() const { return uint64_t{1} << depth_; }

  // Adds one row to the leaf holding `token`, in any order (see the file comment). `bytes` is the
  // row's size, summed per leaf so that repair can tell how much a differing leaf will stream; it
  // does not enter any hash. InvalidArgument if `token` is outside range(); FailedPrecondition
  // after finalize().
  Status add_row(Token token, const RowHash& row_digest, uint64_t bytes = 0);

  // Adds the rows of one span of leaves, [first_leaf, end_leaf), while other threads add other
  // spans through their own Fillers: spans that do not overlap touch no common state. Create
  // fillers, commit() them and finalize on one thread; add_row through each from any one thread.
  class Filler {
   public:
    // The token range the span's leaves cover.
    const TokenRange& range() const { return range_; }
    // As MerkleTree::add_row, for a token of range(); InvalidArgument for any other token.
    Status add_row(Token token, const RowHash& row_digest, uint64_t bytes = 0);
    // Optional, after the span's last row: hashes its leaves and the inner nodes whose leaves
    // all lie in the span, so that threads share that part of finalize(). add_row fails after.
    void seal();
    // Leaf `leaf` (of the span) as its rows so far amount to; before seal().
    LeafAggregate aggregate(uint64_t leaf) const;
    // Adds rows already summed up to leaf `leaf` of the span, as if each were added with
    // add_row. InvalidArgument for a leaf outside the span, FailedPrecondition after seal().
    Status add_aggregate(uint64_t leaf, const LeafAggregate& rows);

   private:
    friend class MerkleTree;
    Filler(MerkleTree* tree, TokenRange range, uint64_t first_leaf, uint64_t end_leaf)
        : tree_(tree), range_(range), first_leaf_(first_leaf), end_leaf_(end_leaf) {}
    MerkleTree* tree_;
    TokenRange range_;
    uint64_t first_leaf_, end_leaf_;
    bool sealed_ = false;
    uint64_t rows_ = 0, bytes_ = 0;  // reach the tree with commit()
    uint64_t cached_leaf_ = 0;
    uint128_t cached_lo_ = 0, cached_hi_ = 0;
  };
  // A filler for leaves [first_leaf, end_leaf); InvalidArgument unless
  // first_leaf < end_leaf <= leaf_count().
  Result<Filler> filler(uint64_t first_leaf, uint64_t end_leaf);
  // Adds a filler's row and byte counts to total_rows() and total_bytes(): once per filler,
  // after its last add_row (its leaves have their rows already).
  void commit(const Filler& filler);

  // Adds every row of `other` (a tree over the same range and depth, not finalized) to this one,
  // as if they had been added here. For building one tree from several threads or sources.
  Status absorb(const MerkleTree& other);

  // Computes leaf and inner hashes. After this the tree is read-only; calling it again is a no-op.
  void finalize();
  bool finalized() const { return finalized_; }

  // The root hash; all zeros before finalize().
  const Digest& root() const { return nodes_[1]; }

  // Index of the leaf whose sub-range holds `token` (which must lie in range()).
  uint64_t leaf_index_of(Token token) const { return range_.split_index_of(token, leaf_count()); }

  struct Leaf {
    TokenRange range;  // this leaf's sub-range of the tree's range
    Digest hash;       // valid after finalize(); all zeros before
    uint64_t rows;     // rows added to this leaf
    uint64_t bytes;    // sum of their `bytes`
  };
  // Leaf i, 0 <= i < leaf_count(), in ring order from range().start().
  Leaf leaf(uint64_t i) const;
  // Every leaf's hash (leaf i at [i]) and row count, viewing the tree's own arrays: what repair
  // compares across replicas without copying. The hashes are valid after finalize().
  std::span<const Digest> leaf_hashes() const {
    return {nodes_.data() + leaf_count(), leaf_count()};
  }
  std::span<const uint64_t> leaf_rows() const { return rows_; }
  // Every leaf's byte count (the sum of its rows' `bytes`): what a differing leaf would stream.
  std::span<const uint64_t> leaf_bytes() const { return bytes_; }

  uint64_t total_rows() const { return total_rows_; }
  uint64_t total_bytes() const { return total_bytes_; }

  // Compact binary form for sending to another agent: header (magic "RKMT", version, depth,
  // range), per leaf a varint row count and, for non-empty leaves, a varint byte count and the
  // leaf hash, then the root and a SHA-256 of everything before it. About 34 bytes per non-empty
  // leaf and 1 per empty leaf. FailedPrecondition before finalize().
  Result<std::string> serialize() const;
  // Rebuilds a finalized tree from serialize()'s output. Any malformed, truncated, oversized or
  // tampered buffer is a Corruption error (InvalidArgument for an unknown version); never reads
  // out of bounds, never allocates more than memory_bytes(kMaxDepth).
  static Result<MerkleTree> deserialize(std::string_view data);

 private:
  MerkleTree(const TokenRange& range, int depth);
  void compute_inner_nodes();
  // The leaf holding `token` (which must lie in range()), reusing the bounds (lo, hi] of the leaf
  // found last while the token stays inside them: rows usually arrive in token order, and this
  // skips split_index_of's 128-bit division.
  uint64_t leaf_for(Token token, uint64_t* leaf, uint128_t* lo, uint128_t* hi) const;
  void add_to_leaf(uint64_t leaf, const RowHash& row_digest, uint64_t bytes);

  TokenRange range_;
  int depth_;
  bool finalized_ = false;
  // Heap layout: nodes_[1] is the root, children of i are 2i and 2i+1, leaf j is at
  // leaf_count() + j. Before finalize() a leaf slot's first 16 bytes hold the running 128-bit sum
  // of its rows' digests.
  std::vector<Digest> nodes_;
  std::vector<uint64_t> rows_;
  std::vector<uint64_t> bytes_;
  // Nodes a Filler::seal() already hashed, one byte per node (fillers write different bytes);
  // allocated by the first filler().
  std::vector<uint8_t> hashed_;
  bool any_sealed_ = false;
  uint64_t total_rows_ = 0;
  uint64_t total_bytes_ = 0;
  // The leaf add_row() used last and its offsets (lo, hi] from the range's start.
  uint64_t cached_leaf_ = 0;
  uint128_t cached_lo_ = 0, cached_hi_ = 0;
};

// The shallowest depth at which each leaf is expected to hold at most `max_rows_per_leaf` of
// `estimated_rows` rows spread evenly over `range` (Murmur3 tokens are uniform), capped at
// `max_depth` (itself capped at kMaxDepth) and at the deepest depth the range's size allows.
// max_rows_per_leaf == 0 is treated as 1.
int merkle_depth_for(uint64_t estimated_rows, uint64_t max_rows_per_leaf, const TokenRange& range,
                     int max_depth = MerkleTree::kMaxDepth);

}  // namespace rk::storage
