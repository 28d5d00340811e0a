// The zombie-safety proof of each table (docs/repair.md, "Proof"): the scheduler's record of the
// table (its tombstone_gc modes over time and every repair that covered all replicas of a range)
// given to repair::prove_zombie_safety.
#include <fmt/format.h>

#include "cluster/schema_catalog.h"
#include "repair/service_impl.h"
#include "ringkeeper/core/time_text.h"

namespace rk::scheduler {
namespace {

std::string when(int64_t us) { return format_time_us(us, TimeForm::kRfc3339Seconds); }

std::string message_of(const TableProof& p) {
  const repair::ZombieProof& z = p.proof;
  const std::string name = p.keyspace + "." + p.table;
  if (!z.safe_now && p.tombstone_gc == TombstoneGc::kImmediate) {
    return fmt::format(
        "{}: NOT zombie-safe since {}: tombstone_gc immediate purges tombstones at once with {} "
        "replicas; ALTER the table to tombstone_gc repair",
        name, when(z.exposed_since_us), p.replicas);
  }
  if (!z.safe_now) {
    return fmt::format(
        "{}: NOT zombie-safe since {}: a range went unrepaired past gc_grace ({} s) under "
        "tombstone_gc timeout; repair the table now (or ALTER it to tombstone_gc repair)",
        name, when(z.exposed_since_us), p.gc_grace_seconds);
  }
  std::string out = fmt::format("{}: zombie-safe since {}", name, when(z.safe_since_us));
  if (p.windows_total > 0) {
    out += fmt::format(" ({} earlier window{} in which tombstones could be purged unrepaired)",
                       p.windows_total, p.windows_total == 1 ? "" : "s");
  }
  if (p.replicas <= 1) {
    out += "; one replica: nothing to resurrect from";
  } else if (p.tombstone_gc == TombstoneGc::kRepair) {
    out += "; protected by tombstone_gc repair";
  } else if (p.tombstone_gc == TombstoneGc::kDisabled) {
    out += "; tombstones are never purged (tombstone_gc disabled)";
  } else if (z.safe_until_us != 0) {
    out += fmt::format("; safe until {} unless every range is repaired again", when(z.safe_until_us));
  }
  return out;
}

}  // namespace

Result<std::vector<TableProof>> RepairScheduler::proofs(const std::string& keyspace,
                                                        const std::string& table,
                                                        size_t window_limit) {
  RK_ASSIGN_OR_RETURN(ClusterState state, impl_->cluster());
  const int64_t now = impl_->clock.now_micros();
  SchemaCatalog catalog(impl_->store);
  std::vector<TableProof> out;
  bool keyspace_found = keyspace.empty();
  for (const KeyspaceDef& ks : state.schema.keyspaces) {
    if (!keyspace.empty() && ks.name != keyspace) continue;
    keyspace_found = true;
    for (const TableDef& t : ks.tables) {
      if (!table.empty() && t.name != table) continue;
      TableProof p{ks.name, t.name, t.tombstone_gc, t.gc_grace_seconds,
                   ks.replication.total_factor()};
      p.created_at_us = t.created_at_us;
      RK_ASSIGN_OR_RETURN(p.modes, catalog.tombstone_gc_history(ks.name, t.name));
      // A table the catalog kept no record of has one from its creation, in its mode now.
      if (p.modes.empty()) p.modes.push_back({t.created_at_us, t.tombstone_gc});
      p.record_since_us = p.modes.front().since_us;
      p.now_us = now;
      repair::ProofInput in;
      in.record_since_us = p.record_since_us;
      in.created_us = t.created_at_us;
      in.gc_grace_seconds = t.gc_grace_seconds;
      in.replicas = p.replicas;
      in.modes = p.modes;
      RK_ASSIGN_OR_RETURN(in.repairs, impl_->repairs.coverage(ks.name, t.name));
      in.now_us = now;
      p.proof = repair::prove_zombie_safety(in);
      p.windows_total = p.proof.windows.size();
      if (p.windows_total > window_limit) {
        p.proof.windows.erase(p.proof.windows.begin(),
                              p.proof.windows.end() - static_cast<ptrdiff_t>(window_limit));
      }
      p.message = message_of(p);
      out.push_back(std::move(p));
    }
  }
  if (!keyspace_found) return Status::NotFound(fmt::format("no keyspace {}", keyspace));
  if (!table.empty() && out.empty()) {
    return Status::NotFound(fmt::format("no table {}.{}", keyspace, table));
  }
  return out;
}

}  // namespace rk::scheduler
