// Disk headroom of the filesystem that holds the node's data: free bytes and percent exactly as
// GNU df computes them from statvfs, the bytes the node's data takes (as du counts them), and the
// growth rate and projected time until the filesystem is full from recent samples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"

namespace rk::monitor {

// The statvfs figures df uses; the three counts are in units of fragment_size (f_frsize).
struct FsStats {
  uint64_t fragment_size = 0;     // f_frsize (f_bsize when the kernel reports 0)
  uint64_t blocks = 0;            // f_blocks: size of the filesystem
  uint64_t blocks_free = 0;       // f_bfree: free, including what is reserved for root
  uint64_t blocks_available = 0;  // f_bavail: free for an unprivileged writer (the node)
};

// statvfs() of the filesystem holding `path`. kNotFound / kIOError with the path and errno text.
Result<FsStats> read_fs_stats(const std::string& path);

// The figures df prints for a filesystem (coreutils src/df.c, get_field_values / PCENT_FIELD).
struct DiskUsage {
  uint64_t size_bytes = 0;       // df "Size":  f_blocks * f_frsize
  uint64_t used_bytes = 0;       // df "Used":  (f_blocks - f_bfree) * f_frsize
  uint64_t available_bytes = 0;  // df "Avail": f_bavail * f_frsize
  // df "Use%": used / (used + avail) in percent, rounded UP (reserved blocks count as neither);
  // -1 when used + avail is 0 (df prints "-").
  int use_percent = -1;
  // 100 - use_percent: the free share an operator would read off df; -1 when unknown.
  int free_percent = -1;
};

DiskUsage disk_usage(const FsStats& s);

// The bytes allocated to the files under `dir` the way `du -s -B1` counts them: st_blocks * 512,
// each inode once (snapshots and incremental backups are hard links and take no extra room).
// Unreadable subdirectories are skipped; a missing `dir` is kNotFound.
Result<uint64_t> data_bytes(const std::string& dir);

// Growth of used bytes over recent samples: a ring buffer of (time, used bytes) with the least-
// squares slope, so one compaction's temporary spike does not dominate. Times come from the
// injected clock's monotonic reading. Not thread-safe.
class GrowthTracker {
 public:
  // Keeps the last `capacity` samples (at least 2).
  explicit GrowthTracker(const Clock& clock, size_t capacity = 60);

  // Records the used bytes now.
  void record(uint64_t used_bytes);

  size_t size() const { return count_; }

  // Least-squares slope of used bytes over time in bytes per second (negative when shrinking);
  // nullopt with fewer than 2 samples or when all samples have the same time.
  std::optional<double> bytes_per_second() const;

  // Seconds until `available_bytes` are used up at the current growth rate; nullopt when the
  // data is not growing (or the rate is unknown).
  std::optional<double> seconds_until_full(uint64_t available_bytes) const;

 private:
  struct Sample {
    int64_t micros;
    uint64_t used;
  };
  const Clock& clock_;
  std::vector<Sample> ring_;
  size_t next_ = 0;
  size_t count_ = 0;
};

}  // namespace rk::monitor
