// Order-preserving key encoding; see key_codec.h for the layout.
#include "key_codec.h"

namespace rk::storage {
namespace {

constexpr char kRowTag = 0x02;
constexpr char kPartitionDeletionTag = 0x01;
constexpr char kRowDeletionTag = 0x01;
constexpr char kCellTag = 0x02;

void append_u32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

uint64_t read_u64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

// Reads one escaped component from the front of `*in`; false when it is malformed.
bool read_escaped(std::string_view* in, std::string* out) {
  out->clear();
  size_t i = 0;
  while (i < in->size()) {
    char c = (*in)[i];
    if (c != 0) {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= in->size()) return false;
    uint8_t next = static_cast<uint8_t>((*in)[i + 1]);
    if (next == 0xFF) {
      out->push_back('\0');
      i += 2;
    } else if (next == 0x01) {
      in->remove_prefix(i + 2);
      return true;
    } else {
      return false;
    }
  }
  return false;
}

}  // namespace

void append_token(std::string* out, Token token) {
  uint64_t v = static_cast<uint64_t>(token) ^ 0x8000000000000000ULL;
  for (int shift = 56; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

void append_escaped(std::string* out, std::string_view component) {
  for (char c : component) {
    out->push_back(c);
    if (c == 0) out->push_back(static_cast<char>(0xFF));
  }
  out->push_back('\0');
  out->push_back('\x01');
}

std::string table_prefix(uint32_t table_id) {
  std::string k;
  append_u32(&k, table_id);
  return k;
}

std::string token_key(uint32_t table_id, Token token) {
  std::string k = table_prefix(table_id);
  append_token(&k, token);
  return k;
}

std::string partition_prefix(uint32_t table_id, Token token, std::string_view partition_key) {
  std::string k = token_key(table_id, token);
  append_escaped(&k, partition_key);
  return k;
}

std::string partition_deletion_key(uint32_t table_id, Token token, std::string_view partition_key) {
  std::string k = partition_prefix(table_id, token, partition_key);
  k.push_back(kPartitionDeletionTag);
  return k;
}

std::string row_prefix(uint32_t table_id, Token token, std::string_view partition_key,
                       std::string_view clustering_key) {
  std::string k = partition_prefix(table_id, token, partition_key);
  k.push_back(kRowTag);
  append_escaped(&k, clustering_key);
  return k;
}

std::string row_deletion_key(uint32_t table_id, Token token, std::string_view partition_key,
                             std::string_view clustering_key) {
  std::string k = row_prefix(table_id, token, partition_key, clustering_key);
  k.push_back(kRowDeletionTag);
  return k;
}

std::string cell_key(uint32_t table_id, Token token, std::string_view partition_key,
                     std::string_view clustering_key, std::string_view column) {
  std::string k = partition_prefix(table_id, token, partition_key);
  append_cell_suffix(&k, clustering_key, column);
  return k;
}

void append_cell_suffix(std::string* key, std::string_view clustering_key,
                        std::string_view column) {
  key->push_back(kRowTag);
  append_escaped(key, clustering_key);
  key->push_back(kCellTag);
  key->append(column);
}

std::string prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto last = static_cast<uint8_t>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

bool decode_entry(std::string_view key, DecodedKey* d) {
  if (key.empty()) return false;
  char tag = key.front();
  key.remove_prefix(1);
  d->clustering_key.clear();
  d->column.clear();
  if (tag == kPartitionDeletionTag) {
    d->kind = EntryKind::kPartitionDeletion;
    return key.empty();
  }
  if (tag != kRowTag) return false;
  if (!read_escaped(&key, &d->clustering_key) || key.empty()) return false;
  tag = key.front();
  key.remove_prefix(1);
  if (tag == kRowDeletionTag) {
    d->kind = EntryKind::kRowDeletion;
    return key.empty();
  }
  if (tag != kCellTag || key.empty()) return false;
  d->kind = EntryKind::kCell;
  d->column.assign(key);
  return true;
}

size_t partition_prefix_size(std::string_view key) {
  if (key.size() < 12) return 0;
  for (size_t i = 12; i + 1 < key.size(); ++i) {
    if (key[i] != 0) continue;
    if (static_cast<uint8_t>(key[i + 1]) == 0x01) return i + 2;
    ++i;  // an escaped 00 FF
  }
  return 0;
}

std::optional<DecodedKey> decode_key(std::string_view key) {
  if (key.size() < 12) return std::nullopt;
  DecodedKey d;
  for (int i = 0; i < 4; ++i) d.table_id = (d.table_id << 8) | static_cast<uint8_t>(key[i]);
  d.token = static_cast<Token>(read_u64(key.substr(4)) ^ 0x8000000000000000ULL);
  key.remove_prefix(12);
  if (!read_escaped(&key, &d.partition_key)) return std::nullopt;
  if (!decode_entry(key, &d)) return std::nullopt;
  return d;
}

}  // namespace rk::storage
