// POSIX helpers for writing files safely (write fully, temp names, durable renames).
#include "file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace rk::backup {

Status errno_status(const std::string& what) {
  int e = errno;
  std::string m = what + ": " + std::strerror(e);
  return e == ENOENT ? Status::NotFound(m) : Status::IOError(m);
}

Status write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t w = ::write(fd, bytes.data(), bytes.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_status("write failed");
    }
    bytes.remove_prefix(static_cast<size_t>(w));
  }
  return Status::OK();
}

std::string temp_path_beside(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".rk-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

Status make_dirs(const std::string& path) {
  if (path.empty()) return Status::OK();
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    std::string part = path.substr(0, pos);
    if (!part.empty() && ::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      return errno_status("cannot create directory " + part);
    }
    if (pos == std::string::npos) break;
  }
  return Status::OK();
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open directory " + dir);
  int r = ::fsync(fd);
  Status s = r == 0 ? Status::OK() : errno_status("fsync " + dir);
  ::close(fd);
  return s;
}

}  // namespace rk::backup
