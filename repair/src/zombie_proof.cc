// The zombie-safety proof (see zombie_proof.h). The ring is cut at every boundary of every repair
// range into elementary pieces, each repaired by the same repairs throughout; each piece's time
// line is then swept once, from the record's start to now.
#include "ringkeeper/repair/zombie_proof.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

namespace rk::repair {
namespace {

// A token as a place on the line [kMinToken, kMaxToken + 1]; `__extension__` keeps -Wpedantic quiet
// about the builtin type (as token_range.h does).
__extension__ typedef __int128 Pos;
constexpr Pos kLineEnd = static_cast<Pos>(kMaxToken) + 1;

// A non-wrapping piece (start, end] of the ring on that line; (x, kMinToken] ends at kLineEnd.
struct Piece {
  Pos start;
  Pos end;
};

std::vector<Piece> pieces_of(const TokenRange& range) {
  std::vector<Piece> out;
  for (const TokenRange& r : range.unwrap()) {
    const Pos end = r.end() == kMinToken ? kLineEnd : static_cast<Pos>(r.end());
    if (end > static_cast<Pos>(r.start())) out.push_back({r.start(), end});
  }
  return out;
}

TokenRange range_of(Pos start, Pos end) {
  return TokenRange(static_cast<Token>(start),
                    end == kLineEnd ? kMinToken : static_cast<Token>(end));
}

struct Finish {
  int64_t at_us;
  int64_t started_us;
};

// What a mode lets compaction do, given the replicas: the exposure rule of zombie_proof.h.
bool purges_by_time(TombstoneGc mode, int replicas) {
  return replicas > 1 && mode == TombstoneGc::kTimeout;
}
bool purges_at_once(TombstoneGc mode, int replicas) {
  return replicas > 1 && mode == TombstoneGc::kImmediate;
}

struct PieceWindow {
  int64_t from_us;
  int64_t to_us;  // 0: open
  int64_t repaired_before_us;
  TombstoneGc mode;
  bool operator<(const PieceWindow& o) const {
    return std::tie(from_us, to_us, repaired_before_us, mode) <
           std::tie(o.from_us, o.to_us, o.repaired_before_us, o.mode);
  }
};

// One piece's time line: its windows, and (when safe now under a timed mode) when it becomes
// exposed.
struct PieceProof {
  std::vector<PieceWindow> windows;
  int64_t exposed_at_us = 0;  // L(now) + gc_grace under timeout now; 0 otherwise
};

PieceProof sweep(const ProofInput& in, std::vector<Finish> finishes) {
  std::sort(finishes.begin(), finishes.end(),
            [](const Finish& a, const Finish& b) { return a.at_us < b.at_us; });
  const int64_t gc_us = in.gc_grace_seconds * 1'000'000;
  // Moments at which L or the mode may change, in order.
  std::vector<int64_t> changes;
  for (const Finish& f : finishes) changes.push_back(f.at_us);
  for (const GcModeSpan& m : in.modes) changes.push_back(m.since_us);
  std::sort(changes.begin(), changes.end());

  PieceProof out;
  size_t next_finish = 0;
  size_t next_mode = 0;
  int64_t repaired_before = in.created_us != 0 ? in.created_us : in.record_since_us;
  TombstoneGc mode = in.modes.empty() ? TombstoneGc::kTimeout : in.modes.front().mode;
  auto apply_until = [&](int64_t t) {  // every change at or before t
    while (next_finish < finishes.size() && finishes[next_finish].at_us <= t) {
      repaired_before = std::max(repaired_before, finishes[next_finish++].started_us);
    }
    while (next_mode < in.modes.size() && in.modes[next_mode].since_us <= t) {
      mode = in.modes[next_mode++].mode;
    }
  };
  int64_t t = in.record_since_us;
  apply_until(t);
  size_t c = static_cast<size_t>(std::upper_bound(changes.begin(), changes.end(), t) -
                                 changes.begin());
  std::optional<PieceWindow> open;
  while (true) {
    const int64_t stretch_end = c < changes.size() ? std::min(changes[c], in.now_us) : in.now_us;
    // [t, stretch_end): repaired_before and mode hold; exposure starts at `from`, if at all.
    int64_t from = -1;
    if (purges_at_once(mode, in.replicas)) {
      from = t;
    } else if (purges_by_time(mode, in.replicas)) {
      from = std::max(t, repaired_before + gc_us);
    }
    const bool exposed = from >= 0 && from < stretch_end;
    if (open && (!exposed || from > t)) {  // the window closed at t
      open->to_us = t;
      out.windows.push_back(*open);
      open.reset();
    }
    if (exposed && !open) open = PieceWindow{from, 0, repaired_before, mode};
    if (stretch_end >= in.now_us) break;
    t = stretch_end;
    apply_until(t);
    while (c < changes.size() && changes[c] <= t) ++c;
  }
  // A repair that finished, or a mode that changed, just now closes the window (or opens one).
  apply_until(in.now_us);
  const bool exposed_now =
      purges_at_once(mode, in.replicas) ||
      (purges_by_time(mode, in.replicas) && repaired_before + gc_us < in.now_us);
  if (open && !exposed_now) {
    open->to_us = in.now_us;
    out.windows.push_back(*open);
    open.reset();
  } else if (!open && exposed_now) {
    open = PieceWindow{in.now_us, 0, repaired_before, mode};
  }
  if (open) {
    out.windows.push_back(*open);
  } else if (purges_by_time(mode, in.replicas)) {
    out.exposed_at_us = repaired_before + gc_us;
  }
  return out;
}

}  // namespace

ZombieProof prove_zombie_safety(const ProofInput& in) {
  // The elementary pieces: every repair range's boundaries, and the line's two ends.
  std::vector<Pos> cuts{static_cast<Pos>(kMinToken), kLineEnd};
  std::vector<std::pair<Piece, Finish>> repairs;
  for (const CoveringRepair& r : in.repairs) {
    if (r.finished_us > in.now_us) continue;
    for (const Piece& p : pieces_of(r.range)) {
      cuts.push_back(p.start);
      cuts.push_back(p.end);
      repairs.push_back({p, {r.finished_us, r.started_us}});
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  // finishes[i]: the repairs of piece (cuts[i], cuts[i + 1]].
  std::vector<std::vector<Finish>> finishes(cuts.size() - 1);
  for (const auto& [p, f] : repairs) {
    size_t i = static_cast<size_t>(std::lower_bound(cuts.begin(), cuts.end(), p.start) -
                                   cuts.begin());
    for (; cuts[i] < p.end; ++i) finishes[i].push_back(f);
  }

  // Pieces with the same window go together.
  std::map<PieceWindow, std::vector<TokenRange>> grouped;
  ZombieProof out;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    PieceProof p = sweep(in, std::move(finishes[i]));
    for (const PieceWindow& w : p.windows) grouped[w].push_back(range_of(cuts[i], cuts[i + 1]));
    if (p.exposed_at_us != 0 &&
        (out.safe_until_us == 0 || p.exposed_at_us < out.safe_until_us)) {
      out.safe_until_us = p.exposed_at_us;
    }
  }
  int64_t last_end = in.record_since_us;
  for (auto& [w, ranges] : grouped) {
    out.windows.push_back({normalize(std::move(ranges)), w.from_us, w.to_us,
                           w.repaired_before_us, w.mode});
    if (w.to_us == 0) {
      if (out.safe_now || w.from_us < out.exposed_since_us) out.exposed_since_us = w.from_us;
      out.safe_now = false;
    } else {
      last_end = std::max(last_end, w.to_us);
    }
  }
  if (out.safe_now) {
    out.safe_since_us = last_end;
  } else {
    out.safe_until_us = 0;
  }

  // Episodes: windows that overlap in time (an open one reaches past now).
  constexpr int64_t kOpen = std::numeric_limits<int64_t>::max();
  int64_t episode_end = 0;
  std::vector<TokenRange> exposed;
  auto close_episode = [&]() {
    if (out.episodes.empty()) return;
    out.episodes.back().to_us = episode_end == kOpen ? 0 : episode_end;
    out.episodes.back().ring_share = static_cast<double>(
        static_cast<long double>(covered_size(exposed)) / static_cast<long double>(kRingSize));
  };
  for (const ExposureWindow& w : out.windows) {  // by from_us
    const int64_t end = w.to_us == 0 ? kOpen : w.to_us;
    if (out.episodes.empty() || w.from_us > episode_end) {
      close_episode();
      out.episodes.push_back({w.from_us, 0, 0});
      episode_end = end;
      exposed.clear();
    } else {
      episode_end = std::max(episode_end, end);
    }
    exposed.insert(exposed.end(), w.ranges.begin(), w.ranges.end());
  }
  close_episode();
  return out;
}

}  // namespace rk::repair
