// A write the node acknowledged survives kill -9 of the process: a child writes and prints each
// acknowledged key; it is killed mid-stream; every acknowledged key is there after reopening.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

TEST(Durability, EveryAcknowledgedWriteSurvivesKillDashNine) {
  testing::TempDir dir;
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(RK_CRASH_WRITER, RK_CRASH_WRITER, dir.path().c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* acks = fdopen(out[0], "r");
  ASSERT_NE(acks, nullptr);
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
  ASSERT_TRUE(WIFSIGNALED(status)) << "child did not die by the signal";
  ASSERT_GE(last_ack, 3000);

  ManualClock clock;
  Options options;
  options.data_dir = dir.path();
  auto node = Node::open(options, clock);
  ASSERT_TRUE(node.ok()) << node.status().to_string();
  long missing = 0;
  for (long i = 0; i <= last_ack; ++i) {
    std::string key = "k" + std::to_string(i);
    auto row = (*node)->read_row("ks", "t", key, "c");
    ASSERT_TRUE(row.ok()) << row.status().to_string();
    if (!row->has_value() || (*row)->cells.at("v").value != key) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << last_ack + 1 << " acknowledged writes";
}

}  // namespace
}  // namespace rk::storage
