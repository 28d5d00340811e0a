// The WAL file reader (wal_file.h).
#include "wal_file.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <vector>

#include "wal_archive.h"

namespace rk::storage {
namespace {

constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;
constexpr size_t kRecyclableHeaderSize = 11;

enum RecordType : uint8_t {
  kZeroType = 0,
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
  kRecyclableFullType = 5,
  kRecyclableLastType = 8,
  kSetCompressionType = 9,
};

// Table for the reflected Castagnoli polynomial 0x82F63B78, built once.
const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

uint32_t get_u32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) {
  const auto& table = crc_table();
  auto p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

Status read_wal_file(const std::string& path,
                     const std::function<Status(uint64_t offset, std::string_view record)>& visit) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status::NotFound("WAL file " + path + " does not exist or is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read WAL file " + path);
  auto corrupt = [&](uint64_t offset, const std::string& what) {
    return Status::Corruption("WAL file " + path + ": " + what + " at offset " +
                              std::to_string(offset));
  };

  const int64_t file_number = wal_file_number(std::filesystem::path(path).filename().string());
  std::vector<unsigned char> block(kBlockSize);
  std::string pending;  // fragments of a record so far
  uint64_t pending_offset = 0;
  bool in_record = false;
  for (uint64_t block_start = 0;; block_start += kBlockSize) {
    in.read(reinterpret_cast<char*>(block.data()), kBlockSize);
    const size_t n = static_cast<size_t>(in.gcount());
    if (in.bad()) return Status::IOError("reading WAL file " + path);
    const bool last_block = n < kBlockSize;
    size_t pos = 0;
    while (true) {
      if (n - pos < kHeaderSize) break;  // padding, or a header cut off by the end of the file
      const unsigned char* h = block.data() + pos;
      const uint32_t stored = get_u32(h);
      const size_t length = size_t{h[4]} | size_t{h[5]} << 8;
      const uint8_t type = h[6];
      const uint64_t offset = block_start + pos;
      if (type == kZeroType && length == 0) break;  // preallocated, never written: rest of block
      const bool recyclable = type >= kRecyclableFullType && type <= kRecyclableLastType;
      const size_t header = recyclable ? kRecyclableHeaderSize : kHeaderSize;
      if (n - pos < header || length > n - pos - header) {
        if (last_block) return Status::OK();  // torn tail
        return corrupt(offset, "record longer than its block");
      }
      // The checksum covers the type byte, the log number of recyclable records and the payload.
      uint32_t crc = crc32c_extend(0, h + 6, header - 6);
      crc = crc32c_extend(crc, h + header, length);
      if (crc32c_mask(crc) != stored) return corrupt(offset, "checksum mismatch");
      // A recycled file goes on with records of its previous use: they end this log.
      if (recyclable && file_number >= 0 && get_u32(h + 7) != uint32_t(file_number))
        return Status::OK();
      const std::string_view payload(reinterpret_cast<const char*>(h + header), length);
      pos += header + length;
      switch (recyclable ? type - (kRecyclableFullType - kFullType) : type) {
        case kFullType:
          if (in_record) return corrupt(pending_offset, "record without its last fragment");
          RK_RETURN_IF_ERROR(visit(offset, payload));
          break;
        case kFirstType:
          if (in_record) return corrupt(pending_offset, "record without its last fragment");
          pending.assign(payload);
          pending_offset = offset;
          in_record = true;
          break;
        case kMiddleType:
        case kLastType:
          if (!in_record) return corrupt(offset, "fragment without a first fragment");
          pending.append(payload);
          if (type == kLastType || type == kRecyclableLastType) {
            in_record = false;
            RK_RETURN_IF_ERROR(visit(pending_offset, pending));
          }
          break;
        case kSetCompressionType:
          if (!payload.empty() && payload[0] != 0)
            return Status::FailedPrecondition("WAL file " + path +
                                              " is compressed (wal_compression), not supported");
          break;
        default:
          return corrupt(offset, "unknown record type " + std::to_string(type));
      }
    }
    if (last_block) return Status::OK();  // a record still in_record was torn by the end
  }
}

}  // namespace rk::storage
