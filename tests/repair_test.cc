// Repairs end to end with real processes (cluster_fixture.h): the zombie test both ways (a row
// deleted while a replica was down comes back after gc_grace without repair in tombstone_gc
// timeout mode, and never does with a ringkeeper schedule repairing in time, nor in repair mode,
// whose tombstones go only after a repair covered them), convergence of random writes and deletes
// after full and incremental runs, kill -9 of the scheduler in the middle of a run, and a preview
// that reports the replica behind without changing anything. Tests that need the agents' repair
// sessions skip themselves while rk-agent has none.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "repair_e2e_fixture.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/core/token_range.h"

namespace rk::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// tombstone_gc timeout, gc_grace 2 s; a replica is down while a row is deleted and comes back
// after the other two have compacted the tombstone away. It comes back quarantined; once an
// operator releases it accepting the risk, a read at ALL brings the deleted row back.
TEST_F(RepairE2E, ZombieComesBackWithoutRepairInTimeoutMode) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_OK(create_keyspace("zombie", {{"t", 2}}, "timeout"));
  ASSERT_OK(write(0, "zombie", "t", "k", "alive", "ALL"));
  const std::string away = cluster_->agent(2).host_id;
  cluster_->stop_agent(2, SIGKILL);
  ASSERT_OK(write(0, "zombie", "t", "k", std::nullopt, "QUORUM"));
  EXPECT_EQ(read(1, "zombie", "t", "k", "QUORUM"), "");
  // gc_grace passes (tombstones count whole seconds), then compaction purges the tombstone.
  std::this_thread::sleep_for(seconds(3));
  ASSERT_OK(compact_all());
  ASSERT_OK(cluster_->start_agent(2));
  ASSERT_OK(cluster_->wait_for_normal(3, seconds(20)));
  // It comes back quarantined (see the test below); an operator who accepts the risk gets
  // what the quarantine prevents.
  json released;
  ASSERT_OK(scheduler_call("POST", "/api/v1/nodes/" + away + "/unquarantine",
                           {{"accept_risk", true}}, &released));
  // Without repair the deleted row comes back (this is what repair and the quarantine prevent).
  ASSERT_OK(wait_until([&] { return read(0, "zombie", "t", "k", "ALL") == "alive"; }, seconds(10),
                       "the deleted row back at ALL"));
  // The proof said so: never repaired, gc_grace long past, tombstone_gc timeout.
  auto proof = cluster_->scheduler_get("/api/v1/repair/proof?keyspace=zombie&table=t");
  ASSERT_TRUE(proof.ok()) << proof.status().to_string();
  EXPECT_FALSE((*proof)["tables"][0]["safe_now"].get<bool>()) << proof->dump();
}

// The same story in tombstone_gc repair mode (the default for new tables): past gc_grace the
// other two keep the tombstone, so the returning replica's row stays deleted; a full repair then
// records its ranges on every agent and compaction purges the tombstone everywhere, row still
// deleted.
TEST_F(RepairE2E, ZombieNeverComesBackInRepairModeAndTombstonesGoAfterARepair) {
  ASSERT_NO_FATAL_FAILURE(start());
  REQUIRE_SESSIONS();
  ASSERT_OK(create_keyspace("zombie", {{"t", 2}}));
  auto ks = cluster_->scheduler_get("/api/v1/keyspaces/zombie");
  ASSERT_TRUE(ks.ok());
  ASSERT_EQ((*ks)["tables"][0]["tombstone_gc"], "repair");
  ASSERT_OK(write(0, "zombie", "t", "k", "alive", "ALL"));
  cluster_->stop_agent(2, SIGKILL);
  ASSERT_OK(write(0, "zombie", "t", "k", std::nullopt, "QUORUM"));
  // gc_grace passes (tombstones count whole seconds); compaction keeps the tombstone.
  std::this_thread::sleep_for(seconds(3));
  ASSERT_OK(compact_all());
  auto holds_k = [&](size_t agent) { return holds(agent, "zombie", "t", "k"); };
  EXPECT_TRUE(holds_k(0)) << "the tombstone went without a repair";
  EXPECT_TRUE(holds_k(1));
  ASSERT_OK(cluster_->start_agent(2));
  ASSERT_OK(cluster_->wait_for_normal(3, seconds(20)));
  EXPECT_EQ(read(0, "zombie", "t", "k", "ALL"), "") << "zombie in repair mode";

  auto full = start_run({{"keyspace", "zombie"}, {"kind", "full"}});
  ASSERT_TRUE(full.ok()) << full.status().to_string();
  ASSERT_OK(wait_run_done(*full, seconds(60)));
  for (size_t i = 0; i < 3; ++i) {
    auto r = agent_call(i, "GET", "/v1/repair/history", nullptr);
    ASSERT_TRUE(r.ok());
    auto history = api::parse_response(*r);
    ASSERT_TRUE(history.ok()) << history.status().to_string();
    bool recorded = false;
    for (const json& t : (*history)["tables"]) {
      if (t["keyspace"] == "zombie" && t["table"] == "t") {
        EXPECT_EQ(t["tombstone_gc"], "repair");
        recorded = !t["ranges"].empty();
      }
    }
    EXPECT_TRUE(recorded) << "agent " << i << ": " << history->dump();
  }
  // The repair's views were pinned seconds after the delete: the tombstone may go now.
  ASSERT_OK(compact_all());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(holds_k(i)) << "agent " << i << " kept the tombstone after the repair";
    EXPECT_EQ(read(i, "zombie", "t", "k", "ALL"), "") << "agent " << i;
  }
}

// The same story with a ringkeeper schedule: the returning replica is repaired within gc_grace,
// and the deleted row never comes back, before or after compaction.
TEST_F(RepairE2E, ZombieNeverComesBackWithAScheduleRepairingInTime) {
  ASSERT_NO_FATAL_FAILURE(start());
  REQUIRE_SESSIONS();
  const int grace = 8;
  ASSERT_OK(create_keyspace("zombie", {{"t", grace}}));
  // Incremental every gc_grace / 2 (derived), from now on.
  json schedule;
  ASSERT_OK(
      scheduler_call("POST", "/api/v1/repair/schedules", {{"keyspace", "zombie"}}, &schedule));
  ASSERT_EQ(schedule["interval_seconds"], grace / 2);
  ASSERT_OK(write(0, "zombie", "t", "k", "alive", "ALL"));
  cluster_->stop_agent(2, SIGKILL);
  ASSERT_OK(write(0, "zombie", "t", "k", std::nullopt, "QUORUM"));
  const auto deleted_at = std::chrono::steady_clock::now();
  ASSERT_OK(cluster_->start_agent(2));
  ASSERT_OK(cluster_->wait_for_normal(3, seconds(20)));
  // Until well past gc_grace: the row never shows at ALL, and compaction runs along the way.
  int reads = 0;
  while (std::chrono::steady_clock::now() - deleted_at < seconds(grace + 3)) {
    // A read that cannot reach every replica shows no zombie (right after the restart the
    // coordinator may still try the restarted node's old port); the final reads below are strict.
    const std::string seen = read(reads % 3, "zombie", "t", "k", "ALL");
    if (!seen.starts_with("?unavailable")) {
      EXPECT_EQ(seen, "") << "zombie at read " << reads;
    }
    if (++reads % 10 == 0) ASSERT_OK(compact_all());
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_OK(compact_all());
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(read(i, "zombie", "t", "k", "ALL"), "");
  auto runs = cluster_->scheduler_get("/api/v1/repair/runs?state=DONE");
  ASSERT_TRUE(runs.ok());
  EXPECT_GE((*runs)["runs"].size(), 1u) << "the schedule must have repaired";
  auto deadlines = cluster_->scheduler_get("/api/v1/repair/deadlines");
  ASSERT_TRUE(deadlines.ok());
  EXPECT_NE((*deadlines)["tables"][0]["state"], "NEVER_REPAIRED") << deadlines->dump();
}

// The driver ticks every 30 s here, yet a sequential run of three segments ends in seconds: each
// coordinator tells the scheduler when its session ended, and the next segment starts at once.
TEST_F(RepairE2E, EndedSessionsDriveTheRunWithoutWaitingForATick) {
  ASSERT_NO_FATAL_FAILURE(start(3,
                                "repair:\n"
                                "  tick_interval: 30s\n"
                                "  signals_ttl: 0ms\n"));
  REQUIRE_SESSIONS();
  ASSERT_OK(create_keyspace("events", {{"t", 864000}}));
  ASSERT_OK(write(0, "events", "t", "k", "v", "ALL"));
  const auto started = std::chrono::steady_clock::now();
  auto run = start_run({{"keyspace", "events"}, {"kind", "full"}});
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  ASSERT_OK(wait_run_done(*run, seconds(25)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(25));
  auto done = this->run(*run);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ((*done)["progress"]["segments"]["done"], 3) << done->dump();
}

// Random writes and deletes at ONE while one node and then another are down; a full run makes
// every node's export of every table identical, and so does an incremental run after more of it.
// Incremental runs then validate only what was written since the last one: nothing when nothing
// was (rows_validated 0 in the agents' session progress), just the new rows otherwise.
TEST_F(RepairE2E, FullThenIncrementalRepairsConverge) {
  ASSERT_NO_FATAL_FAILURE(start());
  REQUIRE_SESSIONS();
  // Timeout mode with a long gc_grace: the exports compared hold tombstones, which repair mode
  // lets each node purge once the full run recorded its ranges, whenever it compacts.
  ASSERT_OK(create_keyspace("conv", {{"a", 864000}, {"b", 864000}}, "timeout"));
  std::mt19937 rng(42);
  auto churn = [&](size_t down, int ops) -> Status {
    cluster_->stop_agent(down, SIGKILL);
    for (int i = 0; i < ops; ++i) {
      const size_t via = (down + 1 + rng() % 2) % 3;
      const std::string table = rng() % 2 ? "a" : "b";
      const std::string key = "k" + std::to_string(rng() % 40);
      std::optional<std::string> value;
      if (rng() % 4 != 0) value = "v" + std::to_string(rng());
      RK_RETURN_IF_ERROR(write(via, "conv", table, key, value, "ONE"));
    }
    RK_RETURN_IF_ERROR(cluster_->start_agent(down));
    return cluster_->wait_for_normal(3, seconds(20));
  };
  auto identical = [&]() -> bool {
    for (const char* table : {"a", "b"}) {
      auto first = export_table(0, "conv", table);
      EXPECT_TRUE(first.ok()) << first.status().to_string();
      for (size_t i = 1; i < 3; ++i) {
        auto other = export_table(i, "conv", table);
        EXPECT_TRUE(other.ok()) << other.status().to_string();
        if (!first.ok() || !other.ok() || *first != *other) return false;
      }
    }
    return true;
  };
  ASSERT_OK(churn(0, 150));
  ASSERT_OK(churn(1, 150));
  ASSERT_FALSE(identical()) << "the churn should leave the replicas different";

  auto full = start_run({{"keyspace", "conv"}, {"kind", "full"}, {"segments_per_range", 2}});
  ASSERT_TRUE(full.ok()) << full.status().to_string();
  ASSERT_OK(wait_run_done(*full, seconds(60)));
  EXPECT_TRUE(identical()) << "after a full repair every node holds the same data";

  ASSERT_OK(churn(2, 100));
  ASSERT_FALSE(identical());
  auto inc =
      start_run({{"keyspace", "conv"}, {"kind", "incremental"}, {"parallelism", "parallel"}});
  ASSERT_TRUE(inc.ok()) << inc.status().to_string();
  ASSERT_OK(wait_run_done(*inc, seconds(60)));
  EXPECT_TRUE(identical()) << "after an incremental repair every node holds the same data";
  auto first_rows = rows_validated(*inc);
  ASSERT_TRUE(first_rows.ok()) << first_rows.status().to_string();
  EXPECT_GT(*first_rows, 0) << "the first incremental run validates the unrepaired data";

  // Repaired data is never validated again: with nothing written since, the next incremental
  // run's sessions validate no row at all...
  auto idle = start_run({{"keyspace", "conv"}, {"kind", "incremental"}});
  ASSERT_TRUE(idle.ok()) << idle.status().to_string();
  ASSERT_OK(wait_run_done(*idle, seconds(60)));
  auto idle_rows = rows_validated(*idle);
  ASSERT_TRUE(idle_rows.ok()) << idle_rows.status().to_string();
  EXPECT_EQ(*idle_rows, 0) << "an incremental run with no new writes validated rows again";

  // ...and after a few new rows, only those: each is validated once per replica at most.
  const int fresh = 4;
  for (int i = 0; i < fresh; ++i) {
    ASSERT_OK(write(i % 3, "conv", "a", "fresh" + std::to_string(i), "new", "ALL"));
  }
  auto after = start_run({{"keyspace", "conv"}, {"kind", "incremental"}});
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  ASSERT_OK(wait_run_done(*after, seconds(60)));
  auto after_rows = rows_validated(*after);
  ASSERT_TRUE(after_rows.ok()) << after_rows.status().to_string();
  EXPECT_GE(*after_rows, fresh) << "the new rows must be validated";
  EXPECT_LE(*after_rows, fresh * 3) << "only the new rows, on each of the three replicas";
  EXPECT_TRUE(identical());
}

// One replica misses writes (it is down; there is no hinted handoff). A preview run reports
// exactly the rows it lacks, in ranges that hold them, with that replica behind, and leaves every
// replica's data as it was and nothing repaired; rkctl check consistency warns. A full repair then
// fixes it, and a second preview finds nothing (the check is OK).
TEST_F(RepairE2E, PreviewReportsTheReplicaBehindAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(start());
  REQUIRE_SESSIONS();
  ASSERT_OK(create_keyspace("prev", {{"t", 864000}}));
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK(write(i % 3, "prev", "t", "k" + std::to_string(i), "v", "ALL"));
  }
  const std::string behind = cluster_->agent(2).host_id;
  cluster_->stop_agent(2, SIGKILL);
  const std::vector<std::string> missed{"m1", "m2", "m3", "m4", "m5"};
  for (const std::string& key : missed) ASSERT_OK(write(0, "prev", "t", key, "late", "QUORUM"));
  ASSERT_OK(cluster_->start_agent(2));
  ASSERT_OK(cluster_->wait_for_normal(3, seconds(20)));
  std::vector<json> before;
  for (size_t i = 0; i < 3; ++i) {
    auto e = export_table(i, "prev", "t");
    ASSERT_TRUE(e.ok()) << e.status().to_string();
    before.push_back(*e);
  }
  ASSERT_NE(before[2], before[0]);
  const std::string scheduler = cluster_->scheduler_url();

  auto preview = start_run({{"keyspace", "prev"}, {"preview", true}, {"segments_per_range", 2}});
  ASSERT_TRUE(preview.ok()) << preview.status().to_string();
  ASSERT_OK(wait_run_done(*preview, seconds(60)));
  auto found = run(*preview);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)["preview"], true);
  EXPECT_EQ((*found)["progress"]["segments"]["bytes_streamed"], 0);
  const json& tables = (*found)["differences"]["tables"];
  ASSERT_EQ(tables.size(), 1u) << found->dump();
  EXPECT_EQ(tables[0]["table"], "t");
  EXPECT_EQ(tables[0]["rows"], missed.size()) << found->dump();
  EXPECT_GT(tables[0]["bytes"].get<int64_t>(), 0);
  EXPECT_EQ(tables[0]["behind"], json({behind}));
  auto listed =
      cluster_->scheduler_get("/api/v1/repair/runs/" + std::to_string(*preview) + "/differences");
  ASSERT_TRUE(listed.ok()) << listed.status().to_string();
  int64_t rows = 0;
  for (const json& r : (*listed)["ranges"]) {
    EXPECT_EQ(r["target"], behind) << r.dump();
    rows += r["rows"].get<int64_t>();
  }
  EXPECT_EQ(rows, static_cast<int64_t>(missed.size()));
  EXPECT_EQ((*listed)["ranges_total"], tables[0]["ranges"]);
  for (const std::string& key : missed) {
    const Token token = murmur3_token(key);
    bool covered = false;
    for (const json& r : (*listed)["ranges"]) {
      auto range = TokenRange::parse(r["range"].get<std::string>());
      covered = covered || (range.ok() && range->contains(token));
    }
    EXPECT_TRUE(covered) << key << " lies in no reported range";
  }
  // Nothing streamed, nothing marked repaired, no repair recorded.
  for (size_t i = 0; i < 3; ++i) {
    auto e = export_table(i, "prev", "t");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(*e, before[i]) << "the preview changed the data of node " << i;
  }
  auto deadlines = cluster_->scheduler_get("/api/v1/repair/deadlines");
  ASSERT_TRUE(deadlines.ok());
  EXPECT_EQ((*deadlines)["tables"][0]["state"], "NEVER_REPAIRED") << deadlines->dump();
  auto [warn, warn_out] = run_rkctl({"check", "consistency", "prev", "--scheduler", scheduler});
  EXPECT_EQ(warn, 1) << warn_out;
  EXPECT_NE(warn_out.find("prev.t: 5 rows"), std::string::npos) << warn_out;
  EXPECT_NE(warn_out.find(behind), std::string::npos) << warn_out;

  auto full = start_run({{"keyspace", "prev"}, {"kind", "full"}, {"segments_per_range", 2}});
  ASSERT_TRUE(full.ok()) << full.status().to_string();
  ASSERT_OK(wait_run_done(*full, seconds(60)));
  auto zero = start_run({{"keyspace", "prev"}, {"preview", true}, {"segments_per_range", 2}});
  ASSERT_TRUE(zero.ok()) << zero.status().to_string();
  ASSERT_OK(wait_run_done(*zero, seconds(60)));
  auto clean = run(*zero);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE((*clean)["differences"]["tables"].empty()) << clean->dump();
  auto repaired = export_table(2, "prev", "t");
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(*repaired, before[0]) << "the full repair brought the replica behind up to date";
  auto [ok, ok_out] = run_rkctl({"check", "consistency", "prev.t", "--scheduler", scheduler});
  EXPECT_EQ(ok, 0) << ok_out;
  EXPECT_NE(ok_out.find("no differences in 1 table"), std::string::npos) << ok_out;

  // A preview with options it cannot honour is refused, and nothing is created.
  auto runs_before = cluster_->scheduler_get("/api/v1/repair/runs");
  ASSERT_TRUE(runs_before.ok());
  for (const json& bad : {json{{"keyspace", "prev"}, {"preview", true}, {"kind", "incremental"}},
                          json{{"keyspace", "prev"}, {"preview", true}, {"mark_repaired", true}}}) {
    Status refused = scheduler_call("POST", "/api/v1/repair/runs", bad);
    EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument) << refused.to_string();
  }
  auto [usage, usage_out] = run_rkctl(
      {"repair", "start", "prev", "--preview", "--incremental", "--scheduler", scheduler});
  EXPECT_EQ(usage, 2) << usage_out;
  auto runs_after = cluster_->scheduler_get("/api/v1/repair/runs");
  ASSERT_TRUE(runs_after.ok());
  EXPECT_EQ((*runs_after)["runs"].size(), (*runs_before)["runs"].size());
}

// kill -9 of the scheduler while a run is in the middle: after a restart the run continues and
// completes, and no segment ever had two sessions at once (checked on the agents' session lists).
TEST_F(RepairE2E, SchedulerKilledMidRunContinuesWithoutDoubleSessions) {
  ASSERT_NO_FATAL_FAILURE(start());
  REQUIRE_SESSIONS();
  ASSERT_OK(create_keyspace("crash", {{"t", 864000}}));
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(write(i % 3, "crash", "t", "k" + std::to_string(i), "v", "ALL"));
  }
  auto id = start_run({{"keyspace", "crash"}, {"segments_per_range", 4}});
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  ASSERT_OK(wait_until(
      [&] {
        auto r = run(*id);
        return r.ok() && (*r)["progress"]["segments"].value("done", 0) >= 2;
      },
      seconds(30), "two segments done"));
  cluster_->stop_scheduler(SIGKILL);
  ASSERT_OK(cluster_->start_scheduler());
  ASSERT_OK(wait_run_done(*id, seconds(60)));
  auto done = run(*id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ((*done)["progress"]["segments"]["done"], 12);

  // Sessions per range on all agents: their [start, finish) never overlap.
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> by_range;
  for (size_t i = 0; i < 3; ++i) {
    auto r = agent_call(i, "GET", "/v1/repair/sessions", nullptr);
    ASSERT_TRUE(r.ok() && r->ok());
    const json listed = json::parse(r->body);  // the loop must not iterate a temporary's member
    for (const json& s : listed["sessions"]) {
      const int64_t end = s.value("finished_at_us", int64_t{0});
      by_range[s.value("range", "")].push_back(
          {s.value("started_at_us", int64_t{0}), end == 0 ? INT64_MAX : end});
    }
  }
  EXPECT_EQ(by_range.size(), 12u);
  for (auto& [range, spans] : by_range) {
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) {
      EXPECT_LE(spans[i - 1].second, spans[i].first) << "two sessions at once for " << range;
    }
  }
}

// The story with quarantine (docs/cluster.md "Quarantine"): tombstone_gc timeout, a
// short gc_grace; a row written at ALL, agent 3 stopped, the row deleted at QUORUM, agents 1 and
// 2 compact past gc_grace until the tombstone is gone, agent 3 started again. It comes back
// QUARANTINED for the table: the row is not readable at ALL or ONE, the CRITICAL alert says why;
// after `rkctl node rebuild` it is NORMAL and the row stays deleted.
TEST_F(RepairE2E, NodeAwayPastGcGraceComesBackQuarantinedAndARebuildKeepsTheRowDeleted) {
  ASSERT_NO_FATAL_FAILURE(start());
  const int grace = 3;
  ASSERT_OK(create_keyspace("zombie", {{"t", grace}}, "timeout"));
  ASSERT_OK(write(0, "zombie", "t", "k", "alive", "ALL"));
  ASSERT_OK(write(0, "zombie", "t", "other", "kept", "ALL"));
  const std::string away = cluster_->agent(2).host_id;
  cluster_->stop_agent(2, SIGKILL);
  ASSERT_OK(write(0, "zombie", "t", "k", std::nullopt, "QUORUM"));
  const auto deleted_at = std::chrono::steady_clock::now();
  // Agents 1 and 2 flush and compact until gc_grace has passed and the tombstone is gone.
  auto holds_k = [&](size_t i) { return holds(i, "zombie", "t", "k"); };
  ASSERT_OK(wait_until(
      [&] {
        return std::chrono::steady_clock::now() - deleted_at > seconds(grace + 1) &&
               compact_all().ok() && !holds_k(0) && !holds_k(1);
      },
      seconds(grace + 20), "gc_grace past and the tombstone purged on agents 1 and 2"));

  ASSERT_OK(cluster_->start_agent(2));
  json seen;
  const Status back = wait_until(
      [&] {
        auto node = cluster_->scheduler_get("/api/v1/nodes/" + away);
        if (node.ok()) seen = *node;
        return node.ok() && seen["state"] == "NORMAL" && seen["quarantine"].size() == 1;
      },
      seconds(20), "agent 3 back, quarantined");
  if (!back.ok()) {
    auto ks = cluster_->scheduler_get("/api/v1/keyspaces/zombie");
    auto down = cluster_->scheduler_get("/api/v1/nodes/" + away + "/down-intervals");
    ADD_FAILURE() << back.to_string() << "\n"
                  << seen.dump() << "\n"
                  << (ks.ok() ? ks->dump() : "") << "\n"
                  << (down.ok() ? down->dump() : "") << "\nsince delete: "
                  << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() -
                                                              deleted_at)
                         .count()
                  << " ms\n"
                  << cluster_->logs_tail();
    return;
  }
  // Every agent routes around it once its ring has the quarantine.
  ASSERT_OK(wait_until(
      [&] {
        for (size_t i = 0; i < 3; ++i) {
          auto ring = cluster_->ops_get(i, "/v1/ring");
          if (!ring.ok() || ring->body.find("\"quarantine\":[{") == std::string::npos) return false;
        }
        return true;
      },
      seconds(10), "the quarantine in every agent's ring"));
  for (size_t i = 0; i < 3; ++i) {
    const std::string all = read(i, "zombie", "t", "k", "ALL");
    EXPECT_TRUE(all.starts_with("?") && all.find("quarantined") != std::string::npos)
        << "agent " << i << " at ALL: " << all;
    EXPECT_EQ(read(i, "zombie", "t", "k", "ONE"), "") << "zombie at ONE through agent " << i;
    EXPECT_EQ(read(i, "zombie", "t", "other", "QUORUM"), "kept") << "agent " << i;
  }
  auto alerts = cluster_->scheduler_get("/api/v1/alerts?active=true");
  ASSERT_TRUE(alerts.ok());
  bool alerted = false;
  for (const json& a : (*alerts)["alerts"]) {
    if (a["signal"] == "quarantine/" + away && a["state"] == "CRITICAL" &&
        a["message"].get<std::string>().find("zombie.t") != std::string::npos) {
      alerted = true;
    }
  }
  EXPECT_TRUE(alerted) << alerts->dump();
  auto [status_rc, status] = run_rkctl(*cluster_, "status");
  EXPECT_EQ(status_rc, 0) << status;
  EXPECT_NE(status.find("UQ  QUARANTINED"), std::string::npos) << status;

  auto [rc, out] = run_rkctl(*cluster_, "node rebuild " + away);
  ASSERT_EQ(rc, 0) << out << cluster_->logs_tail();
  EXPECT_NE(out.find("is NORMAL"), std::string::npos) << out;
  auto node = cluster_->scheduler_get("/api/v1/nodes/" + away);
  ASSERT_TRUE(node.ok());
  EXPECT_TRUE((*node)["quarantine"].empty()) << node->dump();
  // Once the agents' rings have it back, reads at ALL reach all three: the row stays deleted.
  ASSERT_OK(wait_until(
      [&] {
        for (size_t i = 0; i < 3; ++i) {
          if (read(i, "zombie", "t", "k", "ALL") != "") return false;
        }
        return true;
      },
      seconds(10), "reads at ALL through every agent, the row deleted"));
  ASSERT_OK(compact_all());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(read(i, "zombie", "t", "k", "ALL"), "") << "agent " << i;
    EXPECT_EQ(read(i, "zombie", "t", "other", "ALL"), "kept") << "agent " << i;
  }
  EXPECT_FALSE(holds_k(2)) << "the rebuild discarded agent 3's stale copy";
}

// A node back within gc_grace is not quarantined: it serves at once, and a read at ALL sees it.
TEST_F(RepairE2E, NodeBackWithinGcGraceIsNotQuarantined) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_OK(create_keyspace("brief", {{"t", 3600}}, "timeout"));
  ASSERT_OK(write(0, "brief", "t", "k", "v", "ALL"));
  const std::string away = cluster_->agent(2).host_id;
  cluster_->stop_agent(2, SIGKILL);
  ASSERT_OK(cluster_->wait_for_state(away, "DOWN", seconds(20)));
  ASSERT_OK(cluster_->start_agent(2));
  ASSERT_OK(cluster_->wait_for_normal(3, seconds(20)));
  auto node = cluster_->scheduler_get("/api/v1/nodes/" + away);
  ASSERT_TRUE(node.ok());
  EXPECT_TRUE((*node)["quarantine"].empty()) << node->dump();
  auto intervals = cluster_->scheduler_get("/api/v1/nodes/" + away + "/down-intervals");
  ASSERT_TRUE(intervals.ok());
  ASSERT_EQ((*intervals)["intervals"].size(), 1u) << intervals->dump();
  EXPECT_FALSE((*intervals)["intervals"][0]["up_at"].is_null());
  ASSERT_OK(wait_until([&] { return read(2, "brief", "t", "k", "ALL") == "v"; }, seconds(10),
                       "a read at ALL through the returned node"));
}

}  // namespace
}  // namespace rk::testing
