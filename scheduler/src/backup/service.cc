// Cluster backup runs, schedules, retention and verification (see service.h).
#include "backup/service.h"

#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "backup/store.h"
#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/core/names.h"
#include "ringkeeper/core/saturating.h"
#include "ringkeeper/core/time_text.h"

namespace rk::scheduler {
namespace {

bool finished(BackupRunState s) {
  return s == BackupRunState::kComplete || s == BackupRunState::kFailed ||
         s == BackupRunState::kAborted;
}

}  // namespace

std::string_view backup_run_state_name(BackupRunState s) {
  switch (s) {
    case BackupRunState::kRunning:
      return "RUNNING";
    case BackupRunState::kPaused:
      return "PAUSED";
    case BackupRunState::kComplete:
      return "COMPLETE";
    case BackupRunState::kFailed:
      return "FAILED";
    case BackupRunState::kAborted:
      return "ABORTED";
  }
  return "?";
}

Result<BackupRunState> parse_backup_run_state(std::string_view name) {
  for (auto s : {BackupRunState::kRunning, BackupRunState::kPaused, BackupRunState::kComplete,
                 BackupRunState::kFailed, BackupRunState::kAborted}) {
    if (backup_run_state_name(s) == name) return s;
  }
  return Status::InvalidArgument(fmt::format("unknown backup state '{}'", name));
}

Status check_retention(const backup::RetentionPolicy& policy) {
  if (policy.keep_last < 0 || policy.keep_last > kMaxKeepLast) {
    return Status::InvalidArgument(
        fmt::format("keep_last must be 0..{}, got {}", kMaxKeepLast, policy.keep_last));
  }
  if (policy.keep_days < 0 || policy.keep_days > kMaxKeepDays) {
    return Status::InvalidArgument(
        fmt::format("keep_days must be 0..{}, got {}", kMaxKeepDays, policy.keep_days));
  }
  return Status::OK();
}

backup::TransferProgress BackupRun::progress() const {
  backup::TransferProgress total;
  for (const auto& n : nodes) total.add(n.progress);
  return total;
}

BackupService::BackupService(Store& store, Registry& registry, AuditLog& audit,
                             BackupAgents& agents, Clock& clock, std::string cluster,
                             BackupServiceOptions options)
    : store_(std::make_unique<BackupStore>(store)),
      registry_(registry),
      audit_(audit),
      agents_(agents),
      clock_(clock),
      cluster_(std::move(cluster)),
      options_(std::move(options)) {}

BackupService::~BackupService() = default;

Result<backup::ObjectStore*> BackupService::object_store() {
  std::lock_guard lock(object_store_mu_);
  if (!object_store_) {
    RK_ASSIGN_OR_RETURN(object_store_, backup::open_store(options_.store));
  }
  return object_store_.get();
}

Result<NodeInfo> BackupService::node_of(const std::string& host_id) {
  return registry_.node(host_id);
}

Result<BackupRun> BackupService::start(const std::string& actor, const std::string& tag_in,
                                       std::optional<int64_t> schedule_id) {
  const int64_t now = clock_.now_micros();
  const std::string tag = tag_in.empty() ? "backup-" + format_time_us(now, TimeForm::kTag) : tag_in;
  Result<BackupRun> out = [&]() -> Result<BackupRun> {
    RK_RETURN_IF_ERROR(validate_backup_tag(tag));
    if (tag == "latest" || tag == "purge" || tag.starts_with("inc-"))
      return Status::InvalidArgument("tag '" + tag +
                                     "' is reserved ('latest' names the newest "
                                     "backup, 'inc-' incremental uploads)");
    RK_ASSIGN_OR_RETURN(std::vector<NodeInfo> nodes, registry_.nodes(cluster_));
    BackupRun run;
    run.tag = tag;
    run.schedule_id = schedule_id;
    run.requested_by = actor;
    run.started_at_us = now;
    run.updated_at_us = now;
    for (const NodeInfo& n : nodes) {
      if (n.state == NodeState::kReplaced) continue;
      if (n.state != NodeState::kNormal)
        return Status::FailedPrecondition(
            fmt::format("node {} is {}: a backup needs every node NORMAL", n.host_id,
                        node_state_name(n.state)));
      run.nodes.push_back({.host_id = n.host_id, .updated_at_us = now});
    }
    if (run.nodes.empty()) return Status::FailedPrecondition("the cluster has no node to back up");
    RK_RETURN_IF_ERROR(store_->insert_run(run));
    return run;
  }();
  (void)audit_.append(actor, "backup.start", tag, out.status());
  if (out.ok()) spdlog::info("backup {} started on {} nodes", tag, out->nodes.size());
  return out;
}

Result<std::vector<BackupRun>> BackupService::runs(int limit) { return store_->runs(limit); }

Result<BackupRun> BackupService::run(const std::string& tag) {
  RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  return store_->run(tag);
}

void BackupService::abort_agents(const BackupRun& run) {
  for (const auto& n : run.nodes) {
    if (n.state == "DONE" || n.state == "FAILED") continue;
    auto node = node_of(n.host_id);
    if (!node.ok()) continue;
    Status s = agents_.abort_backup(*node, run.tag);
    if (!s.ok() && s.code() != ErrorCode::kNotFound)
      spdlog::warn("backup {}: cannot abort on {}: {}", run.tag, n.host_id, s.message());
  }
}

Result<BackupRun> BackupService::pause(const std::string& actor, const std::string& tag) {
  Result<BackupRun> out = [&]() -> Result<BackupRun> {
    RK_ASSIGN_OR_RETURN(BackupRun r, run(tag));
    if (r.state == BackupRunState::kPaused) return r;
    if (r.state != BackupRunState::kRunning)
      return Status::FailedPrecondition("backup " + tag + " is " +
                                        std::string(backup_run_state_name(r.state)));
    RK_RETURN_IF_ERROR(store_->set_state(tag, BackupRunState::kPaused, "", 0, clock_.now_micros()));
    std::lock_guard lock(tick_mu_);  // no tick restarts the agents' jobs meanwhile
    abort_agents(r);
    return run(tag);
  }();
  (void)audit_.append(actor, "backup.pause", tag, out.status());
  return out;
}

Result<BackupRun> BackupService::resume(const std::string& actor, const std::string& tag) {
  Result<BackupRun> out = [&]() -> Result<BackupRun> {
    RK_ASSIGN_OR_RETURN(BackupRun r, run(tag));
    if (r.state == BackupRunState::kRunning) return r;
    if (r.state != BackupRunState::kPaused)
      return Status::FailedPrecondition("backup " + tag + " is " +
                                        std::string(backup_run_state_name(r.state)));
    RK_RETURN_IF_ERROR(store_->resume(tag, clock_.now_micros()));
    return run(tag);
  }();
  (void)audit_.append(actor, "backup.resume", tag, out.status());
  return out;
}

Result<BackupRun> BackupService::abort(const std::string& actor, const std::string& tag) {
  Result<BackupRun> out = [&]() -> Result<BackupRun> {
    RK_ASSIGN_OR_RETURN(BackupRun r, run(tag));
    if (r.state == BackupRunState::kAborted) return r;
    if (finished(r.state))
      return Status::FailedPrecondition("backup " + tag + " is " +
                                        std::string(backup_run_state_name(r.state)));
    const int64_t now = clock_.now_micros();
    RK_RETURN_IF_ERROR(
        store_->set_state(tag, BackupRunState::kAborted, "aborted by " + actor, now, now));
    std::lock_guard lock(tick_mu_);
    abort_agents(r);
    return run(tag);
  }();
  (void)audit_.append(actor, "backup.abort", tag, out.status());
  return out;
}

Status BackupService::tick() {
  std::lock_guard lock(tick_mu_);
  const int64_t now = clock_.now_micros();
  // Due schedules start a run (one at a time: a schedule due while a run is active waits).
  RK_ASSIGN_OR_RETURN(std::vector<BackupSchedule> schedules, this->schedules());
  for (const auto& s : schedules) {
    if (!s.enabled || s.next_run_at_us > now) continue;
    auto started =
        start("schedule:" + s.name, s.name + "-" + format_time_us(now, TimeForm::kTag), s.id);
    if (!started.ok() && started.status().code() == ErrorCode::kFailedPrecondition) {
      spdlog::info("backup schedule {} is due but cannot start yet: {}", s.name,
                   started.status().message());
      continue;
    }
    const int64_t interval_us = seconds_to_micros(s.interval_seconds);
    int64_t next = saturating_add(s.next_run_at_us, interval_us);
    if (next <= now) next = saturating_add(now, interval_us);  // missed runs: skip
    RK_RETURN_IF_ERROR(store_->set_next_run(s.id, next));
  }
  RK_ASSIGN_OR_RETURN(std::vector<BackupRun> active, store_->runs(100, BackupRunState::kRunning));
  Status result;
  for (auto& r : active) {
    Status s = advance(std::move(r));
    if (!s.ok() && result.ok()) result = s;
  }
  return result;
}

// Asks every unfinished node of a RUNNING run how it is doing and records it.
Status BackupService::advance(BackupRun run) {
  auto st = object_store();
  if (!st.ok()) return st.status().with_context("backup store");
  std::string failure;
  for (auto& n : run.nodes) {
    if (n.state == "DONE") continue;
    if (n.state == "FAILED") continue;
    auto node = node_of(n.host_id);
    if (!node.ok() || node->state == NodeState::kReplaced) {
      n.state = "FAILED";
      n.error = "the node left the cluster during the backup";
    } else {
      auto job = agents_.backup_job(*node, run.tag);
      if (!job.ok() && job.status().code() == ErrorCode::kNotFound) {
        job = agents_.start_backup(*node, run.tag);  // first ask, or the agent lost it
      } else if (job.ok() && job->state == "ABORTED") {
        job = agents_.start_backup(*node, run.tag);  // resumed (e.g. after a pause)
      }
      if (!job.ok()) {
        n.error = "cannot reach the agent: " + job.status().message();
      } else {
        n.progress = job->progress;
        n.progress.updated_at_us = clock_.now_micros();
        n.error = job->error;
        if (job->state == "RUNNING") {
          n.state = "RUNNING";
        } else if (job->state == "SUCCEEDED") {
          // Complete only when its manifest is in the store, whatever the agent says.
          auto head = (*st)->head(backup::manifest_key(run.tag, n.host_id));
          if (head.ok()) {
            n.state = "DONE";
          } else {
            n.state = "FAILED";
            n.error = "the agent finished but its manifest is not in the store: " +
                      head.status().message();
          }
        } else if (job->state == "FAILED") {
          n.state = "FAILED";
        }
      }
    }
    n.updated_at_us = clock_.now_micros();
    if (n.state == "FAILED" && failure.empty()) failure = n.host_id + ": " + n.error;
  }
  // A pause or abort may have landed meanwhile: only a still RUNNING run is advanced.
  RK_RETURN_IF_ERROR(store_->record_progress(run, failure, clock_.now_micros()));
  if (!failure.empty()) {
    spdlog::warn("backup {} failed: {}", run.tag, failure);
    abort_agents(run);
    return Status::OK();
  }
  bool done = true;
  for (const auto& n : run.nodes) done = done && n.state == "DONE";
  return done ? finish_run(run) : Status::OK();
}

Status BackupService::finish_run(const BackupRun& run) {
  RK_ASSIGN_OR_RETURN(backup::ObjectStore * st, object_store());
  const int64_t now = clock_.now_micros();
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : run.nodes) nodes.push_back(n.host_id);
  const nlohmann::json marker = {{"tag", run.tag},
                                 {"cluster", cluster_},
                                 {"nodes", nodes},
                                 {"started_at_us", run.started_at_us},
                                 {"completed_at_us", now}};
  auto source = backup::memory_source(marker.dump(1));
  RK_RETURN_IF_ERROR(st->put(backup::tag_prefix(run.tag) + "backup.json", *source).status());
  RK_RETURN_IF_ERROR(store_->set_state(run.tag, BackupRunState::kComplete, "", now, now));
  const auto p = run.progress();
  spdlog::info("backup {} complete: {} nodes, {} files, {} bytes ({} sent)", run.tag,
               run.nodes.size(), p.files_total, p.bytes_total, p.bytes_sent);
  if (run.schedule_id) {
    RK_ASSIGN_OR_RETURN(auto schedules, this->schedules());
    for (const auto& s : schedules) {
      if (s.id != *run.schedule_id) continue;
      auto purged = purge("schedule:" + s.name, s.retention, false);
      if (!purged.ok())
        spdlog::warn("retention of schedule {}: {}", s.name, purged.status().message());
    }
  }
  return Status::OK();
}

Result<std::vector<backup::NodeManifest>> BackupService::manifests(const std::string& tag) {
  RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  RK_ASSIGN_OR_RETURN(backup::ObjectStore * st, object_store());
  return backup::read_manifests(*st, tag);
}

Result<backup::VerifyReport> BackupService::verify(const std::string& tag) {
  RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  RK_ASSIGN_OR_RETURN(backup::ObjectStore * st, object_store());
  auto report = backup::verify_backup(*st, tag);
  auto known = run(tag);
  if (!report.ok()) {
    if (report.status().code() != ErrorCode::kNotFound || !known.ok()) return report.status();
    report = backup::VerifyReport{.tag = tag};
  }
  if (known.ok()) {
    std::set<std::string> have(report->nodes.begin(), report->nodes.end());
    for (const auto& n : known->nodes) {
      if (!have.contains(n.host_id))
        report->problems.push_back({n.host_id, "", backup::manifest_key(tag, n.host_id),
                                    "missing: the node's manifest is not in the store"});
    }
  }
  return report;
}

Result<PurgeReport> BackupService::purge(const std::string& actor,
                                         const std::optional<backup::RetentionPolicy>& policy,
                                         bool dry_run) {
  Result<PurgeReport> out = [&]() -> Result<PurgeReport> {
    if (policy) RK_RETURN_IF_ERROR(check_retention(*policy));
    const backup::RetentionPolicy rules = policy.value_or(options_.retention);
    RK_ASSIGN_OR_RETURN(backup::ObjectStore * st, object_store());
    RK_ASSIGN_OR_RETURN(std::vector<BackupRun> all, runs(100000));
    std::vector<backup::BackupRecord> records;
    for (const auto& r : all) {
      if (r.state == BackupRunState::kRunning || r.state == BackupRunState::kPaused)
        return Status::FailedPrecondition("backup " + r.tag + " is " +
                                          std::string(backup_run_state_name(r.state)) +
                                          ": purge when no backup is in progress");
      records.push_back(
          {r.tag,
           r.state == BackupRunState::kComplete ? backup::BackupOutcome::kComplete
                                                : backup::BackupOutcome::kFailed,
           r.state == BackupRunState::kComplete ? r.completed_at_us : r.started_at_us});
    }
    const int64_t now = clock_.now_micros();
    PurgeReport report;
    report.dry_run = dry_run;
    report.tags = backup::tags_to_purge(records, rules, now);
    const std::set<std::string> purged(report.tags.begin(), report.tags.end());
    // The store's manifests: those of purged tags go; kept snapshot manifests name data that
    // stays and, per host, from when on the files uploaded between snapshots (incremental SSTs,
    // archived WAL files) are needed for point-in-time restore (backup/retention.h).
    std::vector<std::string> doomed_keys;
    std::vector<std::string> snapshot_keys;
    std::vector<backup::LogManifest> logs;
    RK_RETURN_IF_ERROR(st->list("meta/", [&](const backup::ObjectInfo& o) -> Status {
      const std::string rest = o.key.substr(5);
      const std::string tag = rest.substr(0, rest.find('/'));
      auto key = backup::parse_manifest_key(o.key);
      if (auto at = backup::incremental_tag_time(tag); at.ok()) {
        if (key.ok()) logs.push_back({o.key, key->host_id, *at});
      } else if (purged.contains(tag)) {
        doomed_keys.push_back(o.key);
      } else if (key.ok()) {
        snapshot_keys.push_back(o.key);
      }
      return Status::OK();
    }));
    RK_RETURN_IF_ERROR(st->list("wal/", [&](const backup::ObjectInfo& o) -> Status {
      if (auto key = backup::parse_wal_manifest_key(o.key); key.ok())
        logs.push_back({o.key, key->host_id, key->created_at_us});
      return Status::OK();
    }));
    std::set<std::string> referenced;
    // A manifest that cannot be read must not let its data be deleted: stop the purge.
    auto reference = [&](const std::string& key) -> Result<backup::NodeManifest> {
      backup::StringSink sink;
      RK_RETURN_IF_ERROR(st->get(key, sink).status().with_context(key));
      RK_ASSIGN_OR_RETURN(backup::NodeManifest m, backup::manifest_from_text(sink.data));
      for (const auto& f : m.files) referenced.insert(f.sha256);
      return m;
    };
    std::map<std::string, int64_t> oldest_kept;
    for (const auto& k : snapshot_keys) {
      RK_ASSIGN_OR_RETURN(backup::NodeManifest m, reference(k));
      auto [it, fresh] = oldest_kept.emplace(m.host_id, m.created_at_us);
      if (!fresh) it->second = std::min(it->second, m.created_at_us);
    }
    const int64_t grace_us =
        std::chrono::duration_cast<std::chrono::microseconds>(options_.purge_grace).count();
    const auto doomed_logs = backup::log_manifests_to_purge(logs, oldest_kept, now - grace_us);
    const std::set<std::string> doomed_log_set(doomed_logs.begin(), doomed_logs.end());
    for (const auto& l : logs) {
      if (!doomed_log_set.contains(l.key)) RK_RETURN_IF_ERROR(reference(l.key).status());
    }
    report.log_manifests = doomed_logs.size();
    doomed_keys.insert(doomed_keys.end(), doomed_logs.begin(), doomed_logs.end());
    std::vector<backup::StoredObject> data;
    std::map<std::string, int64_t> sizes;
    RK_RETURN_IF_ERROR(st->list("data/", [&](const backup::ObjectInfo& o) -> Status {
      data.push_back({o.key, o.modified_us});
      sizes[o.key] = o.size;
      return Status::OK();
    }));
    const auto unreferenced = backup::unreferenced_data(data, referenced, now - grace_us);
    report.objects = unreferenced.size();
    for (const auto& k : unreferenced) report.bytes += static_cast<uint64_t>(sizes[k]);
    if (dry_run) return report;
    // Manifests first: a backup half-purged must not look restorable.
    for (const auto& k : doomed_keys) RK_RETURN_IF_ERROR(st->remove(k));
    for (const auto& k : unreferenced) RK_RETURN_IF_ERROR(st->remove(k));
    RK_RETURN_IF_ERROR(store_->delete_runs(report.tags));
    spdlog::info("purge: {} backups, {} incremental/WAL manifests, {} objects, {} bytes",
                 report.tags.size(), report.log_manifests, report.objects, report.bytes);
    return report;
  }();
  if (!dry_run) (void)audit_.append(actor, "backup.purge", "", out.status());
  return out;
}

Result<BackupSchedule> BackupService::add_schedule(const std::string& actor,
                                                   BackupSchedule schedule) {
  Result<BackupSchedule> out = [&]() -> Result<BackupSchedule> {
    RK_RETURN_IF_ERROR(validate_backup_tag(schedule.name).with_context("schedule name"));
    if (schedule.interval_seconds < kMinBackupIntervalSeconds ||
        schedule.interval_seconds > kMaxBackupIntervalSeconds) {
      return Status::InvalidArgument(
          fmt::format("interval_seconds must be {}..{}, got {}", kMinBackupIntervalSeconds,
                      kMaxBackupIntervalSeconds, schedule.interval_seconds));
    }
    RK_RETURN_IF_ERROR(check_retention(schedule.retention));
    if (schedule.next_run_at_us < 0) {
      return Status::InvalidArgument("first_run_at_us must be >= 0 (0: now)");
    }
    const int64_t now = clock_.now_micros();
    if (schedule.next_run_at_us == 0) schedule.next_run_at_us = now;
    return store_->insert_schedule(schedule, now);
  }();
  (void)audit_.append(actor, "backup.schedule.create", schedule.name, out.status());
  return out;
}

Result<std::vector<BackupSchedule>> BackupService::schedules() { return store_->schedules(); }

Status BackupService::remove_schedule(const std::string& actor, const std::string& name) {
  Status s = store_->delete_schedule(name);
  (void)audit_.append(actor, "backup.schedule.delete", name, s);
  return s;
}

}  // namespace rk::scheduler
