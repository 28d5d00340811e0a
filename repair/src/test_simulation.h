// A virtual-clock driver for repair runs, standing in for the scheduler's loop in tests: it calls
// select_segments() at every event, "runs" sessions whose duration is modelled from their size,
// and checks on every start that no host is in two sessions at once.
#pragma once

#include <functional>
#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ringkeeper/repair/segment_selection.h"

namespace rk::repair::testing {

struct SimOptions {
  int64_t overhead_us = 5'000'000;             // per session
  double bytes_per_second = 50.0 * (1 << 20);  // per session
  double failure_rate = 0;                     // chance a session fails
  uint64_t seed = 1;
  int64_t give_up_after_us = int64_t{365} * 86400 * 1'000'000;  // a stuck run fails the test
};

// Node-state changes at given times: (at_us, host_id, state).
struct NodeEvent {
  int64_t at_us;
  std::string host_id;
  NodeState state;
};

struct SimResult {
  int64_t finished_at_us = 0;
  std::vector<SegmentProgress> progress;
  std::vector<uint32_t> start_order;  // segment ids in the order they started
  std::vector<int> successes;         // per segment
  std::vector<std::pair<int64_t, uint32_t>> successful_starts;  // (started_at, segment)
  size_t max_concurrent = 0;
  bool stuck = false;
};

class Simulator {
 public:
  Simulator(const SegmentPlan& plan, SelectionOptions options, SimOptions sim)
      : plan_(plan), options_(std::move(options)), sim_(sim), rng_(sim.seed) {
    for (const PlanHost& h : plan.hosts) nodes_.push_back({h.host_id, "", NodeState::kNormal});
  }

  std::vector<NodeCondition>& nodes() { return nodes_; }
  int64_t duration_of(uint32_t id) const {
    return sim_.overhead_us +
           static_cast<int64_t>(static_cast<double>(plan_.segments[id].estimated_bytes) /
                                sim_.bytes_per_second * 1e6);
  }

  // Runs one repair run from `start_us` to completion. `observe(now, progress)` is called after
  // every event (for deadline checks and forecasts); `on_start(now, id, progress)` before each
  // session is recorded as running.
  SimResult run(
      int64_t start_us, std::vector<NodeEvent> events = {},
      const std::function<void(int64_t, const std::vector<SegmentProgress>&)>& observe = nullptr,
      const std::function<void(int64_t, uint32_t, const std::vector<SegmentProgress>&)>& on_start =
          nullptr) {
    SimResult r;
    const size_t n = plan_.segments.size();
    r.progress.assign(n, {});
    r.successes.assign(n, 0);
    std::vector<int> busy(plan_.hosts.size(), 0);
    std::map<uint32_t, std::pair<int64_t, bool>> running;  // id -> (end, fails)
    std::bernoulli_distribution fails(sim_.failure_rate);
    std::sort(events.begin(), events.end(),
              [](const NodeEvent& a, const NodeEvent& b) { return a.at_us < b.at_us; });
    size_t next_event = 0;
    int64_t now = start_us;
    auto apply_events = [&] {
      while (next_event < events.size() && events[next_event].at_us <= now) {
        for (auto& c : nodes_) {
          if (c.host_id == events[next_event].host_id) c.state = events[next_event].state;
        }
        ++next_event;
      }
    };
    auto release = [&](uint32_t id) {
      for (uint32_t h : plan_.segments[id].replicas) --busy[h];
      running.erase(id);
    };
    apply_events();
    while (true) {
      auto sel = select_segments({&plan_, r.progress, nodes_, now}, options_);
      EXPECT_TRUE(sel.ok()) << sel.status().to_string();
      if (!sel.ok()) return r;
      for (const SegmentStop& s : sel->stop) {
        release(s.segment);
        SegmentProgress& p = r.progress[s.segment];
        if (s.counts_as_attempt) {
          p.state = SegmentState::kFailed;
          p.finished_at_us = now;
        } else {
          p.state = SegmentState::kPending;
          p.attempts -= 1;
        }
      }
      for (const SegmentStart& s : sel->start) {
        for (uint32_t h : plan_.segments[s.segment].replicas) {
          EXPECT_EQ(busy[h], 0) << "host " << plan_.hosts[h].host_id << " in two sessions";
          ++busy[h];
        }
        if (on_start) on_start(now, s.segment, r.progress);
        SegmentProgress& p = r.progress[s.segment];
        p.state = SegmentState::kRunning;
        p.attempts += 1;
        p.started_at_us = now;
        running[s.segment] = {now + duration_of(s.segment), fails(rng_)};
        r.start_order.push_back(s.segment);
      }
      r.max_concurrent = std::max(r.max_concurrent, running.size());
      if (observe) observe(now, r.progress);
      if (sel->finished && running.empty()) {
        r.finished_at_us = now;
        return r;
      }
      int64_t next = std::numeric_limits<int64_t>::max();
      for (const auto& [id, v] : running) next = std::min(next, v.first);
      if (sel->next_check_us > now) next = std::min(next, sel->next_check_us);
      if (next_event < events.size()) next = std::min(next, events[next_event].at_us);
      if (next == std::numeric_limits<int64_t>::max() || next - start_us > sim_.give_up_after_us) {
        r.stuck = true;
        return r;
      }
      now = next;
      std::vector<uint32_t> ended;
      for (const auto& [id, v] : running) {
        if (v.first <= now) ended.push_back(id);
      }
      for (uint32_t id : ended) {
        const bool failed = running[id].second;
        const int64_t end = running[id].first;
        release(id);
        SegmentProgress& p = r.progress[id];
        p.finished_at_us = end;
        p.state = failed ? SegmentState::kFailed : SegmentState::kDone;
        if (!failed) {
          ++r.successes[id];
          r.successful_starts.push_back({p.started_at_us, id});
        }
      }
      apply_events();
    }
  }

 private:
  const SegmentPlan& plan_;
  SelectionOptions options_;
  SimOptions sim_;
  std::mt19937_64 rng_;
  std::vector<NodeCondition> nodes_;
};

}  // namespace rk::repair::testing
