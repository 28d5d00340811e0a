// Stream encoding of partitions; the layout is in range_stream.h.
#include "ringkeeper/storage/range_stream.h"

#include <cstdint>

namespace rk::storage {
namespace {

constexpr std::string_view kMagic = "RKS1";

void put_varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void put_u64(std::string* out, uint64_t v, int bytes = 8) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_bytes(std::string* out, std::string_view s) {
  put_varint(out, s.size());
  out->append(s);
}

void put_deletion(std::string* out, const Deletion& d) {
  if (d.is_live()) {
    out->push_back('\0');
    return;
  }
  out->push_back('\x01');
  put_u64(out, static_cast<uint64_t>(d.marked_for_delete_at));
  put_u64(out, static_cast<uint64_t>(d.local_deletion_time));
}

// A bounds-checked reader over the encoded bytes.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return false;
      auto b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool fixed(uint64_t* v, int bytes = 8) {
    if (in_.size() < static_cast<size_t>(bytes)) return false;
    *v = 0;
    for (int i = 0; i < bytes; ++i) *v = (*v << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(bytes);
    return true;
  }
  bool bytes(std::string* out) {
    uint64_t n = 0;
    if (!varint(&n) || n > in_.size()) return false;
    out->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool byte(uint8_t* b) {
    if (in_.empty()) return false;
    *b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool deletion(Deletion* d) {
    uint8_t flag = 0;
    if (!byte(&flag)) return false;
    if (flag == 0) {
      *d = Deletion{};
      return true;
    }
    uint64_t a = 0, b = 0;
    if (flag != 1 || !fixed(&a) || !fixed(&b)) return false;
    d->marked_for_delete_at = static_cast<int64_t>(a);
    d->local_deletion_time = static_cast<int64_t>(b);
    return !d->is_live();
  }
  // A count of items each taking at least `min_bytes`: bounded by what is left.
  bool count(uint64_t* n, size_t min_bytes) { return varint(n) && *n <= in_.size() / min_bytes; }
  size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_partitions(std::span<const Partition> partitions) {
  std::string out(kMagic);
  put_varint(&out, partitions.size());
  for (const Partition& p : partitions) {
    put_bytes(&out, p.partition_key);
    put_u64(&out, static_cast<uint64_t>(p.token));
    put_deletion(&out, p.deletion);
    put_varint(&out, p.rows.size());
    for (const Row& r : p.rows) {
      put_bytes(&out, r.clustering_key);
      put_deletion(&out, r.deletion);
      put_varint(&out, r.cells.size());
      for (const auto& [column, c] : r.cells) {
        put_bytes(&out, column);
        out.push_back(static_cast<char>(c.kind));
        put_u64(&out, static_cast<uint64_t>(c.timestamp));
        put_u64(&out, static_cast<uint64_t>(c.ttl_seconds), 4);
        put_u64(&out, static_cast<uint64_t>(c.local_deletion_time));
        put_bytes(&out, c.value);
      }
    }
  }
  return out;
}

Result<std::vector<Partition>> decode_partitions(std::string_view bytes) {
  auto corrupt = [](const char* what) {
    return Status::Corruption(std::string("stream: malformed ") + what);
  };
  if (!bytes.starts_with(kMagic)) return Status::Corruption("stream: missing RKS1 header");
  Reader in(bytes.substr(kMagic.size()));
  uint64_t n_partitions = 0;
  if (!in.count(&n_partitions, 11)) return corrupt("partition count");
  std::vector<Partition> out;
  out.reserve(n_partitions);
  for (uint64_t i = 0; i < n_partitions; ++i) {
    Partition p;
    uint64_t token = 0, n_rows = 0;
    if (!in.bytes(&p.partition_key) || !in.fixed(&token) || !in.deletion(&p.deletion) ||
        !in.count(&n_rows, 3))
      return corrupt("partition header");
    p.token = static_cast<Token>(token);
    p.rows.resize(n_rows);
    for (Row& r : p.rows) {
      uint64_t n_cells = 0;
      if (!in.bytes(&r.clustering_key) || !in.deletion(&r.deletion) || !in.count(&n_cells, 23))
        return corrupt("row header");
      for (uint64_t c = 0; c < n_cells; ++c) {
        std::string column;
        Cell cell;
        uint8_t kind = 0;
        uint64_t ts = 0, ttl = 0, ldt = 0;
        if (!in.bytes(&column) || !in.byte(&kind) || kind > 2 || !in.fixed(&ts) ||
            !in.fixed(&ttl, 4) || !in.fixed(&ldt) || !in.bytes(&cell.value))
          return corrupt("cell");
        cell.kind = static_cast<CellKind>(kind);
        cell.timestamp = static_cast<int64_t>(ts);
        cell.ttl_seconds = static_cast<int64_t>(ttl);
        cell.local_deletion_time = static_cast<int64_t>(ldt);
        if (!r.cells.emplace(std::move(column), std::move(cell)).second)
          return corrupt("row (a column appears twice)");
      }
    }
    out.push_back(std::move(p));
  }
  if (in.left() != 0) return corrupt("stream (trailing bytes)");
  return out;
}

}  // namespace rk::storage
