// Node facts for operators; the table-properties collector that counts tombstones per table in
// every SST as it is written (so facts never scan data).
#pragma once

#include <memory>

#include <rocksdb/table_properties.h>

namespace rk::storage {

// User property "rk.tombstones": "<table id>:<count>,..." for the SST.
inline constexpr const char* kTombstonesProperty = "rk.tombstones";
// Entries (puts and merges) per table id, same format; SSTs written before it existed lack it.
inline constexpr const char* kEntriesProperty = "rk.entries";

std::shared_ptr<rocksdb::TablePropertiesCollectorFactory> make_tombstone_counter_factory();

}  // namespace rk::storage
