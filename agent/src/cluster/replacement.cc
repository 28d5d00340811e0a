// Streaming a replaced node's ranges from the survivors (see replacement.h).
#include "cluster/replacement.h"

#include <spdlog/spdlog.h>

namespace rk::agent {

Result<StreamStats> stream_replaced_ranges(const Topology& topology, ReplicaClient& replicas,
                                           storage::Node& node,
                                           std::chrono::milliseconds page_timeout,
                                           const std::function<bool()>& stopping) {
  StreamStats stats;
  for (const KeyspaceDef& ks : topology.schema().keyspaces) {
    RK_ASSIGN_OR_RETURN(auto placement, topology.placement(ks.name));
    for (const TokenRange& mine : placement->ranges_of(topology.self())) {
      for (const RangeReplicas& piece : placement->replicas_for_range(mine)) {
        std::vector<ReplicaTarget> sources;
        for (const RingNode* n : piece.replicas) {
          const RingMember* m = topology.member(n->host_id);
          if (m == nullptr || m->host_id == topology.self()) continue;
          if (m->state == "DOWN" || m->state == "JOINING" || m->state == "REPLACED") continue;
          sources.push_back(topology.target_of(*m));
        }
        if (sources.empty()) {
          spdlog::warn(
              "replacement: no live replica holds {} of keyspace {}; its data cannot be "
              "streamed",
              piece.range.to_string(), ks.name);
          continue;
        }
        for (const TableDef& table : ks.tables) {
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

}  // namespace rk::agent
