// The per-tick decision of a repair run (see segment_selection.h): which segments start, which
// running ones stop, and why the others wait.
#include "ringkeeper/repair/segment_selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "ringkeeper/core/time_text.h"

namespace rk::repair {

namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

template <class E, size_t N>
Result<E> parse_name(std::string_view name, const std::array<std::string_view, N>& names,
                     std::string_view what) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  std::string all;
  for (std::string_view n : names) all += fmt::format("{}{}", all.empty() ? "" : ", ", n);
  return Status::InvalidArgument(fmt::format("unknown {} '{}' (want one of {})", what, name, all));
}

constexpr std::array<std::string_view, 3> kModeNames = {"sequential", "parallel",
                                                        "datacenter_aware"};
constexpr std::array<std::string_view, 4> kSegmentStateNames = {"PENDING", "RUNNING", "DONE",
                                                                "FAILED"};
constexpr std::array<std::string_view, 5> kNodeStateNames = {"NORMAL", "DOWN", "JOINING", "LEAVING",
                                                             "UNKNOWN"};
constexpr std::array<std::string_view, 4> kSignalNames = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
constexpr std::array<std::string_view, kWaitKinds> kWaitNames = {
    "outside_window", "gave_up",      "retry_backoff",   "postponed",         "replica_unavailable",
    "load",           "replica_busy", "intensity_pause", "concurrency_limit", "sequential_turn",
    "window_ending"};

// A reason found before any message is written (messages are formatted only for listed entries).
struct Blocker {
  uint32_t segment = 0;
  WaitKind kind = WaitKind::kSequentialTurn;
  int64_t until_us = 0;
  int64_t host = -1;  // the replica concerned, if any
};

}  // namespace

std::string_view repair_mode_name(RepairMode mode) { return kModeNames[static_cast<size_t>(mode)]; }
Result<RepairMode> parse_repair_mode(std::string_view name) {
  return parse_name<RepairMode>(name, kModeNames, "repair mode");
}
std::string_view segment_state_name(SegmentState state) {
  return kSegmentStateNames[static_cast<size_t>(state)];
}
Result<SegmentState> parse_segment_state(std::string_view name) {
  return parse_name<SegmentState>(name, kSegmentStateNames, "segment state");
}
std::string_view node_state_name(NodeState state) {
  return kNodeStateNames[static_cast<size_t>(state)];
}
Result<NodeState> parse_node_state(std::string_view name) {
  if (name == "REPLACED") return NodeState::kDown;
  return parse_name<NodeState>(name, kNodeStateNames, "node state");
}
std::string_view signal_state_name(SignalState state) {
  return kSignalNames[static_cast<size_t>(state)];
}
Result<SignalState> parse_signal_state(std::string_view name) {
  return parse_name<SignalState>(name, kSignalNames, "signal state");
}
std::string_view wait_kind_name(WaitKind kind) { return kWaitNames[static_cast<size_t>(kind)]; }

std::string_view validation_for(RepairMode mode) {
  return mode == RepairMode::kParallel ? "parallel" : "sequential";
}

Status validate(const SelectionOptions& o) {
  if (!(o.intensity > 0 && o.intensity <= 1)) {
    return Status::InvalidArgument(fmt::format("intensity must be in (0, 1], not {}", o.intensity));
  }
  if (o.concurrency < 0) return Status::InvalidArgument("concurrency must not be negative");
  if (o.retry.max_attempts < 1) return Status::InvalidArgument("retry.max_attempts must be >= 1");
  if (o.segment_timeout.count() <= 0) {
    return Status::InvalidArgument("segment_timeout must be positive");
  }
  if (o.timeout_min_bytes_per_second < 0) {
    return Status::InvalidArgument("timeout_min_bytes_per_second must not be negative");
  }
  return Status::OK();
}

std::chrono::milliseconds retry_delay(const BackoffOptions& retry, uint32_t segment, int attempts) {
  if (attempts <= 0) return std::chrono::milliseconds(0);
  BackoffOptions o = retry;
  o.max_attempts = std::numeric_limits<int>::max();
  o.seed = retry.seed ^ (0x9E3779B97F4A7C15ull * (uint64_t{segment} + 1));
  Backoff backoff(o);
  std::chrono::milliseconds d{0};
  for (int i = 0; i < attempts; ++i) d = backoff.next_delay().value_or(d);
  return d;
}

int64_t intensity_pause_us(int64_t duration_us, double intensity) {
  if (duration_us <= 0 || intensity >= 1 || intensity <= 0) return 0;
  return static_cast<int64_t>(
      std::llround(static_cast<long double>(duration_us) * (1.0L - intensity) / intensity));
}

namespace {

std::chrono::seconds timeout_for(const Segment& s, const SelectionOptions& o) {
  std::chrono::seconds t = o.segment_timeout;
  if (o.timeout_min_bytes_per_second > 0) {
    const auto by_size = static_cast<int64_t>(
        std::ceil(static_cast<double>(s.estimated_bytes) / o.timeout_min_bytes_per_second));
    t = std::max(t, std::chrono::seconds(by_size));
  }
  return t;
}

}  // namespace

namespace {

// One tick's working state, filled stage by stage (see select_segments).
struct Tick {
  Tick(const SelectionInput& in, const SelectionOptions& o)
      : in(in), o(o), plan(*in.plan), n(plan.segments.size()), now(in.now_us) {}

  const SelectionInput& in;
  const SelectionOptions& o;
  const SegmentPlan& plan;
  const size_t n;
  const int64_t now;

  std::vector<const NodeCondition*> cond;  // per plan host; null when the host reported nothing
  std::vector<char> busy;                  // per plan host: in a session (this run's or another)
  std::vector<int64_t> rest_until;         // per plan host: its intensity pause ends
  bool open = false;
  int64_t window_opens = kNever;
  int64_t next_check = kNever;
  size_t running = 0;
  int64_t last_segment = -1;  // the segment that finished last
  // With kStop windows: when the open window closes, and a session's mean time and bytes.
  int64_t window_closes = kNever;
  long double mean_duration = 0, mean_bytes = 0;

  std::vector<Blocker> blocked;
  std::vector<uint32_t> eligible;
  size_t outstanding = 0;  // not done, not given up
  Selection out;

  void wake_at(int64_t t) {
    if (t > now) next_check = std::min(next_check, t);
  }
  std::string label(int64_t h) const {
    const NodeCondition* c = cond[static_cast<size_t>(h)];
    if (c != nullptr && !c->label.empty()) return c->label;
    return plan.hosts[static_cast<size_t>(h)].host_id;
  }
  int64_t expected_duration(const Segment& s) const {
    return static_cast<int64_t>(mean_duration * (static_cast<long double>(s.estimated_bytes) + 1) /
                                (mean_bytes + 1));
  }
};

// Each plan host's condition, and which hosts are in another run's session.
void read_host_conditions(Tick& t) {
  const size_t hosts = t.plan.hosts.size();
  std::unordered_map<std::string_view, const NodeCondition*> by_id;
  by_id.reserve(t.in.nodes.size());
  for (const NodeCondition& c : t.in.nodes) by_id.emplace(c.host_id, &c);
  t.cond.assign(hosts, nullptr);
  t.busy.assign(hosts, 0);
  t.rest_until.assign(hosts, 0);
  for (size_t h = 0; h < hosts; ++h) {
    auto it = by_id.find(t.plan.hosts[h].host_id);
    if (it != by_id.end()) t.cond[h] = it->second;
    if (t.cond[h] != nullptr && t.cond[h]->in_other_session) t.busy[h] = 1;
  }
}

// Running sessions (stopped on timeout or a closed kStop window), rests after finished ones, and
// the set that finished last.
void review_sessions(Tick& t) {
  const SelectionOptions& o = t.o;
  int64_t last_finish = -1;
  for (size_t i = 0; i < t.n; ++i) {
    const SegmentProgress& p = t.in.progress[i];
    const Segment& s = t.plan.segments[i];
    if (p.state == SegmentState::kRunning) {
      ++t.running;
      for (uint32_t r : s.replicas) t.busy[r] = 1;
      const int64_t timeout_us = timeout_for(s, o).count() * 1'000'000;
      if (t.now - p.started_at_us >= timeout_us) {
        t.out.stop.push_back(
            {static_cast<uint32_t>(i), true,
             fmt::format("timed out after {} s (limit {} s)", (t.now - p.started_at_us) / 1'000'000,
                         timeout_us / 1'000'000)});
      } else if (!t.open && o.window_close == WindowClosePolicy::kStop) {
        t.out.stop.push_back({static_cast<uint32_t>(i), false,
                              "maintenance window closed; retried when it opens again"});
      } else {
        t.wake_at(p.started_at_us + timeout_us);
      }
      continue;
    }
    if ((p.state == SegmentState::kDone || p.state == SegmentState::kFailed) &&
        p.finished_at_us > 0) {
      if (p.started_at_us > 0 && p.finished_at_us >= p.started_at_us) {
        const int64_t until =
            p.finished_at_us + intensity_pause_us(p.finished_at_us - p.started_at_us, o.intensity);
        for (uint32_t r : s.replicas) t.rest_until[r] = std::max(t.rest_until[r], until);
      }
      if (p.finished_at_us > last_finish) {
        last_finish = p.finished_at_us;
        t.last_segment = static_cast<int64_t>(i);
      }
    }
  }
  // With a closed kStop window, stopping is the scheduler's job; nothing more to wake for.
  if (t.open && t.running > 0 && o.window_close == WindowClosePolicy::kStop) {
    t.wake_at(o.windows.next_close(t.now));
  }
}

// With kStop windows: when the open window closes, and how long a session of this run takes
// (mean of the done ones), to keep segments that would be cut off from starting.
void measure_window_overrun(Tick& t) {
  const SelectionOptions& o = t.o;
  if (!t.open || o.window_close != WindowClosePolicy::kStop || !o.avoid_window_overrun ||
      o.windows.always_open()) {
    return;
  }
  t.window_closes = o.windows.next_close(t.now);
  size_t done = 0;
  for (size_t i = 0; i < t.n; ++i) {
    const SegmentProgress& p = t.in.progress[i];
    if (p.state != SegmentState::kDone || p.started_at_us <= 0 ||
        p.finished_at_us < p.started_at_us) {
      continue;
    }
    t.mean_duration += p.finished_at_us - p.started_at_us;
    t.mean_bytes += t.plan.segments[i].estimated_bytes;
    ++done;
  }
  if (done == 0) {
    t.window_closes = kNever;
  } else {
    t.mean_duration /= done;
    t.mean_bytes /= done;
  }
}

// What keeps a segment's replicas from a session now, in the order that says most: unavailable
// replicas (they last longest), load, busy, then an intensity pause; nullopt when nothing does.
std::optional<Blocker> replica_blocker(Tick& t, uint32_t id) {
  const SelectionOptions& o = t.o;
  const Segment& s = t.plan.segments[id];
  for (uint32_t r : s.replicas) {
    if (t.cond[r] == nullptr || t.cond[r]->state != NodeState::kNormal) {
      return Blocker{id, WaitKind::kReplicaUnavailable, 0, r};
    }
  }
  for (uint32_t r : s.replicas) {
    const NodeCondition& c = *t.cond[r];
    const bool compactions =
        o.max_pending_compactions >= 0 && c.pending_compactions > o.max_pending_compactions;
    const bool disk = o.gate_on_disk && c.disk == SignalState::kCritical;
    const bool await = o.gate_on_await && c.await == SignalState::kCritical;
    if (compactions || disk || await) return Blocker{id, WaitKind::kLoad, 0, r};
  }
  for (uint32_t r : s.replicas) {
    if (t.busy[r]) return Blocker{id, WaitKind::kReplicaBusy, 0, r};
  }
  int64_t until = 0;
  int64_t who = -1;
  for (uint32_t r : s.replicas) {
    if (t.rest_until[r] > t.now && t.rest_until[r] > until) {
      until = t.rest_until[r];
      who = r;
    }
  }
  if (who >= 0) {
    t.wake_at(until);
    return Blocker{id, WaitKind::kIntensityPause, until, who};
  }
  return std::nullopt;
}

// The segments that could start now (eligible), and each other one's first blocking reason.
void find_candidates(Tick& t) {
  const SelectionOptions& o = t.o;
  for (size_t i = 0; i < t.n; ++i) {
    const SegmentProgress& p = t.in.progress[i];
    const Segment& s = t.plan.segments[i];
    const uint32_t id = static_cast<uint32_t>(i);
    if (p.state == SegmentState::kDone) continue;
    if (p.state == SegmentState::kRunning) {
      ++t.outstanding;
      continue;
    }
    if (p.state == SegmentState::kFailed && p.attempts >= o.retry.max_attempts) {
      t.blocked.push_back({id, WaitKind::kGaveUp, 0, -1});
      continue;
    }
    ++t.outstanding;
    if (!t.open) {
      t.blocked.push_back({id, WaitKind::kOutsideWindow, t.window_opens, -1});
      continue;
    }
    if (p.state == SegmentState::kFailed && p.finished_at_us > 0) {
      const int64_t retry_at =
          p.finished_at_us + retry_delay(o.retry, id, p.attempts).count() * 1000;
      if (retry_at > t.now) {
        t.blocked.push_back({id, WaitKind::kRetryBackoff, retry_at, -1});
        t.wake_at(retry_at);
        continue;
      }
    }
    if (p.postponed_until_us > t.now) {
      t.blocked.push_back({id, WaitKind::kPostponed, p.postponed_until_us, -1});
      t.wake_at(p.postponed_until_us);
      continue;
    }
    if (t.window_closes != kNever && t.now + t.expected_duration(s) > t.window_closes) {
      const int64_t reopens = o.windows.next_open(t.window_closes);
      t.blocked.push_back({id, WaitKind::kWindowEnding, reopens, -1});
      t.wake_at(reopens);
      continue;
    }
    if (auto b = replica_blocker(t, id)) {
      t.blocked.push_back(*b);
    } else {
      t.eligible.push_back(id);
    }
  }
}

// Starts a segment: marks its replicas busy and records the start.
void start(Tick& t, uint32_t id) {
  const Segment& s = t.plan.segments[id];
  for (uint32_t r : s.replicas) t.busy[r] = 1;
  t.out.start.push_back({id, std::string(validation_for(t.o.mode)), timeout_for(s, t.o)});
}

// Sequential mode: one session at a time, walking the ring one primary node at a time from the
// segment that finished last, avoiding the replica set just repaired while another is eligible.
void pick_sequential(Tick& t) {
  if (t.running > 0 || t.eligible.empty()) {
    for (uint32_t id : t.eligible) t.blocked.push_back({id, WaitKind::kSequentialTurn, 0, -1});
    return;
  }
  const SegmentPlan& plan = t.plan;
  const size_t n = t.n;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return plan.segments[a].primary < plan.segments[b].primary;
  });
  std::vector<uint32_t> position(n);
  for (uint32_t k = 0; k < n; ++k) position[order[k]] = k;
  std::vector<char> is_eligible(n, 0);
  for (uint32_t id : t.eligible) is_eligible[id] = 1;
  const Segment* last =
      t.last_segment >= 0 ? &plan.segments[static_cast<size_t>(t.last_segment)] : nullptr;
  auto same_set = [&](uint32_t id) {
    if (last == nullptr) return false;
    std::vector<uint32_t> a = plan.segments[id].replicas;
    std::vector<uint32_t> b = last->replicas;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
  };
  const uint32_t from = t.last_segment >= 0 ? position[static_cast<size_t>(t.last_segment)] + 1 : 0;
  int64_t pick = -1;
  int64_t fallback = -1;
  for (uint32_t k = 0; k < n && pick < 0; ++k) {
    const uint32_t id = order[(from + k) % n];
    if (!is_eligible[id]) continue;
    if (same_set(id)) {
      if (fallback < 0) fallback = id;
      continue;
    }
    pick = id;
  }
  if (pick < 0) pick = fallback;  // every remaining segment has the set just repaired
  start(t, static_cast<uint32_t>(pick));
  for (uint32_t id : t.eligible) {
    if (id != static_cast<uint32_t>(pick)) {
      t.blocked.push_back({id, WaitKind::kSequentialTurn, 0, -1});
    }
  }
}

// Parallel and datacenter-aware modes: the longest-unrepaired segments first, as many as the
// concurrency limit allows whose replicas are all free.
void pick_parallel(Tick& t) {
  std::stable_sort(t.eligible.begin(), t.eligible.end(), [&](uint32_t a, uint32_t b) {
    return t.in.progress[a].last_repaired_at_us < t.in.progress[b].last_repaired_at_us;
  });
  const size_t limit = t.o.concurrency == 0 ? std::numeric_limits<size_t>::max()
                                            : static_cast<size_t>(t.o.concurrency);
  for (uint32_t id : t.eligible) {
    if (t.running + t.out.start.size() >= limit) {
      t.blocked.push_back({id, WaitKind::kConcurrencyLimit, 0, -1});
      continue;
    }
    int64_t conflict = -1;
    for (uint32_t r : t.plan.segments[id].replicas) {
      if (t.busy[r]) {
        conflict = r;
        break;
      }
    }
    if (conflict >= 0) {
      t.blocked.push_back({id, WaitKind::kReplicaBusy, 0, conflict});
      continue;
    }
    start(t, id);
  }
}

// The operator's message for one waiting segment.
std::string wait_message(const Tick& t, const Blocker& b) {
  const SelectionOptions& o = t.o;
  const SegmentProgress& p = t.in.progress[b.segment];
  switch (b.kind) {
    case WaitKind::kOutsideWindow:
      return b.until_us == kNever
                 ? std::string("outside maintenance window; the schedule never opens")
                 : fmt::format("outside maintenance window; opens {}",
                               format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
    case WaitKind::kGaveUp:
      return fmt::format("failed {} times; no more retries in this run", p.attempts);
    case WaitKind::kRetryBackoff:
      return fmt::format("attempt {} failed; retry {} of {} after {}", p.attempts, p.attempts + 1,
                         o.retry.max_attempts,
                         format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
    case WaitKind::kPostponed:
      return fmt::format("postponed until {}",
                         format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
    case WaitKind::kReplicaUnavailable: {
      const NodeCondition* c = t.cond[static_cast<size_t>(b.host)];
      return fmt::format(
          "replica {} {}", t.label(b.host),
          c == nullptr ? std::string_view("state unknown") : node_state_name(c->state));
    }
    case WaitKind::kLoad: {
      const NodeCondition& c = *t.cond[static_cast<size_t>(b.host)];
      if (o.max_pending_compactions >= 0 && c.pending_compactions > o.max_pending_compactions) {
        return fmt::format("pending compactions {} > {} on {}", c.pending_compactions,
                           o.max_pending_compactions, t.label(b.host));
      }
      if (o.gate_on_disk && c.disk == SignalState::kCritical) {
        return fmt::format("disk CRITICAL on {}{}{}", t.label(b.host),
                           c.disk_message.empty() ? "" : ": ", c.disk_message);
      }
      return fmt::format("await CRITICAL on {}{}{}", t.label(b.host),
                         c.await_message.empty() ? "" : ": ", c.await_message);
    }
    case WaitKind::kReplicaBusy:
      return fmt::format("replica {} busy in another session", t.label(b.host));
    case WaitKind::kIntensityPause:
      return fmt::format("intensity pause on {} until {}", t.label(b.host),
                         format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
    case WaitKind::kConcurrencyLimit:
      return fmt::format("concurrency limit {} reached", o.concurrency);
    case WaitKind::kWindowEnding:
      return fmt::format(
          "would still run when the maintenance window closes at {}; starts in the next one ({})",
          format_time_us(t.window_closes, TimeForm::kRfc3339Seconds),
          format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
    case WaitKind::kSequentialTurn:
      return t.running > 0 || !t.out.start.empty() ? "sequential: one session at a time"
                                                   : "sequential: waiting for its turn";
  }
  return "";
}

// Counts per kind, then the first max_wait_details reasons (by kind, then segment) with messages.
void explain_waits(Tick& t) {
  for (const Blocker& b : t.blocked) ++t.out.waiting_by_kind[static_cast<size_t>(b.kind)];
  const size_t listed = std::min(t.blocked.size(), t.o.max_wait_details);
  auto by_kind = [](const Blocker& a, const Blocker& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.segment < b.segment;
  };
  std::partial_sort(t.blocked.begin(), t.blocked.begin() + static_cast<std::ptrdiff_t>(listed),
                    t.blocked.end(), by_kind);
  for (size_t k = 0; k < listed; ++k) {
    const Blocker& b = t.blocked[k];
    t.out.waiting.push_back({b.segment, b.kind, wait_message(t, b), b.until_us});
  }
}

// When to look again, whether the run is finished, and the one-line summary.
void summarize(Tick& t) {
  Selection& out = t.out;
  if (!t.open && t.outstanding > 0) t.wake_at(t.window_opens);
  out.next_check_us = t.next_check == kNever ? 0 : t.next_check;
  out.finished = t.outstanding == 0;
  const size_t gave_up = out.waiting_by_kind[static_cast<size_t>(WaitKind::kGaveUp)];
  if (out.finished) {
    out.summary = fmt::format("finished: {} done, {} gave up", t.n - gave_up, gave_up);
    return;
  }
  std::string kinds;
  for (size_t k = 0; k < kWaitKinds; ++k) {
    if (out.waiting_by_kind[k] == 0) continue;
    kinds +=
        fmt::format("{}{} {}", kinds.empty() ? "" : ", ", out.waiting_by_kind[k], kWaitNames[k]);
  }
  out.summary =
      fmt::format("{} started, {} running, {} stopping, {} waiting{}{}", out.start.size(),
                  t.running, out.stop.size(), t.blocked.size(), kinds.empty() ? "" : ": ", kinds);
  if (!t.open) {
    out.summary += t.window_opens == kNever
                       ? "; outside maintenance window"
                       : fmt::format("; outside maintenance window until {}",
                                     format_time_us(t.window_opens, TimeForm::kRfc3339Seconds));
  }
}

}  // namespace

Result<Selection> select_segments(const SelectionInput& in, const SelectionOptions& o) {
  RK_RETURN_IF_ERROR(validate(o));
  if (in.plan == nullptr) return Status::InvalidArgument("selection needs a plan");
  if (in.progress.size() != in.plan->segments.size()) {
    return Status::InvalidArgument(fmt::format("{} progress entries for {} segments",
                                               in.progress.size(), in.plan->segments.size()));
  }
  Tick t(in, o);
  t.open = o.windows.is_open(t.now);
  t.window_opens = t.open ? t.now : o.windows.next_open(t.now);
  read_host_conditions(t);
  review_sessions(t);
  measure_window_overrun(t);
  find_candidates(t);
  if (o.mode == RepairMode::kSequential) {
    pick_sequential(t);
  } else {
    pick_parallel(t);
  }
  explain_waits(t);
  summarize(t);
  return std::move(t.out);
}

std::vector<std::vector<uint32_t>> plan_waves(const SegmentPlan& plan, int concurrency) {
  std::vector<std::vector<uint32_t>> waves;
  // Per host: the waves it takes part in, as a bitmap grown on demand; plus the waves that are
  // full (concurrency reached). A segment goes to the first wave free in all of these, found 64
  // waves at a time.
  std::vector<std::vector<uint64_t>> used(plan.hosts.size());
  std::vector<uint64_t> full;
  auto word = [](const std::vector<uint64_t>& bits, size_t k) {
    return k < bits.size() ? bits[k] : uint64_t{0};
  };
  auto set_bit = [](std::vector<uint64_t>& bits, size_t w) {
    if (bits.size() <= w / 64) bits.resize(w / 64 + 1, 0);
    bits[w / 64] |= uint64_t{1} << (w % 64);
  };
  const size_t limit =
      concurrency <= 0 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(concurrency);
  for (uint32_t id = 0; id < plan.segments.size(); ++id) {
    const Segment& s = plan.segments[id];
    size_t w = 0;
    for (size_t k = 0;; ++k) {
      uint64_t taken = word(full, k);
      for (uint32_t r : s.replicas) taken |= word(used[r], k);
      if (taken != ~uint64_t{0}) {
        w = k * 64 + static_cast<size_t>(__builtin_ctzll(~taken));
        break;
      }
    }
    if (w >= waves.size()) waves.resize(w + 1);
    waves[w].push_back(id);
    if (waves[w].size() >= limit) set_bit(full, w);
    for (uint32_t r : s.replicas) set_bit(used[r], w);
  }
  return waves;
}

}  // namespace rk::repair
