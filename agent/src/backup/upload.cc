// Snapshot and file uploads (see upload.h).
#include "backup/upload.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "ringkeeper/core/sha256.h"

namespace rk::agent {
namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A source that takes its bytes from the pacer's budget as they are read.
class PacedSource final : public backup::ObjectSource {
 public:
  PacedSource(std::unique_ptr<backup::ObjectSource> inner, Pacer* pacer)
      : inner_(std::move(inner)), pacer_(pacer) {}
  int64_t size() const override { return inner_->size(); }
  Result<size_t> read_at(int64_t offset, char* buf, size_t n) const override {
    RK_ASSIGN_OR_RETURN(size_t got, inner_->read_at(offset, buf, n));
    if (pacer_ != nullptr) pacer_->take(got);
    return got;
  }

 private:
  std::unique_ptr<backup::ObjectSource> inner_;
  Pacer* pacer_;
};

}  // namespace

TransferLimits transfer_limits(const BackupSettings& settings) {
  TransferLimits out;
  out.store = settings.store;
  int64_t limit = settings.bandwidth_limit;
  if (limit == 0 && settings.store.s3.bandwidth_limit > 0) {
    limit = settings.store.s3.bandwidth_limit;
    spdlog::warn(
        "backup.store.s3.bandwidth_limit is deprecated in rk-agent: it is taken as "
        "backup.bandwidth_limit ({} bytes/s for all uploads and downloads of this agent); set "
        "that instead",
        limit);
  }
  const bool s3 = std::string_view(settings.store.url).starts_with("s3://");
  out.store.s3.bandwidth_limit = s3 ? limit : 0;
  out.pacer_rate = s3 ? 0 : limit;
  return out;
}

void Pacer::take(size_t bytes) {
  if (rate_ <= 0 || bytes == 0) return;
  double wait = 0;
  {
    std::lock_guard lock(mu_);
    const double now = steady_seconds();
    // An idle pacer lends at most a quarter second of burst.
    if (next_free_s_ < now - 0.25) next_free_s_ = now - 0.25;
    next_free_s_ += static_cast<double>(bytes) / static_cast<double>(rate_);
    wait = next_free_s_ - now;
  }
  if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
}

Result<std::unique_ptr<UploadJournal>> UploadJournal::open(const std::string& path) {
  std::set<std::string> done;
  {
    std::ifstream in(path);
    std::string line;
    // getline leaves a torn last line without its '\n': eof() tells it apart.
    while (std::getline(in, line)) {
      if (in.eof()) break;
      const auto space = line.find(' ');
      if (space == 64) done.insert(line);
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  // Cut a torn last line away so the next record starts on a line of its own.
  std::string rewrite;
  for (const auto& d : done) rewrite += d + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::write(fd, rewrite.data(), rewrite.size()) != static_cast<ssize_t>(rewrite.size()) ||
      ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::IOError("cannot rewrite " + path + ": " + std::strerror(err));
  }
  auto j = std::unique_ptr<UploadJournal>(new UploadJournal(path, fd));
  j->done_ = std::move(done);
  return j;
}

UploadJournal::~UploadJournal() { ::close(fd_); }

bool UploadJournal::contains(const std::string& sha256, const std::string& path) const {
  return done_.contains(sha256 + " " + path);
}

Status UploadJournal::record(const std::string& sha256, const std::string& path) {
  const std::string line = sha256 + " " + path + "\n";
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fdatasync(fd_) != 0)
    return Status::IOError("cannot append to " + path_ + ": " + std::strerror(errno));
  done_.insert(line.substr(0, line.size() - 1));
  return Status::OK();
}

Result<bool> upload_file(backup::ObjectStore& store, const std::string& local_path, uint64_t size,
                         const std::string& sha256, Pacer* pacer) {
  const std::string key = backup::data_key(sha256);
  auto head = store.head(key);
  if (head.ok() && head->size == static_cast<int64_t>(size) &&
      (head->sha256.empty() || head->sha256 == sha256))
    return false;  // the same content is in the store already
  if (!head.ok() && head.status().code() != ErrorCode::kNotFound) return head.status();
  RK_ASSIGN_OR_RETURN(auto source, backup::open_file_source(local_path));
  if (source->size() != static_cast<int64_t>(size))
    return Status::FailedPrecondition(local_path + " changed size since it was listed");
  PacedSource paced(std::move(source), pacer);
  backup::PutOptions options;
  options.sha256 = sha256;
  RK_RETURN_IF_ERROR(store.put(key, paced, options).status().with_context("uploading " + key));
  return true;
}

Result<FileSetUpload> upload_file_set(backup::ObjectStore& store,
                                      const std::vector<std::string>& local_paths,
                                      const std::string& path_prefix, backup::NodeManifest manifest,
                                      const std::string& key, Pacer* pacer) {
  FileSetUpload out;
  manifest.files.clear();
  for (const auto& path : local_paths) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) continue;  // compacted away and unlinked meanwhile
    RK_ASSIGN_OR_RETURN(std::string sha, sha256_file_hex(path));
    RK_ASSIGN_OR_RETURN(bool sent, upload_file(store, path, size, sha, pacer));
    const std::string name = std::filesystem::path(path).filename().string();
    manifest.files.push_back({path_prefix + "/" + name, size, sha});
    if (sent) {
      out.files_sent++;
      out.bytes_sent += size;
    } else {
      out.files_skipped++;
    }
  }
  auto source = backup::memory_source(backup::manifest_to_text(manifest));
  RK_RETURN_IF_ERROR(store.put(key, *source).status().with_context("writing " + key));
  out.manifest = std::move(manifest);
  return out;
}

Status for_each_parallel(size_t n, int threads, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      Status s = fn(i);
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (first.ok()) first = std::move(s);
        failed = true;
      }
    }
  };
  std::vector<std::thread> helpers;
  const size_t extra = std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))) - (n > 0);
  for (size_t t = 0; t < extra; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  return first;
}

Result<backup::NodeManifest> upload_snapshot(backup::ObjectStore& store,
                                             const storage::SnapshotInfo& snapshot,
                                             backup::NodeManifest manifest, UploadJournal& journal,
                                             const TransferControl& control) {
  manifest.files.clear();
  backup::TransferProgress progress;
  progress.started_at_us = control.clock->now_micros();
  for (const auto& f : snapshot.files) {
    RK_RETURN_IF_ERROR(backup::validate_relative_path(f.path));
    progress.files_total++;
    progress.bytes_total += f.size;
    manifest.files.push_back({f.path, f.size, f.sha256});
  }
  std::mutex mu;  // progress, journal and on_progress
  RK_RETURN_IF_ERROR(
      for_each_parallel(manifest.files.size(), control.parallel_files, [&](size_t i) -> Status {
        const auto& f = manifest.files[i];
        if (control.cancel != nullptr && control.cancel->load())
          return Status::Cancelled("upload of " + manifest.tag + " aborted");
        bool skipped = false;
        {
          std::lock_guard lock(mu);
          skipped = journal.contains(f.sha256, f.path);
        }
        bool sent = false;
        if (!skipped) {
          RK_ASSIGN_OR_RETURN(sent, upload_file(store, snapshot.directory + "/" + f.path, f.size,
                                                f.sha256, control.pacer));
        }
        std::lock_guard lock(mu);
        if (!skipped) RK_RETURN_IF_ERROR(journal.record(f.sha256, f.path));
        if (sent) {
          progress.bytes_sent += f.size;
        } else {
          progress.files_skipped++;
        }
        progress.files_done++;
        progress.bytes_done += f.size;
        progress.updated_at_us = control.clock->now_micros();
        if (control.on_progress) control.on_progress(progress);
        return Status::OK();
      }));
  // Last: the manifest, whose presence says this node's part of the backup is complete.
  auto source = backup::memory_source(backup::manifest_to_text(manifest));
  RK_RETURN_IF_ERROR(store.put(backup::manifest_key(manifest.tag, manifest.host_id), *source)
                         .status()
                         .with_context("writing the manifest"));
  return manifest;
}

}  // namespace rk::agent
