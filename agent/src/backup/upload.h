// Uploading a node's files to the object store: a snapshot under a backup tag (its files, then
// last its manifest), and single files for incremental backups. Deduplicated (a file whose
// content is already in the store is not sent again: objects are content-addressed, see
// backup/node_manifest.h), resumable (an append-only journal in the data directory records each
// file once it is in the store, so a restarted agent sends none of them again) and paced to a
// bandwidth limit.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ringkeeper/agent/options.h"
#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/backup/transfer_progress.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

// The agent's one bandwidth limit for all its backup uploads and restore downloads together:
// backup.bandwidth_limit, or (deprecated) backup.store.s3.bandwidth_limit when only that is set
// (both set is a config error, see options.cc). An s3:// store enforces it on the bytes it sends
// and receives (one token bucket shared by every transfer of the store, retries included, each
// byte counted once although a put reads its source twice: checksums, then the send); for other
// stores the agent's Pacer counts the bytes uploads read and downloads write.
struct TransferLimits {
  backup::StoreOptions store;  // to open: s3.bandwidth_limit set to the limit, or 0
  int64_t pacer_rate = 0;      // for the Pacer: the limit, or 0 when the store enforces it
};
TransferLimits transfer_limits(const BackupSettings& settings);

// Limits the bytes per second read by uploads and written by downloads (one budget for both).
class Pacer {
 public:
  // 0: unlimited.
  explicit Pacer(int64_t bytes_per_second) : rate_(bytes_per_second) {}
  // Blocks until `bytes` more fit within the rate.
  void take(size_t bytes);
  int64_t rate() const { return rate_; }

 private:
  int64_t rate_;
  std::mutex mu_;
  double next_free_s_ = 0;  // steady-clock seconds when the budget is next free
};

// What a transfer reports and obeys while it runs.
struct TransferControl {
  Clock* clock = &SystemClock::instance();
  const std::atomic<bool>* cancel = nullptr;  // set: stop with Cancelled at the next file
  Pacer* pacer = nullptr;                     // null: unlimited
  // Called after each file (never by two threads at once).
  std::function<void(const backup::TransferProgress&)> on_progress;
  int parallel_files = 1;  // files moved at once (backup.parallel_files)
};

// Runs fn(0) .. fn(n - 1) on up to `threads` threads (this one among them), handing out indexes
// in order; after the first error no new index is started, and that error is returned.
Status for_each_parallel(size_t n, int threads, const std::function<Status(size_t)>& fn);

// The append-only record of the files of one upload that are in the store ("<sha256> <path>"
// lines). A torn last line (a crash mid-write) is ignored.
class UploadJournal {
 public:
  static Result<std::unique_ptr<UploadJournal>> open(const std::string& path);
  ~UploadJournal();
  bool contains(const std::string& sha256, const std::string& path) const;
  Status record(const std::string& sha256, const std::string& path);
  const std::string& path() const { return path_; }

 private:
  UploadJournal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
  std::set<std::string> done_;
};

// Puts the file at `local_path` (of `size` bytes, `sha256`) under data/<sha256> unless the store
// already holds that object with that size. Returns true when bytes were sent.
Result<bool> upload_file(backup::ObjectStore& store, const std::string& local_path, uint64_t size,
                         const std::string& sha256, Pacer* pacer);

struct FileSetUpload {
  backup::NodeManifest manifest;  // as written
  uint64_t files_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t files_skipped = 0;  // already in the store
};

// Uploads local files that arrive between snapshots (incremental SSTs, archived WAL files):
// each one deduplicated into data/<sha256>, then, last, `manifest` (identity fields filled by
// the caller) naming them as `path_prefix` + "/" + file name under `key`. A file that vanished
// meanwhile is left out. The caller may remove the local files once this returns OK.
Result<FileSetUpload> upload_file_set(backup::ObjectStore& store,
                                      const std::vector<std::string>& local_paths,
                                      const std::string& path_prefix, backup::NodeManifest manifest,
                                      const std::string& key, Pacer* pacer);

// Uploads every file of `snapshot` not yet in `journal` (control.parallel_files at once), then
// writes `manifest` (identity fields filled by the caller; files are set from the snapshot) under
// meta/<tag>/<host_id>.json. Returns the manifest written.
Result<backup::NodeManifest> upload_snapshot(backup::ObjectStore& store,
                                             const storage::SnapshotInfo& snapshot,
                                             backup::NodeManifest manifest, UploadJournal& journal,
                                             const TransferControl& control);

}  // namespace rk::agent
