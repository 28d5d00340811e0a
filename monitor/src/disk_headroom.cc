// statvfs figures the way df shows them, du-like data size, and the growth projection.
#include "ringkeeper/monitor/disk_headroom.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

namespace rk::monitor {

Result<FsStats> read_fs_stats(const std::string& path) {
  struct statvfs v {};
  if (::statvfs(path.c_str(), &v) != 0) {
    const int e = errno;
    std::string msg = fmt::format("cannot statvfs {}: {}", path, std::strerror(e));
    if (e == ENOENT || e == ENOTDIR) return Status::NotFound(std::move(msg));
    return Status::IOError(std::move(msg));
  }
  FsStats s;
  s.fragment_size = v.f_frsize != 0 ? v.f_frsize : v.f_bsize;
  s.blocks = v.f_blocks;
  s.blocks_free = v.f_bfree;
  s.blocks_available = v.f_bavail;
  return s;
}

DiskUsage disk_usage(const FsStats& s) {
  DiskUsage u;
  // df works in blocks: used = total - free; the percentage is computed from block counts.
  const uint64_t used_blocks = s.blocks >= s.blocks_free ? s.blocks - s.blocks_free : 0;
  u.size_bytes = s.blocks * s.fragment_size;
  u.used_bytes = used_blocks * s.fragment_size;
  u.available_bytes = s.blocks_available * s.fragment_size;
  const uint64_t nonroot_total = used_blocks + s.blocks_available;
  if (nonroot_total != 0) {
    if (used_blocks <= UINT64_MAX / 100) {
      // coreutils: pct = u100 / nonroot_total + (u100 % nonroot_total != 0), i.e. rounded up.
      const uint64_t u100 = used_blocks * 100;
      u.use_percent = static_cast<int>(u100 / nonroot_total + (u100 % nonroot_total != 0 ? 1 : 0));
    } else {
      // Like df's floating-point fallback for counts too large to multiply by 100.
      const double pct =
          static_cast<double>(used_blocks) * 100 / static_cast<double>(nonroot_total);
      const auto whole = static_cast<int>(pct);
      u.use_percent = whole + (pct > whole ? 1 : 0);
    }
    u.free_percent = 100 - u.use_percent;
  }
  return u;
}

Result<uint64_t> data_bytes(const std::string& dir) {
  namespace fs = std::filesystem;
  struct stat top {};
  if (::lstat(dir.c_str(), &top) != 0) {
    const int e = errno;
    std::string msg = fmt::format("cannot stat {}: {}", dir, std::strerror(e));
    if (e == ENOENT || e == ENOTDIR) return Status::NotFound(std::move(msg));
    return Status::IOError(std::move(msg));
  }
  std::set<std::pair<dev_t, ino_t>> seen;
  uint64_t total = static_cast<uint64_t>(top.st_blocks) * 512;
  seen.insert({top.st_dev, top.st_ino});
  if (!S_ISDIR(top.st_mode)) return total;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Status::IOError(fmt::format("cannot list {}: {}", dir, ec.message()));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      // A file or directory vanished while walking (compaction deletes files): keep going.
      ec.clear();
      continue;
    }
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    if (!seen.insert({st.st_dev, st.st_ino}).second) continue;
    total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

GrowthTracker::GrowthTracker(const Clock& clock, size_t capacity)
    : clock_(clock), ring_(std::max<size_t>(capacity, 2)) {}

void GrowthTracker::record(uint64_t used_bytes) {
  ring_[next_] = Sample{clock_.monotonic_micros(), used_bytes};
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());
}

std::optional<double> GrowthTracker::bytes_per_second() const {
  if (count_ < 2) return std::nullopt;
  // Times and values relative to the oldest sample keep the sums small and exact enough.
  const size_t oldest = (next_ + ring_.size() - count_) % ring_.size();
  const Sample& base = ring_[oldest];
  double sx = 0, sy = 0;
  for (size_t i = 0; i < count_; ++i) {
    const Sample& s = ring_[(oldest + i) % ring_.size()];
    sx += static_cast<double>(s.micros - base.micros) / 1e6;
    sy += static_cast<double>(s.used) - static_cast<double>(base.used);
  }
  const double n = static_cast<double>(count_);
  const double mx = sx / n, my = sy / n;
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < count_; ++i) {
    const Sample& s = ring_[(oldest + i) % ring_.size()];
    const double dx = static_cast<double>(s.micros - base.micros) / 1e6 - mx;
    const double dy = static_cast<double>(s.used) - static_cast<double>(base.used) - my;
    sxx += dx * dx;
    sxy += dx * dy;
  }
  if (sxx == 0) return std::nullopt;
  return sxy / sxx;
}

std::optional<double> GrowthTracker::seconds_until_full(uint64_t available_bytes) const {
  auto rate = bytes_per_second();
  if (!rate || *rate <= 0) return std::nullopt;
  return static_cast<double>(available_bytes) / *rate;
}

}  // namespace rk::monitor
