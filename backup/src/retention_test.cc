// Retention rules: which tags go, which data objects a purge may delete.
#include "ringkeeper/backup/retention.h"

#include <gtest/gtest.h>

namespace rk::backup {
namespace {

constexpr int64_t kDay = int64_t{86400} * 1'000'000;

std::vector<BackupRecord> daily(int n, int64_t now) {
  std::vector<BackupRecord> out;
  for (int i = 0; i < n; ++i)
    out.push_back({"d" + std::to_string(i), BackupOutcome::kComplete, now - (n - i) * kDay});
  return out;
}

TEST(Retention, KeepLastKeepsTheNewestN) {
  const int64_t now = 100 * kDay;
  auto purge = tags_to_purge(daily(5, now), {.keep_last = 2, .keep_days = 0}, now);
  EXPECT_EQ(purge, (std::vector<std::string>{"d0", "d1", "d2"}));
}

TEST(Retention, EitherRuleKeeps) {
  const int64_t now = 100 * kDay;
  // d3 (2 days old) and d4 (1 day) by count; d2 (3 days old) by age; d0, d1 go.
  auto purge = tags_to_purge(daily(5, now), {.keep_last = 2, .keep_days = 4}, now);
  EXPECT_EQ(purge, (std::vector<std::string>{"d0", "d1"}));
}

TEST(Retention, TheNewestCompleteBackupIsAlwaysKept) {
  const int64_t now = 100 * kDay;
  auto purge = tags_to_purge(daily(3, now), {.keep_last = 0, .keep_days = 0}, now);
  EXPECT_TRUE(purge.empty());
  purge = tags_to_purge(daily(3, now), {.keep_last = 0, .keep_days = 0 + 0}, now);
  auto aged =
      tags_to_purge(daily(3, now + 50 * kDay), {.keep_last = 0, .keep_days = 1}, now + 50 * kDay);
  EXPECT_EQ(aged, (std::vector<std::string>{"d0", "d1"}));
}

TEST(Retention, FailedBackupsGoRunningOnesStay) {
  std::vector<BackupRecord> b = {{"ok", BackupOutcome::kComplete, 10},
                                 {"bad", BackupOutcome::kFailed, 5},
                                 {"now", BackupOutcome::kRunning, 20}};
  EXPECT_EQ(tags_to_purge(b, {.keep_last = 7}, 30), (std::vector<std::string>{"bad"}));
}

TEST(Retention, OnlyUnreferencedOldDataIsDeleted) {
  std::vector<StoredObject> objects = {
      {"data/aa", 100}, {"data/bb", 100}, {"data/cc", 900}, {"meta/t/h.json", 1}};
  auto gone = unreferenced_data(objects, {"aa"}, 500);
  EXPECT_EQ(gone, (std::vector<std::string>{"data/bb"}));  // cc is too new, aa referenced
}

TEST(Retention, LogManifestsAreKeptFromEachHostsOldestKeptSnapshotOn) {
  // h1's oldest kept snapshot was taken at 1000: its window (and every later one) needs the
  // incremental and WAL uploads from 1000 on; what came before serves no kept snapshot.
  std::vector<LogManifest> logs = {{"wal/h1/a", "h1", 900},
                                   {"wal/h1/b", "h1", 1000},
                                   {"meta/inc-1500/h1.json", "h1", 1500},
                                   {"meta/inc-800/h1.json", "h1", 800},
                                   {"wal/h2/a", "h2", 100},
                                   {"wal/h2/b", "h2", 1200},
                                   {"wal/h3/a", "h3", 100},
                                   {"wal/h3/b", "h3", 5000}};
  auto gone = log_manifests_to_purge(logs, {{"h1", 1000}, {"h2", 50}}, 4000);
  // h2 keeps all (its oldest kept snapshot is older than both); h3 has no kept snapshot: only
  // what is younger than the grace stays.
  EXPECT_EQ(gone, (std::vector<std::string>{"wal/h1/a", "meta/inc-800/h1.json", "wal/h3/a"}));
}

}  // namespace
}  // namespace rk::backup
