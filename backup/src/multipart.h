// How an object is cut into multipart parts: S3 allows at most 10,000 parts of at least 5 MiB
// (the last may be smaller), so the configured part size grows for very large objects.
#pragma once

#include <algorithm>
#include <cstdint>

namespace rk::backup {

inline constexpr int64_t kMaxMultipartParts = 10'000;

// The part size to use for an object of `object_size` bytes: `part_size`, or the smallest whole
// number of MiB that keeps the object within kMaxMultipartParts parts.
inline int64_t multipart_part_size(int64_t object_size, int64_t part_size) {
  constexpr int64_t kMiB = int64_t{1} << 20;
  int64_t needed = (object_size + kMaxMultipartParts - 1) / kMaxMultipartParts;
  int64_t size = std::max(part_size, needed);
  return (size + kMiB - 1) / kMiB * kMiB;
}

inline int64_t multipart_part_count(int64_t object_size, int64_t part_size) {
  return (object_size + part_size - 1) / part_size;
}

}  // namespace rk::backup
