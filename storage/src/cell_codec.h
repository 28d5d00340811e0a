// Byte encoding of cell values (what RocksDB stores under a key; also every merge operand).
//
//   kLive:      0x00 | timestamp (i64 BE) | value
//   kExpiring:  0x01 | timestamp | ttl (u32 BE) | local_deletion_time (i64 BE) | value
//   kTombstone: 0x02 | timestamp | local_deletion_time
//
// Row and partition deletions are stored as tombstones whose timestamp is marked_for_delete_at.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ringkeeper/storage/cell.h"
#include "ringkeeper/storage/row.h"

namespace rk::storage {

// A decoded cell whose value points into the encoded bytes.
struct CellView {
  CellKind kind = CellKind::kLive;
  int64_t timestamp = 0;
  int64_t ttl_seconds = 0;
  int64_t local_deletion_time = kNoDeletionTime;
  std::string_view value;

  Cell to_cell() const;
};

std::string encode_cell(const Cell& cell);
void encode_cell_to(std::string* out, CellKind kind, int64_t timestamp, int64_t ttl_seconds,
                    int64_t local_deletion_time, std::string_view value);
std::optional<CellView> decode_cell(std::string_view bytes);

std::string encode_deletion(const Deletion& deletion);
std::optional<Deletion> decode_deletion(std::string_view bytes);

// cell_supersedes on views: true when `a` wins over (or equals) `b`.
bool view_supersedes(const CellView& a, const CellView& b);

}  // namespace rk::storage
