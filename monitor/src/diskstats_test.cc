// /proc/diskstats parsing for every kernel layout, and iostat's figures from two samples.
//
// Expected figures are worked out by hand below from sysstat 12.x's formulas (iostat.c
// write_ext_stat / write_plain_ext_stat; compute_ext_disk_stats in rd_stats.c), the code behind
// Debian 12's `iostat -x`: S_VALUE(m,n,p) = (n-m)/p*100 with p in centiseconds, i.e. a rate per
// second; r_await = Δrd_ticks/Δrd_ios; await = (Δrd+Δwr+Δdc ticks)/(Δrd+Δwr+Δdc ios);
// aqu-sz = S_VALUE(rq_ticks)/1000; %util = S_VALUE(tot_ticks)/10; kB = sectors/2.
#include "ringkeeper/monitor/diskstats.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "disk_test_util.h"

namespace rk::monitor {
namespace {

// Kernel 5.5+ (20 fields), as on this project's machines.
constexpr const char* kBefore =
    "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    " 254       0 vda 1000 100 80000 5000 2000 300 400000 20000 2 10000 30000 10 1 2048 50 100 "
    "200\n";
constexpr const char* kAfter =  // 2.0 s later
    "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    " 254       0 vda 1250 150 100000 5750 2500 400 440000 27500 0 11500 38400 14 2 4096 70 120 "
    "260\n";

TEST(Diskstats, ParsesTheTwentyFieldLayout) {
  auto r = parse_diskstats(kBefore);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  const DiskStats& d = (*r)[1];
  EXPECT_EQ(d.major, 254u);
  EXPECT_EQ(d.minor, 0u);
  EXPECT_EQ(d.name, "vda");
  EXPECT_EQ(d.fields, 20);
  EXPECT_EQ(d.rd_ios, 1000u);
  EXPECT_EQ(d.rd_merges, 100u);
  EXPECT_EQ(d.rd_sectors, 80000u);
  EXPECT_EQ(d.rd_ticks, 5000u);
  EXPECT_EQ(d.wr_ios, 2000u);
  EXPECT_EQ(d.wr_merges, 300u);
  EXPECT_EQ(d.wr_sectors, 400000u);
  EXPECT_EQ(d.wr_ticks, 20000u);
  EXPECT_EQ(d.ios_in_progress, 2u);
  EXPECT_EQ(d.io_ticks, 10000u);
  EXPECT_EQ(d.time_in_queue, 30000u);
  EXPECT_EQ(d.dc_ios, 10u);
  EXPECT_EQ(d.dc_merges, 1u);
  EXPECT_EQ(d.dc_sectors, 2048u);
  EXPECT_EQ(d.dc_ticks, 50u);
  EXPECT_EQ(d.fl_ios, 100u);
  EXPECT_EQ(d.fl_ticks, 200u);
  EXPECT_EQ(find_disk(*r, "vda"), &(*r)[1]);
  EXPECT_EQ(find_disk(*r, "sda"), nullptr);
}

TEST(Diskstats, ParsesTheFourteenFieldLayoutOfOldKernels) {
  auto r = parse_diskstats("   8       0 sda 10 1 80 7 20 2 160 9 0 12 16\n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const DiskStats& d = (*r)[0];
  EXPECT_EQ(d.fields, 14);
  EXPECT_EQ(d.wr_ticks, 9u);
  EXPECT_EQ(d.time_in_queue, 16u);
  EXPECT_EQ(d.dc_ios, 0u);
  EXPECT_EQ(d.fl_ios, 0u);
}

TEST(Diskstats, ParsesTheEighteenFieldLayoutOf418Kernels) {
  auto r = parse_diskstats("   8       1 sda1 10 1 80 7 20 2 160 9 0 12 16 3 0 24 5\n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const DiskStats& d = (*r)[0];
  EXPECT_EQ(d.fields, 18);
  EXPECT_EQ(d.name, "sda1");
  EXPECT_EQ(d.dc_ios, 3u);
  EXPECT_EQ(d.dc_sectors, 24u);
  EXPECT_EQ(d.dc_ticks, 5u);
  EXPECT_EQ(d.fl_ios, 0u);
}

TEST(Diskstats, RejectsOtherLayoutsAndNonNumbersNamingTheLine) {
  auto short_line = parse_diskstats(" 8 0 sda 1 2 3 4\n");
  ASSERT_FALSE(short_line.ok());
  EXPECT_EQ(short_line.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(short_line.status().message().find("line 1 has 7 fields"), std::string::npos);
  auto bad = parse_diskstats(std::string(kBefore) + " 8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos);
  EXPECT_FALSE(parse_diskstats(" 8 0 sda -1 2 3 4 5 6 7 8 9 10 11\n").ok());
}

TEST(Diskstats, EmptyLinesAreIgnored) {
  auto r = parse_diskstats("\n\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(IostatFigures, TwoSnapshotsGiveExactlyWhatIostatPrints) {
  const DiskStats prev = (*parse_diskstats(kBefore))[1];
  const DiskStats cur = (*parse_diskstats(kAfter))[1];
  const IoRates r = compute_io_rates(prev, cur, 2.0);
  // Deltas over 2 s: rd_ios 250, rd_merges 50, rd_sectors 20000, rd_ticks 750,
  // wr_ios 500, wr_merges 100, wr_sectors 40000, wr_ticks 7500, io_ticks 1500,
  // time_in_queue 8400, dc_ios 4, dc_merges 1, dc_sectors 2048, dc_ticks 20, fl_ios 20,
  // fl_ticks 60.
  EXPECT_DOUBLE_EQ(r.r_per_s, 125.0);         // 250 / 2
  EXPECT_DOUBLE_EQ(r.w_per_s, 250.0);         // 500 / 2
  EXPECT_DOUBLE_EQ(r.d_per_s, 2.0);           // 4 / 2
  EXPECT_DOUBLE_EQ(r.f_per_s, 10.0);          // 20 / 2
  EXPECT_DOUBLE_EQ(r.rkb_per_s, 5000.0);      // 20000 sectors / 2 / 2 s
  EXPECT_DOUBLE_EQ(r.wkb_per_s, 10000.0);     // 40000 / 2 / 2
  EXPECT_DOUBLE_EQ(r.dkb_per_s, 512.0);       // 2048 / 2 / 2
  EXPECT_DOUBLE_EQ(r.rrqm_per_s, 25.0);       // 50 / 2
  EXPECT_DOUBLE_EQ(r.wrqm_per_s, 50.0);       // 100 / 2
  EXPECT_DOUBLE_EQ(r.drqm_per_s, 0.5);        // 1 / 2
  EXPECT_DOUBLE_EQ(r.r_await, 3.0);           // 750 ms / 250
  EXPECT_DOUBLE_EQ(r.w_await, 15.0);          // 7500 / 500
  EXPECT_DOUBLE_EQ(r.d_await, 5.0);           // 20 / 4
  EXPECT_DOUBLE_EQ(r.f_await, 3.0);           // 60 / 20
  EXPECT_DOUBLE_EQ(r.await, 8270.0 / 754.0);  // (750+7500+20) / (250+500+4) = 10.97
  EXPECT_DOUBLE_EQ(r.rareq_sz, 40.0);         // 20000 / 2 / 250 kB
  EXPECT_DOUBLE_EQ(r.wareq_sz, 40.0);         // 40000 / 2 / 500
  EXPECT_DOUBLE_EQ(r.dareq_sz, 256.0);        // 2048 / 2 / 4
  EXPECT_DOUBLE_EQ(r.aqu_sz, 4.2);            // 8400 / 2000
  EXPECT_DOUBLE_EQ(r.util_percent, 75.0);     // 1500 / 2000 * 100
}

TEST(IostatFigures, IdleDeviceHasZeroAwaitNotNan) {
  const DiskStats d = (*parse_diskstats(kBefore))[1];
  const IoRates r = compute_io_rates(d, d, 1.0);
  EXPECT_EQ(r.r_await, 0);
  EXPECT_EQ(r.await, 0);
  EXPECT_EQ(r.util_percent, 0);
}

TEST(IostatFigures, ThirtyTwoBitTickCountersWrap) {
  DiskStats prev, cur;
  prev.rd_ios = 10;
  cur.rd_ios = 12;
  prev.rd_ticks = 4294967000u;  // 2^32 - 296
  cur.rd_ticks = 200;           // wrapped: 496 ms later
  const IoRates r = compute_io_rates(prev, cur, 1.0);
  EXPECT_DOUBLE_EQ(r.r_await, 248.0);
}

TEST(IostatFigures, ResetCounterCountsAsZero) {
  DiskStats prev, cur;
  prev.wr_ios = 5'000'000'000ull;  // beyond 32 bits: not a wrap, the device came back
  cur.wr_ios = 10;
  EXPECT_EQ(compute_io_rates(prev, cur, 1.0).w_per_s, 0);
}

// Writes and syncs small blocks in `dir` until stopped, so the disk has activity to measure.
class Writer {
 public:
  explicit Writer(const std::string& dir) : path_(dir + "/rk-iostat-activity") {
    thread_ = std::thread([this] {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd < 0) return;
      std::string block(64 * 1024, 'a');
      while (!stop_.load()) {
        if (::pwrite(fd, block.data(), block.size(), 0) < 0) break;
        ::fdatasync(fd);
        // A gentle load (~100 syncs/s): enough activity to compare, little strain on a shared disk.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ::close(fd);
    });
  }
  ~Writer() {
    stop_ = true;
    thread_.join();
    ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// One `iostat -x -d -o JSON 1 2` run bracketed by our own two reads of /proc/diskstats.
struct Comparison {
  std::map<std::string, nlohmann::json> iostat;  // device -> the interval report
  std::map<std::string, IoRates> ours;
};

std::optional<Comparison> compare_once() {
  auto before = read_diskstats();
  if (!before.ok()) return std::nullopt;
  const auto t0 = std::chrono::steady_clock::now();
  auto out = run_command("iostat -x -d -o JSON 1 2 2>/dev/null");
  const auto t1 = std::chrono::steady_clock::now();
  auto after = read_diskstats();
  if (!out || !after.ok()) return std::nullopt;
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  Comparison c;
  auto j = nlohmann::json::parse(*out, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  const auto& stats = j["sysstat"]["hosts"][0]["statistics"];
  if (!stats.is_array() || stats.size() < 2) return std::nullopt;
  for (const auto& d : stats[1]["disk"]) c.iostat[d["disk_device"].get<std::string>()] = d;
  for (const auto& d : *after) {
    if (const DiskStats* p = find_disk(*before, d.name)) {
      c.ours[d.name] = compute_io_rates(*p, d, seconds);
    }
  }
  return c;
}

bool close_enough(double ours, double theirs) {
  return std::fabs(ours - theirs) <= 3 + 0.15 * std::fabs(theirs);
}

TEST(IostatFigures, AgreeWithDebiansIostatOnThisMachine) {
  if (!run_command("command -v iostat >/dev/null")) {
    GTEST_SKIP() << "iostat (sysstat) is not installed; scripts/setup.sh installs it";
  }
  Writer writer(std::filesystem::current_path().string());
  // The two intervals differ by iostat's start-up and exit time, so a burst of I/O in those few
  // milliseconds can move the rates: allow a few attempts.
  std::string last_report;
  bool any_active = false;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto c = compare_once();
    ASSERT_TRUE(c.has_value()) << "could not run iostat -x -o JSON or read /proc/diskstats";
    bool all_agree = true;
    bool active = false;
    last_report.clear();
    for (const auto& [name, report] : c->iostat) {
      const double r = report["r/s"].get<double>(), w = report["w/s"].get<double>();
      if (r + w == 0) continue;
      active = true;
      auto it = c->ours.find(name);
      if (it == c->ours.end()) {
        all_agree = false;
        last_report += name + " missing from /proc/diskstats; ";
        continue;
      }
      last_report += name + ": r/s " + std::to_string(it->second.r_per_s) + " vs " +
                     std::to_string(r) + ", w/s " + std::to_string(it->second.w_per_s) + " vs " +
                     std::to_string(w) + "; ";
      if (!close_enough(it->second.r_per_s, r) || !close_enough(it->second.w_per_s, w)) {
        all_agree = false;
      }
    }
    any_active = any_active || active;
    if (active && all_agree) return;
  }
  if (!any_active) GTEST_SKIP() << "no block device had activity during the interval";
  ADD_FAILURE() << "our figures and iostat's disagree: " << last_report;
}

}  // namespace
}  // namespace rk::monitor
