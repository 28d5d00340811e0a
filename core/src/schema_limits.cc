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

}  // namespace rk
