// Key encoding of the storage node: every RocksDB key starts with the table id and the token, so a
// table's data iterates in token order and a token range is one contiguous key range.
//
//   key := table_id (u32 BE) | token (u64 BE of token ^ 2^63) | esc(partition key) | entry
//   entry := 0x01                                  partition deletion record
//          | 0x02 | esc(clustering key) | 0x01      row deletion record
//          | 0x02 | esc(clustering key) | 0x02 | column name (raw, runs to the end)
//
// esc() makes keys prefix-free while keeping byte order: 0x00 is written as 00 FF and the key is
// terminated by 00 01 (ROCKSDB-NOTES.md: plain concatenation interleaves partitions). The
// partition deletion sorts before the partition's rows, a row deletion before the row's cells.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ringkeeper/core/token.h"

namespace rk::storage {

enum class EntryKind : uint8_t {
  kPartitionDeletion = 0x01,
  kRowDeletion = 0x02,
  kCell = 0x03,
};

struct DecodedKey {
  uint32_t table_id = 0;
  Token token = 0;
  std::string partition_key;
  EntryKind kind = EntryKind::kCell;
  std::string clustering_key;  // empty for a partition deletion
  std::string column;          // set for cells only
};

// Appends the order-preserving 8-byte form of a token.
void append_token(std::string* out, Token token);
// Appends the escaped, terminated form of a key component.
void append_escaped(std::string* out, std::string_view component);

// tableid | token: the first key of a token within a table.
std::string token_key(uint32_t table_id, Token token);
// tableid alone: every key of the table starts with it.
std::string table_prefix(uint32_t table_id);
// tableid | token | esc(pk): every entry of the partition starts with it.
std::string partition_prefix(uint32_t table_id, Token token, std::string_view partition_key);
std::string partition_deletion_key(uint32_t table_id, Token token, std::string_view partition_key);
// partition_prefix | 0x02 | esc(ck): every entry of the row starts with it.
std::string row_prefix(uint32_t table_id, Token token, std::string_view partition_key,
                       std::string_view clustering_key);
std::string row_deletion_key(uint32_t table_id, Token token, std::string_view partition_key,
                             std::string_view clustering_key);
std::string cell_key(uint32_t table_id, Token token, std::string_view partition_key,
                     std::string_view clustering_key, std::string_view column);

// Appends 0x02 | esc(ck) | 0x02 | column to a partition prefix: cell_key without rebuilding it.
void append_cell_suffix(std::string* key, std::string_view clustering_key, std::string_view column);

// The smallest string greater than every string that starts with `prefix` (for upper bounds).
// Empty when there is none (prefix is all 0xFF).
std::string prefix_successor(std::string_view prefix);

// Parses a key written by the functions above; nullopt when it is malformed.
std::optional<DecodedKey> decode_key(std::string_view key);

// Parses the part of a key after its partition prefix (the entry) into d->kind,
// d->clustering_key and d->column; false when it is malformed. Lets a reader that already knows
// the partition skip decoding it again.
bool decode_entry(std::string_view entry, DecodedKey* d);

// Length of the partition prefix of a well-formed key (everything before the entry tag), or 0.
size_t partition_prefix_size(std::string_view key);

}  // namespace rk::storage
