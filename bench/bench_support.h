// Shared bits of the benchmarks: a scratch directory, wall time, peak RSS (resettable per phase) of
// this process or of another one (an rk-agent started by the bench), another process's CPU time,
// percentiles, a deterministic value.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace rk::bench {

class ScratchDir {
 public:
  explicit ScratchDir(const char* name) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(name) + "-XXXXXX")).string();
    path_ = mkdtemp(tmpl.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Peak resident set size of this process (VmHWM) since start or the last reset_peak_rss(), in MiB.
inline double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so the next reading covers one phase only.
inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// A field of /proc/<pid>/status in MiB ("VmRSS", "VmHWM"); -1 when unreadable.
inline double process_status_mib(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':')
      return std::strtod(line.c_str() + n + 1, nullptr) / 1024.0;
  }
  return -1;
}

// Resets the VmHWM of `pid` to its current RSS (Linux >= 4.0; needs ptrace rights: root here).
inline void reset_process_peak_rss(pid_t pid) {
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";
}

// User plus system CPU time of process `pid` so far, in seconds (/proc/<pid>/stat utime + stime,
// in clock ticks); -1 when unreadable.
inline double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The value at fraction `p` (0..1) of `v` sorted; 0 for an empty `v`.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Samples VmRSS of a process every 10 ms while alive; peak() is the highest seen.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid) : pid_(pid), thread_([this] { run(); }) {}
  ~RssSampler() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double peak() const { return peak_.load(); }

 private:
  void run() {
    while (!stop_) {
      const double rss = process_status_mib(pid_, "VmRSS");
      if (rss > peak_) peak_ = rss;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<double> peak_{0};
  std::thread thread_;
};

// The machine's 1- and 5-minute load average (other work competing for the CPUs skews every
// figure).
inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one + " " + five;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A 100-byte value that differs per cell (so compression cannot shrink the data to nothing).
inline std::string value_for(uint64_t i, size_t size = 100) {
  std::string v(size, 'x');
  uint64_t x = i * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t j = 0; j < size; ++j) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[j] = static_cast<char>('a' + x % 26);
  }
  return v;
}

}  // namespace rk::bench
