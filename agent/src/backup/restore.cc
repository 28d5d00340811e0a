// Restore: staged download with checks, and the swap at start-up (see restore.h; the manifest
// lookup is in restore_plan.cc).
#include "backup/restore.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "ringkeeper/core/sha256.h"

namespace rk::agent {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

// Writes a download to a file, hashing it on the way and taking from the pacer's budget.
class CheckedFileSink final : public backup::ObjectSink {
 public:
  CheckedFileSink(const std::string& path, Pacer* pacer)
      : out_(path, std::ios::binary | std::ios::trunc), pacer_(pacer) {}
  Status write(std::string_view bytes) override {
    if (pacer_ != nullptr) pacer_->take(bytes.size());
    size_ += bytes.size();
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return out_ ? Status::OK() : Status::IOError("writing a restored file failed");
  }
  Status close() {
    out_.flush();
    out_.close();
    return out_ ? Status::OK() : Status::IOError("closing a restored file failed");
  }
  uint64_t size() const { return size_; }

 private:
  std::ofstream out_;
  Pacer* pacer_;
  uint64_t size_ = 0;
};

std::string pending_path(const std::string& d) { return d + "/restore.pending"; }
std::string applied_path(const std::string& d) { return d + "/restore.applied"; }

}  // namespace

json restore_record_to_json(const RestoreRecord& r) {
  json tokens = json::array();
  for (Token t : r.tokens) tokens.push_back(token_to_string(t));
  json j = {{"tag", r.tag}, {"host_id", r.host_id}, {"tokens", tokens}, {"at_us", r.at_us}};
  if (r.until_us != 0) j["until_us"] = r.until_us;
  if (!r.replay.empty()) {
    json files = json::array();
    for (const auto& f : r.replay)
      files.push_back({{"kind", f.kind}, {"file", f.file}, {"size", f.size}});
    j["replay"] = {{"files", std::move(files)},
                   {"after_sequence", r.after_sequence},
                   {"up_to_us", r.up_to_us}};
  }
  return j;
}

Result<RestoreRecord> read_restore_record(const std::string& path) {
  RK_ASSIGN_OR_RETURN(std::string text, read_small_file(path));
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("tag") || !j.contains("host_id") || !j.contains("tokens"))
    return Status::Corruption(path + " is not a restore record");
  RestoreRecord r;
  try {
    r.tag = j["tag"].get<std::string>();
    r.host_id = j["host_id"].get<std::string>();
    r.at_us = j.value("at_us", int64_t{0});
    r.until_us = j.value("until_us", int64_t{0});
    for (const json& t : j["tokens"]) {
      RK_ASSIGN_OR_RETURN(Token token, parse_token(t.get<std::string>()));
      r.tokens.push_back(token);
    }
    if (j.contains("replay")) {
      const json& replay = j["replay"];
      r.after_sequence = replay.at("after_sequence").get<uint64_t>();
      r.up_to_us = replay.at("up_to_us").get<int64_t>();
      for (const json& f : replay.at("files")) {
        ReplayStep step{f.at("kind").get<std::string>(), f.at("file").get<std::string>(),
                        f.value("size", uint64_t{0})};
        // Names this agent gave: one plain file name inside restore.replay/.
        if (step.file.find('/') != std::string::npos ||
            !backup::validate_relative_path(step.file).ok() ||
            (step.kind != "incremental" && step.kind != "wal"))
          return Status::Corruption(path + ": bad replay file " + step.file);
        r.replay.push_back(std::move(step));
      }
    }
  } catch (const json::exception& e) {
    return Status::Corruption(path + ": " + e.what());
  }
  RK_RETURN_IF_ERROR(backup::validate_host_id(r.host_id).with_context(path));
  return r;
}

namespace {

// Downloads the object of `f` to `target` and checks its size and SHA-256 against `f`.
Status download_checked(backup::ObjectStore& store, const backup::ManifestFile& f,
                        const std::string& target, Pacer* pacer) {
  CheckedFileSink sink(target, pacer);
  auto got = store.get(backup::data_key(f.sha256), sink);
  Status closed = sink.close();
  if (!got.ok()) {
    return got.status().code() == ErrorCode::kNotFound
               ? Status::NotFound("object " + backup::data_key(f.sha256) + " of " + f.path +
                                  " is missing from the store")
               : got.status().with_context("downloading " + f.path);
  }
  if (!closed.ok()) return closed;
  if (sink.size() != f.size)
    return Status::Corruption(f.path + ": got " + std::to_string(sink.size()) +
                              " bytes, the manifest says " + std::to_string(f.size) +
                              " (truncated or replaced object)");
  // The store checked every byte the sink received against its recorded SHA-256 (ObjectStore::
  // get): when that is the manifest's, the file is right without hashing it a second time
  // (about 0.6 CPU-s per GiB). Otherwise hash what landed on disk.
  if (got->sha256 == f.sha256) return Status::OK();
  RK_ASSIGN_OR_RETURN(std::string sha, sha256_file_hex(target));
  if (sha != f.sha256)
    return Status::Corruption(f.path + ": SHA-256 " + sha + " does not match the manifest's " +
                              f.sha256 + " (tampered or corrupted object)");
  return Status::OK();
}

// Downloads each (file, path relative to `dir`) into `dir` (emptied first); on any error the
// directory is removed: nothing of bad data stays behind.
Status download_all(backup::ObjectStore& store,
                    const std::vector<std::pair<backup::ManifestFile, std::string>>& files,
                    const std::string& dir, const std::string& what, const TransferControl& control,
                    backup::TransferProgress& progress) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("creating " + dir + ": " + ec.message());
  const fs::path root = fs::weakly_canonical(dir);
  std::mutex mu;  // progress and on_progress
  // control.parallel_files at once.
  Status done = for_each_parallel(files.size(), control.parallel_files, [&](size_t i) -> Status {
    const auto& [f, rel] = files[i];
    if (control.cancel != nullptr && control.cancel->load())
      return Status::Cancelled("restore of " + what + " aborted");
    // Checked at parse time too; a second look right where the path is used.
    RK_RETURN_IF_ERROR(backup::validate_relative_path(rel));
    const fs::path target = (root / rel).lexically_normal();
    if (!target.string().starts_with(root.string() + "/"))
      return Status::Corruption("manifest path " + rel + " leaves the restore directory");
    std::error_code dir_ec;
    fs::create_directories(target.parent_path(), dir_ec);
    if (dir_ec) return Status::IOError("creating " + target.parent_path().string());
    RK_RETURN_IF_ERROR(download_checked(store, f, target.string(), control.pacer));
    std::lock_guard lock(mu);
    progress.files_done++;
    progress.bytes_done += f.size;
    progress.bytes_sent += f.size;
    progress.updated_at_us = control.clock->now_micros();
    if (control.on_progress) control.on_progress(progress);
    return Status::OK();
  });
  if (!done.ok()) {
    fs::remove_all(dir, ec);
    return done;
  }
  return Status::OK();
}

std::vector<std::pair<backup::ManifestFile, std::string>> in_place(
    const std::vector<backup::ManifestFile>& files) {
  std::vector<std::pair<backup::ManifestFile, std::string>> out;
  for (const auto& f : files) out.emplace_back(f, f.path);
  return out;
}

}  // namespace

Status stage_restore(backup::ObjectStore& store, const backup::NodeManifest& manifest,
                     const std::string& staging, const TransferControl& control) {
  backup::TransferProgress progress;
  progress.started_at_us = control.clock->now_micros();
  progress.files_total = manifest.files.size();
  progress.bytes_total = manifest.total_bytes();
  return download_all(store, in_place(manifest.files), staging, manifest.tag, control, progress);
}

Result<RestoreRecord> stage_restore_plan(backup::ObjectStore& store, const RestorePlan& plan,
                                         const std::string& data_dir,
                                         const TransferControl& control, int64_t now_us) {
  const backup::NodeManifest& m = plan.snapshot;
  backup::TransferProgress progress;
  progress.started_at_us = control.clock->now_micros();
  progress.files_total = m.files.size() + plan.files.size();
  progress.bytes_total = m.total_bytes() + plan.replay_bytes();
  RestoreRecord record;
  record.tag = m.tag;
  record.host_id = m.host_id;
  record.tokens = m.tokens;
  record.at_us = now_us;
  record.after_sequence = plan.after_sequence;
  record.up_to_us = plan.up_to_us;
  std::vector<std::pair<backup::ManifestFile, std::string>> replay;
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const auto& f = plan.files[i].file;
    // Numbered in replay order: names stay unique whatever the engine's file numbers.
    const std::string name = fmt::format("{:05}-{}", i + 1, f.path.substr(f.path.rfind('/') + 1));
    replay.emplace_back(f, name);
    record.replay.push_back({plan.files[i].kind, name, f.size});
  }
  RK_RETURN_IF_ERROR(
      download_all(store, in_place(m.files), staging_dir(data_dir), m.tag, control, progress));
  Status s = download_all(store, replay, replay_staging_dir(data_dir), m.tag, control, progress);
  if (!s.ok()) {
    std::error_code ec;
    fs::remove_all(staging_dir(data_dir), ec);
    return s;
  }
  return record;
}

std::string staging_dir(const std::string& data_dir) { return data_dir + "/restore.staging"; }
std::string replay_staging_dir(const std::string& data_dir) {
  return data_dir + "/restore.replay.staging";
}
std::string replay_dir(const std::string& data_dir) { return data_dir + "/restore.replay"; }

Status write_pending_restore(const std::string& data_dir, const RestoreRecord& record) {
  return write_file_atomically(pending_path(data_dir),
                               restore_record_to_json(record).dump() + "\n");
}

Result<std::optional<RestoreRecord>> apply_pending_restore(const std::string& data_dir) {
  auto pending = read_restore_record(pending_path(data_dir));
  if (!pending.ok()) {
    if (pending.status().code() == ErrorCode::kNotFound) return std::optional<RestoreRecord>();
    return pending.status();
  }
  const fs::path storage = fs::path(data_dir) / "storage";
  const fs::path old = fs::path(data_dir) / "storage.before-restore";
  const fs::path staged = staging_dir(data_dir);
  std::error_code ec;
  if (fs::exists(staged, ec)) {
    // Not swapped yet (or a crash between the two renames: storage may be gone already).
    fs::remove_all(old, ec);
    if (fs::exists(storage, ec)) {
      fs::rename(storage, old, ec);
      if (ec) return Status::IOError("moving " + storage.string() + " aside: " + ec.message());
    }
    fs::rename(staged, storage, ec);
    if (ec) return Status::IOError("moving the restored storage in place: " + ec.message());
  } else if (!fs::exists(storage, ec)) {
    return Status::FailedPrecondition("a restore is pending but " + staged.string() +
                                      " is gone; restore again");
  }
  if (!pending->replay.empty()) {
    // The files to replay once the node is open, with their plan: present means "not all
    // replayed yet" (restore_replay.h).
    const std::string replay = replay_dir(data_dir);
    if (fs::exists(replay_staging_dir(data_dir), ec)) {
      fs::remove_all(replay, ec);
      fs::rename(replay_staging_dir(data_dir), replay, ec);
      if (ec) return Status::IOError("moving the files to replay in place: " + ec.message());
    } else if (!fs::exists(replay, ec)) {
      return Status::FailedPrecondition("a restore is pending but " + replay_staging_dir(data_dir) +
                                        " is gone; restore again");
    }
    RK_RETURN_IF_ERROR(write_file_atomically(replay + "/plan.json",
                                             restore_record_to_json(*pending).dump() + "\n"));
  } else {
    // Nothing to replay: what an earlier restore left unreplayed belongs to other data.
    fs::remove_all(replay_staging_dir(data_dir), ec);
    fs::remove_all(replay_dir(data_dir), ec);
  }
  RK_RETURN_IF_ERROR(write_file_atomically(data_dir + "/host_id", pending->host_id + "\n"));
  fs::remove(fs::path(data_dir) / "ring.json", ec);
  RK_RETURN_IF_ERROR(write_file_atomically(applied_path(data_dir),
                                           restore_record_to_json(*pending).dump() + "\n"));
  fs::remove(pending_path(data_dir), ec);
  fs::remove_all(old, ec);
  spdlog::info("restored backup {} of host {} into {}", pending->tag, pending->host_id,
               storage.string());
  return std::optional<RestoreRecord>(*pending);
}

std::optional<RestoreRecord> applied_restore(const std::string& data_dir) {
  auto r = read_restore_record(applied_path(data_dir));
  if (!r.ok()) return std::nullopt;
  return *r;
}

void confirm_applied_restore(const std::string& data_dir) {
  std::error_code ec;
  fs::rename(applied_path(data_dir), data_dir + "/restore.done", ec);
}

bool storage_has_data(const std::string& storage_dir) {
  std::error_code ec;
  const fs::path data = fs::path(storage_dir) / "data";
  for (fs::directory_iterator it(data, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".sst") return true;
    // Writes not flushed yet live in the write-ahead log.
    std::error_code fec;
    if (it->path().extension() == ".log" && it->file_size(fec) > 0 && !fec) return true;
  }
  return false;
}

}  // namespace rk::agent
