// The repair scheduler's test fixture (service_test.cc, deadlines_test.cc, windows_test.cc): a
// RepairScheduler over a fresh database file, a ManualClock, a three-node cluster with keyspace
// "ks" (tables t1 and t2, gc_grace 100 s and 200 s), and agents faked in memory.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "db/test_db.h"
#include "repair/agents.h"
#include "repair/service.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {

#define ASSERT_OK(expr)                           \
  do {                                            \
    const ::rk::Status rk_s_ = (expr);            \
    ASSERT_TRUE(rk_s_.ok()) << rk_s_.to_string(); \
  } while (0)

// Agents that keep sessions in memory. Tests finish them; `forget()` is an agent restart.
class FakeAgents : public RepairAgents {
 public:
  struct Session {
    SessionRequest request;
    std::string host;
    SessionState state = SessionState::kRunning;
  };

  Result<SessionStatus> start_session(const NodeView& node, const SessionRequest& req) override {
    std::lock_guard lock(mu);
    if (!reachable(node)) return Status::Unavailable("unreachable " + node.info.host_id);
    // As the agent's request check: 1 to 64 of A-Z a-z 0-9 _ -.
    const bool id_ok = !req.id.empty() && req.id.size() <= 64 &&
                       std::all_of(req.id.begin(), req.id.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                       });
    EXPECT_TRUE(id_ok) << req.id;
    if (!id_ok) return Status::InvalidArgument("bad session id " + req.id);
    // Idempotent for the same request; as a real agent, a different request under a known id is
    // refused (a reused id would loop as a conflict).
    if (auto it = sessions.find(req.id); it != sessions.end()) {
      if (it->second.request.repaired_at_ms != req.repaired_at_ms ||
          it->second.request.range != req.range) {
        return Status::AlreadyExists("session " + req.id + " exists with a different request");
      }
      return status(it->second);
    }
    // Never two sessions over the same range at once, nor a node in two sessions.
    for (const auto& [id, s] : sessions) {
      if (s.state != SessionState::kRunning) continue;
      EXPECT_NE(s.request.range, req.range) << "two sessions for " << req.range;
      for (const std::string& h : req.replicas) {
        EXPECT_EQ(std::count(s.request.replicas.begin(), s.request.replicas.end(), h), 0)
            << h << " in two sessions";
      }
    }
    sessions[req.id] = {req, node.info.host_id, SessionState::kRunning};
    started.push_back(req.id);
    return status(sessions[req.id]);
  }
  Result<SessionStatus> session(const NodeView& node, const std::string& id) override {
    std::lock_guard lock(mu);
    if (!reachable(node)) return Status::Unavailable("unreachable");
    auto it = sessions.find(id);
    if (it == sessions.end()) return Status::NotFound("no session " + id);
    return status(it->second);
  }
  Result<SessionStatus> cancel_session(const NodeView& node, const std::string& id) override {
    std::lock_guard lock(mu);
    if (!reachable(node)) return Status::Unavailable("unreachable");
    auto it = sessions.find(id);
    if (it == sessions.end()) return Status::NotFound("no session " + id);
    // A real agent stops a session at its next step: it may still be RUNNING when it answers.
    if (it->second.state == SessionState::kRunning && !slow_cancel) {
      it->second.state = SessionState::kCancelled;
    }
    cancelled.push_back(id);
    return status(it->second);
  }
  Result<LoadSignals> signals(const NodeView& node) override {
    std::lock_guard lock(mu);
    LoadSignals s;
    s.pending_compactions = pending[node.info.host_id];
    return s;
  }

  std::vector<std::string> running() const {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& [id, s] : sessions) {
      if (s.state == SessionState::kRunning) out.push_back(id);
    }
    return out;
  }
  void finish_all(SessionState state = SessionState::kSucceeded) {
    std::lock_guard lock(mu);
    for (auto& [id, s] : sessions) {
      if (s.state == SessionState::kRunning) s.state = state;
    }
  }
  void forget() { sessions.clear(); }

  // Held by each call: the driver's thread (RepairScheduler::start) and the test's share them.
  mutable std::mutex mu;
  std::map<std::string, Session> sessions;
  std::vector<std::string> started;
  std::vector<std::string> cancelled;
  std::set<std::string> down;  // unreachable hosts
  bool slow_cancel = false;    // cancel leaves a session RUNNING until finish_all
  std::map<std::string, int64_t> pending;
  // What a succeeded preview session reports, per segment range ("(a,b]"); none: no differences.
  std::map<std::string, std::pair<std::vector<TableDifference>, std::vector<RangeDifference>>>
      findings;

 private:
  bool reachable(const NodeView& n) const { return !down.count(n.info.host_id); }
  SessionStatus status(const Session& s) const {
    SessionStatus out;
    out.id = s.request.id;
    out.state = s.state;
    out.bytes_validated = 100;
    const bool streams = s.state == SessionState::kSucceeded && !s.request.preview;
    out.bytes_streamed = streams ? 10 : 0;
    if (s.state == SessionState::kSucceeded && s.request.preview) {
      if (auto it = findings.find(s.request.range); it != findings.end()) {
        out.table_differences = it->second.first;
        out.range_differences = it->second.second;
      }
    }
    return out;
  }
};

class RepairSchedulerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    set_nodes(3);
    // Created now, as the catalog records a new table (a never-repaired table's deadline counts
    // from its creation).
    TableDef t1{"t1", 100, 0, clock_.now_micros()};
    TableDef t2{"t2", 200, 0, clock_.now_micros()};
    cluster_.schema.keyspaces.push_back({"ks", Replication::simple(3), {t1, t2}});
    options_.retry_initial_delay = std::chrono::milliseconds(1000);
    options_.retry_max_delay = std::chrono::milliseconds(1000);
    options_.max_attempts = 3;
    open();
  }

  void set_nodes(int n) {
    cluster_.nodes.clear();
    for (int i = 0; i < n; ++i) {
      NodeView v;
      v.info.host_id = "h" + std::to_string(i + 1);
      v.info.datacenter = "dc1";
      v.info.rack = "r" + std::to_string(i + 1);
      v.info.state = NodeState::kNormal;
      v.info.tokens = {static_cast<Token>(INT64_MIN / n * (n - 2 * i))};
      cluster_.nodes.push_back(v);
    }
  }

  void open(DeadlineAlert alert = {}) {
    service_.reset();
    store_.reset();
    auto store = Store::open({.path = dir_.file("repair.db"), .synchronous = "NORMAL"}, clock_);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(store).value();
    audit_ = std::make_unique<AuditLog>(*store_, clock_);
    service_ = std::make_unique<RepairScheduler>(
        *store_, *audit_, clock_, agents_, [this]() -> Result<ClusterState> { return cluster_; },
        options_, std::move(alert));
  }

  RepairRunView must_create(RepairRunOptions o) {
    auto r = service_->create_run("ops", std::move(o));
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : RepairRunView{};
  }

  RunState state_of(int64_t id) {
    auto r = service_->run(id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->run.state : RunState::kError;
  }

  // Ticks, finishing every session after each tick, until the run ends (at most `ticks`).
  void drive(int64_t id, int ticks = 50) {
    for (int i = 0; i < ticks; ++i) {
      ASSERT_OK(service_->tick());
      agents_.finish_all();
      clock_.advance_seconds(1);
      auto s = state_of(id);
      if (s != RunState::kRunning && s != RunState::kNotStarted) return;
    }
  }

  TempDir dir_;
  ManualClock clock_;
  FakeAgents agents_;
  ClusterState cluster_;
  RepairOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<RepairScheduler> service_;
};

}  // namespace rk::scheduler
