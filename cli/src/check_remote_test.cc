// `rkctl check node|repair|backup|consistency` and `--agent` mode against a small in-test HTTP
// server that serves the contracts' JSON (GET /v1/signals, /api/v1/repair/deadlines,
// /api/v1/backups, /api/v1/repair/runs): the
// check logic is tested without the agent or scheduler that will serve them.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "check_command.h"
#include "ringkeeper/core/http_server.h"

namespace rk::cli {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000'000'000;
constexpr int64_t kHour = 3'600'000'000;

class FakeServer {
 public:
  FakeServer() {
    http::Router r;
    for (const char* path :
         {"/v1/signals", "/api/v1/repair/deadlines", "/api/v1/backups", "/api/v1/repair/runs"}) {
      r.get(path, [this, p = std::string(path)](const http::Request&) -> Result<http::Response> {
        std::lock_guard lock(mu_);
        auto it = bodies_.find(p);
        if (it == bodies_.end()) return Status::NotFound("no " + p + " here");
        return http::Response{200, {}, it->second.dump()};
      });
    }
    auto s = http::Server::start({}, std::move(r));
    EXPECT_TRUE(s.ok());
    server_ = std::move(s).value();
  }
  void serve(const std::string& path, json body) {
    std::lock_guard lock(mu_);
    bodies_[path] = std::move(body);
  }
  std::string url() const { return server_->base_url(); }

 private:
  std::mutex mu_;
  std::map<std::string, json> bodies_;
  std::unique_ptr<http::Server> server_;
};

json signals() {
  return json::parse(R"({
    "sampled_at_us": 0,
    "disk": {"state": "OK", "path": "/var/lib/ringkeeper", "free_bytes": 64424509440,
             "total_bytes": 107374182400, "used_bytes": 42949672960, "free_percent": 60,
             "data_bytes": 10737418240, "message": ""},
    "await": {"state": "OK", "device": "vda", "await_ms": 1.5, "r_await_ms": 0.5,
              "w_await_ms": 2, "util_percent": 3.2, "interval_seconds": 10, "message": "",
              "devices": [{"device": "vda", "await_ms": 1.5, "r_await_ms": 0.5, "w_await_ms": 2,
                           "util_percent": 3.2, "r_per_s": 10, "w_per_s": 20}]},
    "compactions": {"state": "OK", "pending": 1, "running": 0, "pending_bytes": 1073741824,
                    "message": ""},
    "node": {"sst_files": 12, "sets": [
      {"table": "ks.t", "set": "unrepaired", "bytes": 21474836480, "files": 10,
       "tombstones": 30, "entries": 100},
      {"table": "ks.t", "set": "repaired", "bytes": 1073741824, "files": 2, "tombstones": 0,
       "entries": 50}]}
  })");
}

class CheckRemoteTest : public ::testing::Test {
 protected:
  struct Run {
    int code;
    std::string out;
  };
  Run check(std::vector<std::string> args) {
    CheckEnv env;
    env.scheduler = server_.url();
    env.clock = &clock_;
    env.on_timeout = [](int) {};
    std::ostringstream out;
    const int code = check_command_with_env(args, out, env);
    return {code, out.str()};
  }
  ManualClock clock_{kNow};
  FakeServer server_;
};

json signals_at(int64_t at) {
  json s = signals();
  s["sampled_at_us"] = at;
  return s;
}

TEST_F(CheckRemoteTest, DiskAndAwaitReadTheAgentsCachedSample) {
  server_.serve("/v1/signals", signals_at(kNow - 5'000'000));
  Run disk = check({"disk", "--agent", server_.url(), "--budget", "20GiB"});
  EXPECT_EQ(disk.code, 0) << disk.out;  // 60% free is not below 60%; 10 GiB within 20 GiB
  EXPECT_EQ(disk.out,
            "DISK OK - 60% free (60.0GiB of 100.0GiB) on /var/lib/ringkeeper, data 10.0GiB "
            "within budget 20.0GiB | 'free'=60%;60:;50:;0;100 "
            "'free_bytes'=64424509440B;;;0;107374182400 'used_bytes'=42949672960B;;;0;107374182400 "
            "'data_bytes'=10737418240B;21474836480;;0\n");
  Run tight = check({"disk", "--agent", server_.url(), "-w", "70:", "-c", "65:"});
  EXPECT_EQ(tight.code, 2) << tight.out;
  Run await = check({"await", "--agent", server_.url(), "-w", "1", "-c", "100"});
  EXPECT_EQ(await.code, 1) << await.out;
  EXPECT_EQ(
      await.out.rfind("AWAIT WARNING - await 1.50 ms on vda (r 0.50 ms, w 2.00 ms, 3.2% "
                      "util) over 10.00 s for /var/lib/ringkeeper | 'vda_await'=1.5ms;1;100;0",
                      0),
      0u)
      << await.out;
}

TEST_F(CheckRemoteTest, AStaleOrMissingSampleIsUnknown) {
  server_.serve("/v1/signals", signals_at(kNow - 120'000'000));
  Run stale = check({"disk", "--agent", server_.url()});
  EXPECT_EQ(stale.code, 3);
  EXPECT_NE(stale.out.find("the agent's sample is 2 min old"), std::string::npos) << stale.out;
  EXPECT_EQ(check({"disk", "--agent", server_.url(), "--max-age", "300"}).code, 0);
  server_.serve("/v1/signals", signals_at(0));
  Run never = check({"await", "--agent", server_.url()});
  EXPECT_EQ(never.out, "AWAIT UNKNOWN - the agent has not sampled its signals yet\n");
  Run down = check({"disk", "--agent", "http://127.0.0.1:1"});
  EXPECT_EQ(down.code, 3);
  EXPECT_EQ(down.out.rfind("DISK UNKNOWN - cannot reach http://127.0.0.1:1/v1/signals", 0), 0u)
      << down.out;
}

TEST_F(CheckRemoteTest, NodeComputesHeadroomTombstonesAndFiles) {
  server_.serve("/v1/signals", signals_at(kNow));
  Run r = check({"node", "--agent", server_.url()});
  // free 60 GiB / largest set 20 GiB = 3x; tombstones 30/150 = 20% (not above 0.2).
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("NODE OK - compaction headroom 3.00x (60.0GiB free, largest compaction "
                        "20.0GiB), tombstones 20.0% in ks.t, 12 SSTs, 1 compaction(s) pending, 0 "
                        "running | 'headroom'=3;1.5:;1:;0",
                        0),
            0u)
      << r.out;
  EXPECT_EQ(check({"node", "--agent", server_.url(), "-w", "4:"}).code, 1);
  EXPECT_EQ(check({"node", "--agent", server_.url(), "--tombstones-critical", "0.1"}).code, 2);
  EXPECT_EQ(check({"node", "--agent", server_.url(), "--files-warning", "10"}).code, 1);
  EXPECT_EQ(check({"node", "--agent", server_.url(), "-w", "4GiB:"}).code, 3);
}

TEST_F(CheckRemoteTest, RepairFollowsTheSchedulersDeadlines) {
  server_.serve("/api/v1/repair/deadlines", {{"tables",
                                              {{{"keyspace", "ks"},
                                                {"table", "a"},
                                                {"gc_grace_seconds", 864000},
                                                {"oldest_repaired_at_us", kNow - 200 * kHour},
                                                {"deadline_us", kNow + 40 * kHour},
                                                {"forecast_done_us", kNow + 50 * kHour},
                                                {"state", "AT_RISK"},
                                                {"message", "forecast after the deadline"}},
                                               {{"keyspace", "ks"},
                                                {"table", "b"},
                                                {"gc_grace_seconds", 864000},
                                                {"oldest_repaired_at_us", kNow - 10 * kHour},
                                                {"deadline_us", kNow + 230 * kHour},
                                                {"forecast_done_us", 0},
                                                {"state", "OK"},
                                                {"message", ""}}}}});
  Run r = check({"repair"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(r.out,
            "REPAIR WARNING - ks.a AT_RISK (40.0 h left); 1 of 2 tables OK | "
            "'min_time_left'=144000s 'tables'=2;;;0 'overdue'=0;;;0 'at_risk'=1;;;0 "
            "'never_repaired'=0;;;0\n");
  EXPECT_EQ(check({"repair", "-w", "24:", "-c", "0:"}).code, 0);  // plain numbers are hours
  EXPECT_EQ(check({"repair", "-w", "3d:"}).code, 1);
  EXPECT_EQ(check({"repair", "-w", "50%:"}).code, 3);
}

TEST_F(CheckRemoteTest, BackupAgeOfTheLastCompleteOne) {
  server_.serve("/api/v1/backups", {{"backups",
                                     {{{"tag", "b2"},
                                       {"state", "FAILED"},
                                       {"started_at_us", kNow - 2 * kHour},
                                       {"completed_at_us", 0},
                                       {"nodes", 3},
                                       {"bytes", 0},
                                       {"files", 0}},
                                      {{"tag", "b1"},
                                       {"state", "COMPLETE"},
                                       {"started_at_us", kNow - 30 * kHour},
                                       {"completed_at_us", kNow - 29 * kHour},
                                       {"nodes", 3},
                                       {"bytes", 1 << 30},
                                       {"files", 40}}}}});
  Run r = check({"backup"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("BACKUP OK - last complete backup 'b1' 29.0 h ago (1.0GiB, 3 nodes, 40 "
                        "files); the latest, 'b2', FAILED | 'age'=104400s;129600;259200;0",
                        0),
            0u)
      << r.out;
  EXPECT_EQ(check({"backup", "-w", "24", "-c", "48"}).code, 1);
  EXPECT_EQ(check({"backup", "-w", "12h", "-c", "1d"}).code, 2);
  server_.serve("/api/v1/backups", {{"backups", json::array()}});
  Run none = check({"backup"});
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.out, "BACKUP CRITICAL - no backup has run\n");
}

json preview_run(int64_t id, const std::string& keyspace, std::vector<std::string> tables,
                 int64_t finished_at_us, json differences) {
  return {{"id", id},
          {"keyspace", keyspace},
          {"tables", std::move(tables)},
          {"kind", "full"},
          {"preview", true},
          {"state", "DONE"},
          {"finished_at_us", finished_at_us},
          {"differences", {{"tables", std::move(differences)}}}};
}

TEST_F(CheckRemoteTest, ConsistencyReadsTheLastPreviewOfEachKeyspace) {
  const json behind = {
      {{"table", "t1"}, {"ranges", 3}, {"rows", 5}, {"bytes", 2048}, {"behind", {"host-3"}}}};
  server_.serve("/api/v1/repair/runs",
                {{"runs",
                  {preview_run(9, "ks", {"t1", "t2"}, kNow - 2 * kHour, behind),
                   preview_run(7, "ks", {"t1", "t2", "t3"}, kNow - 30 * kHour, json::array()),
                   preview_run(5, "other", {"a"}, kNow - 3 * kHour, json::array())}}});
  Run r = check({"consistency", "ks"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(r.out,
            "CONSISTENCY WARNING - ks.t1: 5 rows (2.0KiB) differ in 3 ranges, behind: host-3 "
            "(last preview: ks run 9, 2.0 h ago) | 'rows'=5;0;1000;0 'ranges'=3;0;100;0 "
            "'bytes'=2048B;;;0 'tables'=2;;;0 'age'=7200s;;;0\n");
  EXPECT_EQ(check({"consistency", "ks", "-w", "10", "--ranges-warning", "5"}).code, 0);
  EXPECT_EQ(check({"consistency", "ks", "-c", "4"}).code, 2);
  EXPECT_EQ(check({"consistency", "ks", "--ranges-critical", "2"}).code, 2);
  // t3 was compared only by the older preview, which found nothing.
  Run t3 = check({"consistency", "ks.t3"});
  EXPECT_EQ(t3.code, 0) << t3.out;
  EXPECT_NE(t3.out.find("no differences in 1 table (ks run 7, 30.0 h ago)"), std::string::npos)
      << t3.out;
  Run other = check({"consistency", "other"});
  EXPECT_EQ(other.code, 0) << other.out;
  // Every keyspace with a preview: the worst decides.
  EXPECT_EQ(check({"consistency"}).code, 1);
  Run stale = check({"consistency", "ks.t3", "--max-age", "1d"});
  EXPECT_EQ(stale.code, 3) << stale.out;
  EXPECT_NE(stale.out.find("finished 30.0 h ago, more than "), std::string::npos) << stale.out;
  EXPECT_EQ(check({"consistency", "ks", "--max-age", "12"}).code, 1);  // plain number: hours
  Run none = check({"consistency", "nope"});
  EXPECT_EQ(none.code, 3);
  EXPECT_EQ(none.out,
            "CONSISTENCY UNKNOWN - no preview repair of nope has finished (rkctl repair start "
            "nope --preview)\n");
  EXPECT_EQ(check({"consistency", "ks", "-w", "5GiB"}).code, 3);
  EXPECT_EQ(check({"consistency", "ks.", "-w", "5"}).code, 3);
  EXPECT_EQ(check({"consistency", "ks", "--max-age", "@1:2"}).code, 3);
}

TEST_F(CheckRemoteTest, AMissingEndpointOrMalformedAnswerIsUnknownWithTheReason) {
  Run missing = check({"backup"});
  EXPECT_EQ(missing.code, 3);
  EXPECT_NE(missing.out.find("404"), std::string::npos) << missing.out;
  server_.serve("/api/v1/repair/deadlines", {{"tables", {{{"keyspace", "ks"}}}}});
  Run malformed = check({"repair"});
  EXPECT_EQ(malformed.code, 3);
  EXPECT_EQ(malformed.out, "REPAIR UNKNOWN - the answer has no tables[].table\n");
}

}  // namespace
}  // namespace rk::cli
