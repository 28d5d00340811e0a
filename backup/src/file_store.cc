// The file:// store: objects are plain files under a root directory, so a backup can be read
// with cp and diff. Bookkeeping lives beside them under names keys may not use:
//   <root>/<key>                    the object's bytes
//   <root>/.rk-meta/<key>.json      its sidecar: {"size", "sha256", "metadata"}
//   <root>/.rk-tmp/                 uploads in progress (renamed into place when complete)
// A put writes and fsyncs the bytes and the sidecar to temporary files, renames the sidecar into
// place, then the bytes: a reader sees the whole old object or the whole new one. A crash between
// the two renames leaves a sidecar that disagrees with the old bytes, which get() reports as
// Corruption rather than returning wrong data. Sidecars rather than xattrs: they survive cp, tar
// and file systems without user xattrs.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "file_util.h"
#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/core/sha256.h"

namespace rk::backup {
namespace {

constexpr size_t kChunk = size_t{1} << 20;

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

Result<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open " + path);
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      Status s = errno_status("read " + path);
      ::close(fd);
      return s;
    }
    if (r == 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  return out;
}

class FileStore final : public ObjectStore {
 public:
  FileStore(std::string root, FileStoreOptions options)
      : root_(std::move(root)), options_(options) {}

  std::string url() const override { return "file://" + root_; }

  Result<ObjectInfo> put(std::string_view key, const ObjectSource& source,
                         const PutOptions& options) override {
    RK_RETURN_IF_ERROR(validate_object_key(key));
    const std::string tmp_dir = root_ + "/.rk-tmp";
    const std::string data_tmp = temp_path_beside(tmp_dir + "/data");
    const std::string meta_tmp = temp_path_beside(tmp_dir + "/meta");
    auto cleanup = [&](Status s) {
      ::unlink(data_tmp.c_str());
      ::unlink(meta_tmp.c_str());
      return s.with_context("put " + std::string(key));
    };

    ObjectInfo info;
    info.key = std::string(key);
    info.metadata = options.metadata;
    Status s = copy_in(source, data_tmp, &info);
    if (!s.ok()) return cleanup(s);
    if (!options.sha256.empty() && options.sha256 != info.sha256) {
      return cleanup(Status::Corruption("source's SHA-256 is " + info.sha256 + ", expected " +
                                        options.sha256));
    }
    info.metadata[std::string(kMetaSha256)] = info.sha256;
    nlohmann::json sidecar = {
        {"size", info.size}, {"sha256", info.sha256}, {"metadata", info.metadata}};
    s = write_file(meta_tmp, sidecar.dump());
    if (!s.ok()) return cleanup(s);

    const std::string data_path = root_ + "/" + info.key;
    const std::string meta_path = meta_path_of(info.key);
    if (!(s = make_dirs(parent_of(meta_path))).ok()) return cleanup(s);
    if (!(s = make_dirs(parent_of(data_path))).ok()) return cleanup(s);
    if (::rename(meta_tmp.c_str(), meta_path.c_str()) != 0) {
      return cleanup(errno_status("rename into " + meta_path));
    }
    if (::rename(data_tmp.c_str(), data_path.c_str()) != 0) {
      return cleanup(errno_status("rename into " + data_path));
    }
    if (options_.fsync) {
      RK_RETURN_IF_ERROR(fsync_dir(parent_of(meta_path)));
      RK_RETURN_IF_ERROR(fsync_dir(parent_of(data_path)));
    }
    struct stat st {};
    if (::stat(data_path.c_str(), &st) == 0) info.modified_us = mtime_us(st);
    return info;
  }

  Result<ObjectInfo> get(std::string_view key, ObjectSink& sink) override {
    RK_ASSIGN_OR_RETURN(ObjectInfo info, head(key));
    const std::string path = root_ + "/" + info.key;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_status("get " + info.key);
    Sha256 sha;
    std::vector<char> buf(kChunk);
    int64_t total = 0;
    Status s;
    while (true) {
      ssize_t r = ::read(fd, buf.data(), buf.size());
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        s = errno_status("get " + info.key);
        break;
      }
      if (r == 0) break;
      std::string_view piece(buf.data(), static_cast<size_t>(r));
      sha.update(piece);
      total += r;
      s = sink.write(piece);
      if (!s.ok()) break;
    }
    ::close(fd);
    RK_RETURN_IF_ERROR(s);
    if (!info.sha256.empty()) {
      std::string got = sha.finish_hex();
      if (got != info.sha256 || total != info.size) {
        return Status::Corruption("object '" + info.key + "' is damaged: read " +
                                  std::to_string(total) + " bytes with SHA-256 " + got +
                                  ", recorded " + std::to_string(info.size) + " bytes with " +
                                  info.sha256);
      }
    }
    info.size = total;
    return info;
  }

  Result<ObjectInfo> head(std::string_view key) override {
    RK_RETURN_IF_ERROR(validate_object_key(key));
    ObjectInfo info;
    info.key = std::string(key);
    const std::string path = root_ + "/" + info.key;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::NotFound("no object '" + info.key + "' in " + url());
    }
    info.size = st.st_size;
    info.modified_us = mtime_us(st);
    auto text = read_small_file(meta_path_of(info.key));
    if (text.ok()) {
      auto j = nlohmann::json::parse(*text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        return Status::Corruption("sidecar of '" + info.key + "' is not valid JSON");
      }
      info.sha256 = j.value("sha256", "");
      if (j.contains("metadata") && j["metadata"].is_object()) {
        for (auto& [k, v] : j["metadata"].items()) {
          if (v.is_string()) info.metadata[k] = v.get<std::string>();
        }
      }
      int64_t recorded = j.value("size", int64_t{-1});
      if (recorded != info.size) {
        return Status::Corruption("object '" + info.key + "' has " + std::to_string(info.size) +
                                  " bytes, its sidecar records " + std::to_string(recorded));
      }
    } else if (text.status().code() != ErrorCode::kNotFound) {
      return text.status();
    }
    return info;
  }

  Status list(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    RK_RETURN_IF_ERROR(validate_key_prefix(prefix));
    // Start at the deepest directory the prefix names.
    std::string dir_key;
    size_t slash = prefix.rfind('/');
    if (slash != std::string_view::npos) dir_key = std::string(prefix.substr(0, slash));
    return walk(dir_key, prefix, fn);
  }

  Status remove(std::string_view key) override {
    RK_RETURN_IF_ERROR(validate_object_key(key));
    const std::string k(key);
    const std::string data_path = root_ + "/" + k;
    if (::unlink(data_path.c_str()) != 0 && errno != ENOENT) {
      return errno_status("delete " + k);
    }
    const std::string meta_path = meta_path_of(k);
    if (::unlink(meta_path.c_str()) != 0 && errno != ENOENT) {
      return errno_status("delete sidecar of " + k);
    }
    prune_empty_dirs(parent_of(data_path), root_);
    prune_empty_dirs(parent_of(meta_path), root_ + "/.rk-meta");
    return Status::OK();
  }

 private:
  static int64_t mtime_us(const struct stat& st) {
    return int64_t{st.st_mtim.tv_sec} * 1'000'000 + st.st_mtim.tv_nsec / 1000;
  }

  std::string meta_path_of(const std::string& key) const {
    return root_ + "/.rk-meta/" + key + ".json";
  }

  Status write_file(const std::string& path, std::string_view bytes) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status("cannot create " + path);
    Status s = write_all(fd, bytes);
    if (s.ok() && options_.fsync && ::fsync(fd) != 0) s = errno_status("fsync " + path);
    if (::close(fd) != 0 && s.ok()) s = errno_status("close " + path);
    return s;
  }

  // Copies the source into `path`, filling info->size and info->sha256.
  Status copy_in(const ObjectSource& source, const std::string& path, ObjectInfo* info) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status("cannot create " + path);
    Sha256 sha;
    std::vector<char> buf(kChunk);
    int64_t offset = 0;
    Status s;
    while (offset < source.size()) {
      auto got = source.read_at(offset, buf.data(), buf.size());
      if (!got.ok()) {
        s = got.status();
        break;
      }
      if (*got == 0) {
        s = Status::IOError("source ended after " + std::to_string(offset) + " of " +
                            std::to_string(source.size()) + " bytes");
        break;
      }
      std::string_view piece(buf.data(), *got);
      sha.update(piece);
      if (!(s = write_all(fd, piece)).ok()) break;
      offset += static_cast<int64_t>(*got);
    }
    if (s.ok() && options_.fsync && ::fsync(fd) != 0) s = errno_status("fsync " + path);
    if (::close(fd) != 0 && s.ok()) s = errno_status("close " + path);
    info->size = offset;
    info->sha256 = sha.finish_hex();
    return s;
  }

  // Visits the objects under `dir_key` in ascending key order without holding more than one
  // directory's entries: a directory sorts as its name plus '/', which is where its keys fall
  // among its siblings ("a-c" < "a/b" < "a0").
  Status walk(const std::string& dir_key, std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) {
    const std::string dir = dir_key.empty() ? root_ : root_ + "/" + dir_key;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
      return errno_status("list " + dir);
    }
    struct Entry {
      std::string order;  // key, or key + "/" for a directory
      bool is_dir;
      ObjectInfo info;
    };
    std::vector<Entry> entries;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (dir_key.empty() && name.starts_with(".rk-")) continue;  // bookkeeping
      std::string key = dir_key.empty() ? name : dir_key + "/" + name;
      struct stat st {};
      if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;  // deleted meanwhile
      if (S_ISDIR(st.st_mode)) {
        // Descend only where keys below could still match the prefix.
        std::string as_dir = key + "/";
        if (as_dir.starts_with(prefix) || prefix.starts_with(as_dir)) {
          entries.push_back({as_dir, true, {}});
        }
      } else if (S_ISREG(st.st_mode) && key.starts_with(prefix)) {
        ObjectInfo info;
        info.key = key;
        info.size = st.st_size;
        info.modified_us = mtime_us(st);
        entries.push_back({key, false, std::move(info)});
      }
    }
    ::closedir(d);
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.order < b.order; });
    for (const Entry& e : entries) {
      if (e.is_dir) {
        RK_RETURN_IF_ERROR(walk(e.order.substr(0, e.order.size() - 1), prefix, fn));
      } else {
        RK_RETURN_IF_ERROR(fn(e.info));
      }
    }
    return Status::OK();
  }

  // Removes now-empty directories from `dir` up to (not including) `stop`.
  static void prune_empty_dirs(std::string dir, const std::string& stop) {
    while (dir.size() > stop.size() && dir.starts_with(stop) && ::rmdir(dir.c_str()) == 0) {
      dir = parent_of(dir);
    }
  }

  std::string root_;
  FileStoreOptions options_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> open_file_store(const std::string& root,
                                                     const FileStoreOptions& options) {
  if (root.empty() || root.front() != '/') {
    return Status::InvalidArgument("file store root must be an absolute path, got '" + root + "'");
  }
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  RK_RETURN_IF_ERROR(make_dirs(r + "/.rk-tmp"));
  RK_RETURN_IF_ERROR(make_dirs(r + "/.rk-meta"));
  return std::unique_ptr<ObjectStore>(new FileStore(r, options));
}

}  // namespace rk::backup
