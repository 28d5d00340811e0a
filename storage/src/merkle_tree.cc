// Merkle tree construction, wire format and depth sizing. See merkle_tree.h for why leaves sum
// their row digests and for the memory budget.
#include "ringkeeper/storage/merkle_tree.h"

#define XXH_INLINE_ALL  // row-sized inputs: let the compiler inline XXH3's short-input paths
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace rk::storage {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the leaf sums and the wire format load words as little-endian");

constexpr char kMagic[4] = {'R', 'K', 'M', 'T'};
// 1: SHA-256 row digests summed in 256 bits; 2: XXH3-128 row digests summed in 128 bits.
constexpr uint8_t kVersion = 2;
// magic, version, depth, range start, range end.
constexpr size_t kHeaderSize = 4 + 1 + 1 + 8 + 8;
// root hash, then SHA-256 of everything before it.
constexpr size_t kTrailerSize = 32 + 32;
constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kInnerPrefix = 0x01;

// The running sum kept in the first 16 bytes of a leaf slot before finalize().
uint128_t load_sum(const Digest& slot) {
  uint128_t v;
  std::memcpy(&v, slot.data(), 16);
  return v;
}

// slot's sum += v, modulo 2^128.
void add_to_sum(Digest& slot, uint128_t v) {
  const uint128_t sum = load_sum(slot) + v;
  std::memcpy(slot.data(), &sum, 16);
}

uint128_t as_u128(const RowHash& h) { return (static_cast<uint128_t>(h.high) << 64) | h.low; }

Digest leaf_hash(uint64_t rows, uint128_t sum) {
  uint8_t buf[1 + 8 + 16];
  buf[0] = kLeafPrefix;
  std::memcpy(buf + 1, &rows, 8);
  std::memcpy(buf + 9, &sum, 16);
  return sha256(std::string_view(reinterpret_cast<const char*>(buf), sizeof buf));
}

Digest inner_hash(const Digest& left, const Digest& right) {
  uint8_t buf[1 + 32 + 32];
  buf[0] = kInnerPrefix;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  return sha256(std::string_view(reinterpret_cast<const char*>(buf), sizeof buf));
}

const Digest& empty_leaf_hash() {
  static const Digest h = leaf_hash(0, 0);
  return h;
}

void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Bounds-checked reader over the serialized form; every read reports failure instead of
// running past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  size_t remaining() const { return data_.size() - pos_; }
  bool bytes(void* out, size_t n) {
    if (remaining() < n) return false;
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool u8(uint8_t* v) { return bytes(v, 1); }
  bool u64(uint64_t* v) { return bytes(v, 8); }
  bool varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!u8(&b)) return false;
      // The tenth byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && b > 1) return false;
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = result;
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

// ---- hashes ----------------------------------------------------------------------------------

RowHash row_hash(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return RowHash{h.low64, h.high64};
}

// ---- MerkleTree ------------------------------------------------------------------------------

MerkleTree::MerkleTree(const TokenRange& range, int depth)
    : range_(range),
      depth_(depth),
      nodes_(size_t{2} << depth),
      rows_(size_t{1} << depth),
      bytes_(size_t{1} << depth) {}

Result<MerkleTree> MerkleTree::create(const TokenRange& range, int depth) {
  if (depth < 0 || depth > kMaxDepth) {
    return Status::InvalidArgument("merkle depth " + std::to_string(depth) + " is outside 0.." +
                                   std::to_string(kMaxDepth));
  }
  if (range.size() < (uint128_t{1} << depth)) {
    return Status::InvalidArgument("token range " + range.to_string() + " holds " +
                                   u128_to_string(range.size()) + " tokens, too few for " +
                                   std::to_string(uint64_t{1} << depth) + " merkle leaves");
  }
  return MerkleTree(range, depth);
}

uint64_t MerkleTree::memory_bytes(int depth) {
  uint64_t leaves = uint64_t{1} << depth;
  return 2 * leaves * sizeof(Digest) + leaves * 2 * sizeof(uint64_t) + 2 * leaves +
         sizeof(MerkleTree);
}

uint64_t MerkleTree::leaf_for(Token token, uint64_t* leaf, uint128_t* lo, uint128_t* hi) const {
  uint128_t offset = static_cast<uint64_t>(token) - static_cast<uint64_t>(range_.start());
  if (offset == 0) offset = kRingSize;  // the full ring's start token is its last
  if (offset <= *lo || offset > *hi) {
    *leaf = leaf_index_of(token);
    const uint128_t total = range_.size();
    *lo = total * *leaf / leaf_count();
    *hi = total * (*leaf + 1) / leaf_count();
  }
  return *leaf;
}

void MerkleTree::add_to_leaf(uint64_t leaf, const RowHash& row_digest, uint64_t bytes) {
  add_to_sum(nodes_[leaf_count() + leaf], as_u128(row_digest));
  rows_[leaf] += 1;
  bytes_[leaf] += bytes;
}

Status MerkleTree::add_row(Token token, const RowHash& row_digest, uint64_t bytes) {
  if (finalized_) return Status::FailedPrecondition("merkle tree is finalized; cannot add rows");
  if (!range_.contains(token)) {
    return Status::InvalidArgument("token " + std::to_string(token) +
                                   " is outside the tree's range " + range_.to_string());
  }
  const uint64_t leaf = leaf_for(token, &cached_leaf_, &cached_lo_, &cached_hi_);
  if (any_sealed_ && hashed_[leaf_count() + leaf]) {
    return Status::FailedPrecondition("the leaf of token " + std::to_string(token) +
                                      " is sealed; cannot add rows");
  }
  add_to_leaf(leaf, row_digest, bytes);
  total_rows_ += 1;
  total_bytes_ += bytes;
  return Status::OK();
}

Result<MerkleTree::Filler> MerkleTree::filler(uint64_t first_leaf, uint64_t end_leaf) {
  if (first_leaf >= end_leaf || end_leaf > leaf_count()) {
    return Status::InvalidArgument("leaf span [" + std::to_string(first_leaf) + ", " +
                                   std::to_string(end_leaf) + ") of a tree of " +
                                   std::to_string(leaf_count()) + " leaves");
  }
  if (finalized_) return Status::FailedPrecondition("merkle tree is finalized; cannot add rows");
  if (hashed_.empty()) hashed_.assign(nodes_.size(), 0);
  return Filler(this,
                TokenRange(range_.split_piece(leaf_count(), first_leaf).start(),
                           range_.split_piece(leaf_count(), end_leaf - 1).end()),
                first_leaf, end_leaf);
}

void MerkleTree::commit(const Filler& filler) {
  total_rows_ += filler.rows_;
  total_bytes_ += filler.bytes_;
  any_sealed_ = any_sealed_ || filler.sealed_;
}

void MerkleTree::Filler::seal() {
  if (sealed_ || tree_->finalized_) return;
  sealed_ = true;
  MerkleTree& t = *tree_;
  const uint64_t n = t.leaf_count();
  for (uint64_t i = first_leaf_; i < end_leaf_; ++i) {
    Digest& slot = t.nodes_[n + i];
    slot = t.rows_[i] == 0 ? empty_leaf_hash() : leaf_hash(t.rows_[i], load_sum(slot));
    t.hashed_[n + i] = 1;
  }
  // Level by level up: the nodes whose children are both hashed here, i.e. all of whose leaves
  // lie in [first_leaf_, end_leaf_) — heap positions [ceil((n+first)/2^k), (n+end)/2^k).
  uint64_t lo = n + first_leaf_, hi = n + end_leaf_;  // [lo, hi) hashed at the level below
  while (true) {
    lo = (lo + 1) / 2;
    hi = hi / 2;
    if (lo >= hi) break;
    for (uint64_t i = lo; i < hi; ++i) {
      t.nodes_[i] = inner_hash(t.nodes_[2 * i], t.nodes_[2 * i + 1]);
      t.hashed_[i] = 1;
    }
  }
}

Status MerkleTree::Filler::add_row(Token token, const RowHash& row_digest, uint64_t bytes) {
  if (tree_->finalized_ || sealed_) {
    return Status::FailedPrecondition("merkle tree is finalized; cannot add rows");
  }
  uint128_t offset = static_cast<uint64_t>(token) - static_cast<uint64_t>(tree_->range_.start());
  if (offset == 0) offset = kRingSize;
  // Outside the cached leaf (always so for a token outside the tree): check the span first.
  if ((offset <= cached_lo_ || offset > cached_hi_) && !range_.contains(token)) {
    return Status::InvalidArgument("token " + std::to_string(token) + " is outside the leaf span " +
                                   range_.to_string());
  }
  tree_->add_to_leaf(tree_->leaf_for(token, &cached_leaf_, &cached_lo_, &cached_hi_), row_digest,
                     bytes);
  rows_ += 1;
  bytes_ += bytes;
  return Status::OK();
}

LeafAggregate MerkleTree::Filler::aggregate(uint64_t leaf) const {
  const MerkleTree& t = *tree_;
  const uint128_t sum = load_sum(t.nodes_[t.leaf_count() + leaf]);
  return LeafAggregate{RowHash{static_cast<uint64_t>(sum), static_cast<uint64_t>(sum >> 64)},
                       t.rows_[leaf], t.bytes_[leaf]};
}

Status MerkleTree::Filler::add_aggregate(uint64_t leaf, const LeafAggregate& rows) {
  if (tree_->finalized_ || sealed_) {
    return Status::FailedPrecondition("merkle tree is finalized; cannot add rows");
  }
  if (leaf < first_leaf_ || leaf >= end_leaf_) {
    return Status::InvalidArgument("leaf " + std::to_string(leaf) + " is outside the leaf span [" +
                                   std::to_string(first_leaf_) + ", " + std::to_string(end_leaf_) +
                                   ")");
  }
  MerkleTree& t = *tree_;
  add_to_sum(t.nodes_[t.leaf_count() + leaf], as_u128(rows.digest_sum));
  t.rows_[leaf] += rows.rows;
  t.bytes_[leaf] += rows.bytes;
  rows_ += rows.rows;
  bytes_ += rows.bytes;
  return Status::OK();
}

Status MerkleTree::absorb(const MerkleTree& other) {
  if (other.range_ != range_ || other.depth_ != depth_) {
    return Status::InvalidArgument("cannot absorb a merkle tree over " + other.range_.to_string() +
                                   " depth " + std::to_string(other.depth_) + " into one over " +
                                   range_.to_string() + " depth " + std::to_string(depth_));
  }
  if (finalized_ || other.finalized_ || any_sealed_ || other.any_sealed_) {
    return Status::FailedPrecondition(
        "only trees that are not finalized and have no sealed leaves can be absorbed");
  }
  for (uint64_t i = 0; i < leaf_count(); ++i) {
    add_to_sum(nodes_[leaf_count() + i], load_sum(other.nodes_[leaf_count() + i]));
    rows_[i] += other.rows_[i];
    bytes_[i] += other.bytes_[i];
  }
  total_rows_ += other.total_rows_;
  total_bytes_ += other.total_bytes_;
  return Status::OK();
}

void MerkleTree::finalize() {
  if (finalized_) return;
  for (uint64_t i = 0; i < leaf_count(); ++i) {
    if (any_sealed_ && hashed_[leaf_count() + i]) continue;
    Digest& slot = nodes_[leaf_count() + i];
    slot = rows_[i] == 0 ? empty_leaf_hash() : leaf_hash(rows_[i], load_sum(slot));
  }
  compute_inner_nodes();
  finalized_ = true;
  std::vector<uint8_t>().swap(hashed_);
}

void MerkleTree::compute_inner_nodes() {
  for (uint64_t i = leaf_count() - 1; i >= 1; --i) {
    if (any_sealed_ && hashed_[i]) continue;
    nodes_[i] = inner_hash(nodes_[2 * i], nodes_[2 * i + 1]);
  }
}

MerkleTree::Leaf MerkleTree::leaf(uint64_t i) const {
  return Leaf{range_.split_piece(leaf_count(), i), finalized_ ? nodes_[leaf_count() + i] : Digest{},
              rows_[i], bytes_[i]};
}

Result<std::string> MerkleTree::serialize() const {
  if (!finalized_) return Status::FailedPrecondition("finalize the merkle tree before serializing");
  std::string out;
  out.reserve(kHeaderSize + kTrailerSize + leaf_count() * 2);
  out.append(kMagic, 4);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(depth_));
  put_u64(out, static_cast<uint64_t>(range_.start()));
  put_u64(out, static_cast<uint64_t>(range_.end()));
  for (uint64_t i = 0; i < leaf_count(); ++i) {
    put_varint(out, rows_[i]);
    if (rows_[i] == 0) continue;
    put_varint(out, bytes_[i]);
    out.append(reinterpret_cast<const char*>(nodes_[leaf_count() + i].data()), 32);
  }
  out.append(reinterpret_cast<const char*>(root().data()), 32);
  Digest check = sha256(out);
  out.append(reinterpret_cast<const char*>(check.data()), 32);
  return out;
}

Result<MerkleTree> MerkleTree::deserialize(std::string_view data) {
  auto corrupt = [](std::string what) {
    return Status::Corruption("malformed merkle tree: " + std::move(what));
  };
  if (data.size() < kHeaderSize + kTrailerSize) {
    return corrupt("only " + std::to_string(data.size()) + " bytes");
  }
  if (std::memcmp(data.data(), kMagic, 4) != 0) return corrupt("bad magic");
  Digest check;
  std::memcpy(check.data(), data.data() + data.size() - 32, 32);
  if (sha256(data.substr(0, data.size() - 32)) != check) return corrupt("checksum mismatch");

  Reader in(data.substr(4, data.size() - 4 - kTrailerSize));
  uint8_t version = 0, depth = 0;
  uint64_t start = 0, end = 0;
  if (!in.u8(&version) || !in.u8(&depth) || !in.u64(&start) || !in.u64(&end)) {
    return corrupt("truncated header");
  }
  if (version != kVersion) {
    return Status::InvalidArgument("merkle tree format version " + std::to_string(version) +
                                   " is not supported (expected " + std::to_string(kVersion) + ")");
  }
  if (depth > kMaxDepth) return corrupt("depth " + std::to_string(depth) + " is too deep");
  TokenRange range(static_cast<Token>(start), static_cast<Token>(end));
  if (range.size() < (uint128_t{1} << depth)) return corrupt("range too small for its depth");

  MerkleTree tree(range, depth);
  for (uint64_t i = 0; i < tree.leaf_count(); ++i) {
    uint64_t rows = 0, bytes = 0;
    if (!in.varint(&rows)) return corrupt("bad row count at leaf " + std::to_string(i));
    Digest& slot = tree.nodes_[tree.leaf_count() + i];
    if (rows == 0) {
      slot = empty_leaf_hash();
      continue;
    }
    if (!in.varint(&bytes)) return corrupt("bad byte count at leaf " + std::to_string(i));
    if (!in.bytes(slot.data(), 32)) return corrupt("truncated hash at leaf " + std::to_string(i));
    tree.rows_[i] = rows;
    tree.bytes_[i] = bytes;
    if (__builtin_add_overflow(tree.total_rows_, rows, &tree.total_rows_) ||
        __builtin_add_overflow(tree.total_bytes_, bytes, &tree.total_bytes_)) {
      return corrupt("counts overflow");
    }
  }
  if (in.remaining() != 0) return corrupt("trailing bytes after the leaves");
  tree.compute_inner_nodes();
  tree.finalized_ = true;
  Digest root;
  std::memcpy(root.data(), data.data() + data.size() - kTrailerSize, 32);
  if (root != tree.root()) return corrupt("root hash does not match the leaves");
  return tree;
}

// ---- depth -----------------------------------------------------------------------------------

int merkle_depth_for(uint64_t estimated_rows, uint64_t max_rows_per_leaf, const TokenRange& range,
                     int max_depth) {
  uint128_t per_leaf = std::max<uint64_t>(1, max_rows_per_leaf);
  int cap = std::clamp(max_depth, 0, MerkleTree::kMaxDepth);
  while (cap > 0 && range.size() < (uint128_t{1} << cap)) --cap;
  int depth = 0;
  // ceil(rows / 2^depth) > per_leaf  <=>  rows > per_leaf * 2^depth
  while (depth < cap && estimated_rows > (per_leaf << depth)) ++depth;
  return depth;
}

}  // namespace rk::storage
