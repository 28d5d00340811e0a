// Snapshots: a RocksDB checkpoint (hard links of the live SSTs, copies of the small metadata
// files) under <data_dir>/snapshots/<tag>/data, the schema, and a manifest written last.
//
// A snapshot is built in snapshots/.tmp-<tag> and renamed into place once its manifest is
// written, so a listed snapshot is always complete ('.' never starts a valid tag).
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <rocksdb/env.h>
#include <rocksdb/utilities/checkpoint.h>
#include <nlohmann/json.hpp>

#include "lww_merge_operator.h"
#include "node_impl.h"
#include "ringkeeper/core/names.h"
#include "ringkeeper/core/sha256.h"

namespace rk::storage {
namespace fs = std::filesystem;
namespace {

// Fills each file's sha256, two files at a time: hashing a 1 GiB snapshot takes about 0.6 s of
// one core, and a backup waits for it before uploading anything (agent_backup_bench).
Status hash_files(const fs::path& dir, std::vector<SnapshotFile>& files) {
  std::atomic<size_t> next{0};
  std::vector<Status> errors(files.size());
  auto work = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      auto sha = sha256_file_hex((dir / files[i].path).string());
      if (sha.ok())
        files[i].sha256 = std::move(*sha);
      else
        errors[i] = sha.status();
    }
  };
  std::thread helper(work);
  work();
  helper.join();
  for (const Status& e : errors) RK_RETURN_IF_ERROR(e);
  return Status::OK();
}

fs::path snapshots_dir(const Options& o) { return fs::path(o.data_dir) / "snapshots"; }

nlohmann::json manifest_json(const SnapshotInfo& info) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : info.files)
    files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  return {{"tag", info.tag},
          {"created_at_micros", info.created_at_micros},
          {"sequence", info.sequence},
          {"files", files}};
}

Result<SnapshotInfo> read_manifest(const fs::path& dir) {
  std::ifstream in(dir / "manifest.json");
  if (!in) return Status::NotFound("no manifest in " + dir.string());
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("manifest of " + dir.string() + " is not JSON");
  try {
    SnapshotInfo info;
    info.tag = j.at("tag").get<std::string>();
    info.directory = dir.string();
    info.created_at_micros = j.at("created_at_micros").get<int64_t>();
    info.sequence = j.value("sequence", uint64_t{0});
    for (const auto& f : j.at("files"))
      info.files.push_back({f.at("path").get<std::string>(), f.at("size").get<uint64_t>(),
                            f.at("sha256").get<std::string>()});
    return info;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("manifest of " + dir.string() + ": " + e.what());
  }
}

// Discards RocksDB's informational log: opening a snapshot to read its sequence must not add a
// LOG file to it.
class SilentLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// The newest sequence number in the checkpoint at `db_dir`: what a node opened from it holds
// after replaying the WAL tail copied with it (read-only: nothing in the directory changes).
Result<uint64_t> checkpoint_sequence(const fs::path& db_dir) {
  rocksdb::DBOptions o;
  o.info_log = std::make_shared<SilentLogger>();
  o.max_open_files = 16;  // table files are opened lazily, and none is read here
  std::vector<std::string> names;
  RK_RETURN_IF_ERROR(from_rocksdb(rocksdb::DB::ListColumnFamilies(o, db_dir.string(), &names),
                                  "listing the snapshot's column families"));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  // The data sets' WAL records are merges: replaying them needs the node's merge operator (a
  // merge replayed without one is an error, and read-only recovery then stops at that WAL and
  // refuses the directory, "SST file is ahead of WALs").
  rocksdb::ColumnFamilyOptions with_merge;
  with_merge.merge_operator = make_lww_merge_operator();
  for (auto& name : names) families.emplace_back(name, with_merge);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  RK_RETURN_IF_ERROR(
      from_rocksdb(rocksdb::DB::OpenForReadOnly(o, db_dir.string(), families, &handles, &raw),
                   "opening the snapshot to read its sequence"));
  std::unique_ptr<rocksdb::DB> db(raw);
  const uint64_t sequence = db->GetLatestSequenceNumber();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  db->Close();
  return sequence;
}

Status write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return Status::IOError("writing " + path.string());
  return Status::OK();
}

}  // namespace

Result<SnapshotInfo> Node::snapshot(std::string_view tag) {
  RK_RETURN_IF_ERROR(validate_snapshot_tag(tag));
  const fs::path root = snapshots_dir(impl_->options);
  const fs::path final_dir = root / std::string(tag);
  const fs::path tmp_dir = root / (".tmp-" + std::string(tag));
  std::error_code ec;
  if (fs::exists(final_dir, ec))
    return Status::AlreadyExists("snapshot " + std::string(tag) + " already exists");
  fs::remove_all(tmp_dir, ec);
  fs::create_directories(tmp_dir, ec);
  if (ec) return Status::IOError("creating " + tmp_dir.string() + ": " + ec.message());

  rocksdb::Checkpoint* raw = nullptr;
  RK_RETURN_IF_ERROR(
      from_rocksdb(rocksdb::Checkpoint::Create(impl_->db.get(), &raw), "creating checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush = 0: flush first, so the snapshot is SSTs and no WAL to replay.
  RK_RETURN_IF_ERROR(from_rocksdb(
      checkpoint->CreateCheckpoint((tmp_dir / "data").string(), /*log_size_for_flush=*/0),
      "snapshot " + std::string(tag)));
  RK_RETURN_IF_ERROR(write_file(tmp_dir / "schema.json", impl_->schema.to_json()));

  SnapshotInfo info;
  RK_ASSIGN_OR_RETURN(info.sequence, checkpoint_sequence(tmp_dir / "data"));
  info.tag = std::string(tag);
  info.created_at_micros = impl_->clock->now_micros();
  for (const auto& entry : fs::recursive_directory_iterator(tmp_dir)) {
    if (!entry.is_regular_file()) continue;
    SnapshotFile f;
    f.path = fs::relative(entry.path(), tmp_dir).string();
    f.size = entry.file_size();
    info.files.push_back(std::move(f));
  }
  RK_RETURN_IF_ERROR(hash_files(tmp_dir, info.files));
  std::sort(info.files.begin(), info.files.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.path < b.path; });
  RK_RETURN_IF_ERROR(write_file(tmp_dir / "manifest.json", manifest_json(info).dump(2)));
  fs::rename(tmp_dir, final_dir, ec);
  if (ec) return Status::IOError("renaming " + tmp_dir.string() + ": " + ec.message());
  info.directory = final_dir.string();
  return info;
}

Result<std::vector<SnapshotInfo>> Node::list_snapshots() const {
  std::vector<SnapshotInfo> out;
  const fs::path root = snapshots_dir(impl_->options);
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.starts_with(".")) continue;
    auto info = read_manifest(entry.path());
    if (info.ok()) out.push_back(std::move(info).value());
  }
  if (ec) return Status::IOError("listing " + root.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const SnapshotInfo& a, const SnapshotInfo& b) { return a.tag < b.tag; });
  return out;
}

Status Node::clear_snapshot(std::string_view tag) {
  RK_RETURN_IF_ERROR(validate_snapshot_tag(tag));
  const fs::path dir = snapshots_dir(impl_->options) / std::string(tag);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::NotFound("snapshot " + std::string(tag) + " does not exist");
  fs::remove_all(dir, ec);
  if (ec) return Status::IOError("removing " + dir.string() + ": " + ec.message());
  return Status::OK();
}

}  // namespace rk::storage
