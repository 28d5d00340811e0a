// The ring changing under a repair run, end to end with real processes (docs/repair.md, "When the
// ring changes"): a node joins, or a replica dies and is replaced, while a session of a full run
// streams. The session stops (ABORTED, or FAILED naming the dead replica) with its views
// released, its segment is planned again over the new ring, the run ends DONE, and every
// replica set of the new ring holds the same data. No session succeeds on a replica set the ring
// no longer has.
//
// Streaming is made long (one replica missed thousands of writes, 4 KiB chunks) and is held
// still where the test needs it to be: the participants other than the coordinator are stopped
// with SIGSTOP, so the coordinator's call in flight waits until the ring change has reached it.
#include <gtest/gtest.h>

#include <signal.h>

#include <set>

#include "cluster_fixture.h"
#include "ringkeeper/core/json_api.h"

namespace rk::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class RingChangeE2E : public ::testing::Test {
 protected:
  void start(const std::string& heartbeat_timeout) {
    if (agent_binary().empty()) GTEST_SKIP() << "rk-agent is not built";
    cluster_ = std::make_unique<LocalCluster>(
        LocalClusterOptions{.agents = 3,
                            .heartbeat_timeout = heartbeat_timeout,
                            .scheduler_config_extra = "repair:\n"
                                                      "  tick_interval: 100ms\n"
                                                      "  retry_initial_delay: 2s\n"
                                                      "  retry_max_delay: 5s\n"
                                                      "  segment_timeout: 120s\n"
                                                      "  signals_ttl: 0ms\n",
                            .agent_config_extra = "repair:\n  stream_chunk: 4KiB\n"});
    ASSERT_OK(cluster_->start());
    ASSERT_OK(cluster_->create_table("demo", "events", 3));
    ASSERT_OK(wait_until(
        [&] {
          for (size_t i = 0; i < cluster_->agent_count(); ++i) {
            auto r = cluster_->ops_get(i, "/v1/schema");
            if (!r.ok() || r->body.find("\"events\"") == std::string::npos) return false;
          }
          return true;
        },
        seconds(10), "the schema on every agent"));
  }
  void TearDown() override {
    // A test that failed while agents were stopped must not leave them stopped for the fixture.
    if (!cluster_) return;
    for (size_t i = 0; i < cluster_->agent_count(); ++i) resume(i);
  }

  // Agent 1 misses `rows` writes of 1 KiB: a full repair then streams them all to it.
  void diverge(int rows) {
    const std::string missed_host = cluster_->agent(1).host_id;
    cluster_->stop_agent(1);
    const std::string value(1024, 'x');
    for (int i = 0; i < rows; ++i) {
      auto w = cluster_->client_post(0, "/v1/write",
                                     write_body("p" + std::to_string(i), value, "QUORUM"));
      ASSERT_TRUE(w.ok() && w->ok()) << (w.ok() ? w->body : w.status().to_string());
    }
    ASSERT_OK(cluster_->start_agent(1));
    ASSERT_OK(cluster_->wait_for_state(missed_host, "NORMAL"));
  }

  Result<http::Response> call(const std::string& url, const std::string& method,
                              const std::string& token, const json& body = nullptr) {
    http::ClientRequest req{method, url, {}, body.is_null() ? "" : body.dump(), {}};
    req.headers["Authorization"] = "Bearer " + token;
    return http_.request(req);
  }
  Result<json> get_json(const std::string& url, const std::string& token) {
    RK_ASSIGN_OR_RETURN(http::Response r, call(url, "GET", token));
    return api::parse_response(r);
  }
  Result<json> ops(size_t agent, const std::string& path) {
    return get_json("http://" + cluster_->agent(agent).ops() + path,
                    cluster_->options().agent_token);
  }
  Result<json> internode(size_t agent, const std::string& path, const json& body = nullptr) {
    RK_ASSIGN_OR_RETURN(
        http::Response r,
        call("http://" + cluster_->agent(agent).internode() + path, body.is_null() ? "GET" : "POST",
             cluster_->options().cluster_secret, body));
    return api::parse_response(r);
  }
  Result<json> scheduler(const std::string& path) {
    return get_json(cluster_->scheduler_url() + path, cluster_->options().operator_token);
  }
  bool running(size_t i) {
    return cluster_->agent(i).process && cluster_->agent(i).process->running();
  }
  size_t index_of(const std::string& host_id) {
    for (size_t i = 0; i < cluster_->agent_count(); ++i) {
      if (cluster_->agent(i).host_id == host_id) return i;
    }
    return SIZE_MAX;
  }
  void freeze(size_t i) {
    ::kill(cluster_->agent(i).process->pid(), SIGSTOP);
    frozen_.insert(i);
  }
  void resume(size_t i) {
    if (frozen_.erase(i) > 0 && running(i)) ::kill(cluster_->agent(i).process->pid(), SIGCONT);
  }

  int64_t start_run() {
    auto r = cluster_->scheduler_post("/api/v1/repair/runs",
                                      json{{"keyspace", "demo"}, {"kind", "full"}}.dump(),
                                      cluster_->options().operator_token);
    EXPECT_TRUE(r.ok() && r->status == 201) << (r.ok() ? r->body : r.status().to_string());
    return r.ok() ? json::parse(r->body, nullptr, false).value("id", int64_t{0}) : 0;
  }

  // A session of run `id` streaming, and the agent coordinating it.
  struct Streaming {
    json session;
    std::string id;  // the session's
    size_t coordinator = 0;
  };
  Result<Streaming> wait_streaming(int64_t id) {
    const std::string prefix = "rk-r" + std::to_string(id) + "-";
    Streaming out;
    RK_RETURN_IF_ERROR(wait_until(
        [&] {
          for (size_t i = 0; i < cluster_->agent_count(); ++i) {
            auto listed = ops(i, "/v1/repair/sessions");
            if (!listed.ok()) continue;
            for (const json& s : (*listed)["sessions"]) {
              if (s.value("id", "").starts_with(prefix) && s.value("state", "") == "RUNNING" &&
                  s.value("phase", "") == "streaming") {
                out = {s, s.value("id", ""), i};
                return true;
              }
            }
          }
          return false;
        },
        seconds(60), "a session of run " + std::to_string(id) + " streaming"));
    return out;
  }

  // The coordinator's session `id` once it has ended.
  Result<json> wait_ended(size_t coordinator, const std::string& id) {
    json last;
    RK_RETURN_IF_ERROR(wait_until(
        [&] {
          auto s = ops(coordinator, "/v1/repair/sessions/" + id);
          if (s.ok()) last = *s;
          return s.ok() && last.value("state", "") != "RUNNING";
        },
        seconds(60), "session " + id + " to end"));
    return last;
  }

  // Waits until agent i's ring has a version above `version`.
  Status wait_ring_after(size_t i, int64_t version) {
    return wait_until(
        [&] {
          auto r = ops(i, "/v1/ring");
          return r.ok() && r->value("version", int64_t{0}) > version;
        },
        seconds(30),
        cluster_->agent(i).name + "'s ring to move past version " + std::to_string(version));
  }

  Status wait_run_done(int64_t id) {
    json last;
    Status s = wait_until(
        [&] {
          auto r = scheduler("/api/v1/repair/runs/" + std::to_string(id));
          if (!r.ok()) return false;
          last = *r;
          const std::string state = last.value("state", "");
          return state == "DONE" || state == "ERROR" || state == "ABORTED";
        },
        seconds(120), "run " + std::to_string(id) + " to end");
    if (!s.ok())
      return Status(s.code(), s.message() + "\n" + last.dump() + "\n" + cluster_->logs_tail());
    if (last.value("state", "") != "DONE") {
      return Status::Internal("run ended " + last.dump() + "\n" + cluster_->logs_tail());
    }
    return Status::OK();
  }

  // The table's rows in `range` on agent i, raw (timestamps included).
  Result<json> rows_in(size_t i, const std::string& range) {
    json out = json::array();
    json next = range;
    while (!next.is_null()) {
      RK_ASSIGN_OR_RETURN(
          json page,
          internode(
              i, "/internode/v1/export",
              {{"keyspace", "demo"}, {"table", "events"}, {"range", next}, {"scope", "all"}}));
      for (json& p : page["partitions"]) out.push_back(std::move(p));
      next = page["next"];
    }
    return out;
  }

  // After the run: the stopped session's segment was planned again (its record says why), every
  // DONE segment's replicas hold the same rows, every session that succeeded belongs to a DONE
  // segment, and (unless it is "") every DONE segment's replica set has `must_include`.
  void expect_replanned_and_consistent(int64_t id, const json& stopped,
                                       const std::string& must_include, size_t* done_segments) {
    auto segs = scheduler("/api/v1/repair/runs/" + std::to_string(id) + "/segments");
    ASSERT_TRUE(segs.ok()) << segs.status().to_string();
    std::map<std::string, std::string> state_of_session;
    bool found = false;
    *done_segments = 0;
    for (const json& g : (*segs)["segments"]) {
      state_of_session[g.value("session_id", "")] = g.value("state", "");
      if (g.value("state", "") == "ABORTED") {
        EXPECT_TRUE(g.value("last_error", "").starts_with("ring changed: ")) << g.dump();
        EXPECT_NE(g.value("last_error", "").find("re-planned as segment"), std::string::npos)
            << g.dump();
      }
      // The stopped session's segment (a retry may have given it a later session id).
      if (g.value("range", "") == stopped.value("range", "") && g.value("state", "") == "ABORTED") {
        found = true;
      }
      if (g.value("state", "") != "DONE") continue;
      ++*done_segments;
      std::vector<std::string> replicas = g["replicas"];
      if (!must_include.empty()) {
        EXPECT_NE(std::find(replicas.begin(), replicas.end(), must_include), replicas.end())
            << g.dump();
      }
      std::optional<json> first;
      for (const std::string& h : replicas) {
        const size_t i = index_of(h);
        ASSERT_NE(i, SIZE_MAX) << h;
        auto rows = rows_in(i, g.value("range", ""));
        ASSERT_TRUE(rows.ok()) << rows.status().to_string();
        if (!first) {
          first = *rows;
          EXPECT_FALSE(first->empty()) << "no rows in " << g.dump();
        } else {
          EXPECT_EQ(*rows, *first) << "replica " << h << " differs in " << g.value("range", "");
        }
      }
    }
    EXPECT_TRUE(found) << "the segment of " << stopped.dump()
                       << " was not planned again: " << segs->dump();
    const std::string prefix = "rk-r" + std::to_string(id) + "-";
    for (size_t i = 0; i < cluster_->agent_count(); ++i) {
      if (!running(i)) continue;
      auto listed = ops(i, "/v1/repair/sessions");
      ASSERT_TRUE(listed.ok()) << listed.status().to_string();
      for (const json& s : (*listed)["sessions"]) {
        if (!s.value("id", "").starts_with(prefix) || s.value("state", "") != "SUCCEEDED") continue;
        EXPECT_EQ(state_of_session[s.value("id", "")], "DONE")
            << "a session succeeded for a segment that was planned again: " << s.dump();
      }
    }
  }

  // A cluster whose agent 1 missed 2000 writes, and a full run of it (run_) with a session
  // streaming them (nothing stopped yet).
  void start_streaming(const std::string& heartbeat_timeout, Streaming* out) {
    ASSERT_NO_FATAL_FAILURE(start(heartbeat_timeout));
    ASSERT_NO_FATAL_FAILURE(diverge(2000));
    run_ = start_run();
    ASSERT_GT(run_, 0);
    auto streaming = wait_streaming(run_);
    ASSERT_TRUE(streaming.ok()) << streaming.status().to_string() << cluster_->logs_tail();
    *out = *streaming;
  }
  // No replica but `gone` holds a view of `session` any more.
  void expect_views_released(const json& session, const std::string& gone = "") {
    for (const std::string h : session["replicas"]) {
      if (h == gone) continue;
      auto views = internode(index_of(h), "/internode/v1/repair/views");
      ASSERT_TRUE(views.ok()) << views.status().to_string();
      for (const json& v : (*views)["views"]) {
        EXPECT_NE(v.value("session", ""), session.value("id", "")) << h << " holds " << v.dump();
      }
    }
  }

  std::unique_ptr<LocalCluster> cluster_;
  int64_t run_ = 0;
  std::set<size_t> frozen_;
  http::Client http_;
};

TEST_F(RingChangeE2E, ANodeJoiningMidSessionAbortsItAndTheRunFinishesOnTheNewReplicaSets) {
  // Stopped agents must not be marked DOWN while the session is held: that is the other test.
  Streaming streaming;
  ASSERT_NO_FATAL_FAILURE(start_streaming("60s", &streaming));
  const size_t c = streaming.coordinator;
  auto ring = ops(c, "/v1/ring");
  ASSERT_TRUE(ring.ok());
  const int64_t version = ring->value("version", int64_t{0});
  for (const std::string h : streaming.session["replicas"]) {
    if (index_of(h) != c) freeze(index_of(h));
  }

  auto joined = cluster_->add_agent("r1");
  ASSERT_TRUE(joined.ok()) << joined.status().to_string();
  ASSERT_OK(wait_ring_after(c, version));
  for (size_t i = 0; i < cluster_->agent_count(); ++i) resume(i);

  auto ended = wait_ended(c, streaming.id);
  ASSERT_TRUE(ended.ok()) << ended.status().to_string() << cluster_->logs_tail();
  EXPECT_EQ(ended->value("state", ""), "ABORTED") << ended->dump();
  EXPECT_TRUE(ended->value("error", "").starts_with("ring changed (version ")) << ended->dump();
  EXPECT_NE(ended->value("error", "")
                .find(cluster_->agent(*joined).host_id + " (" +
                      cluster_->agent(*joined).internode() + ") joined the replica set"),
            std::string::npos)
      << ended->dump();
  expect_views_released(streaming.session);

  ASSERT_OK(wait_run_done(run_));
  size_t done = 0;
  ASSERT_NO_FATAL_FAILURE(
      expect_replanned_and_consistent(run_, *ended, /*must_include=*/"", &done));
  EXPECT_EQ(done, 4u);  // one segment per primary range of the four nodes
}

TEST_F(RingChangeE2E, AReplicaReplacedMidSessionStopsItAndItsSegmentRunsOnTheReplacement) {
  Streaming streaming;
  ASSERT_NO_FATAL_FAILURE(start_streaming("2s", &streaming));
  const size_t c = streaming.coordinator;
  // The victim: a replica other than the coordinator, not the one receiving the stream if the
  // coordinator sends it (then nothing calls the victim until the ring says it is DOWN).
  size_t victim = SIZE_MAX;
  for (const std::string h : streaming.session["replicas"]) {
    const size_t i = index_of(h);
    if (i != c && (victim == SIZE_MAX || i != 1)) victim = i;
  }
  ASSERT_NE(victim, SIZE_MAX);
  const std::string victim_host = cluster_->agent(victim).host_id;
  const std::string victim_address = cluster_->agent(victim).internode();
  cluster_->stop_agent(victim, SIGKILL);
  ASSERT_OK(cluster_->wait_for_state(victim_host, "DOWN"));

  // The session stops: ABORTED once the coordinator's ring shows the replica DOWN, or FAILED when
  // it called the dead replica first; either way it names it and releases its views.
  auto ended = wait_ended(c, streaming.id);
  ASSERT_TRUE(ended.ok()) << ended.status().to_string() << cluster_->logs_tail();
  const std::string state = ended->value("state", "");
  EXPECT_TRUE(state == "ABORTED" || state == "FAILED") << ended->dump();
  EXPECT_NE(ended->value("error", "").find(victim_host), std::string::npos) << ended->dump();
  expect_views_released(streaming.session, victim_host);

  auto replacement = cluster_->add_agent(cluster_->agent(victim).rack, victim_address);
  ASSERT_TRUE(replacement.ok()) << replacement.status().to_string();
  const std::string new_host = cluster_->agent(*replacement).host_id;
  ASSERT_OK(cluster_->wait_for_state(new_host, "NORMAL", seconds(60)));
  ASSERT_OK(wait_run_done(run_));
  size_t done = 0;
  ASSERT_NO_FATAL_FAILURE(expect_replanned_and_consistent(run_, *ended, new_host, &done));
  EXPECT_EQ(done, 3u);
  auto segs = scheduler("/api/v1/repair/runs/" + std::to_string(run_) + "/segments");
  ASSERT_TRUE(segs.ok());
  bool named = false;
  for (const json& g : (*segs)["segments"]) {
    const std::string error = g.value("last_error", "");
    named = named || (error.find("host " + victim_host) != std::string::npos &&
                      error.find("replaced by " + new_host) != std::string::npos);
  }
  EXPECT_TRUE(named) << "no segment record says the victim was replaced: " << segs->dump();
}

}  // namespace
}  // namespace rk::testing
