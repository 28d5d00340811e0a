// Reading RocksDB write-ahead-log files (the format of RocksDB's wiki page "Write Ahead Log File
// Format", as RocksDB 7.8 writes it), without RocksDB's internal reader:
//
//   file   := block*            block := 32 KiB of records; fewer than a header's bytes left at
//                                        the end of a block are zero padding
//   record := checksum (u32 LE, masked crc32c of type [| log number] | payload)
//             | length (u16 LE) | type (u8) [| log number (u32 LE), recyclable types]
//             | payload
//   type   := 1 FULL | 2 FIRST | 3 MIDDLE | 4 LAST (5..8: the recyclable variants)
//             | 9 SET_COMPRESSION (first record; only written when WAL compression is on)
//
// A logical record (one WriteBatch) is a FULL record or FIRST, MIDDLE..., LAST fragments.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk::storage {

// CRC-32C (Castagnoli), continuing from `crc` (0 to start).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);
inline uint32_t crc32c(std::string_view data) { return crc32c_extend(0, data.data(), data.size()); }
// RocksDB's masked form of a stored CRC (a CRC of data holding CRCs is not a weak CRC).
inline uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

// Calls `visit` with each logical record of the WAL file at `path` and the file offset of its
// first fragment, in order. A record cut off by the end of the file (the tail of a log that was
// being written) ends the file quietly. Corruption naming the file and offset for a checksum
// mismatch, a broken fragment sequence or an unknown record type; FailedPrecondition for a
// compressed WAL; NotFound / IOError when the file cannot be read. Stops with the error `visit`
// returns.
Status read_wal_file(const std::string& path,
                     const std::function<Status(uint64_t offset, std::string_view record)>& visit);

}  // namespace rk::storage
