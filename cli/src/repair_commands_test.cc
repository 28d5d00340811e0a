// `rkctl repair` and `rkctl schedule` against a stand-in scheduler (core's HTTP server with canned
// answers): what is sent, tables and --json out, following a run to its end, exit codes.
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/cli/rkctl.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"

namespace rk::cli {
namespace {

using nlohmann::json;

json run_json(const std::string& state, int done) {
  json counts = {{"total", 3},
                 {"done", done},
                 {"running", state == "RUNNING" ? 1 : 0},
                 {"pending", 0},
                 {"failed", 0},
                 {"aborted", 0},
                 {"bytes_validated", 2048},
                 {"bytes_streamed", 100}};
  return {{"id", 7},
          {"keyspace", "demo"},
          {"tables", {"events"}},
          {"kind", "full"},
          {"parallelism", "sequential"},
          {"max_sessions", 1},
          {"intensity", 1.0},
          {"schedule_id", nullptr},
          {"state", state},
          {"cause", ""},
          {"created_by", "ops"},
          {"created_at_us", 1700000000000000},
          {"started_at_us", 1700000000000000},
          {"finished_at_us", 0},
          {"progress",
           {{"segments", counts},
            {"fraction", done / 3.0},
            {"elapsed_us", 2000000},
            {"eta_us", 0},
            {"postponed", {"replica h3 DOWN"}},
            {"per_table", {{"events", counts}}},
            {"per_node", {{"h1", counts}}}}}};
}

// Run 9: a finished preview whose sessions found replica h3 behind.
json preview_json() {
  json r = run_json("DONE", 3);
  r["id"] = 9;
  r["preview"] = true;
  r["finished_at_us"] = 1700000100000000;
  r["progress"]["segments"]["bytes_streamed"] = 0;
  r["differences"] = {
      {"tables",
       {{{"table", "events"}, {"ranges", 3}, {"rows", 5}, {"bytes", 2048}, {"behind", {"h3"}}}}}};
  return r;
}

class FakeScheduler {
 public:
  FakeScheduler() {
    http::Router r;
    r.post("/api/v1/repair/runs", [this](const http::Request& req) -> Result<http::Response> {
      record(req);
      return api::json_response(201, run_json("RUNNING", 0));
    });
    r.get("/api/v1/repair/runs/{id}", [this](const http::Request& req) -> Result<http::Response> {
      if (req.path_param("id") == "9") return api::json_ok(preview_json());
      if (req.path_param("id") == "11") {
        json r = run_json("DONE", 3);
        r["id"] = 11;
        r["progress"]["segments"]["total"] = 4;
        r["progress"]["segments"]["aborted"] = 1;
        return api::json_ok(r);
      }
      if (req.path_param("id") != "7")
        return Status::NotFound("no repair run " + req.path_param("id"));
      std::lock_guard lock(mu_);
      return api::json_ok(++polls_ < 3 ? run_json("RUNNING", polls_) : run_json("DONE", 3));
    });
    r.get("/api/v1/repair/runs/{id}/differences",
          [](const http::Request& req) -> Result<http::Response> {
            EXPECT_EQ(req.path_param("id"), "9");
            json ranges = json::array();
            for (int i = 0; i < 3; ++i) {
              ranges.push_back({{"table", "events"},
                                {"range", "(" + std::to_string(i * 100) + "," +
                                              std::to_string(i * 100 + 10) + "]"},
                                {"source", "h1"},
                                {"target", "h3"},
                                {"rows", i == 0 ? 3 : 1},
                                {"bytes", 700}});
            }
            const std::string* limit = req.query_param("limit");
            if (limit != nullptr && *limit == "2") ranges.erase(ranges.begin() + 2);
            return api::json_ok({{"run_id", 9},
                                 {"tables", preview_json()["differences"]["tables"]},
                                 {"ranges", ranges},
                                 {"ranges_total", 3}});
          });
    r.get("/api/v1/repair/runs/{id}/segments",
          [](const http::Request& req) -> Result<http::Response> {
            EXPECT_EQ(req.path_param("id"), "11");
            const std::string* state = req.query_param("state");
            EXPECT_TRUE(state != nullptr && *state == "ABORTED");
            return api::json_ok(
                {{"segments",
                  {{{"id", 2},
                    {"range", "(0,100]"},
                    {"state", "ABORTED"},
                    {"last_error",
                     "ring changed: host h3 replaced by h4; re-planned as segment 4"}}}}});
          });
    r.get("/api/v1/repair/runs", [](const http::Request&) -> Result<http::Response> {
      return api::json_ok({{"runs", {run_json("DONE", 3)}}});
    });
    r.add("PATCH", "/api/v1/repair/runs/{id}",
          [this](const http::Request& req) -> Result<http::Response> {
            record(req);
            return api::json_ok(run_json("RUNNING", 1));
          });
    r.post("/api/v1/repair/schedules", [this](const http::Request& req) -> Result<http::Response> {
      record(req);
      return api::json_response(201, {{"id", 1},
                                      {"kind", "incremental"},
                                      {"interval_seconds", 86400},
                                      {"interval_derived", false},
                                      {"next_activation_us", 1700000000000000}});
    });
    http::ServerOptions o;
    o.port = 0;
    server_ = std::move(http::Server::start(o, std::move(r))).value();
  }

  std::string url() const { return server_->base_url(); }
  json last_body() {
    std::lock_guard lock(mu_);
    return json::parse(bodies_.back());
  }
  std::string last_method() {
    std::lock_guard lock(mu_);
    return methods_.back();
  }
  size_t calls() {
    std::lock_guard lock(mu_);
    return bodies_.size();
  }

 private:
  void record(const http::Request& req) {
    std::lock_guard lock(mu_);
    bodies_.push_back(req.body);
    methods_.push_back(req.method);
  }
  std::mutex mu_;
  int polls_ = 0;
  std::vector<std::string> bodies_;
  std::vector<std::string> methods_;
  std::unique_ptr<http::Server> server_;
};

struct Ran {
  int code;
  std::string out;
  std::string err;
};

Ran rkctl(const FakeScheduler& s, std::vector<std::string> args) {
  args.insert(args.begin(), {"rkctl", "--scheduler", s.url()});
  std::ostringstream out, err;
  const int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(RepairCommands, StartSendsTheRunOptions) {
  FakeScheduler s;
  Ran r = rkctl(s, {"repair", "start", "demo", "--incremental", "--tables", "a,b", "--parallelism",
                    "parallel", "--max-sessions", "3", "--intensity", "0.5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("run 7 started"), std::string::npos) << r.out;
  json body = s.last_body();
  EXPECT_EQ(body["keyspace"], "demo");
  EXPECT_EQ(body["kind"], "incremental");
  EXPECT_EQ(body["tables"], json({"a", "b"}));
  EXPECT_EQ(body["parallelism"], "parallel");
  EXPECT_EQ(body["max_sessions"], 3);
  EXPECT_EQ(body["intensity"], 0.5);
}

TEST(RepairCommands, ProgressFollowsTheRunToItsEnd) {
  FakeScheduler s;
  Ran r = rkctl(s, {"repair", "progress", "7", "--interval", "10ms"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("progress: RUNNING"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DONE 100% 3/3 segments done"), std::string::npos) << r.out;
  // Why the run waits, once while it does not change (every poll here says the same).
  const size_t waiting = r.out.find("waiting: replica h3 DOWN\n");
  EXPECT_NE(waiting, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("waiting:", waiting + 1), std::string::npos) << r.out;
  Ran missing = rkctl(s, {"repair", "progress", "8", "--interval", "10ms"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no repair run 8"), std::string::npos) << missing.err;
}

TEST(RepairCommands, ShowAndListPrintTablesOrJson) {
  FakeScheduler s;
  Ran show = rkctl(s, {"repair", "show", "7"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("waiting: replica h3 DOWN"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("TABLE"), std::string::npos);
  EXPECT_NE(show.out.find("NODE"), std::string::npos);
  Ran list = rkctl(s, {"repair", "list", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(json::parse(list.out)["runs"][0]["state"], "DONE");
  EXPECT_EQ(rkctl(s, {"repair", "show", "x"}).code, 2);
}

TEST(RepairCommands, ShowNamesTheSegmentsARingChangePlannedAgain) {
  FakeScheduler s;
  Ran show = rkctl(s, {"repair", "show", "11"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("1 aborted"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("re-planned: segment 2 (0,100]: ring changed: host h3 replaced by h4; "
                          "re-planned as segment 4"),
            std::string::npos)
      << show.out;
  // Runs without such segments ask for nothing more.
  Ran plain = rkctl(s, {"repair", "show", "7"});
  EXPECT_EQ(plain.out.find("re-planned"), std::string::npos) << plain.out;
}

TEST(RepairCommands, PreviewStartsAFullComparisonThatStreamsNothing) {
  FakeScheduler s;
  Ran r = rkctl(s, {"repair", "start", "demo", "--preview", "--parallelism", "parallel"});
  ASSERT_EQ(r.code, 0) << r.err;
  json body = s.last_body();
  EXPECT_EQ(body["preview"], true);
  EXPECT_EQ(body["kind"], "full");
  EXPECT_EQ(body["parallelism"], "parallel");
  for (const char* flag : {"--incremental", "--mark-repaired"}) {
    Ran bad = rkctl(s, {"repair", "start", "demo", "--preview", flag});
    EXPECT_EQ(bad.code, 2) << flag;
    EXPECT_NE(bad.err.find(std::string("--preview cannot be combined with ") + flag),
              std::string::npos)
        << bad.err;
    Ran sc = rkctl(s, {"schedule", "add", "demo", "--preview", flag});
    EXPECT_NE(sc.code, 0) << flag;
  }
  EXPECT_EQ(s.calls(), 1u) << "nothing sent for the refused combinations";
  Ran sc = rkctl(s, {"schedule", "add", "demo", "--preview", "--interval", "7d"});
  ASSERT_EQ(sc.code, 0) << sc.err;
  EXPECT_EQ(s.last_body()["preview"], true);
  EXPECT_EQ(s.last_body()["kind"], "full");
}

TEST(RepairCommands, ShowAndProgressPrintAPreviewsFindings) {
  FakeScheduler s;
  Ran show = rkctl(s, {"repair", "show", "9"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("run 9: preview (nothing streamed or marked) of demo"), std::string::npos)
      << show.out;
  EXPECT_NE(
      show.out.find("differences: 5 rows (2.0 KiB) differ in 3 ranges of 1 table; behind: h3"),
      std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find("(100,110]"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("BEHIND"), std::string::npos) << show.out;
  Ran json_show = rkctl(s, {"repair", "show", "9", "--json"});
  ASSERT_EQ(json_show.code, 0) << json_show.err;
  const json shown = json::parse(json_show.out);
  EXPECT_EQ(shown["differences"]["ranges"].size(), 3u);
  EXPECT_EQ(shown["differences"]["ranges"][0]["target"], "h3");
  Ran progress = rkctl(s, {"repair", "progress", "9", "--interval", "10ms"});
  EXPECT_EQ(progress.code, 0) << progress.err;
  EXPECT_NE(progress.out.find("5 rows (2.0 KiB) differ in 3 ranges of 1 table; behind: h3"),
            std::string::npos)
      << progress.out;
}

TEST(RepairCommands, SetPatchesTheRun) {
  FakeScheduler s;
  Ran r = rkctl(s, {"repair", "set", "7", "--intensity", "0.25"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(s.last_method(), "PATCH");
  EXPECT_EQ(s.last_body(), json({{"intensity", 0.25}}));
  EXPECT_EQ(rkctl(s, {"repair", "set", "7"}).code, 2);
}

TEST(RepairCommands, ProofRefusesBadNamesAndLimitsBeforeAsking) {
  FakeScheduler s;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"repair", "proof", "a.b.c"},
        {"repair", "proof", "demo", "--limit", "-5"},
        {"repair", "proof", "demo", "--limit", "99999999999999999999"},
        {"repair", "proof", "demo", "extra"}}) {
    Ran r = rkctl(s, args);
    EXPECT_EQ(r.code, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find("rkctl repair proof: usage"), std::string::npos) << r.err;
  }
  EXPECT_EQ(s.calls(), 0u);
}

TEST(ScheduleCommands, AddTakesDurations) {
  FakeScheduler s;
  Ran r = rkctl(s, {"schedule", "add", "demo", "--interval", "1d", "--full"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(s.last_body()["interval_seconds"], 86400);
  EXPECT_EQ(s.last_body()["kind"], "full");
  EXPECT_NE(r.out.find("every 24h00m"), std::string::npos) << r.out;
  Ran bad = rkctl(s, {"schedule", "add", "demo", "--interval", "soon"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("expected a duration such as"), std::string::npos) << bad.err;
}

// rkctl reads durations as config files do, and keeps what it always took besides: a plain
// number of seconds, leading blanks and a '+'.
TEST(ScheduleCommands, IntervalsTakeRkctlsPlainSecondsBlanksAndPlus) {
  FakeScheduler s;
  for (const auto& [text, seconds] : std::vector<std::pair<std::string, int>>{
           {"90", 90}, {"+2h", 7200}, {" 15m", 900}, {"90000ms", 90}, {"2000000us", 2}}) {
    Ran r = rkctl(s, {"schedule", "add", "demo", "--interval", text});
    ASSERT_EQ(r.code, 0) << text << ": " << r.err;
    EXPECT_EQ(s.last_body()["interval_seconds"], seconds) << text;
  }
  Ran negative = rkctl(s, {"schedule", "add", "demo", "--interval", "-5m"});
  EXPECT_EQ(negative.code, 1);
  EXPECT_NE(negative.err.find("must not be negative"), std::string::npos) << negative.err;
  Ran fine = rkctl(s, {"schedule", "add", "demo", "--interval", "1500us"});
  EXPECT_EQ(fine.code, 1);
  EXPECT_NE(fine.err.find("not a whole number of milliseconds"), std::string::npos) << fine.err;
  Ran unitless = rkctl(s, {"schedule", "add", "demo", "--interval", "5 m"});
  EXPECT_EQ(unitless.code, 1);
  EXPECT_NE(unitless.err.find("unknown duration unit"), std::string::npos) << unitless.err;
}

TEST(RepairCommands, WindowFlagsBecomeTheRunsWindow) {
  FakeScheduler s;
  Ran r = rkctl(s, {"repair", "start", "demo", "--window", "mon-fri 22:00-06:00", "--window-tz",
                    "Europe/Berlin", "--window-close", "stop"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(s.last_body()["window"], json({{"windows", "mon-fri 22:00-06:00"},
                                           {"time_zone", "Europe/Berlin"},
                                           {"on_close", "stop"}}));
  Ran sc = rkctl(s, {"schedule", "add", "demo", "--window", "sat,sun 00:00-24:00"});
  ASSERT_EQ(sc.code, 0) << sc.err;
  EXPECT_EQ(s.last_body()["window"], json({{"windows", "sat,sun 00:00-24:00"}}));
  EXPECT_EQ(rkctl(s, {"repair", "start", "demo", "--window-tz", "UTC"}).code, 2);
}

}  // namespace
}  // namespace rk::cli
