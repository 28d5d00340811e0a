// Shared bits of the benchmarks: a scratch directory, wall time, peak RSS (resettable per phase), a
// deterministic value.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

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
