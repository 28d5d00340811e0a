// Cell value encoding and the last-write-wins rule shared by reads, merges and streams.
#include "cell_codec.h"

namespace rk::storage {
namespace {

void put_i64(std::string* out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((u >> shift) & 0xFF));
}

int64_t get_i64(const char* p) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<uint8_t>(p[i]);
  return static_cast<int64_t>(u);
}

}  // namespace

Cell CellView::to_cell() const {
  Cell c;
  c.kind = kind;
  c.timestamp = timestamp;
  c.ttl_seconds = ttl_seconds;
  c.local_deletion_time = local_deletion_time;
  c.value.assign(value);
  return c;
}

void encode_cell_to(std::string* out, CellKind kind, int64_t timestamp, int64_t ttl_seconds,
                    int64_t local_deletion_time, std::string_view value) {
  out->push_back(static_cast<char>(kind));
  put_i64(out, timestamp);
  switch (kind) {
    case CellKind::kLive:
      out->append(value);
      break;
    case CellKind::kExpiring: {
      auto ttl = static_cast<uint32_t>(ttl_seconds);
      for (int shift = 24; shift >= 0; shift -= 8)
        out->push_back(static_cast<char>((ttl >> shift) & 0xFF));
      put_i64(out, local_deletion_time);
      out->append(value);
      break;
    }
    case CellKind::kTombstone:
      put_i64(out, local_deletion_time);
      break;
  }
}

std::string encode_cell(const Cell& cell) {
  std::string out;
  out.reserve(21 + cell.value.size());
  encode_cell_to(&out, cell.kind, cell.timestamp, cell.ttl_seconds, cell.local_deletion_time,
                 cell.value);
  return out;
}

std::optional<CellView> decode_cell(std::string_view bytes) {
  if (bytes.size() < 9) return std::nullopt;
  CellView v;
  auto kind = static_cast<uint8_t>(bytes[0]);
  v.timestamp = get_i64(bytes.data() + 1);
  bytes.remove_prefix(9);
  switch (kind) {
    case 0:
      v.kind = CellKind::kLive;
      v.value = bytes;
      return v;
    case 1: {
      if (bytes.size() < 12) return std::nullopt;
      v.kind = CellKind::kExpiring;
      uint32_t ttl = 0;
      for (int i = 0; i < 4; ++i) ttl = (ttl << 8) | static_cast<uint8_t>(bytes[i]);
      v.ttl_seconds = ttl;
      v.local_deletion_time = get_i64(bytes.data() + 4);
      v.value = bytes.substr(12);
      return v;
    }
    case 2:
      if (bytes.size() != 8) return std::nullopt;
      v.kind = CellKind::kTombstone;
      v.local_deletion_time = get_i64(bytes.data());
      return v;
    default:
      return std::nullopt;
  }
}

std::string encode_deletion(const Deletion& deletion) {
  std::string out;
  encode_cell_to(&out, CellKind::kTombstone, deletion.marked_for_delete_at, 0,
                 deletion.local_deletion_time, {});
  return out;
}

std::optional<Deletion> decode_deletion(std::string_view bytes) {
  auto v = decode_cell(bytes);
  if (!v || v->kind != CellKind::kTombstone) return std::nullopt;
  Deletion d;
  d.marked_for_delete_at = v->timestamp;
  d.local_deletion_time = v->local_deletion_time;
  return d;
}

bool view_supersedes(const CellView& a, const CellView& b) {
  if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;
  bool a_tomb = a.kind == CellKind::kTombstone;
  bool b_tomb = b.kind == CellKind::kTombstone;
  if (a_tomb != b_tomb) return a_tomb;
  if (int c = a.value.compare(b.value); c != 0) return c > 0;
  if (a.local_deletion_time != b.local_deletion_time)
    return a.local_deletion_time > b.local_deletion_time;
  return a.ttl_seconds >= b.ttl_seconds;  // same expiry: the longer TTL, so any order agrees
}

}  // namespace rk::storage
