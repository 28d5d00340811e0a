// Disk headroom: df's figures from statvfs (coreutils src/df.c: Used = f_blocks - f_bfree,
// Avail = f_bavail, Use% = used*100 / (used + avail) rounded up), du-like data size, and the
// least-squares growth projection.
#include "ringkeeper/monitor/disk_headroom.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "disk_test_util.h"

namespace rk::monitor {
namespace {

TEST(DiskUsage, FiguresAreDfsFromStatvfs) {
  // 1000 blocks of 4 KiB, 400 free of which 350 are available to non-root users.
  DiskUsage u = disk_usage(FsStats{4096, 1000, 400, 350});
  EXPECT_EQ(u.size_bytes, 1000u * 4096);
  EXPECT_EQ(u.used_bytes, 600u * 4096);
  EXPECT_EQ(u.available_bytes, 350u * 4096);
  // 600*100 / (600+350) = 63.16 -> rounded up to 64, as df prints it.
  EXPECT_EQ(u.use_percent, 64);
  EXPECT_EQ(u.free_percent, 36);
}

TEST(DiskUsage, ExactPercentIsNotRoundedUp) {
  DiskUsage u = disk_usage(FsStats{1024, 200, 100, 100});
  EXPECT_EQ(u.use_percent, 50);
  EXPECT_EQ(u.free_percent, 50);
}

TEST(DiskUsage, ReservedBlocksCountAsNeitherUsedNorAvailable) {
  // This machine's root filesystem at one moment (df -k: Used 25561224, Avail 74775964, 26%).
  DiskUsage u = disk_usage(FsStats{1024, 264212084, 264212084 - 25561224, 74775964});
  EXPECT_EQ(u.use_percent, 26);
  EXPECT_EQ(u.free_percent, 74);
}

TEST(DiskUsage, EmptyFilesystemHasNoPercent) {
  DiskUsage u = disk_usage(FsStats{4096, 0, 0, 0});
  EXPECT_EQ(u.use_percent, -1);
  EXPECT_EQ(u.free_percent, -1);
}

TEST(DiskUsage, MissingPathIsNotFound) {
  auto r = read_fs_stats("/nonexistent/ringkeeper/path");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/ringkeeper/path"), std::string::npos);
}

TEST(DiskUsage, AgreesWithDfOnARealFilesystem) {
  // The filesystem of the test's working directory is shared with other builds, so used and
  // available may move between the two readings: size must agree exactly, the rest closely.
  const std::string path = std::filesystem::current_path().string();
  auto df = run_df(path);
  ASSERT_TRUE(df.has_value()) << "df -B1 failed";
  auto stats = read_fs_stats(path);
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  DiskUsage u = disk_usage(*stats);
  EXPECT_EQ(u.size_bytes, df->size);
  const double slack = 256.0 * 1024 * 1024;
  EXPECT_NEAR(static_cast<double>(u.used_bytes), static_cast<double>(df->used), slack);
  EXPECT_NEAR(static_cast<double>(u.available_bytes), static_cast<double>(df->avail), slack);
  EXPECT_NEAR(u.use_percent, df->use_percent, 1);
}

TEST(DiskUsage, AgreesWithDfExactlyOnAQuietTmpfs) {
  ScratchTmpfs fs(4 << 20);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << fs.error() << ")";
  write_file(fs.path() + "/a", 1'300'000);
  auto df = run_df(fs.path());
  ASSERT_TRUE(df.has_value());
  auto stats = read_fs_stats(fs.path());
  ASSERT_TRUE(stats.ok());
  DiskUsage u = disk_usage(*stats);
  EXPECT_EQ(u.size_bytes, df->size);
  EXPECT_EQ(u.used_bytes, df->used);
  EXPECT_EQ(u.available_bytes, df->avail);
  EXPECT_EQ(u.use_percent, df->use_percent);
}

TEST(DataBytes, CountsAllocatedBlocksAndHardLinksOnce) {
  TempDir dir;
  write_file(dir.path() + "/sst-1", 100'000);
  std::filesystem::create_directories(dir.path() + "/snapshots/t1");
  std::filesystem::create_hard_link(dir.path() + "/sst-1", dir.path() + "/snapshots/t1/sst-1");
  write_file(dir.path() + "/snapshots/t1/extra", 5'000);
  auto bytes = data_bytes(dir.path());
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto du = run_command("du -s -B1 '" + dir.path() + "' | cut -f1");
  ASSERT_TRUE(du.has_value());
  EXPECT_EQ(*bytes, std::stoull(*du));
  EXPECT_GE(*bytes, 105'000u);
  EXPECT_LT(*bytes, 2 * 105'000u + 64 * 1024);  // the hard link did not count twice
}

TEST(DataBytes, MissingDirectoryIsNotFound) {
  auto r = data_bytes("/nonexistent/ringkeeper/data");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
}

TEST(GrowthTracker, SlopeOfSteadyGrowth) {
  ManualClock clock;
  GrowthTracker g(clock, 10);
  EXPECT_FALSE(g.bytes_per_second().has_value());
  for (int i = 0; i < 5; ++i) {
    g.record(1'000'000'000ull + i * 10'000'000ull);  // +10 MB every 10 s
    clock.advance_seconds(10);
  }
  ASSERT_TRUE(g.bytes_per_second().has_value());
  EXPECT_NEAR(*g.bytes_per_second(), 1e6, 1e-3);
  // 1 GB left at 1 MB/s: 1000 s.
  EXPECT_NEAR(*g.seconds_until_full(1'000'000'000ull), 1000, 1e-6);
}

TEST(GrowthTracker, LeastSquaresDampsOneSpike) {
  ManualClock clock;
  GrowthTracker g(clock, 10);
  // Flat at 100 GB with one compaction spike of +50 GB in the middle sample.
  const uint64_t gb = 1'000'000'000ull;
  const uint64_t values[] = {100 * gb, 100 * gb, 150 * gb, 100 * gb, 100 * gb};
  for (uint64_t v : values) {
    g.record(v);
    clock.advance_seconds(60);
  }
  // Symmetric spike: slope 0, so no projection.
  EXPECT_NEAR(*g.bytes_per_second(), 0, 1e-3);
  EXPECT_FALSE(g.seconds_until_full(10 * gb).has_value());
}

TEST(GrowthTracker, RingKeepsOnlyTheLastSamples) {
  ManualClock clock;
  GrowthTracker g(clock, 3);
  for (uint64_t v : {0ull, 1000ull, 2000ull}) {  // growing at 100 B/s ...
    g.record(v);
    clock.advance_seconds(10);
  }
  for (uint64_t v : {2000ull, 2000ull, 2000ull}) {  // ... then flat
    g.record(v);
    clock.advance_seconds(10);
  }
  EXPECT_EQ(g.size(), 3u);
  EXPECT_NEAR(*g.bytes_per_second(), 0, 1e-9);
}

TEST(GrowthTracker, ShrinkingDataIsNeverFull) {
  ManualClock clock;
  GrowthTracker g(clock);
  g.record(5000);
  clock.advance_seconds(1);
  g.record(4000);
  EXPECT_NEAR(*g.bytes_per_second(), -1000, 1e-9);
  EXPECT_FALSE(g.seconds_until_full(1).has_value());
}

TEST(GrowthTracker, SamplesAtOneInstantGiveNoRate) {
  ManualClock clock;
  GrowthTracker g(clock);
  g.record(1);
  g.record(2);
  EXPECT_FALSE(g.bytes_per_second().has_value());
}

}  // namespace
}  // namespace rk::monitor
