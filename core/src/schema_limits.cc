// Cassandra's bounds on gc_grace_seconds and TTLs (see schema_limits.h).
#include "ringkeeper/core/schema_limits.h"

#include <fmt/format.h>

namespace rk {
namespace {

Status in_range(int64_t value, int64_t max, std::string_view field, std::string_view why) {
  if (value >= 0 && value <= max) return Status::OK();
  return Status::InvalidArgument(
      fmt::format("{} must be 0..{} ({}), got {}", field, max, why, value));
}

}  // namespace

Status validate_gc_grace_seconds(int64_t seconds, std::string_view field) {
  return in_range(seconds, kMaxGcGraceSeconds, field, "2^31-1 seconds, as in Cassandra");
}

Status validate_ttl_seconds(int64_t seconds, std::string_view field) {
  return in_range(seconds, kMaxTtlSeconds, field, "20 years, Cassandra's maximum TTL");
}

std::string_view tombstone_gc_name(TombstoneGc mode) {
  switch (mode) {
    case TombstoneGc::kTimeout:
      return "timeout";
    case TombstoneGc::kRepair:
      return "repair";
    case TombstoneGc::kDisabled:
      return "disabled";
    case TombstoneGc::kImmediate:
      return "immediate";
  }
  return "timeout";
}

Result<TombstoneGc> parse_tombstone_gc(std::string_view name) {
  for (TombstoneGc mode : {TombstoneGc::kTimeout, TombstoneGc::kRepair, TombstoneGc::kDisabled,
                           TombstoneGc::kImmediate}) {
    if (name == tombstone_gc_name(mode)) return mode;
  }
  return Status::InvalidArgument(fmt::format(
      "tombstone_gc must be one of repair, timeout, disabled, immediate; got '{}'", name));
}

Status check_tombstone_gc(TombstoneGc mode, int replicas, bool force) {
  if (mode != TombstoneGc::kImmediate || replicas <= 1 || force) return Status::OK();
  return Status::FailedPrecondition(fmt::format(
      "tombstone_gc immediate purges tombstones at once: with {} replicas, one that missed a "
      "delete brings the data back; use it only for tables whose deletes never race writes, and "
      "force it",
      replicas));
}

}  // namespace rk
