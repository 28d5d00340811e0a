// Bounds of the numbers in a table's schema and in writes, as Cassandra has them, so that a
// schema or a write Cassandra would refuse is refused here too (and no deadline arithmetic has
// to cope with a gc_grace of 292 000 years). The REST APIs, rkctl and the catalogs check them.
#pragma once

#include <cstdint>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

// gc_grace_seconds is a Java int in Cassandra: 0..2^31-1 (68 years).
inline constexpr int64_t kMaxGcGraceSeconds = 2147483647;
// Cassandra's Attributes.MAX_TTL: 20 years. Applies to default_ttl_seconds and per-write TTLs.
inline constexpr int64_t kMaxTtlSeconds = 630720000;

// InvalidArgument naming `field` and the bound for a value outside 0..kMaxGcGraceSeconds.
Status validate_gc_grace_seconds(int64_t seconds, std::string_view field = "gc_grace_seconds");
// InvalidArgument naming `field` and the bound for a value outside 0..kMaxTtlSeconds.
Status validate_ttl_seconds(int64_t seconds, std::string_view field = "default_ttl_seconds");

}  // namespace rk
