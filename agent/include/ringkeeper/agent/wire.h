// The JSON wire encoding of the storage node's types, in one place: internode requests
// (mutations, raw partitions, range exports), the client data API and anything else (rkctl, the
// scheduler's repair later) that moves storage data over HTTP.
//
// Encodings (keys and values are JSON strings; timestamps are µs as JSON integers; tokens are
// decimal strings because JSON numbers lose int64 precision in browsers):
//   Cell      {"kind":"live"|"expiring"|"tombstone","timestamp":N,
//              "value":"…" (not for tombstones), "ttl":N (expiring),
//              "local_deletion_time":N (expiring, tombstone; seconds)}
//   Deletion  {"marked_for_delete_at":N,"local_deletion_time":N}; a live deletion is left out
//   Row       {"clustering":"…","deletion"?:Deletion,"cells":{"col":Cell,…}}
//   Partition {"partition":"…","token":"…","deletion"?:Deletion,"rows":[Row,…]}
//   MutationOp {"op":"set","clustering","column","value","timestamp","ttl"?}
//              {"op":"delete_cell","clustering","column","timestamp"}
//              {"op":"delete_row","clustering","timestamp"} {"op":"delete_partition","timestamp"}
//   Mutation  {"keyspace","table","partition","ops":[MutationOp,…]}
// Decoders are strict: unknown fields, missing fields and wrong types are InvalidArgument naming
// the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/mutation.h"
#include "ringkeeper/storage/node.h"
#include "ringkeeper/storage/row.h"
#include "ringkeeper/storage/schema.h"

namespace rk::agent::wire {

nlohmann::json cell_to_json(const storage::Cell& cell);
Result<storage::Cell> cell_from_json(const nlohmann::json& j);

nlohmann::json deletion_to_json(const storage::Deletion& deletion);
Result<storage::Deletion> deletion_from_json(const nlohmann::json& j);

nlohmann::json row_to_json(const storage::Row& row);
Result<storage::Row> row_from_json(const nlohmann::json& j);

// Raw partitions (tombstones included) for internode transfers.
nlohmann::json partition_to_json(const storage::Partition& partition);
// The token is recomputed from the key and checked against "token" when present.
Result<storage::Partition> partition_from_json(const nlohmann::json& j);

// Live data as clients see it: {"partition","token","rows":[{"clustering","cells":{"col":
// {"value","timestamp"}}}]} (no tombstones, no deletions).
nlohmann::json live_partition_to_json(const storage::Partition& partition);

nlohmann::json mutation_to_json(const storage::Mutation& mutation);
// Every op must carry a timestamp.
Result<storage::Mutation> mutation_from_json(const nlohmann::json& j);

// A client's mutation: like the above but op timestamps are not allowed; `timestamp` (µs) is
// given to every op. `ops` is the client's "ops" array.
Result<std::vector<storage::MutationOp>> client_ops_from_json(const nlohmann::json& ops,
                                                              int64_t timestamp);

// {"start"?: "…", "end"?: "…"}: clustering keys [start, end).
Result<storage::ClusteringSlice> slice_from_json(const nlohmann::json& j);
nlohmann::json slice_to_json(const storage::ClusteringSlice& slice);

// Keyspace replication as the scheduler's SCHEMA carries it:
// {"class":"SimpleStrategy","replication_factor":N} or {"class":"NetworkTopologyStrategy","dc":N,…}
Result<storage::Replication> replication_from_json(const nlohmann::json& j);
nlohmann::json replication_to_json(const storage::Replication& replication);

}  // namespace rk::agent::wire
