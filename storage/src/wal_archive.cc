// The FileSystem wrapper that archives deleted WAL files (wal_archive.h).
#include "wal_archive.h"

#include <filesystem>
#include <system_error>

#include <rocksdb/file_system.h>

namespace rk::storage {
namespace fs = std::filesystem;
namespace {

class WalArchivingFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  WalArchivingFileSystem(std::string db_dir, std::string archive_dir)
      : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()),
        db_dir_(fs::absolute(fs::path(std::move(db_dir))).lexically_normal()),
        archive_dir_(std::move(archive_dir)) {}

  static const char* kClassName() { return "RingkeeperWalArchivingFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    const fs::path path = fs::absolute(fs::path(name)).lexically_normal();
    if (path.parent_path() == db_dir_ && wal_file_number(path.filename().string()) >= 0) {
      auto s = archive(path);
      if (!s.ok()) return s;
    }
    return target()->DeleteFile(name, options, dbg);
  }

 private:
  rocksdb::IOStatus archive(const fs::path& wal) const {
    std::error_code ec;
    const fs::path target = archive_dir_ / wal.filename();
    if (fs::exists(target, ec)) {
      // Linked already (a delete that failed after the link, or retried after a crash).
      if (fs::equivalent(wal, target, ec)) return rocksdb::IOStatus::OK();
      // A file of an earlier incarnation of the database (a node restored in place restarts
      // the file numbers of its snapshot): the current database's file takes the name.
      const fs::path tmp = archive_dir_ / (wal.filename().string() + ".tmp");
      fs::remove(tmp, ec);
      fs::create_hard_link(wal, tmp, ec);
      if (!ec) fs::rename(tmp, target, ec);
    } else {
      fs::create_hard_link(wal, target, ec);
    }
    if (ec)
      return rocksdb::IOStatus::IOError("archiving " + wal.string() + " to " + target.string() +
                                        ": " + ec.message());
    return rocksdb::IOStatus::OK();
  }

  fs::path db_dir_;
  fs::path archive_dir_;
};

}  // namespace

int64_t wal_file_number(std::string_view name) {
  constexpr std::string_view kSuffix = ".log";
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix) || name.size() > 24) return -1;
  int64_t n = 0;
  for (char c : name.substr(0, name.size() - kSuffix.size())) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

Result<std::unique_ptr<rocksdb::Env>> make_wal_archiving_env(std::string db_dir,
                                                             std::string archive_dir) {
  std::error_code ec;
  fs::create_directories(archive_dir, ec);
  if (ec) return Status::IOError("creating " + archive_dir + ": " + ec.message());
  auto file_system =
      std::make_shared<WalArchivingFileSystem>(std::move(db_dir), std::move(archive_dir));
  return rocksdb::NewCompositeEnv(file_system);
}

}  // namespace rk::storage
