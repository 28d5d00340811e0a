// Repair segments whose ring moved (docs/repair.md, "When the ring changes"): a node joined,
// left, was replaced or removed, so the replica set stored with a segment is no longer its
// range's. Such a segment is never retried with its old replicas and never recorded as repaired
// by a session over them: its session (if any) is cancelled, and once it has ended the segment
// ends ABORTED with the reason and is planned again over the current ring as new PENDING
// segments of the same run, which then run as any others do.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "repair/planning.h"
#include "repair/service_impl.h"

namespace rk::scheduler {
namespace {

// How long a session whose replica set moved may run on before the scheduler cancels it: its
// coordinator learns the new ring with its next heartbeat (every 5 s by default) and stops it
// itself, naming the change.
constexpr int64_t kRingChangeGraceUs = 10'000'000;

}  // namespace

Status RepairScheduler::Impl::replan_moved_segments(
    const RepairRun& run, std::vector<RepairSegment>& segments, const ClusterState& cluster,
    const std::map<std::string, const NodeView*>& nodes, std::set<int64_t>& moving, int64_t now) {
  const auto ks =
      std::find_if(cluster.schema.keyspaces.begin(), cluster.schema.keyspaces.end(),
                   [&](const KeyspaceDef& k) { return k.name == run.options.keyspace; });
  if (ks == cluster.schema.keyspaces.end()) return Status::OK();  // dropped: nothing to plan
  std::optional<ReplicaPlacement> placement;  // built once per run and tick, when needed
  bool changed = false;
  for (const RepairSegment& seg : segments) {
    const bool flying = seg.state == SegmentState::kStarting || seg.state == SegmentState::kRunning;
    if (!flying && seg.state != SegmentState::kPending) continue;
    if (!placement) {
      Result<ReplicaPlacement> p = ring_placement(cluster.nodes, ks->replication);
      if (!p.ok()) {
        spdlog::warn("repair run {}: cannot place {} over the ring: {}", run.id,
                     run.options.keyspace, p.status().to_string());
        return Status::OK();
      }
      placement = std::move(*p);
    }
    Result<std::optional<Replan>> replan =
        replan_segment(run.options, seg, *placement, cluster.nodes);
    if (!replan.ok()) {
      spdlog::warn("repair segment {} {}: cannot check its replicas against the ring: {}", seg.id,
                   seg.range, replan.status().to_string());
      continue;
    }
    if (!*replan) continue;
    std::string outcome;
    if (flying) {
      // Stop the session first: its replicas stay busy until it has ended, and whatever it
      // reports now (even SUCCEEDED) is not recorded, since a replica set that is no longer the
      // range's repaired it.
      auto it = nodes.find(seg.coordinator);
      const bool gone = it == nodes.end() || it->second->info.state == NodeState::kDown ||
                        it->second->info.state == NodeState::kReplaced;
      if (!gone) {
        // The coordinator sees the change itself within a heartbeat and ends the session ABORTED
        // with it; a session still running after the grace is cancelled.
        const int64_t noticed = ring_moved_at.emplace(seg.id, now).first->second;
        Result<SessionStatus> c = now - noticed < kRingChangeGraceUs
                                      ? agents.session(*it->second, seg.session_id)
                                      : agents.cancel_session(*it->second, seg.session_id);
        if (c.ok() && c->state == SessionState::kRunning) {
          moving.insert(seg.id);
          continue;  // asked again next tick
        }
        if (!c.ok() && c.status().code() != ErrorCode::kNotFound) {
          moving.insert(seg.id);  // unreachable but not DOWN: it may still run
          continue;
        }
        if (c.ok() && c->state == SessionState::kSucceeded) {
          outcome = fmt::format(" (session {} succeeded on the old replicas; not counted)",
                                seg.session_id);
        }
      }
    }
    ring_moved_at.erase(seg.id);
    RepairSegment old = seg;
    old.state = SegmentState::kAborted;
    old.finished_at_us = now;
    old.postponed.clear();
    old.last_error = (*replan)->reason + outcome;
    std::vector<RepairSegment> pieces;
    for (const PlannedSegment& p : (*replan)->pieces) {
      RepairSegment g;
      g.run_id = seg.run_id;
      g.tables = seg.tables;
      g.range = p.range.to_string();
      g.replicas = p.replicas;
      g.estimated_bytes = p.estimated_bytes;
      pieces.push_back(std::move(g));
    }
    RK_ASSIGN_OR_RETURN(std::vector<int64_t> ids, repairs.replan_segment(old, pieces));
    spdlog::info("repair run {} segment {} {}: {}{}; re-planned as {} segment(s)", run.id, seg.id,
                 seg.range, (*replan)->reason, outcome, ids.size());
    changed = true;
  }
  if (changed) {
    RK_ASSIGN_OR_RETURN(segments, repairs.segments(run.id, std::nullopt));
  }
  return Status::OK();
}

}  // namespace rk::scheduler
