// Choosing a restore's snapshot and the files replayed on top of it (see restore_plan.h).
#include "backup/restore_plan.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "ringkeeper/core/names.h"
#include "ringkeeper/core/time_text.h"

namespace rk::agent {
namespace {

Result<backup::NodeManifest> read_manifest(backup::ObjectStore& store, const std::string& key) {
  backup::StringSink sink;
  RK_RETURN_IF_ERROR(store.get(key, sink).status().with_context("reading " + key));
  auto m = backup::manifest_from_text(sink.data);
  if (!m.ok()) return m.status().with_context(key);
  return m;
}

std::string utc(int64_t us) { return fmt::format("{} ({} µs)", format_time_us(us), us); }

}  // namespace

uint64_t RestorePlan::replay_bytes() const {
  uint64_t total = 0;
  for (const auto& f : files) total += f.file.size;
  return total;
}

Result<std::string> latest_backup_tag(backup::ObjectStore& store, const std::string& host_id) {
  RK_RETURN_IF_ERROR(backup::validate_host_id(host_id));
  std::string best;
  int64_t best_at = -1;
  RK_RETURN_IF_ERROR(store.list("meta/", [&](const backup::ObjectInfo& o) -> Status {
    auto key = backup::parse_manifest_key(o.key);
    if (!key.ok() || key->host_id != host_id) return Status::OK();
    // Incremental uploads (one manifest every pass) are no snapshot: not even read.
    if (backup::incremental_tag_time(key->tag).ok()) return Status::OK();
    backup::StringSink sink;
    if (!store.get(o.key, sink).ok()) return Status::OK();  // unreadable: not a candidate
    auto m = backup::manifest_from_text(sink.data);
    if (!m.ok() || m->kind != "snapshot") return Status::OK();
    if (m->created_at_us > best_at) {
      best_at = m->created_at_us;
      best = key->tag;
    }
    return Status::OK();
  }));
  if (best.empty()) return Status::NotFound("the store has no backup of host " + host_id);
  return best;
}

Result<backup::NodeManifest> fetch_manifest(backup::ObjectStore& store, const std::string& tag,
                                            const std::string& host_id) {
  RK_RETURN_IF_ERROR(backup::validate_host_id(host_id));
  std::string resolved = tag;
  if (tag == "latest") {
    RK_ASSIGN_OR_RETURN(resolved, latest_backup_tag(store, host_id));
  } else {
    RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  }
  backup::StringSink sink;
  auto got = store.get(backup::manifest_key(resolved, host_id), sink);
  if (!got.ok()) {
    if (got.status().code() == ErrorCode::kNotFound)
      return Status::NotFound("backup " + resolved + " has no manifest of host " + host_id);
    return got.status().with_context("reading the manifest of " + resolved);
  }
  RK_ASSIGN_OR_RETURN(backup::NodeManifest m, backup::manifest_from_text(sink.data));
  if (m.tag != resolved || m.host_id != host_id)
    return Status::Corruption("manifest " + backup::manifest_key(resolved, host_id) +
                              " names tag " + m.tag + " and host " + m.host_id);
  return m;
}

Result<backup::NodeManifest> choose_snapshot(backup::ObjectStore& store, const std::string& tag,
                                             const std::string& host_id,
                                             std::optional<int64_t> until_us) {
  RK_RETURN_IF_ERROR(backup::validate_host_id(host_id));
  if (tag != "latest") RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  if (!until_us) return fetch_manifest(store, tag, host_id);
  if (tag != "latest") {
    RK_ASSIGN_OR_RETURN(backup::NodeManifest m, fetch_manifest(store, tag, host_id));
    if (m.created_at_us > *until_us)
      return Status::InvalidArgument("backup " + tag + " of host " + host_id + " was taken at " +
                                     utc(m.created_at_us) + ", after until " + utc(*until_us) +
                                     ": choose an older tag, or give no tag to take the newest "
                                     "complete backup before until");
    return m;
  }
  // The host's manifests and the tags whose run completed (meta/<tag>/backup.json).
  std::vector<std::string> candidates;
  std::set<std::string> complete;
  RK_RETURN_IF_ERROR(store.list("meta/", [&](const backup::ObjectInfo& o) -> Status {
    if (o.key.ends_with("/backup.json")) {
      complete.insert(o.key.substr(5, o.key.size() - 5 - 12));
      return Status::OK();
    }
    auto key = backup::parse_manifest_key(o.key);
    if (key.ok() && key->host_id == host_id && !backup::incremental_tag_time(key->tag).ok())
      candidates.push_back(key->tag);
    return Status::OK();
  }));
  std::optional<backup::NodeManifest> best;
  for (const auto& t : candidates) {
    if (!complete.contains(t)) continue;
    RK_ASSIGN_OR_RETURN(backup::NodeManifest m,
                        read_manifest(store, backup::manifest_key(t, host_id)));
    if (m.kind != "snapshot" || m.host_id != host_id || m.created_at_us > *until_us) continue;
    if (!best || m.created_at_us > best->created_at_us) best = std::move(m);
  }
  if (!best)
    return Status::NotFound("the store has no complete backup of host " + host_id +
                            " taken at or before " + utc(*until_us));
  return *best;
}

Result<RestorePlan> plan_restore(backup::ObjectStore& store, backup::NodeManifest snapshot,
                                 std::optional<int64_t> until_us) {
  RestorePlan plan;
  const std::string host = snapshot.host_id;
  const int64_t taken = snapshot.created_at_us;
  uint64_t newest_sst = 0;
  for (const auto& f : snapshot.files) {
    if (!f.path.ends_with(".sst")) continue;
    if (auto n = backup::engine_file_number(f.path); n.ok()) newest_sst = std::max(newest_sst, *n);
  }
  plan.after_sequence = snapshot.sequence;
  plan.up_to_us = until_us.value_or(kReplayEverything);

  std::vector<std::pair<int64_t, std::string>> inc_keys, wal_keys;
  RK_RETURN_IF_ERROR(store.list("meta/inc-", [&](const backup::ObjectInfo& o) -> Status {
    auto key = backup::parse_manifest_key(o.key);
    if (!key.ok() || key->host_id != host) return Status::OK();
    auto at = backup::incremental_tag_time(key->tag);
    if (at.ok() && *at > taken) inc_keys.emplace_back(*at, o.key);
    return Status::OK();
  }));
  RK_RETURN_IF_ERROR(store.list(backup::wal_prefix(host), [&](const backup::ObjectInfo& o) {
    auto key = backup::parse_wal_manifest_key(o.key);
    if (key.ok() && key->host_id == host && key->created_at_us >= taken)
      wal_keys.emplace_back(key->created_at_us, o.key);
    return Status::OK();
  }));
  if (!wal_keys.empty() && snapshot.sequence == 0) {
    if (until_us)
      return Status::FailedPrecondition(
          "backup " + snapshot.tag +
          " does not record its sequence number (taken by an older agent): its WAL files "
          "cannot be replayed safely, so no point-in-time restore from it; restore it "
          "without until");
    plan.warning = fmt::format(
        "backup {} does not record its sequence number: its {} WAL manifests are not replayed",
        snapshot.tag, wal_keys.size());
    wal_keys.clear();
  }
  std::sort(inc_keys.begin(), inc_keys.end());
  std::sort(wal_keys.begin(), wal_keys.end());
  std::set<std::string> seen;  // by content: a file uploaded twice (a pass cut short) once
  auto add = [&](const std::string& kind, const std::vector<std::pair<int64_t, std::string>>& keys,
                 uint64_t above) -> Status {
    std::vector<ReplayFile> out;
    for (const auto& [at, key] : keys) {
      RK_ASSIGN_OR_RETURN(backup::NodeManifest m, read_manifest(store, key));
      if (m.host_id != host || m.kind != kind)
        return Status::Corruption(key + " is a " + m.kind + " manifest of host " + m.host_id);
      for (const auto& f : m.files) {
        auto number = backup::engine_file_number(f.path);
        if (!number.ok() || *number <= above) continue;
        if (!seen.insert(kind + f.sha256).second) continue;
        out.push_back({kind, f, at, *number});
      }
    }
    std::stable_sort(out.begin(), out.end(), [](const ReplayFile& a, const ReplayFile& b) {
      return a.uploaded_at_us != b.uploaded_at_us ? a.uploaded_at_us < b.uploaded_at_us
                                                  : a.number < b.number;
    });
    plan.files.insert(plan.files.end(), out.begin(), out.end());
    return Status::OK();
  };
  RK_RETURN_IF_ERROR(add("incremental", inc_keys, newest_sst));
  RK_RETURN_IF_ERROR(add("wal", wal_keys, 0));
  plan.snapshot = std::move(snapshot);
  return plan;
}

}  // namespace rk::agent
