// Parallel transfers and the agent's one bandwidth limit (upload.h).
#include "backup/upload.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "ringkeeper/core/config_args.h"

namespace rk::agent {
namespace {

TEST(ForEachParallel, RunsEveryIndexOnceOnSeveralThreads) {
  std::vector<std::atomic<int>> runs(100);
  Status s = for_each_parallel(runs.size(), 4, [&](size_t i) {
    runs[i]++;
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.to_string();
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_TRUE(for_each_parallel(0, 4, [](size_t) { return Status::Internal("never"); }).ok());
}

TEST(ForEachParallel, StopsHandingOutWorkAfterTheFirstError) {
  std::atomic<int> started{0};
  Status s = for_each_parallel(1000, 2, [&](size_t i) {
    started++;
    return i == 3 ? Status::IOError("file 3") : Status::OK();
  });
  EXPECT_EQ(s.code(), ErrorCode::kIOError);
  EXPECT_EQ(s.message(), "file 3");
  EXPECT_LT(started.load(), 1000);
}

BackupSettings settings_for(const std::string& url, int64_t agent_limit, int64_t s3_limit) {
  BackupSettings b;
  b.store.url = url;
  b.bandwidth_limit = agent_limit;
  b.store.s3.bandwidth_limit = s3_limit;
  return b;
}

TEST(TransferLimits, AnS3StoreEnforcesTheAgentsLimitOnTheWireAndThePacerStandsAside) {
  TransferLimits l = transfer_limits(settings_for("s3://bucket/prefix", 10 << 20, 0));
  EXPECT_EQ(l.store.s3.bandwidth_limit, 10 << 20);
  EXPECT_EQ(l.pacer_rate, 0);  // counted once, not once by each
}

TEST(TransferLimits, OtherStoresArePacedByTheAgent) {
  TransferLimits l = transfer_limits(settings_for("file:///backups", 10 << 20, 0));
  EXPECT_EQ(l.pacer_rate, 10 << 20);
  EXPECT_EQ(l.store.s3.bandwidth_limit, 0);
}

TEST(TransferLimits, TheStoresOldKeyAloneIsTakenAsTheAgentsLimit) {
  TransferLimits s3 = transfer_limits(settings_for("s3://bucket", 0, 5 << 20));
  EXPECT_EQ(s3.store.s3.bandwidth_limit, 5 << 20);
  EXPECT_EQ(s3.pacer_rate, 0);
  // Still applies when the store is a directory (it used to be ignored there).
  TransferLimits file = transfer_limits(settings_for("file:///backups", 0, 5 << 20));
  EXPECT_EQ(file.pacer_rate, 5 << 20);
  TransferLimits none = transfer_limits(settings_for("s3://bucket", 0, 0));
  EXPECT_EQ(none.store.s3.bandwidth_limit, 0);
  EXPECT_EQ(none.pacer_rate, 0);
}

TEST(TransferLimits, BothKeysSetIsAConfigErrorNamingTheOneToKeep) {
  auto both = load_config_string(
      "backup:\n  bandwidth_limit: 50MiB\n  store:\n    url: s3://b\n    s3:\n"
      "      bandwidth_limit: 20MiB\n",
      agent_options_schema());
  ASSERT_EQ(both.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(both.status().message().find("backup.bandwidth_limit"), std::string::npos)
      << both.status().message();
  EXPECT_NE(both.status().message().find("remove backup.store.s3.bandwidth_limit"),
            std::string::npos)
      << both.status().message();
  auto alias = load_config_string(
      "backup:\n  store:\n    url: s3://b\n    s3:\n      bandwidth_limit: 20MiB\n",
      agent_options_schema());
  ASSERT_TRUE(alias.ok()) << alias.status().to_string();
  EXPECT_EQ(transfer_limits(alias->backup).store.s3.bandwidth_limit, 20 << 20);
  auto one = load_config_string("backup:\n  bandwidth_limit: 50MiB\n  parallel_files: 2\n",
                                agent_options_schema());
  ASSERT_TRUE(one.ok()) << one.status().to_string();
  EXPECT_EQ(one->backup.bandwidth_limit, 50 << 20);
  EXPECT_EQ(one->backup.parallel_files, 2);
}

}  // namespace
}  // namespace rk::agent
