// The agent's backup jobs (see node_backups.h).
#include "backup/node_backups.h"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "atomic_file.h"
#include "backup/restore.h"
#include "backup/restore_plan.h"
#include "ringkeeper/backup/encryption.h"
#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/core/names.h"
#include "ringkeeper/core/time_text.h"

namespace rk::agent {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

constexpr size_t kJobsKept = 20;  // finished jobs remembered on disk

Result<JobState> parse_job_state(const std::string& s) {
  if (s == "RUNNING") return JobState::kRunning;
  if (s == "SUCCEEDED") return JobState::kSucceeded;
  if (s == "FAILED") return JobState::kFailed;
  if (s == "ABORTED") return JobState::kAborted;
  return Status::Corruption("unknown job state " + s);
}

Result<BackupJob> backup_job_from_json(const json& j) {
  try {
    BackupJob job;
    job.tag = j.at("tag").get<std::string>();
    RK_ASSIGN_OR_RETURN(job.state, parse_job_state(j.at("state").get<std::string>()));
    job.phase = j.at("phase").get<std::string>();
    job.started_at_us = j.at("started_at_us").get<int64_t>();
    job.finished_at_us = j.at("finished_at_us").get<int64_t>();
    job.error = j.at("error").get<std::string>();
    job.progress = backup::progress_from_json(j.value("progress", json::object()));
    RK_RETURN_IF_ERROR(validate_backup_tag(job.tag));
    return job;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("backup job file: ") + e.what());
  }
}

// Whether any table of the node has a live row.
bool node_has_live_data(storage::Node& node) {
  for (const auto& t : node.tables()) {
    bool any = false;
    Status s =
        node.scan(t.keyspace, t.name, TokenRange::full_ring(), [&](const storage::Partition&) {
          any = true;
          return false;
        });
    if (any || !s.ok()) return true;
  }
  return false;
}

}  // namespace

std::string_view job_state_name(JobState s) {
  switch (s) {
    case JobState::kRunning:
      return "RUNNING";
    case JobState::kSucceeded:
      return "SUCCEEDED";
    case JobState::kFailed:
      return "FAILED";
    case JobState::kAborted:
      return "ABORTED";
  }
  return "?";
}

json backup_job_to_json(const BackupJob& job) {
  return {{"tag", job.tag},
          {"state", job_state_name(job.state)},
          {"phase", job.phase},
          {"started_at_us", job.started_at_us},
          {"finished_at_us", job.finished_at_us},
          {"error", job.error},
          {"progress", backup::progress_to_json(job.progress)}};
}

json restore_job_to_json(const RestoreJob& job) {
  return {{"tag", job.tag},
          {"host_id", job.host_id},
          {"until_us", job.until_us},
          {"state", job_state_name(job.state)},
          {"phase", job.phase},
          {"started_at_us", job.started_at_us},
          {"finished_at_us", job.finished_at_us},
          {"error", job.error},
          {"warning", job.warning},
          {"replay_files", job.replay_files},
          {"cells_applied", job.cells_applied},
          {"progress", backup::progress_to_json(job.progress)}};
}

NodeBackups::NodeBackups(const BackupSettings& settings, Deps deps)
    : settings_(settings),
      deps_(std::move(deps)),
      limits_(transfer_limits(settings)),
      pacer_(limits_.pacer_rate) {}

NodeBackups::~NodeBackups() { stop(); }

std::string NodeBackups::jobs_dir() const { return deps_.data_dir + "/backup/jobs"; }

Result<std::unique_ptr<NodeBackups>> NodeBackups::start(const BackupSettings& settings, Deps deps) {
  std::unique_ptr<NodeBackups> b(new NodeBackups(settings, std::move(deps)));
  std::error_code ec;
  fs::create_directories(b->jobs_dir(), ec);
  if (ec) return Status::IOError("creating " + b->jobs_dir() + ": " + ec.message());
  std::string resume;
  for (const auto& entry : fs::directory_iterator(b->jobs_dir(), ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = read_small_file(entry.path().string());
    if (!text.ok()) continue;
    auto job = backup_job_from_json(json::parse(*text, nullptr, false));
    if (!job.ok()) {
      spdlog::warn("ignoring {}: {}", entry.path().string(), job.status().message());
      continue;
    }
    if (job->state == JobState::kRunning) resume = job->tag;
    b->jobs_[job->tag] = std::move(*job);
  }
  if (!resume.empty()) {
    spdlog::info(
        "resuming the upload of backup {} (files already in the store are not sent "
        "again)",
        resume);
    b->running_tag_ = resume;
    b->backup_thread_ = std::thread([raw = b.get(), resume] { raw->run_backup(resume); });
  }
  b->incremental_.enabled = settings.incremental_upload;
  b->wal_.enabled = settings.archive_wal;
  b->last_wal_close_us_ = b->deps_.clock->now_micros();
  if (settings.incremental_upload || settings.archive_wal)
    b->incremental_thread_ = std::thread([raw = b.get()] { raw->incremental_loop(); });
  return b;
}

void NodeBackups::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  // A stop is not an abort: the job stays RUNNING on disk and resumes at the next start. The
  // cancel flags only make the threads return at the next file.
  cancel_backup_ = true;
  cancel_restore_ = true;
  if (backup_thread_.joinable()) backup_thread_.join();
  if (restore_thread_.joinable()) restore_thread_.join();
  if (incremental_thread_.joinable()) incremental_thread_.join();
}

Result<backup::ObjectStore*> NodeBackups::store() {
  std::lock_guard lock(store_mu_);
  if (!store_) {
    RK_ASSIGN_OR_RETURN(store_, backup::open_store(limits_.store));
  }
  return store_.get();
}

Status NodeBackups::persist(const BackupJob& job) const {
  return write_file_atomically(jobs_dir() + "/" + job.tag + ".json",
                               backup_job_to_json(job).dump() + "\n");
}

Result<std::pair<BackupJob, bool>> NodeBackups::start_backup(const std::string& tag) {
  RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  if (tag == "latest")
    return Status::InvalidArgument("'latest' names the newest backup; choose another tag");
  std::unique_lock lock(mu_);
  if (stopping_) return Status::Unavailable("the agent is stopping");
  auto it = jobs_.find(tag);
  if (it != jobs_.end() &&
      (it->second.state == JobState::kRunning || it->second.state == JobState::kSucceeded))
    return std::make_pair(it->second, false);
  if (!running_tag_.empty())
    return Status::FailedPrecondition("backup " + running_tag_ + " is running on this node");
  BackupJob job;
  job.tag = tag;
  job.started_at_us = deps_.clock->now_micros();
  RK_RETURN_IF_ERROR(persist(job));
  jobs_[tag] = job;
  running_tag_ = tag;
  cancel_backup_ = false;
  if (backup_thread_.joinable()) backup_thread_.join();  // the previous job has finished
  backup_thread_ = std::thread([this, tag] { run_backup(tag); });
  return std::make_pair(job, true);
}

void NodeBackups::run_backup(std::string tag) {
  auto finish = [&](JobState state, const std::string& error) {
    std::lock_guard lock(mu_);
    if (stopping_ && state != JobState::kSucceeded) {
      running_tag_.clear();  // stays RUNNING on disk: resumed at the next start
      return;
    }
    BackupJob& job = jobs_[tag];
    job.state = state;
    job.error = error;
    job.phase = state == JobState::kSucceeded ? "done" : job.phase;
    job.finished_at_us = deps_.clock->now_micros();
    if (Status s = persist(job); !s.ok()) spdlog::warn("backup {}: {}", tag, s.message());
    running_tag_.clear();
  };
  auto fail = [&](const Status& s) {
    const bool aborted = s.code() == ErrorCode::kCancelled;
    if (!aborted) spdlog::warn("backup {} failed: {}", tag, s.message());
    finish(aborted ? JobState::kAborted : JobState::kFailed, s.message());
  };

  auto st = store();
  if (!st.ok()) return fail(st.status().with_context("opening the backup store"));
  // The snapshot: taken once; a resumed job uploads the same one.
  storage::SnapshotInfo snapshot;
  bool have = false;
  if (auto list = deps_.node->list_snapshots(); list.ok()) {
    for (auto& s : *list) {
      if (s.tag == tag) {
        snapshot = std::move(s);
        have = true;
      }
    }
  }
  if (!have) {
    // No incremental or WAL upload pass runs while the snapshot is taken: a pass then lies
    // wholly before it (its files are in the snapshot) or after its created_at (stamped once
    // the checkpoint is done), which is how a restore tells what came after (restore_plan.h).
    std::lock_guard pass(incremental_mu_);
    auto taken = deps_.node->snapshot(tag);
    if (!taken.ok()) return fail(taken.status().with_context("snapshot"));
    snapshot = std::move(*taken);
  }
  {
    std::lock_guard lock(mu_);
    jobs_[tag].phase = "uploading";
  }
  auto journal = UploadJournal::open(jobs_dir() + "/" + tag + ".journal");
  if (!journal.ok()) return fail(journal.status());

  backup::NodeManifest manifest = manifest_for("snapshot", tag, snapshot.created_at_micros);
  manifest.sequence = snapshot.sequence;
  TransferControl control = transfer_control(&cancel_backup_);
  control.on_progress = [&](const backup::TransferProgress& p) {
    std::lock_guard lock(mu_);
    jobs_[tag].progress = p;
  };
  auto uploaded = upload_snapshot(**st, snapshot, std::move(manifest), **journal, control);
  if (!uploaded.ok()) return fail(uploaded.status());
  journal->reset();
  std::error_code ec;
  fs::remove(jobs_dir() + "/" + tag + ".journal", ec);
  if (Status s = deps_.node->clear_snapshot(tag); !s.ok())
    spdlog::warn("backup {}: cannot clear the local snapshot: {}", tag, s.message());
  spdlog::info("backup {} uploaded: {} files", tag, uploaded->files.size());
  finish(JobState::kSucceeded, "");

  // Forget the oldest finished jobs beyond kJobsKept.
  std::lock_guard lock(mu_);
  std::vector<const BackupJob*> done;
  for (const auto& [t, j] : jobs_)
    if (j.state != JobState::kRunning) done.push_back(&j);
  std::sort(done.begin(), done.end(),
            [](auto* a, auto* b) { return a->started_at_us < b->started_at_us; });
  for (size_t i = 0; i + kJobsKept < done.size(); ++i) {
    const std::string t = done[i]->tag;
    fs::remove(jobs_dir() + "/" + t + ".json", ec);
    jobs_.erase(t);
  }
}

Result<BackupJob> NodeBackups::backup_job(const std::string& tag) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(tag);
  if (it == jobs_.end()) return Status::NotFound("no backup " + tag + " on this node");
  return it->second;
}

std::vector<BackupJob> NodeBackups::backup_jobs() const {
  std::lock_guard lock(mu_);
  std::vector<BackupJob> out;
  for (const auto& [t, j] : jobs_) out.push_back(j);
  std::sort(out.begin(), out.end(), [](const BackupJob& a, const BackupJob& b) {
    return a.started_at_us > b.started_at_us;
  });
  return out;
}

Result<BackupJob> NodeBackups::abort_backup(const std::string& tag) {
  std::thread to_join;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(tag);
    if (it == jobs_.end()) return Status::NotFound("no backup " + tag + " on this node");
    if (running_tag_ != tag) return it->second;
    cancel_backup_ = true;
    to_join = std::move(backup_thread_);
  }
  if (to_join.joinable()) to_join.join();
  return backup_job(tag);
}

Result<RestoreJob> NodeBackups::start_restore(const std::string& tag, const std::string& host_id,
                                              bool force, std::optional<int64_t> until_us) {
  if (tag != "latest") RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  if (until_us && *until_us <= 0) return Status::InvalidArgument("until must be a positive time");
  const std::string host = host_id.empty() ? deps_.identity().host_id : host_id;
  RK_RETURN_IF_ERROR(backup::validate_host_id(host));
  if (!force && node_has_live_data(*deps_.node))
    return Status::FailedPrecondition(
        "this node holds live data; restoring replaces all of it: pass force to do it anyway");
  std::lock_guard lock(mu_);
  if (stopping_) return Status::Unavailable("the agent is stopping");
  if (restore_ && restore_->state == JobState::kRunning)
    return Status::FailedPrecondition("a restore (" + restore_->tag + ") is running");
  RestoreJob job;
  job.tag = tag;
  job.host_id = host;
  job.until_us = until_us.value_or(0);
  job.started_at_us = deps_.clock->now_micros();
  restore_ = job;
  cancel_restore_ = false;
  if (restore_thread_.joinable()) restore_thread_.join();
  restore_thread_ = std::thread([this, tag, host, until_us] { run_restore(tag, host, until_us); });
  return job;
}

void NodeBackups::run_restore(std::string tag, std::string host_id,
                              std::optional<int64_t> until_us) {
  auto finish = [&](JobState state, const std::string& error, const std::string& phase) {
    std::lock_guard lock(mu_);
    restore_->state = state;
    restore_->error = error;
    restore_->phase = phase;
    restore_->finished_at_us = deps_.clock->now_micros();
  };
  auto fail = [&](const Status& s) {
    spdlog::warn("restore of {} failed: {}", tag, s.message());
    finish(s.code() == ErrorCode::kCancelled ? JobState::kAborted : JobState::kFailed, s.message(),
           restore_->phase);
  };
  auto st = store();
  if (!st.ok()) return fail(st.status().with_context("opening the backup store"));
  auto manifest = choose_snapshot(**st, tag, host_id, until_us);
  if (!manifest.ok()) return fail(manifest.status());
  auto plan = plan_restore(**st, std::move(*manifest), until_us);
  if (!plan.ok()) return fail(plan.status());
  if (!plan->warning.empty()) spdlog::warn("restore: {}", plan->warning);
  {
    std::lock_guard lock(mu_);
    restore_->tag = plan->snapshot.tag;
    restore_->warning = plan->warning;
    restore_->replay_files = plan->files.size();
    restore_->phase = "downloading";
  }
  TransferControl control = transfer_control(&cancel_restore_);
  control.on_progress = [&](const backup::TransferProgress& p) {
    std::lock_guard lock(mu_);
    restore_->progress = p;
  };
  auto record = stage_restore_plan(**st, *plan, deps_.data_dir, control, deps_.clock->now_micros());
  if (!record.ok()) return fail(record.status());
  record->until_us = until_us.value_or(0);
  if (Status s = write_pending_restore(deps_.data_dir, *record); !s.ok()) return fail(s);
  {
    std::lock_guard lock(mu_);
    restore_->phase = "swapping";  // RUNNING still: the restarted agent finishes it
  }
  spdlog::info(
      "backup {} of host {} is staged and checked ({} files to replay on it); restarting to "
      "swap it in",
      plan->snapshot.tag, plan->snapshot.host_id, plan->files.size());
  if (deps_.request_restart) deps_.request_restart();
}

std::optional<RestoreJob> NodeBackups::restore_job() const {
  std::lock_guard lock(mu_);
  return restore_;
}

void NodeBackups::report_restore(const RestoreJob& job) {
  std::lock_guard lock(mu_);
  restore_ = job;
}

Result<RestoreJob> NodeBackups::abort_restore() {
  std::thread to_join;
  {
    std::lock_guard lock(mu_);
    if (!restore_) return Status::NotFound("no restore on this node");
    if (restore_->state != JobState::kRunning) return *restore_;
    cancel_restore_ = true;
    to_join = std::move(restore_thread_);
  }
  if (to_join.joinable()) to_join.join();
  std::error_code ec;
  fs::remove_all(staging_dir(deps_.data_dir), ec);
  fs::remove_all(replay_staging_dir(deps_.data_dir), ec);
  std::lock_guard lock(mu_);
  return *restore_;
}

Result<backup::VerifyReport> NodeBackups::verify(const std::string& tag,
                                                 const std::string& host_id) {
  const std::string host = host_id.empty() ? deps_.identity().host_id : host_id;
  RK_RETURN_IF_ERROR(backup::validate_host_id(host));
  RK_ASSIGN_OR_RETURN(backup::ObjectStore * st, store());
  std::string resolved = tag;
  if (tag == "latest") {
    RK_ASSIGN_OR_RETURN(resolved, latest_backup_tag(*st, host));
  }
  return backup::verify_backup(*st, resolved, host);
}

IncrementalStatus NodeBackups::incremental() const {
  std::lock_guard lock(mu_);
  return incremental_;
}

IncrementalStatus NodeBackups::wal() const {
  std::lock_guard lock(mu_);
  return wal_;
}

void NodeBackups::incremental_loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, settings_.incremental_interval, [this] { return stopping_; })) return;
    }
    if (settings_.incremental_upload) {
      Status s = upload_incremental_now();
      std::lock_guard lock(mu_);
      incremental_.last_error = s.ok() ? "" : s.message();
      if (!s.ok()) spdlog::warn("incremental upload: {}", s.message());
    }
    if (settings_.archive_wal) {
      Status s = upload_wal_now();
      std::lock_guard lock(mu_);
      wal_.last_error = s.ok() ? "" : s.message();
      if (!s.ok()) spdlog::warn("WAL upload: {}", s.message());
    }
  }
}

TransferControl NodeBackups::transfer_control(const std::atomic<bool>* cancel) {
  TransferControl control;
  control.clock = deps_.clock;
  control.cancel = cancel;
  control.pacer = &pacer_;
  control.parallel_files = settings_.parallel_files;
  return control;
}

backup::NodeManifest NodeBackups::manifest_for(std::string kind, std::string tag,
                                               int64_t created_at_us) const {
  const NodeIdentity id = deps_.identity();
  backup::NodeManifest m;
  m.kind = std::move(kind);
  m.tag = std::move(tag);
  m.created_at_us = created_at_us;
  m.cluster = id.cluster;
  m.host_id = id.host_id;
  m.datacenter = id.datacenter;
  m.rack = id.rack;
  m.tokens = id.tokens;
  m.schema = id.schema;
  const auto& store = settings_.store;
  if (!store.encryption_key_file.empty()) {
    m.encryption_key_id = store.encryption_key_id.empty() ? "key-file" : store.encryption_key_id;
    if (store.encryption_key_id.empty()) {
      if (auto key = backup::load_encryption_key(store.encryption_key_file); key.ok())
        m.encryption_key_id = key->id;
    }
  }
  return m;
}

// The regular files of `dir` whose name ends in `suffix` ("" = any), in name order (the
// engine's zero-padded numbers: file-number order).
std::vector<std::string> NodeBackups::files_in(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().string().ends_with(suffix))
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Status NodeBackups::upload_log_files(const std::string& kind, const std::vector<std::string>& files,
                                     IncrementalStatus& counters) {
  if (files.empty()) return Status::OK();
  RK_ASSIGN_OR_RETURN(backup::ObjectStore * st, store());
  const int64_t now = deps_.clock->now_micros();
  backup::NodeManifest manifest =
      manifest_for(kind, (kind == "wal" ? "wal-" : "inc-") + std::to_string(now), now);
  const std::string key = kind == "wal"
                              ? backup::wal_manifest_key(manifest.host_id, manifest.created_at_us)
                              : backup::manifest_key(manifest.tag, manifest.host_id);
  RK_ASSIGN_OR_RETURN(FileSetUpload up, upload_file_set(*st, files, kind == "wal" ? "wal" : "data",
                                                        std::move(manifest), key, &pacer_));
  // Only now, with the manifest naming them in the store, the local files may go.
  std::error_code ec;
  for (const auto& path : files) fs::remove(path, ec);
  std::lock_guard lock(mu_);
  counters.files_uploaded += up.files_sent;
  counters.bytes_uploaded += up.bytes_sent;
  counters.files_skipped += up.files_skipped;
  counters.last_upload_at_us = deps_.clock->now_micros();
  return Status::OK();
}

Status NodeBackups::upload_incremental_now() {
  std::lock_guard pass(incremental_mu_);
  return upload_log_files("incremental", files_in(deps_.data_dir + "/storage/backups", ""),
                          incremental_);
}

Status NodeBackups::upload_wal_now() {
  std::lock_guard pass(incremental_mu_);
  const int64_t now = deps_.clock->now_micros();
  const int64_t close_us =
      std::chrono::duration_cast<std::chrono::microseconds>(settings_.wal_close_interval).count();
  if (close_us > 0 && now - last_wal_close_us_ >= close_us) {
    // Closes the live WAL when it holds writes (an empty memtable flushes nothing); the engine
    // archives it once the flush is done, and this or the next pass uploads it.
    last_wal_close_us_ = now;
    RK_RETURN_IF_ERROR(deps_.node->flush().with_context("closing the live WAL"));
  }
  return upload_log_files("wal", files_in(deps_.data_dir + "/storage/wal_archive", ".log"), wal_);
}

Result<std::optional<RestoreRecord>> NodeBackups::restore_on_start(const BackupSettings& settings,
                                                                   const std::string& data_dir,
                                                                   const std::string& own_host_id,
                                                                   Clock& clock) {
  if (settings.restore_tag.empty()) return std::optional<RestoreRecord>();
  const std::string host =
      settings.restore_host_id.empty() ? own_host_id : settings.restore_host_id;
  if (host.empty())
    return Status::InvalidArgument(
        "backup.restore_tag is set but this node has no host id yet: set "
        "backup.restore_host_id to the backed-up node's");
  const std::string marker_path = data_dir + "/restore.requested";
  const std::string marker = settings.restore_tag + " " + host +
                             (settings.restore_until.empty() ? "" : " " + settings.restore_until) +
                             "\n";
  if (auto done = read_small_file(marker_path); done.ok() && *done == marker)
    return std::optional<RestoreRecord>();
  if (!settings.restore_force && storage_has_data(data_dir + "/storage"))
    return Status::FailedPrecondition(
        "backup.restore_tag is set but " + data_dir +
        "/storage holds data; set backup.restore_force to replace it");
  std::optional<int64_t> until;
  if (!settings.restore_until.empty()) {
    RK_ASSIGN_OR_RETURN(until, parse_time_us(settings.restore_until));
  }
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  spdlog::info("restoring backup {} of host {}{} before the node opens", settings.restore_tag, host,
               until ? " up to " + settings.restore_until : "");
  const TransferLimits limits = transfer_limits(settings);
  RK_ASSIGN_OR_RETURN(auto st, backup::open_store(limits.store));
  RK_ASSIGN_OR_RETURN(backup::NodeManifest manifest,
                      choose_snapshot(*st, settings.restore_tag, host, until));
  RK_ASSIGN_OR_RETURN(RestorePlan plan, plan_restore(*st, std::move(manifest), until));
  if (!plan.warning.empty()) spdlog::warn("restore: {}", plan.warning);
  Pacer pacer(limits.pacer_rate);
  TransferControl control;
  control.clock = &clock;
  control.pacer = &pacer;
  control.parallel_files = settings.parallel_files;
  RK_ASSIGN_OR_RETURN(RestoreRecord record,
                      stage_restore_plan(*st, plan, data_dir, control, clock.now_micros()));
  record.until_us = until.value_or(0);
  RK_RETURN_IF_ERROR(write_pending_restore(data_dir, record));
  RK_ASSIGN_OR_RETURN(auto applied, apply_pending_restore(data_dir));
  RK_RETURN_IF_ERROR(write_file_atomically(marker_path, marker));
  return applied;
}

}  // namespace rk::agent
