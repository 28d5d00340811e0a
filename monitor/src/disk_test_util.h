// Test helpers for the disk tests: temporary directories, a scratch tmpfs (when mounting is
// permitted), files of a given size, and running df/du to compare with.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace rk::monitor {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rk-monitor-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A tmpfs of `bytes` mounted on a fresh directory, unmounted again on destruction.
class ScratchTmpfs {
 public:
  explicit ScratchTmpfs(size_t bytes) {
    const std::string opts = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, opts.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~ScratchTmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

inline void write_file(const std::string& path, size_t bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  std::string chunk(64 * 1024, 'x');
  while (bytes > 0) {
    const size_t n = bytes < chunk.size() ? bytes : chunk.size();
    f.write(chunk.data(), static_cast<std::streamsize>(n));
    bytes -= n;
  }
}

// stdout of a shell command, or nullopt when it fails.
inline std::optional<std::string> run_command(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (::pclose(p) != 0) return std::nullopt;
  return out;
}

struct DfLine {
  unsigned long long size, used, avail;
  int use_percent;
};

// `df -B1 --output=size,used,avail,pcent PATH` (GNU coreutils).
inline std::optional<DfLine> run_df(const std::string& path) {
  auto out = run_command("df -B1 --output=size,used,avail,pcent '" + path + "' | tail -n 1");
  if (!out) return std::nullopt;
  std::istringstream in(*out);
  DfLine d{};
  std::string pct;
  if (!(in >> d.size >> d.used >> d.avail >> pct) || pct.empty() || pct.back() != '%') {
    return std::nullopt;
  }
  d.use_percent = std::stoi(pct.substr(0, pct.size() - 1));
  return d;
}

}  // namespace rk::monitor
