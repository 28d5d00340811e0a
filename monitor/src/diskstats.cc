// /proc/diskstats parsing (14/18/20-field layouts) and iostat's per-device figures.
#include "ringkeeper/monitor/diskstats.h"

#include <fmt/format.h>

#include <charconv>

#include "proc_text.h"

namespace rk::monitor {

namespace {

template <class T>
bool to_number(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// cur - prev for a kernel counter (see compute_io_rates in the header).
double delta(uint64_t prev, uint64_t cur) {
  if (cur >= prev) return static_cast<double>(cur - prev);
  if (prev <= 0xffffffffull) return static_cast<double>((cur - prev) & 0xffffffffull);
  return 0;
}

double per(double numerator, double denominator) {
  return denominator != 0 ? numerator / denominator : 0.0;
}

}  // namespace

Result<std::vector<DiskStats>> parse_diskstats(std::string_view text) {
  std::vector<DiskStats> out;
  Status st = for_each_line(text, [&](size_t line_no, std::string_view line) -> Status {
    const auto f = split_fields(line);
    if (f.empty()) return Status::OK();
    if (f.size() != 14 && f.size() != 18 && f.size() != 20) {
      return Status::Corruption(
          fmt::format("diskstats line {} has {} fields (expected 14, 18 or 20): '{}'", line_no,
                      f.size(), line));
    }
    DiskStats d;
    d.fields = static_cast<int>(f.size());
    d.name = std::string(f[2]);
    uint64_t v[17] = {};
    bool ok = to_number(f[0], &d.major) && to_number(f[1], &d.minor);
    for (size_t i = 3; ok && i < f.size(); ++i) ok = to_number(f[i], &v[i - 3]);
    if (!ok) {
      return Status::Corruption(
          fmt::format("diskstats line {} has a field that is not a number: '{}'", line_no, line));
    }
    d.rd_ios = v[0];
    d.rd_merges = v[1];
    d.rd_sectors = v[2];
    d.rd_ticks = v[3];
    d.wr_ios = v[4];
    d.wr_merges = v[5];
    d.wr_sectors = v[6];
    d.wr_ticks = v[7];
    d.ios_in_progress = v[8];
    d.io_ticks = v[9];
    d.time_in_queue = v[10];
    d.dc_ios = v[11];
    d.dc_merges = v[12];
    d.dc_sectors = v[13];
    d.dc_ticks = v[14];
    d.fl_ios = v[15];
    d.fl_ticks = v[16];
    out.push_back(std::move(d));
    return Status::OK();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<DiskStats>> read_diskstats(const std::string& path) {
  RK_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  auto r = parse_diskstats(text);
  if (!r.ok()) return r.status().with_context(path);
  return r;
}

const DiskStats* find_disk(const std::vector<DiskStats>& snapshot, std::string_view name) {
  for (const auto& d : snapshot) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

IoRates compute_io_rates(const DiskStats& prev, const DiskStats& cur, double interval_seconds) {
  const double t = interval_seconds;
  const double rd = delta(prev.rd_ios, cur.rd_ios);
  const double wr = delta(prev.wr_ios, cur.wr_ios);
  const double dc = delta(prev.dc_ios, cur.dc_ios);
  const double fl = delta(prev.fl_ios, cur.fl_ios);
  const double rd_ticks = delta(prev.rd_ticks, cur.rd_ticks);
  const double wr_ticks = delta(prev.wr_ticks, cur.wr_ticks);
  const double dc_ticks = delta(prev.dc_ticks, cur.dc_ticks);
  const double rd_sect = delta(prev.rd_sectors, cur.rd_sectors);
  const double wr_sect = delta(prev.wr_sectors, cur.wr_sectors);
  const double dc_sect = delta(prev.dc_sectors, cur.dc_sectors);
  IoRates r;
  r.r_per_s = per(rd, t);
  r.w_per_s = per(wr, t);
  r.d_per_s = per(dc, t);
  r.f_per_s = per(fl, t);
  r.rkb_per_s = per(rd_sect / 2, t);
  r.wkb_per_s = per(wr_sect / 2, t);
  r.dkb_per_s = per(dc_sect / 2, t);
  r.rrqm_per_s = per(delta(prev.rd_merges, cur.rd_merges), t);
  r.wrqm_per_s = per(delta(prev.wr_merges, cur.wr_merges), t);
  r.drqm_per_s = per(delta(prev.dc_merges, cur.dc_merges), t);
  r.r_await = per(rd_ticks, rd);
  r.w_await = per(wr_ticks, wr);
  r.d_await = per(dc_ticks, dc);
  r.f_await = per(delta(prev.fl_ticks, cur.fl_ticks), fl);
  r.await = per(rd_ticks + wr_ticks + dc_ticks, rd + wr + dc);
  r.rareq_sz = per(rd_sect / 2, rd);
  r.wareq_sz = per(wr_sect / 2, wr);
  r.dareq_sz = per(dc_sect / 2, dc);
  r.aqu_sz = per(delta(prev.time_in_queue, cur.time_in_queue), t * 1000);
  r.util_percent = per(delta(prev.io_ticks, cur.io_ticks), t * 1000) * 100;
  return r;
}

}  // namespace rk::monitor
