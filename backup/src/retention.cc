// Retention rules (see retention.h).
#include "ringkeeper/backup/retention.h"

#include <algorithm>

#include "ringkeeper/core/saturating.h"

namespace rk::backup {

std::vector<std::string> tags_to_purge(std::span<const BackupRecord> backups,
                                       const RetentionPolicy& policy, int64_t now_us) {
  std::vector<const BackupRecord*> complete;
  std::vector<const BackupRecord*> purge;
  for (const auto& b : backups) {
    if (b.outcome == BackupOutcome::kComplete) complete.push_back(&b);
    if (b.outcome == BackupOutcome::kFailed) purge.push_back(&b);
  }
  std::sort(complete.begin(), complete.end(), [](auto* a, auto* b) {
    return a->completed_at_us != b->completed_at_us ? a->completed_at_us > b->completed_at_us
                                                    : a->tag > b->tag;
  });
  const bool rules = policy.keep_last > 0 || policy.keep_days > 0;
  const int64_t day_us = int64_t{86400} * 1'000'000;
  for (size_t i = 1; i < complete.size() && rules; ++i) {  // i = 0: the newest, always kept
    const bool by_count = policy.keep_last > 0 && i < static_cast<size_t>(policy.keep_last);
    const bool by_age =
        policy.keep_days > 0 && saturating_sub(now_us, complete[i]->completed_at_us) <
                                    saturating_mul(policy.keep_days, day_us);
    if (!by_count && !by_age) purge.push_back(complete[i]);
  }
  std::sort(purge.begin(), purge.end(), [](auto* a, auto* b) {
    return a->completed_at_us != b->completed_at_us ? a->completed_at_us < b->completed_at_us
                                                    : a->tag < b->tag;
  });
  std::vector<std::string> out;
  for (auto* b : purge) out.push_back(b->tag);
  return out;
}

std::vector<std::string> unreferenced_data(std::span<const StoredObject> data_objects,
                                           const std::set<std::string>& referenced,
                                           int64_t older_than_us) {
  std::vector<std::string> out;
  for (const auto& o : data_objects) {
    if (!o.key.starts_with("data/")) continue;
    if (referenced.contains(o.key.substr(5))) continue;
    if (o.modified_at_us != 0 && o.modified_at_us >= older_than_us) continue;
    out.push_back(o.key);
  }
  return out;
}

std::vector<std::string> log_manifests_to_purge(
    std::span<const LogManifest> logs,
    const std::map<std::string, int64_t>& oldest_kept_snapshot_us, int64_t older_than_us) {
  std::vector<std::string> out;
  for (const auto& l : logs) {
    auto kept = oldest_kept_snapshot_us.find(l.host_id);
    const int64_t keep_from = kept != oldest_kept_snapshot_us.end() ? kept->second : older_than_us;
    if (l.created_at_us < keep_from) out.push_back(l.key);
  }
  return out;
}

}  // namespace rk::backup
