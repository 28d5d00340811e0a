// A write the node acknowledged survives kill -9 of the process: a child writes and prints each
// acknowledged key; it is killed mid-stream; every acknowledged key is there after reopening.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

// Runs the crash writer on `dir` (with `flag` when not null), kills it with SIGKILL after a few
// thousand acknowledged writes and returns the last acknowledged index.
long write_until_killed(const std::string& dir, const char* flag) {
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  pid_t pid = fork();
  EXPECT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(RK_CRASH_WRITER, RK_CRASH_WRITER, dir.c_str(), flag, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* acks = fdopen(out[0], "r");
  EXPECT_NE(acks, nullptr);
  long last_ack = -1;
  char line[64];
  // Kill it mid-stream, after a few thousand acknowledged writes.
  while (last_ack < 3000 && std::fgets(line, sizeof line, acks) != nullptr) {
    last_ack = std::stol(line);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  // Lines the child printed before it died are acknowledged too.
  while (std::fgets(line, sizeof line, acks) != nullptr) {
    if (line[std::strlen(line) - 1] == '\n') last_ack = std::stol(line);
  }
  std::fclose(acks);
  EXPECT_TRUE(WIFSIGNALED(status)) << "child did not die by the signal";
  EXPECT_GE(last_ack, 3000);
  return last_ack;
}

// How many of the writes 0..last_ack are not (or not as written) on `node`.
long missing_writes(Node& node, long last_ack) {
  long missing = 0;
  for (long i = 0; i <= last_ack; ++i) {
    std::string key = "k" + std::to_string(i);
    auto row = node.read_row("ks", "t", key, "c");
    if (!row.ok() || !row->has_value() || (*row)->cells.at("v").value != key) ++missing;
  }
  return missing;
}

TEST(Durability, EveryAcknowledgedWriteSurvivesKillDashNine) {
  testing::TempDir dir;
  const long last_ack = write_until_killed(dir.path(), nullptr);
  ASSERT_GE(last_ack, 3000);

  ManualClock clock;
  Options options;
  options.data_dir = dir.path();
  auto node = Node::open(options, clock);
  ASSERT_TRUE(node.ok()) << node.status().to_string();
  EXPECT_EQ(missing_writes(**node, last_ack), 0) << "of " << last_ack + 1 << " acknowledged writes";
}

// With archive_wal, every WAL file reaches wal_archive even when the writer is killed (mid-flush
// or with closed WAL files not yet flushed): replaying the archive into an empty node after the
// restart (and a flush that closes the live WAL) gives back every acknowledged write.
TEST(Durability, ArchivedWalFilesHoldEveryAcknowledgedWriteAfterKillDashNine) {
  testing::TempDir dir;
  const long last_ack = write_until_killed(dir.path(), "--archive-wal");
  ASSERT_GE(last_ack, 3000);

  ManualClock clock;
  Options options;
  options.data_dir = dir.path();
  options.archive_wal = true;
  {
    auto node = Node::open(options, clock);
    ASSERT_TRUE(node.ok()) << node.status().to_string();
    ASSERT_TRUE((*node)->flush().ok());
  }
  testing::TempDir fresh_dir;
  Options fresh_options;
  fresh_options.data_dir = fresh_dir.path();
  auto fresh = Node::open(fresh_options, clock);
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() + "/wal_archive"))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 2u);
  for (const auto& f : files) {
    auto r = (*fresh)->replay_wal_file(f.string(), 0, std::numeric_limits<int64_t>::max());
    ASSERT_TRUE(r.ok()) << r.status().to_string();
  }
  EXPECT_EQ(missing_writes(**fresh, last_ack), 0)
      << "of " << last_ack + 1 << " acknowledged writes";
}

}  // namespace
}  // namespace rk::storage
