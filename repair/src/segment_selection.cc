// The per-tick decision of a repair run (see segment_selection.h): which segments start, which
// running ones stop, and why the others wait.
#include "ringkeeper/repair/segment_selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
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

Result<Selection> select_segments(const SelectionInput& in, const SelectionOptions& o) {
  RK_RETURN_IF_ERROR(validate(o));
  if (in.plan == nullptr) return Status::InvalidArgument("selection needs a plan");
  const SegmentPlan& plan = *in.plan;
  const size_t n = plan.segments.size();
  if (in.progress.size() != n) {
    return Status::InvalidArgument(
        fmt::format("{} progress entries for {} segments", in.progress.size(), n));
  }
  const int64_t now = in.now_us;
  const size_t hosts = plan.hosts.size();

  // Each plan host's condition.
  std::unordered_map<std::string_view, const NodeCondition*> by_id;
  by_id.reserve(in.nodes.size());
  for (const NodeCondition& c : in.nodes) by_id.emplace(c.host_id, &c);
  std::vector<const NodeCondition*> cond(hosts, nullptr);
  for (size_t h = 0; h < hosts; ++h) {
    auto it = by_id.find(plan.hosts[h].host_id);
    if (it != by_id.end()) cond[h] = it->second;
  }
  auto label = [&](int64_t h) -> std::string {
    const NodeCondition* c = cond[static_cast<size_t>(h)];
    if (c != nullptr && !c->label.empty()) return c->label;
    return plan.hosts[static_cast<size_t>(h)].host_id;
  };

  Selection out;
  std::vector<char> busy(hosts, 0);
  std::vector<int64_t> rest_until(hosts, 0);
  for (size_t h = 0; h < hosts; ++h) {
    if (cond[h] != nullptr && cond[h]->in_other_session) busy[h] = 1;
  }
  const bool open = o.windows.is_open(now);
  int64_t next_check = kNever;
  auto wake_at = [&](int64_t t) {
    if (t > now) next_check = std::min(next_check, t);
  };

  // Running sessions, rests after finished ones, and the set that finished last.
  size_t running = 0;
  int64_t last_finish = -1;
  int64_t last_segment = -1;
  for (size_t i = 0; i < n; ++i) {
    const SegmentProgress& p = in.progress[i];
    const Segment& s = plan.segments[i];
    if (p.state == SegmentState::kRunning) {
      ++running;
      for (uint32_t r : s.replicas) busy[r] = 1;
      const int64_t timeout_us = timeout_for(s, o).count() * 1'000'000;
      if (now - p.started_at_us >= timeout_us) {
        out.stop.push_back(
            {static_cast<uint32_t>(i), true,
             fmt::format("timed out after {} s (limit {} s)", (now - p.started_at_us) / 1'000'000,
                         timeout_us / 1'000'000)});
      } else if (!open && o.window_close == WindowClosePolicy::kStop) {
        out.stop.push_back({static_cast<uint32_t>(i), false,
                            "maintenance window closed; retried when it opens again"});
      } else {
        wake_at(p.started_at_us + timeout_us);
      }
      continue;
    }
    if ((p.state == SegmentState::kDone || p.state == SegmentState::kFailed) &&
        p.finished_at_us > 0) {
      if (p.started_at_us > 0 && p.finished_at_us >= p.started_at_us) {
        const int64_t until =
            p.finished_at_us + intensity_pause_us(p.finished_at_us - p.started_at_us, o.intensity);
        for (uint32_t r : s.replicas) rest_until[r] = std::max(rest_until[r], until);
      }
      if (p.finished_at_us > last_finish) {
        last_finish = p.finished_at_us;
        last_segment = static_cast<int64_t>(i);
      }
    }
  }
  if (!open && o.window_close == WindowClosePolicy::kStop && running > 0) {
    // Stopping is the scheduler's job; nothing more to wake for.
  } else if (open && running > 0 && o.window_close == WindowClosePolicy::kStop) {
    wake_at(o.windows.next_close(now));
  }

  // With kStop windows: when the open window closes, and how long a session of this run takes
  // (mean of the done ones), to keep segments that would be cut off from starting.
  int64_t window_closes = kNever;
  long double mean_duration = 0, mean_bytes = 0;
  if (open && o.window_close == WindowClosePolicy::kStop && o.avoid_window_overrun &&
      !o.windows.always_open()) {
    window_closes = o.windows.next_close(now);
    size_t done = 0;
    for (size_t i = 0; i < n; ++i) {
      const SegmentProgress& p = in.progress[i];
      if (p.state != SegmentState::kDone || p.started_at_us <= 0 ||
          p.finished_at_us < p.started_at_us) {
        continue;
      }
      mean_duration += p.finished_at_us - p.started_at_us;
      mean_bytes += plan.segments[i].estimated_bytes;
      ++done;
    }
    if (done == 0) {
      window_closes = kNever;
    } else {
      mean_duration /= done;
      mean_bytes /= done;
    }
  }
  auto expected_duration = [&](const Segment& s) {
    return static_cast<int64_t>(mean_duration * (static_cast<long double>(s.estimated_bytes) + 1) /
                                (mean_bytes + 1));
  };

  // Candidates and their first blocking reason.
  std::vector<Blocker> blocked;
  std::vector<uint32_t> eligible;
  size_t outstanding = 0;  // not done, not given up
  const int64_t window_opens = open ? now : o.windows.next_open(now);
  for (size_t i = 0; i < n; ++i) {
    const SegmentProgress& p = in.progress[i];
    const Segment& s = plan.segments[i];
    const uint32_t id = static_cast<uint32_t>(i);
    if (p.state == SegmentState::kDone) continue;
    if (p.state == SegmentState::kRunning) {
      ++outstanding;
      continue;
    }
    if (p.state == SegmentState::kFailed && p.attempts >= o.retry.max_attempts) {
      blocked.push_back({id, WaitKind::kGaveUp, 0, -1});
      continue;
    }
    ++outstanding;
    if (!open) {
      blocked.push_back({id, WaitKind::kOutsideWindow, window_opens, -1});
      continue;
    }
    if (p.state == SegmentState::kFailed && p.finished_at_us > 0) {
      const int64_t retry_at =
          p.finished_at_us + retry_delay(o.retry, id, p.attempts).count() * 1000;
      if (retry_at > now) {
        blocked.push_back({id, WaitKind::kRetryBackoff, retry_at, -1});
        wake_at(retry_at);
        continue;
      }
    }
    if (p.postponed_until_us > now) {
      blocked.push_back({id, WaitKind::kPostponed, p.postponed_until_us, -1});
      wake_at(p.postponed_until_us);
      continue;
    }
    if (window_closes != kNever && now + expected_duration(s) > window_closes) {
      const int64_t reopens = o.windows.next_open(window_closes);
      blocked.push_back({id, WaitKind::kWindowEnding, reopens, -1});
      wake_at(reopens);
      continue;
    }
    Blocker b{id, WaitKind::kSequentialTurn, 0, -1};
    bool ok = true;
    // Unavailable replicas first: they last longest and say most.
    for (uint32_t r : s.replicas) {
      if (cond[r] == nullptr || cond[r]->state != NodeState::kNormal) {
        b = {id, WaitKind::kReplicaUnavailable, 0, r};
        ok = false;
        break;
      }
    }
    if (ok) {
      for (uint32_t r : s.replicas) {
        const NodeCondition& c = *cond[r];
        const bool compactions =
            o.max_pending_compactions >= 0 && c.pending_compactions > o.max_pending_compactions;
        const bool disk = o.gate_on_disk && c.disk == SignalState::kCritical;
        const bool await = o.gate_on_await && c.await == SignalState::kCritical;
        if (compactions || disk || await) {
          b = {id, WaitKind::kLoad, 0, r};
          ok = false;
          break;
        }
      }
    }
    if (ok) {
      for (uint32_t r : s.replicas) {
        if (busy[r]) {
          b = {id, WaitKind::kReplicaBusy, 0, r};
          ok = false;
          break;
        }
      }
    }
    if (ok) {
      int64_t until = 0;
      int64_t who = -1;
      for (uint32_t r : s.replicas) {
        if (rest_until[r] > now && rest_until[r] > until) {
          until = rest_until[r];
          who = r;
        }
      }
      if (who >= 0) {
        b = {id, WaitKind::kIntensityPause, until, who};
        wake_at(until);
        ok = false;
      }
    }
    if (ok) {
      eligible.push_back(id);
    } else {
      blocked.push_back(b);
    }
  }

  // Picks a segment: marks its replicas busy and records the start.
  const std::string_view validation = validation_for(o.mode);
  auto start = [&](uint32_t id) {
    const Segment& s = plan.segments[id];
    for (uint32_t r : s.replicas) busy[r] = 1;
    out.start.push_back({id, std::string(validation), timeout_for(s, o)});
  };
  auto conflicts = [&](uint32_t id) -> int64_t {
    for (uint32_t r : plan.segments[id].replicas) {
      if (busy[r]) return r;
    }
    return -1;
  };

  if (o.mode == RepairMode::kSequential) {
    if (running > 0 || eligible.empty()) {
      for (uint32_t id : eligible) blocked.push_back({id, WaitKind::kSequentialTurn, 0, -1});
    } else {
      // Walk the ring one primary node at a time, starting after the segment that finished last.
      std::vector<uint32_t> order(n);
      std::iota(order.begin(), order.end(), 0u);
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return plan.segments[a].primary < plan.segments[b].primary;
      });
      std::vector<uint32_t> position(n);
      for (uint32_t k = 0; k < n; ++k) position[order[k]] = k;
      std::vector<char> is_eligible(n, 0);
      for (uint32_t id : eligible) is_eligible[id] = 1;
      const Segment* last =
          last_segment >= 0 ? &plan.segments[static_cast<size_t>(last_segment)] : nullptr;
      auto same_set = [&](uint32_t id) {
        if (last == nullptr) return false;
        std::vector<uint32_t> a = plan.segments[id].replicas;
        std::vector<uint32_t> b = last->replicas;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        return a == b;
      };
      const uint32_t from = last_segment >= 0 ? position[static_cast<size_t>(last_segment)] + 1 : 0;
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
      start(static_cast<uint32_t>(pick));
      for (uint32_t id : eligible) {
        if (id != static_cast<uint32_t>(pick)) {
          blocked.push_back({id, WaitKind::kSequentialTurn, 0, -1});
        }
      }
    }
  } else {
    std::stable_sort(eligible.begin(), eligible.end(), [&](uint32_t a, uint32_t b) {
      return in.progress[a].last_repaired_at_us < in.progress[b].last_repaired_at_us;
    });
    const size_t limit = o.concurrency == 0 ? std::numeric_limits<size_t>::max()
                                            : static_cast<size_t>(o.concurrency);
    for (uint32_t id : eligible) {
      if (running + out.start.size() >= limit) {
        blocked.push_back({id, WaitKind::kConcurrencyLimit, 0, -1});
        continue;
      }
      const int64_t c = conflicts(id);
      if (c >= 0) {
        blocked.push_back({id, WaitKind::kReplicaBusy, 0, c});
        continue;
      }
      start(id);
    }
  }

  // Counts, then the listed reasons with their messages.
  for (const Blocker& b : blocked) ++out.waiting_by_kind[static_cast<size_t>(b.kind)];
  const size_t listed = std::min(blocked.size(), o.max_wait_details);
  auto by_kind = [](const Blocker& a, const Blocker& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.segment < b.segment;
  };
  std::partial_sort(blocked.begin(), blocked.begin() + static_cast<std::ptrdiff_t>(listed),
                    blocked.end(), by_kind);
  const int limit = o.concurrency;
  for (size_t k = 0; k < listed; ++k) {
    const Blocker& b = blocked[k];
    const SegmentProgress& p = in.progress[b.segment];
    std::string msg;
    switch (b.kind) {
      case WaitKind::kOutsideWindow:
        msg = b.until_us == kNever
                  ? std::string("outside maintenance window; the schedule never opens")
                  : fmt::format("outside maintenance window; opens {}",
                                format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
        break;
      case WaitKind::kGaveUp:
        msg = fmt::format("failed {} times; no more retries in this run", p.attempts);
        break;
      case WaitKind::kRetryBackoff:
        msg = fmt::format("attempt {} failed; retry {} of {} after {}", p.attempts, p.attempts + 1,
                          o.retry.max_attempts,
                          format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
        break;
      case WaitKind::kPostponed:
        msg = fmt::format("postponed until {}",
                          format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
        break;
      case WaitKind::kReplicaUnavailable: {
        const NodeCondition* c = cond[static_cast<size_t>(b.host)];
        msg = fmt::format(
            "replica {} {}", label(b.host),
            c == nullptr ? std::string_view("state unknown") : node_state_name(c->state));
        break;
      }
      case WaitKind::kLoad: {
        const NodeCondition& c = *cond[static_cast<size_t>(b.host)];
        if (o.max_pending_compactions >= 0 && c.pending_compactions > o.max_pending_compactions) {
          msg = fmt::format("pending compactions {} > {} on {}", c.pending_compactions,
                            o.max_pending_compactions, label(b.host));
        } else if (o.gate_on_disk && c.disk == SignalState::kCritical) {
          msg = fmt::format("disk CRITICAL on {}{}{}", label(b.host),
                            c.disk_message.empty() ? "" : ": ", c.disk_message);
        } else {
          msg = fmt::format("await CRITICAL on {}{}{}", label(b.host),
                            c.await_message.empty() ? "" : ": ", c.await_message);
        }
        break;
      }
      case WaitKind::kReplicaBusy:
        msg = fmt::format("replica {} busy in another session", label(b.host));
        break;
      case WaitKind::kIntensityPause:
        msg = fmt::format("intensity pause on {} until {}", label(b.host),
                          format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
        break;
      case WaitKind::kConcurrencyLimit:
        msg = fmt::format("concurrency limit {} reached", limit);
        break;
      case WaitKind::kWindowEnding:
        msg = fmt::format(
            "would still run when the maintenance window closes at {}; starts in the next one ({})",
            format_time_us(window_closes, TimeForm::kRfc3339Seconds),
            format_time_us(b.until_us, TimeForm::kRfc3339Seconds));
        break;
      case WaitKind::kSequentialTurn:
        msg = running > 0 || !out.start.empty() ? "sequential: one session at a time"
                                                : "sequential: waiting for its turn";
        break;
    }
    out.waiting.push_back({b.segment, b.kind, std::move(msg), b.until_us});
  }

  if (!open && outstanding > 0) wake_at(window_opens);
  out.next_check_us = next_check == kNever ? 0 : next_check;
  out.finished = outstanding == 0;

  // Summary.
  if (out.finished) {
    out.summary = fmt::format("finished: {} done, {} gave up",
                              n - out.waiting_by_kind[static_cast<size_t>(WaitKind::kGaveUp)],
                              out.waiting_by_kind[static_cast<size_t>(WaitKind::kGaveUp)]);
  } else {
    std::string kinds;
    for (size_t k = 0; k < kWaitKinds; ++k) {
      if (out.waiting_by_kind[k] == 0) continue;
      kinds +=
          fmt::format("{}{} {}", kinds.empty() ? "" : ", ", out.waiting_by_kind[k], kWaitNames[k]);
    }
    out.summary =
        fmt::format("{} started, {} running, {} stopping, {} waiting{}{}", out.start.size(),
                    running, out.stop.size(), blocked.size(), kinds.empty() ? "" : ": ", kinds);
    if (!open) {
      out.summary += window_opens == kNever
                         ? "; outside maintenance window"
                         : fmt::format("; outside maintenance window until {}",
                                       format_time_us(window_opens, TimeForm::kRfc3339Seconds));
    }
  }
  return out;
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
