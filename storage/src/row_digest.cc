// Row digests; the canonical byte form is documented in row_digest.h.
#include "row_digest.h"

#define XXH_INLINE_ALL  // row-sized inputs: let the compiler inline XXH3's short-input paths
#include <xxhash.h>

#include "cell_codec.h"
#include "key_codec.h"

namespace rk::storage {
namespace {

// Entry tags of key_codec.h's layout.
constexpr char kPartitionDeletionTag = 0x01;
constexpr char kRowTag = 0x02;
constexpr char kRowDeletionTag = 0x01;
constexpr char kCellTag = 0x02;
// table id (4) | token (8): where the escaped partition key starts.
constexpr size_t kTokenEnd = 12;

bool purgeable(const Deletion& d, Token token, const PurgeRule& rule) {
  return !d.is_live() && rule.purgeable(token, d.local_deletion_time);
}

Status bad_key() { return Status::Corruption("undecodable key in the data set"); }

void put_be64(unsigned char* out, uint64_t v) {
  const uint64_t be = __builtin_bswap64(v);
  std::memcpy(out, &be, 8);
}

// 'C' | u64 len | column | kind | u64 timestamp | u64 ttl | u64 len | value: written in place
// when the cell fits the hasher's buffer, else in four adds.
void add_cell(RowHasher& h, std::string_view column, CellKind kind, int64_t timestamp,
              int64_t ttl_seconds, std::string_view value) {
  if (char* out = h.room(1 + 8 + column.size() + 1 + 8 + 8 + 8 + value.size())) {
    auto* o = reinterpret_cast<unsigned char*>(out);
    o[0] = 'C';
    put_be64(o + 1, column.size());
    std::memcpy(o + 9, column.data(), column.size());
    o += 9 + column.size();
    o[0] = static_cast<unsigned char>(kind);
    put_be64(o + 1, static_cast<uint64_t>(timestamp));
    put_be64(o + 9, static_cast<uint64_t>(ttl_seconds));
    put_be64(o + 17, value.size());
    std::memcpy(o + 25, value.data(), value.size());
    return;
  }
  unsigned char head[1 + 8];
  head[0] = 'C';
  put_be64(head + 1, column.size());
  h.add(head, sizeof head);
  h.add(column);
  unsigned char mid[1 + 8 + 8 + 8];
  mid[0] = static_cast<unsigned char>(kind);
  put_be64(mid + 1, static_cast<uint64_t>(timestamp));
  put_be64(mid + 9, static_cast<uint64_t>(ttl_seconds));
  put_be64(mid + 17, value.size());
  h.add(mid, sizeof mid);
  h.add(value);
}

}  // namespace

// ---- RowHasher -------------------------------------------------------------------------------

RowHasher::RowHasher() : buffer_(new char[kBufferBytes]) {}

RowHasher::~RowHasher() {
  if (state_ != nullptr) XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

void RowHasher::add_streaming(const void* data, size_t size) {
  if (state_ == nullptr) state_ = XXH3_createState();
  auto* state = static_cast<XXH3_state_t*>(state_);
  if (!streaming_) {
    XXH3_128bits_reset(state);
    streaming_ = true;
  }
  // XXH3's streaming digest equals the one-shot digest of the concatenated input.
  XXH3_128bits_update(state, buffer_.get(), size_);
  size_ = 0;
  if (size >= kBufferBytes) {
    XXH3_128bits_update(state, data, size);
  } else {
    std::memcpy(buffer_.get(), data, size);
    size_ = size;
  }
}

RowHash RowHasher::finish() {
  XXH128_hash_t h;
  if (streaming_) {
    auto* state = static_cast<XXH3_state_t*>(state_);
    XXH3_128bits_update(state, buffer_.get(), size_);
    h = XXH3_128bits_digest(state);
    streaming_ = false;
  } else {
    h = XXH3_128bits(buffer_.get(), size_);
  }
  size_ = 0;
  return RowHash{h.low64, h.high64};
}

void RowHasher::clear() {
  size_ = 0;
  streaming_ = false;
}

// ---- digests of partitions -------------------------------------------------------------------

size_t escaped_size(std::string_view in, uint64_t* unescaped) {
  uint64_t escapes = 0;
  size_t i = 0;
  while (i < in.size()) {
    const void* zero = std::memchr(in.data() + i, 0, in.size() - i);
    if (zero == nullptr) return 0;
    i = static_cast<size_t>(static_cast<const char*>(zero) - in.data());
    if (i + 1 >= in.size()) return 0;
    const auto next = static_cast<uint8_t>(in[i + 1]);
    if (next == 0x01) {
      if (unescaped != nullptr) *unescaped = i - escapes;
      return i + 2;
    }
    if (next != 0xFF) return 0;
    ++escapes;
    i += 2;
  }
  return 0;
}

void digest_partition(const Partition& p, int64_t now_seconds, const PurgeRule& rule,
                      std::vector<RowDigest>* out) {
  // One hasher and scratch per thread for the process's life.
  thread_local RowHasher h;
  thread_local std::string pk, ck;
  out->clear();
  pk.clear();
  append_escaped(&pk, p.partition_key);
  if (!p.deletion.is_live() && !purgeable(p.deletion, p.token, rule)) {
    h.add_tag('P');
    h.add(pk);
    h.add_u64(static_cast<uint64_t>(p.deletion.marked_for_delete_at));
    out->push_back({h.finish(), p.partition_key.size() + 16});
  }
  for (const Row& r : p.rows) {
    bool any = false;
    uint64_t bytes = p.partition_key.size() + r.clustering_key.size();
    ck.clear();
    append_escaped(&ck, r.clustering_key);
    h.add_tag('R');
    h.add(pk);
    h.add(ck);
    if (!r.deletion.is_live() && !purgeable(r.deletion, p.token, rule)) {
      h.add_tag('D');
      h.add_u64(static_cast<uint64_t>(r.deletion.marked_for_delete_at));
      any = true;
    }
    for (const auto& [column, c] : r.cells) {
      if (!c.is_live(now_seconds) && rule.purgeable(p.token, c.local_deletion_time)) continue;
      add_cell(h, column, c.kind, c.timestamp, c.ttl_seconds, c.value);
      bytes += column.size() + c.value.size() + 24;
      any = true;
    }
    if (any) {
      out->push_back({h.finish(), bytes});
    } else {
      h.clear();
    }
  }
}

// ---- digests of entries ----------------------------------------------------------------------

Status EntryDigester::finish_row() {
  if (!have_row_) return Status::OK();
  have_row_ = false;
  if (!row_has_content_) {
    hash_.clear();
    return Status::OK();
  }
  return tree_->add_row(token_, hash_.finish(), row_bytes_);
}

Status EntryDigester::start_partition(std::string_view key) {
  RK_RETURN_IF_ERROR(finish_row());
  if (key.size() < kTokenEnd) return bad_key();
  const size_t pk = escaped_size(key.substr(kTokenEnd), &partition_key_size_);
  if (pk == 0) return bad_key();
  uint64_t token_bits;
  std::memcpy(&token_bits, key.data() + 4, 8);
  token_ = static_cast<Token>(__builtin_bswap64(token_bits) ^ 0x8000000000000000ULL);
  partition_prefix_.assign(key.data(), kTokenEnd + pk);
  have_partition_ = true;
  partition_deletion_ = Deletion{};
  return Status::OK();
}

Status EntryDigester::add(std::string_view key, std::string_view value) {
  auto cell = decode_cell(value);
  if (!cell) return Status::Corruption("undecodable value in the data set");
  // Keys are prefix-free: a key that starts with the current partition's prefix is in it.
  if (!have_partition_ || !key.starts_with(partition_prefix_)) {
    RK_RETURN_IF_ERROR(start_partition(key));
  }
  if (cell->kind != CellKind::kLive && on_time_dependent_) on_time_dependent_(token_);
  const std::string_view escaped_pk =
      std::string_view(partition_prefix_).substr(kTokenEnd);  // esc(partition key)
  const std::string_view entry = key.substr(partition_prefix_.size());
  if (entry.empty()) return bad_key();
  if (entry[0] == kPartitionDeletionTag) {
    if (entry.size() != 1) return bad_key();
    // It sorts before the partition's rows: no row is open.
    partition_deletion_.marked_for_delete_at = cell->timestamp;
    partition_deletion_.local_deletion_time = cell->local_deletion_time;
    if (!purgeable(partition_deletion_, token_, rule_)) {
      hash_.add_tag('P');
      hash_.add(escaped_pk);
      hash_.add_u64(static_cast<uint64_t>(partition_deletion_.marked_for_delete_at));
      RK_RETURN_IF_ERROR(tree_->add_row(token_, hash_.finish(), partition_key_size_ + 16));
    }
    return Status::OK();
  }
  if (entry[0] != kRowTag) return bad_key();
  // Escaping is prefix-free too: an entry that starts with the open row's prefix is in it.
  if (!have_row_ || !entry.starts_with(row_prefix_)) {
    uint64_t clustering_key_size = 0;
    const size_t ck = escaped_size(entry.substr(1), &clustering_key_size);
    if (ck == 0) return bad_key();
    RK_RETURN_IF_ERROR(finish_row());
    have_row_ = true;
    row_prefix_.assign(entry.data(), 1 + ck);
    row_deletion_ = Deletion{};
    row_has_content_ = false;
    row_bytes_ = partition_key_size_ + clustering_key_size;
    const std::string_view escaped_ck = std::string_view(row_prefix_).substr(1);
    if (char* out = hash_.room(1 + escaped_pk.size() + escaped_ck.size())) {
      out[0] = 'R';
      std::memcpy(out + 1, escaped_pk.data(), escaped_pk.size());
      std::memcpy(out + 1 + escaped_pk.size(), escaped_ck.data(), escaped_ck.size());
    } else {
      hash_.add_tag('R');
      hash_.add(escaped_pk);
      hash_.add(escaped_ck);
    }
  }
  const std::string_view rest = entry.substr(row_prefix_.size());
  if (rest.empty()) return bad_key();
  if (rest[0] == kRowDeletionTag) {
    if (rest.size() != 1) return bad_key();
    // It sorts before the row's cells.
    if (!partition_deletion_.deletes(cell->timestamp)) {
      row_deletion_.marked_for_delete_at = cell->timestamp;
      row_deletion_.local_deletion_time = cell->local_deletion_time;
      if (!purgeable(row_deletion_, token_, rule_)) {
        hash_.add_tag('D');
        hash_.add_u64(static_cast<uint64_t>(row_deletion_.marked_for_delete_at));
        row_has_content_ = true;
      }
    }
    return Status::OK();
  }
  if (rest[0] != kCellTag || rest.size() < 2) return bad_key();
  const std::string_view column = rest.substr(1);
  if (partition_deletion_.deletes(cell->timestamp) || row_deletion_.deletes(cell->timestamp)) {
    return Status::OK();
  }
  const bool live = cell->kind == CellKind::kLive ||
                    (cell->kind == CellKind::kExpiring && now_ < cell->local_deletion_time);
  if (!live && rule_.purgeable(token_, cell->local_deletion_time)) return Status::OK();
  add_cell(hash_, column, cell->kind, cell->timestamp, cell->ttl_seconds, cell->value);
  row_bytes_ += column.size() + cell->value.size() + 24;
  row_has_content_ = true;
  return Status::OK();
}

}  // namespace rk::storage
