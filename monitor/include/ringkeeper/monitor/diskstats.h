// /proc/diskstats and the figures `iostat -x` computes from two samples of it.
//
// Field layouts (kernel Documentation/admin-guide/iostats.rst), counting major, minor and name:
//   14 fields  (kernels before 4.18): reads, writes, in-flight, io_ticks, time_in_queue
//   18 fields  (4.18+): + discards completed, merged, sectors, ms
//   20 fields  (5.5+):  + flush requests completed, ms
// Times are milliseconds; sectors are 512 bytes whatever the device's sector size.
//
// The formulas are sysstat's (iostat.c write_ext_stat / write_plain_ext_stat and
// rd_stats.c / common.c compute_ext_disk_stats, sysstat 12.x as shipped by Debian 12), with the
// interval in seconds instead of sysstat's centiseconds:
//   r/s      = Δrd_ios / Δt                   rkB/s    = Δrd_sectors / 2 / Δt
//   r_await  = Δrd_ticks / Δrd_ios            rareq-sz = Δrd_sectors / 2 / Δrd_ios   (0 if no I/O)
//   (likewise w_*, d_* for discards, f/s and f_await for flushes)
//   await    = (Δrd_ticks + Δwr_ticks + Δdc_ticks) / (Δrd_ios + Δwr_ios + Δdc_ios)   (iostat -x -s)
//   aqu-sz   = Δtime_in_queue / (Δt · 1000)    %util    = Δio_ticks / (Δt · 1000) · 100
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk::monitor {

// One line of /proc/diskstats. Fields a layout does not have are 0.
struct DiskStats {
  unsigned major = 0;
  unsigned minor = 0;
  std::string name;         // kernel name: sda, sda1, dm-0, md0, nvme0n1, vda
  int fields = 0;           // 14, 18 or 20
  uint64_t rd_ios = 0;      // reads completed
  uint64_t rd_merges = 0;   // reads merged
  uint64_t rd_sectors = 0;  // sectors read
  uint64_t rd_ticks = 0;    // ms spent reading
  uint64_t wr_ios = 0;
  uint64_t wr_merges = 0;
  uint64_t wr_sectors = 0;
  uint64_t wr_ticks = 0;
  uint64_t ios_in_progress = 0;
  uint64_t io_ticks = 0;       // ms the device had I/O in flight (drives %util)
  uint64_t time_in_queue = 0;  // weighted ms (drives aqu-sz); sysstat's rq_ticks
  uint64_t dc_ios = 0;         // discards (18+ fields)
  uint64_t dc_merges = 0;
  uint64_t dc_sectors = 0;
  uint64_t dc_ticks = 0;
  uint64_t fl_ios = 0;  // flushes (20 fields)
  uint64_t fl_ticks = 0;
};

// Parses the whole file. A line with another field count or a non-numeric counter is
// kCorruption naming the line.
Result<std::vector<DiskStats>> parse_diskstats(std::string_view text);

// Reads and parses a diskstats file (default /proc/diskstats).
Result<std::vector<DiskStats>> read_diskstats(const std::string& path = "/proc/diskstats");

// The device named `name` in a parsed snapshot, or nullptr.
const DiskStats* find_disk(const std::vector<DiskStats>& snapshot, std::string_view name);

// What `iostat -x` prints for a device between two samples `interval_seconds` apart.
struct IoRates {
  double r_per_s = 0, w_per_s = 0, d_per_s = 0, f_per_s = 0;
  double rkb_per_s = 0, wkb_per_s = 0, dkb_per_s = 0;
  double rrqm_per_s = 0, wrqm_per_s = 0, drqm_per_s = 0;
  double r_await = 0, w_await = 0, d_await = 0, f_await = 0;  // ms
  double await = 0;                                           // ms, reads+writes+discards
  double rareq_sz = 0, wareq_sz = 0, dareq_sz = 0;            // kB
  double aqu_sz = 0;
  double util_percent = 0;
};

// Counters are deltas `cur - prev`; the kernel prints the *_ticks counters as 32-bit values, so a
// counter that went backwards from a 32-bit value is taken to have wrapped at 2^32; one that went
// backwards otherwise (device re-registered) counts as 0. interval_seconds must be > 0.
IoRates compute_io_rates(const DiskStats& prev, const DiskStats& cur, double interval_seconds);

}  // namespace rk::monitor
