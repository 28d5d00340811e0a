// Rows' versions and keys for the row-level exchange (see row_exchange.h).
#include "repair/row_exchange.h"

#include <cstring>

#define XXH_INLINE_ALL  // cell-sized inputs
#include <xxhash.h>

namespace rk::agent {
namespace {

constexpr std::string_view kListingMagic = "RKV1";
constexpr std::string_view kKeysMagic = "RKR1";

void put_u8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads the wire forms; every read checks what is left first.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool magic(std::string_view m) {
    if (!in_.starts_with(m)) return false;
    in_.remove_prefix(m.size());
    return true;
  }
  bool u8(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool u32(uint32_t* v) {
    uint64_t wide = 0;
    if (!fixed(4, &wide)) return false;
    *v = static_cast<uint32_t>(wide);
    return true;
  }
  bool u64(uint64_t* v) { return fixed(8, v); }
  bool i64(int64_t* v) {
    uint64_t u = 0;
    if (!fixed(8, &u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool bytes(std::string* out) {
    uint32_t n = 0;
    if (!u32(&n) || n > in_.size()) return false;
    out->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  // A count of items that each take at least `min_bytes`: never more than what is left allows.
  bool count(uint32_t* n, size_t min_bytes) { return u32(n) && *n <= in_.size() / min_bytes; }
  bool done() const { return in_.empty(); }

 private:
  bool fixed(int size, uint64_t* v) {
    if (in_.size() < static_cast<size_t>(size)) return false;
    *v = 0;
    for (int i = 0; i < size; ++i) *v = (*v << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(size);
    return true;
  }
  std::string_view in_;
};

// Sizes of the smallest unit, cell and key on the wire (for Reader::count).
constexpr size_t kMinUnitBytes = 8 + 1 + 4 + 4 + 8 + 8 + 4;
constexpr size_t kMinCellBytes = 4 + 8 + 1 + 8;
constexpr size_t kMinKeyBytes = 1 + 4 + 4;

// The value's hash seeded with the kind and TTL (a TTL is at most 20 years of seconds, so the
// two never overlap in the seed).
uint64_t content_hash(const storage::Cell& c) {
  const uint64_t seed =
      (uint64_t{static_cast<uint8_t>(c.kind)} << 56) ^ static_cast<uint64_t>(c.ttl_seconds);
  return XXH3_64bits_withSeed(c.value.data(), c.value.size(), seed);
}

}  // namespace

void append_row_versions(const storage::Partition& p, std::vector<repair::RowVersions>* out) {
  if (!p.deletion.is_live()) {
    repair::RowVersions unit;
    unit.key = {.token = p.token, .partition_key = p.partition_key, .partition_deletion = true};
    unit.deleted_at = p.deletion.marked_for_delete_at;
    unit.bytes = p.partition_key.size() + 16;
    out->push_back(std::move(unit));
  }
  for (const storage::Row& r : p.rows) {
    repair::RowVersions unit;
    unit.key = {
        .token = p.token, .partition_key = p.partition_key, .clustering_key = r.clustering_key};
    if (!r.deletion.is_live()) unit.deleted_at = r.deletion.marked_for_delete_at;
    unit.bytes = p.partition_key.size() + r.clustering_key.size();
    unit.cells.reserve(r.cells.size());
    for (const auto& [column, c] : r.cells) {
      unit.cells.push_back({.column = column,
                            .timestamp = c.timestamp,
                            .tombstone = c.kind == storage::CellKind::kTombstone,
                            .content = content_hash(c)});
      unit.bytes += column.size() + c.value.size() + 24;
    }
    out->push_back(std::move(unit));
  }
}

std::string encode_row_listing(const RowListing& listing) {
  std::string out(kListingMagic);
  put_u32(out, static_cast<uint32_t>(listing.size()));
  for (const auto& units : listing) {
    put_u32(out, static_cast<uint32_t>(units.size()));
    for (const repair::RowVersions& u : units) {
      put_u64(out, static_cast<uint64_t>(u.key.token));
      put_u8(out, u.key.partition_deletion ? 1 : 0);
      put_bytes(out, u.key.partition_key);
      put_bytes(out, u.key.clustering_key);
      put_u64(out, static_cast<uint64_t>(u.deleted_at));
      put_u64(out, u.bytes);
      put_u32(out, static_cast<uint32_t>(u.cells.size()));
      for (const repair::CellVersion& c : u.cells) {
        put_bytes(out, c.column);
        put_u64(out, static_cast<uint64_t>(c.timestamp));
        put_u8(out, c.tombstone ? 1 : 0);
        put_u64(out, c.content);
      }
    }
  }
  return out;
}

Result<RowListing> decode_row_listing(std::string_view bytes) {
  Reader in(bytes);
  const auto bad = [] { return Status::Corruption("malformed row listing"); };
  uint32_t ranges = 0;
  if (!in.magic(kListingMagic) || !in.count(&ranges, 4)) return bad();
  RowListing listing(ranges);
  for (auto& units : listing) {
    uint32_t n = 0;
    if (!in.count(&n, kMinUnitBytes)) return bad();
    units.resize(n);
    for (repair::RowVersions& u : units) {
      uint8_t kind = 0;
      uint32_t cells = 0;
      int64_t token = 0;
      if (!in.i64(&token) || !in.u8(&kind) || kind > 1 || !in.bytes(&u.key.partition_key) ||
          !in.bytes(&u.key.clustering_key) || !in.i64(&u.deleted_at) || !in.u64(&u.bytes) ||
          !in.count(&cells, kMinCellBytes)) {
        return bad();
      }
      u.key.token = token;
      u.key.partition_deletion = kind == 1;
      u.cells.resize(cells);
      for (repair::CellVersion& c : u.cells) {
        uint8_t tombstone = 0;
        if (!in.bytes(&c.column) || !in.i64(&c.timestamp) || !in.u8(&tombstone) || tombstone > 1 ||
            !in.u64(&c.content)) {
          return bad();
        }
        c.tombstone = tombstone == 1;
      }
    }
  }
  if (!in.done()) return Status::Corruption("trailing bytes after the row listing");
  return listing;
}

std::string encode_row_keys(const std::vector<repair::RowKey>& keys) {
  std::string out(kKeysMagic);
  put_u32(out, static_cast<uint32_t>(keys.size()));
  for (const repair::RowKey& k : keys) {
    put_u8(out, k.partition_deletion ? 1 : 0);
    put_bytes(out, k.partition_key);
    put_bytes(out, k.clustering_key);
  }
  return out;
}

Result<std::vector<storage::RowSelector>> decode_row_keys(std::string_view bytes) {
  Reader in(bytes);
  uint32_t n = 0;
  if (!in.magic(kKeysMagic) || !in.count(&n, kMinKeyBytes)) {
    return Status::Corruption("malformed row keys");
  }
  if (n > storage::Node::kMaxExportRows) {
    return Status::InvalidArgument("at most " + std::to_string(storage::Node::kMaxExportRows) +
                                   " rows per export, got " + std::to_string(n));
  }
  std::vector<storage::RowSelector> keys(n);
  for (storage::RowSelector& k : keys) {
    uint8_t kind = 0;
    if (!in.u8(&kind) || kind > 1 || !in.bytes(&k.partition_key) || !in.bytes(&k.clustering_key)) {
      return Status::Corruption("malformed row keys");
    }
    k.partition_deletion = kind == 1;
  }
  if (!in.done()) return Status::Corruption("trailing bytes after the row keys");
  return keys;
}

}  // namespace rk::agent
