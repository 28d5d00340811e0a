// What every store shares: key rules, the file and memory sources, and the file conveniences.
#include "ringkeeper/backup/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "file_util.h"

namespace rk::backup {
namespace {

// Checks the '/'-separated segments of a key or prefix. `last_may_be_partial`: a prefix may end
// in a partial (even empty) segment.
Status check_segments(std::string_view s, std::string_view what, bool last_may_be_partial) {
  if (s.size() > 1024) return Status::InvalidArgument(std::string(what) + " is over 1024 bytes");
  if (!s.empty() && s.front() == '/') {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(s) +
                                   "' starts with '/' (keys are relative)");
  }
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') {
      return Status::InvalidArgument(std::string(what) +
                                     " contains a control character or a backslash");
    }
  }
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    bool last = end == std::string_view::npos;
    if (last) end = s.size();
    std::string_view seg = s.substr(start, end - start);
    if (seg == "..") {
      return Status::InvalidArgument(std::string(what) + " '" + std::string(s) +
                                     "' has a '..' segment (it would leave the store)");
    }
    if (!(last && last_may_be_partial)) {
      if (seg.empty()) {
        return Status::InvalidArgument(std::string(what) + " '" + std::string(s) +
                                       "' has an empty segment");
      }
      if (seg == ".") {
        return Status::InvalidArgument(std::string(what) + " '" + std::string(s) +
                                       "' has a '.' segment");
      }
    }
    if (last) break;
    start = end + 1;
  }
  if (s.starts_with(".rk-")) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(s) +
                                   "' starts with '.rk-' (reserved)");
  }
  return Status::OK();
}

class FileSource final : public ObjectSource {
 public:
  FileSource(int fd, int64_t size) : fd_(fd), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  int64_t size() const override { return size_; }
  Result<size_t> read_at(int64_t offset, char* buf, size_t n) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, offset + static_cast<int64_t>(done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::IOError(std::string("read failed: ") + std::strerror(errno));
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

 private:
  int fd_;
  int64_t size_;
};

class MemorySource final : public ObjectSource {
 public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }
  Result<size_t> read_at(int64_t offset, char* buf, size_t n) const override {
    if (offset >= size()) return size_t{0};
    size_t k = std::min(n, bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(buf, bytes_.data() + offset, k);
    return k;
  }

 private:
  std::string bytes_;
};

class FileSink final : public ObjectSink {
 public:
  explicit FileSink(int fd) : fd_(fd) {}
  Status write(std::string_view bytes) override { return write_all(fd_, bytes); }

 private:
  int fd_;
};

}  // namespace

Status validate_object_key(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("object key is empty");
  return check_segments(key, "object key", false);
}

Status validate_key_prefix(std::string_view prefix) {
  return check_segments(prefix, "key prefix", true);
}

Result<std::unique_ptr<ObjectSource>> open_file_source(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is not a regular file");
  }
  return std::unique_ptr<ObjectSource>(new FileSource(fd, st.st_size));
}

std::unique_ptr<ObjectSource> memory_source(std::string bytes) {
  return std::make_unique<MemorySource>(std::move(bytes));
}

Result<ObjectInfo> ObjectStore::put_file(std::string_view key, const std::string& path,
                                         const PutOptions& options) {
  RK_ASSIGN_OR_RETURN(auto source, open_file_source(path));
  return put(key, *source, options);
}

Result<ObjectInfo> ObjectStore::get_file(std::string_view key, const std::string& path) {
  std::string tmp = temp_path_beside(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot create " + tmp);
  FileSink sink(fd);
  Result<ObjectInfo> info = get(key, sink);
  Status s = info.status();
  if (s.ok() && ::fsync(fd) != 0) s = errno_status("fsync " + tmp);
  if (::close(fd) != 0 && s.ok()) s = errno_status("close " + tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = errno_status("rename " + tmp + " to " + path);
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return info;
}

}  // namespace rk::backup
