// The event listener that hard-links new SSTs under backups/.
#include "incremental_backup.h"

#include <filesystem>
#include <system_error>

namespace rk::storage {
namespace {

class IncrementalBackupListener final : public rocksdb::EventListener {
 public:
  explicit IncrementalBackupListener(std::string dir) : dir_(std::move(dir)) {}

  void OnFlushCompleted(rocksdb::DB* /*db*/, const rocksdb::FlushJobInfo& info) override {
    link(info.file_path);
  }

  void OnCompactionCompleted(rocksdb::DB* /*db*/, const rocksdb::CompactionJobInfo& info) override {
    if (!info.status.ok()) return;
    for (const auto& path : info.output_files) link(path);
  }

  void OnTableFileCreated(const rocksdb::TableFileCreationInfo& info) override {
    if (info.reason == rocksdb::TableFileCreationReason::kRecovery && info.status.ok() &&
        info.file_size > 0)
      link(info.file_path);
  }

 private:
  void link(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    fs::path target = fs::path(dir_) / fs::path(path).filename();
    if (fs::exists(target, ec)) return;
    // A failure here must not fail the flush; the file stays in the next snapshot anyway.
    fs::create_hard_link(path, target, ec);
  }

  std::string dir_;
};

}  // namespace

std::shared_ptr<rocksdb::EventListener> make_incremental_backup_listener(std::string backups_dir) {
  return std::make_shared<IncrementalBackupListener>(std::move(backups_dir));
}

}  // namespace rk::storage
