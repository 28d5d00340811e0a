// Backups and restores of a real three-node cluster to a file:// store (real rk-scheduler,
// rk-agent and rkctl processes; see cluster_fixture.h): back up, wipe a node, restore it and read
// every row from it alone; kill -9 an agent mid-upload and see the upload resume without
// re-sending finished files; a second backup after 1% new data uploads little.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cluster_fixture.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/time_text.h"

namespace rk::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Runs rkctl with `args`; returns its exit code and stdout (stderr appended).
std::pair<int, std::string> rkctl(const std::string& args) {
  const std::string cmd = rkctl_binary() + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

class BackupClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_dir_ = fs::temp_directory_path() /
                 ("rk-backup-store-" + std::to_string(::getpid()) + "-" + test_name());
    fs::remove_all(store_dir_);
  }
  void TearDown() override { fs::remove_all(store_dir_); }

  static std::string test_name() {
    return ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  LocalClusterOptions options() const {
    LocalClusterOptions o;
    o.backup_store = "file://" + store_dir_.string();
    return o;
  }
  std::string scheduler_flags(LocalCluster& c) const {
    return "--scheduler " + c.scheduler_url() + " --token " + c.options().operator_token;
  }
  // Loads `rows` rows (prefix `prefix`) through rkctl at consistency `cl`.
  static void load(LocalCluster& c, const std::string& flags, int rows, const std::string& prefix,
                   int value_size = 200, const std::string& cl = "ALL") {
    auto [rc, out] = rkctl(flags + " load demo.events --rows " + std::to_string(rows) +
                           " --columns 1 --value-size " + std::to_string(value_size) + " --cl " +
                           cl + " --prefix " + prefix + " --json");
    ASSERT_EQ(rc, 0) << out << c.logs_tail();
  }
  // Runs a cluster backup through the scheduler and waits for its end.
  static json backup(LocalCluster& c, const std::string& flags, const std::string& tag) {
    auto [rc, out] = rkctl(flags + " backup start " + tag + " --wait --json");
    EXPECT_EQ(rc, 0) << out << c.logs_tail();
    json r = json::parse(out, nullptr, false);
    EXPECT_TRUE(r.is_object()) << out;
    return r;
  }
  // Whether every row key-0..rows-1 of `prefix` reads at ONE through agent i.
  static int missing_rows(LocalCluster& c, size_t agent, const std::string& prefix, int rows) {
    int missing = 0;
    for (int i = 0; i < rows; ++i) {
      json body = {{"keyspace", "demo"},
                   {"table", "events"},
                   {"partition", prefix + "-" + std::to_string(i)},
                   {"consistency", "ONE"}};
      auto r = c.client_post(agent, "/v1/read", body);
      // Kept-alive connections to the agent before it re-executed fail once each: ask again.
      for (int retry = 0; retry < 8 && !r.ok(); ++retry) r = c.client_post(agent, "/v1/read", body);
      if (!r.ok() || r->status != 200) {
        std::cerr << "read " << prefix << "-" << i << " failed: "
                  << (r.ok() ? std::to_string(r->status) + " " + r->body : r.status().to_string())
                  << "\n";
        ++missing;
        continue;
      }
      json j = json::parse(r->body, nullptr, false);
      if (!j.is_object() || j.value("rows", json::array()).empty()) ++missing;
    }
    return missing;
  }

  fs::path store_dir_;
};

TEST_F(BackupClusterTest, AWipedNodeIsRestoredAndServesEveryRowAlone) {
  REQUIRE_AGENT();
  LocalCluster c(options());
  ASSERT_OK(c.start());
  ASSERT_OK(c.create_table("demo", "events", 3));
  const std::string flags = scheduler_flags(c);
  load(c, flags, 300, "key");
  json run = backup(c, flags, "b1");
  ASSERT_EQ(run.value("state", ""), "COMPLETE") << run.dump();
  EXPECT_EQ(run.value("nodes", 0), 3);
  auto [vrc, vout] = rkctl(flags + " backup verify b1");
  EXPECT_EQ(vrc, 0) << vout;
  auto [lrc, lout] = rkctl(flags + " backup list");
  EXPECT_NE(lout.find("b1"), std::string::npos) << lout;

  // Rows written after the backup are not in it.
  load(c, flags, 20, "late");
  // Wipe node 1 and start it again with a restore of its backup.
  const std::string host = c.agent(1).host_id;
  const auto ring_before = c.scheduler_get("/api/v1/nodes/" + host);
  ASSERT_TRUE(ring_before.ok());
  c.stop_agent(1, SIGKILL);
  fs::remove_all(c.agent(1).dir + "/data");
  c.agent(1).extra_config = "backup:\n  store:\n    url: file://" + store_dir_.string() +
                            "\n  restore_tag: b1\n  restore_host_id: " + host + "\n";
  ASSERT_OK(c.start_agent(1));
  EXPECT_EQ(c.agent(1).host_id, host);
  ASSERT_OK(c.wait_for_state(host, "NORMAL"));
  ASSERT_OK(c.wait_for_normal(3, std::chrono::seconds(20)));  // and it serves the ring
  auto after = c.scheduler_get("/api/v1/nodes/" + host);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["tokens"], (*ring_before)["tokens"]);

  // Only node 1 is up: every backed-up row reads at ONE from it alone.
  c.stop_agent(0);
  c.stop_agent(2);
  EXPECT_EQ(missing_rows(c, 1, "key", 300), 0) << c.logs_tail();
  EXPECT_EQ(missing_rows(c, 1, "late", 20), 20);  // not in the backup
}

TEST_F(BackupClusterTest, RkctlRestoreStagesThenTheAgentRestartsAsTheBackedUpNode) {
  REQUIRE_AGENT();
  LocalCluster c(options());
  ASSERT_OK(c.start());
  ASSERT_OK(c.create_table("demo", "events", 3));
  const std::string flags = scheduler_flags(c);
  load(c, flags, 100, "key");
  ASSERT_EQ(backup(c, flags, "b1").value("state", ""), "COMPLETE");
  load(c, flags, 10, "late");
  const std::string agent_flags =
      flags + " --token " + c.options().agent_token + " restore --agent " + c.agent(2).ops();
  // Live data is refused without --force.
  auto [rc, out] = rkctl(agent_flags + " --tag b1");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("force"), std::string::npos) << out;
  // A bad tag is refused before anything is touched.
  auto [brc, bout] = rkctl(agent_flags + " --tag ../b1 --force");
  EXPECT_EQ(brc, 1) << bout;
  c.forget_agent_ports(2);
  auto [frc, fout] = rkctl(agent_flags + " --tag b1 --force --json");
  ASSERT_EQ(frc, 0) << fout << c.logs_tail();
  ASSERT_OK(c.reread_agent(2));
  ASSERT_OK(c.wait_for_state(c.agent(2).host_id, "NORMAL"));
  ASSERT_OK(c.wait_for_normal(3, std::chrono::seconds(20)));  // and it serves the ring
  c.stop_agent(0);
  c.stop_agent(1);
  EXPECT_EQ(missing_rows(c, 2, "key", 100), 0) << c.logs_tail();
  EXPECT_EQ(missing_rows(c, 2, "late", 10), 10);
}

TEST_F(BackupClusterTest, AKilledUploadResumesWithoutResendingFinishedFiles) {
  REQUIRE_AGENT();
  LocalCluster c(options());
  ASSERT_OK(c.start());
  ASSERT_OK(c.create_table("demo", "events", 3));
  const std::string flags = scheduler_flags(c);
  // Several SSTs: flush between loads.
  for (int round = 0; round < 3; ++round) {
    load(c, flags, 200, "r" + std::to_string(round), 1000);
    for (size_t i = 0; i < 3; ++i) {
      auto r = c.ops_post(i, "/v1/flush", "");
      ASSERT_TRUE(r.ok() && r->status == 200);
    }
  }
  // Agent 0 uploads slowly (64 KiB/s): it is mid-upload when killed.
  c.stop_agent(0);
  c.agent(0).extra_config =
      "backup:\n  store:\n    url: file://" + store_dir_.string() + "\n  bandwidth_limit: 64KiB\n";
  ASSERT_OK(c.start_agent(0));
  ASSERT_OK(c.wait_for_normal(3, std::chrono::seconds(20)));
  auto started =
      c.scheduler_post("/api/v1/backups", R"({"tag":"slow"})", c.options().operator_token);
  ASSERT_TRUE(started.ok() && started->status == 201) << (started.ok() ? started->body : "");
  json before;
  ASSERT_OK(wait_until(
      [&] {
        auto j = c.ops_get(0, "/v1/backups/slow");
        if (!j.ok() || j->status != 200) return false;
        before = json::parse(j->body);
        return before["progress"].value("files_done", 0) >= 2;
      },
      std::chrono::seconds(30), "two files uploaded"));
  ASSERT_EQ(before.value("state", ""), "RUNNING") << before.dump();
  c.stop_agent(0, SIGKILL);
  // Restarted without the limit: the job resumes on its own.
  c.agent(0).extra_config.clear();
  ASSERT_OK(c.start_agent(0));
  json after;
  ASSERT_OK(wait_until(
      [&] {
        auto j = c.ops_get(0, "/v1/backups/slow");
        if (!j.ok() || j->status != 200) return false;
        after = json::parse(j->body);
        return after.value("state", "") != "RUNNING";
      },
      std::chrono::seconds(30), "the resumed upload to end"));
  ASSERT_EQ(after.value("state", ""), "SUCCEEDED") << after.dump();
  const json& p = after["progress"];
  // The files finished before the kill were skipped, not sent again.
  EXPECT_GE(p.value("files_skipped", 0), before["progress"].value("files_done", 0));
  EXPECT_LE(
      p.value("bytes_sent", int64_t{0}),
      p.value("bytes_total", int64_t{0}) - before["progress"].value("bytes_done", int64_t{0}));
  ASSERT_OK(wait_until(
      [&] {
        auto r = c.scheduler_get("/api/v1/backups/slow");
        return r.ok() && (*r).value("state", "") != "RUNNING";
      },
      std::chrono::seconds(30), "the run to end"));
  EXPECT_EQ((*c.scheduler_get("/api/v1/backups/slow")).value("state", ""), "COMPLETE");
  auto [vrc, vout] = rkctl(scheduler_flags(c) + " backup verify slow");
  EXPECT_EQ(vrc, 0) << vout;
}

TEST_F(BackupClusterTest, ASecondBackupAfterOnePercentNewDataUploadsLittle) {
  REQUIRE_AGENT();
  LocalCluster c(options());
  ASSERT_OK(c.start());
  ASSERT_OK(c.create_table("demo", "events", 1));
  const std::string flags = scheduler_flags(c);
  load(c, flags, 3000, "key", 1000, "ONE");
  json first = backup(c, flags, "day1");
  ASSERT_EQ(first.value("state", ""), "COMPLETE");
  load(c, flags, 30, "new", 1000, "ONE");
  json second = backup(c, flags, "day2");
  ASSERT_EQ(second.value("state", ""), "COMPLETE");
  const int64_t first_sent = first["progress"].value("bytes_sent", int64_t{0});
  const int64_t second_sent = second["progress"].value("bytes_sent", int64_t{0});
  std::cout << "first backup sent " << first_sent << " bytes, the second " << second_sent
            << " bytes\n";
  EXPECT_GT(first_sent, 1'000'000);
  EXPECT_LE(second_sent * 50, first_sent) << "first " << first_sent << ", second " << second_sent;
  // Purging the first keeps everything the second needs.
  auto [prc, pout] = rkctl(flags + " backup purge --keep-last 1");
  EXPECT_EQ(prc, 0) << pout;
  auto [vrc, vout] = rkctl(flags + " backup verify day2");
  EXPECT_EQ(vrc, 0) << vout;
}

// Point-in-time restore of a single node, every step through real processes: rows A, a backup,
// rows B flushed (an incremental SST), a partition of A deleted, the cut, rows C flushed (WAL
// files archived and uploaded, another incremental SST). A wiped node restored to the latest
// state reads A, B and C, the deleted partition stays deleted; restored (through rkctl, over
// its live data) to the cut, it reads A and B but not C.
TEST_F(BackupClusterTest, PointInTimeRestoreReplaysIncrementalAndWalFilesUpToUntil) {
  REQUIRE_AGENT();
  LocalClusterOptions o = options();
  o.agents = 1;
  o.racks = {"r1"};
  const std::string backup_section = "backup:\n  store:\n    url: file://" + store_dir_.string() +
                                     "\n    file:\n      fsync: false\n"
                                     "  incremental_upload: true\n  incremental_interval: 50ms\n"
                                     "  archive_wal: true\n  wal_close_interval: 0ms\n";
  o.agent_config_extra = "storage:\n  incremental_backups: true\n";
  LocalCluster c(o);
  // The agent's own backup section (with the uploads on) replaces the fixture's.
  ASSERT_OK(c.start_scheduler());
  auto added = c.add_agent("r1");
  ASSERT_TRUE(added.ok()) << added.status().to_string();
  c.stop_agent(0);
  c.agent(0).extra_config = backup_section;
  ASSERT_OK(c.start_agent(0));
  ASSERT_OK(c.wait_for_normal(1, std::chrono::seconds(20)));
  ASSERT_OK(c.create_table("demo", "events", 1));
  const std::string flags = scheduler_flags(c);
  const std::string host = c.agent(0).host_id;

  auto uploads = [&](const char* kind) {
    auto r = c.ops_get(0, "/v1/backups");
    if (!r.ok() || r->status != 200) return int64_t{-1};
    return json::parse(r->body)[kind].value("files_uploaded", int64_t{0});
  };
  auto flush_and_wait_for_uploads = [&](int64_t inc_before, int64_t wal_before) {
    auto f = c.ops_post(0, "/v1/flush", "");
    ASSERT_TRUE(f.ok() && f->status == 200);
    ASSERT_OK(wait_until(
        [&] { return uploads("incremental") > inc_before && uploads("wal") > wal_before; },
        std::chrono::seconds(20), "the incremental and WAL uploads"));
  };

  load(c, flags, 40, "a", 100, "ONE");
  ASSERT_EQ(backup(c, flags, "b1").value("state", ""), "COMPLETE");
  load(c, flags, 40, "b", 100, "ONE");
  flush_and_wait_for_uploads(uploads("incremental"), uploads("wal"));
  json del = {{"keyspace", "demo"},
              {"table", "events"},
              {"partition", "a-3"},
              {"consistency", "ONE"},
              {"ops", json::array({{{"op", "delete_partition"}}})}};
  auto deleted = c.client_post(0, "/v1/write", del);
  ASSERT_TRUE(deleted.ok() && deleted->status == 200) << (deleted.ok() ? deleted->body : "");
  const int64_t cut = SystemClock::instance().now_micros();
  load(c, flags, 40, "c", 100, "ONE");
  flush_and_wait_for_uploads(uploads("incremental"), uploads("wal"));

  // A wiped node restored to the latest state.
  c.stop_agent(0, SIGKILL);
  fs::remove_all(c.agent(0).dir + "/data");
  c.agent(0).extra_config =
      backup_section + "  restore_tag: latest\n  restore_host_id: " + host + "\n";
  ASSERT_OK(c.start_agent(0));
  EXPECT_EQ(c.agent(0).host_id, host);
  ASSERT_OK(c.wait_for_state(host, "NORMAL"));
  ASSERT_OK(c.wait_for_normal(1, std::chrono::seconds(20)));   // and it serves the ring
  EXPECT_EQ(missing_rows(c, 0, "a", 40), 1) << c.logs_tail();  // a-3 stays deleted
  EXPECT_EQ(missing_rows(c, 0, "a", 3), 0);
  EXPECT_EQ(missing_rows(c, 0, "b", 40), 0) << c.logs_tail();
  EXPECT_EQ(missing_rows(c, 0, "c", 40), 0) << c.logs_tail();

  // The same node restored in place, through rkctl, to the cut: C was written after it.
  c.forget_agent_ports(0);
  auto [rc, out] = rkctl(flags + " --token " + c.options().agent_token + " restore --agent " +
                         c.agent(0).ops() + " --until " + format_time_us(cut) + " --force --json");
  ASSERT_EQ(rc, 0) << out << c.logs_tail();
  json restored = json::parse(out, nullptr, false);
  ASSERT_TRUE(restored.is_object()) << out;
  EXPECT_EQ(restored["restore"].value("tag", ""), "b1") << out;
  EXPECT_EQ(restored["restore"].value("until_us", int64_t{0}), cut) << out;
  EXPECT_GE(restored["restore"].value("replay_files", 0), 2) << out;
  ASSERT_OK(c.reread_agent(0));
  ASSERT_OK(c.wait_for_state(host, "NORMAL"));
  ASSERT_OK(c.wait_for_normal(1, std::chrono::seconds(20)));  // and it serves the ring
  EXPECT_EQ(missing_rows(c, 0, "a", 40), 1) << c.logs_tail();
  EXPECT_EQ(missing_rows(c, 0, "b", 40), 0) << c.logs_tail();
  EXPECT_EQ(missing_rows(c, 0, "c", 40), 40) << c.logs_tail();

  // A tag taken after --until is refused with a clear error.
  auto [trc, tout] = rkctl(flags + " --token " + c.options().agent_token + " restore --agent " +
                           c.agent(0).ops() + " --tag b1 --until 2000-01-01T00:00:00Z --force");
  EXPECT_EQ(trc, 1) << tout;
  EXPECT_NE(tout.find("after until"), std::string::npos) << tout;
}

}  // namespace
}  // namespace rk::testing
