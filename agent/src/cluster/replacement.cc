// Streaming a replaced node's ranges from the survivors, and the background job that does it
// until it is complete (see replacement.h).
#include "cluster/replacement.h"

#include <algorithm>
#include <limits>

#include <spdlog/spdlog.h>

#include "ringkeeper/core/backoff.h"

namespace rk::agent {

Result<StreamStats> stream_replaced_ranges(const Topology& topology, ReplicaClient& replicas,
                                           storage::Node& node,
                                           std::chrono::milliseconds page_timeout,
                                           const std::function<bool()>& stopping,
                                           const TableNames& only) {
  StreamStats stats;
  for (const KeyspaceDef& ks : topology.schema().keyspaces) {
    auto wanted = [&](const TableDef& t) { return only.empty() || only.contains(ks.name + "." + t.name); };
    if (std::none_of(ks.tables.begin(), ks.tables.end(), wanted)) continue;
    RK_ASSIGN_OR_RETURN(auto placement, topology.placement(ks.name));
    for (const TokenRange& mine : placement->ranges_of(topology.self())) {
      for (const RangeReplicas& piece : placement->replicas_for_range(mine)) {
        std::vector<const RingMember*> members;
        for (const RingNode* n : piece.replicas) {
          const RingMember* m = topology.member(n->host_id);
          if (m == nullptr || m->host_id == topology.self()) continue;
          if (m->state == "DOWN" || m->state == "JOINING" || m->state == "REPLACED") continue;
          members.push_back(m);
        }
        for (const TableDef& table : ks.tables) {
          if (!wanted(table)) continue;
          std::vector<ReplicaTarget> sources;
          for (const RingMember* m : members) {
            if (!m->quarantined(ks.name, table.name)) sources.push_back(topology.target_of(*m));
          }
          if (sources.empty()) {
            spdlog::warn("streaming: no usable replica holds {} of {}.{}; its data cannot be "
                         "streamed",
                         piece.range.to_string(), ks.name, table.name);
            continue;
          }
          int succeeded = 0;
          Status last;
          for (const ReplicaTarget& source : sources) {
            std::optional<TokenRange> next = piece.range;
            Status s;
            while (next) {
              if (stopping()) return Status::Cancelled("replacement streaming stopped");
              auto page = replicas.export_page(source, ks.name, table.name, *next, page_timeout);
              if (!page.ok()) {
                s = page.status();
                break;
              }
              s = node.import_partitions(ks.name, table.name, page->partitions);
              if (!s.ok()) break;
              ++stats.pages;
              stats.partitions += static_cast<int64_t>(page->partitions.size());
              next = page->next;
            }
            if (s.ok()) {
              ++succeeded;
            } else {
              spdlog::warn("replacement: streaming {}.{} {} from {} failed: {}", ks.name,
                           table.name, piece.range.to_string(), source.address, s.message());
              last = s;
            }
          }
          if (succeeded == 0) {
            return Status::Unavailable("replacement: no replica could stream " + ks.name + "." +
                                       table.name + " " + piece.range.to_string() + ": " +
                                       last.message());
          }
          ++stats.ranges;
        }
      }
    }
  }
  return stats;
}

Replacement::Replacement(ReplacementOptions options, const RingState& ring, ReplicaClient& replicas,
                         storage::Node& node, StopSignal& stop)
    : options_(std::move(options)), ring_(ring), replicas_(replicas), node_(node), stop_(stop) {}

void Replacement::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void Replacement::join() {
  if (thread_.joinable()) thread_.join();
}

Status Replacement::stream_once() {
  auto t = ring_.topology();
  spdlog::info("replacing {}: streaming this node's ranges from the surviving replicas",
               options_.replace_address);
  auto stats = stream_replaced_ranges(*t, replicas_, node_, options_.page_timeout,
                                      [this] { return stop_.stopping(); });
  if (!stats.ok()) return stats.status();
  spdlog::info("replacement streaming done: {} table ranges, {} pages, {} partitions",
               stats->ranges, stats->pages, stats->partitions);
  return Status::OK();
}

void Replacement::run() {
  BackoffOptions bo;
  bo.max_attempts = std::numeric_limits<int>::max();
  bo.max_delay = options_.retry_max;
  Backoff backoff(bo);
  while (true) {
    Status r = stream_once();
    if (r.ok()) {
      done_ = true;
      return;
    }
    if (r.code() == ErrorCode::kCancelled) return;
    spdlog::warn("{}; retrying", r.message());
    if (stop_.wait_for(backoff.next_delay().value_or(options_.retry_max))) return;
  }
}

}  // namespace rk::agent
