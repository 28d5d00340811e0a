// A mutation: writes and deletes to one partition of one table, applied atomically.
//
// Every operation carries the client's write timestamp (microseconds); the node keeps, for each
// cell, the version that wins last-write-wins, whatever order versions arrive in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rk::storage {

struct MutationOp {
  enum class Kind : uint8_t { kSetCell, kDeleteCell, kDeleteRow, kDeletePartition };
  Kind kind = Kind::kSetCell;
  std::string clustering_key;  // kSetCell, kDeleteCell, kDeleteRow
  std::string column;          // kSetCell, kDeleteCell
  std::string value;           // kSetCell
  int64_t timestamp = 0;       // write timestamp, microseconds
  // kSetCell: nullopt = the table's default TTL; 0 = no TTL; > 0 = TTL in seconds; < 0 invalid.
  std::optional<int64_t> ttl_seconds;
};

struct Mutation {
  std::string keyspace;
  std::string table;
  std::string partition_key;
  std::vector<MutationOp> ops;

  Mutation() = default;
  Mutation(std::string keyspace, std::string table, std::string partition_key)
      : keyspace(std::move(keyspace)),
        table(std::move(table)),
        partition_key(std::move(partition_key)) {}

  // Builders; each appends one op and returns *this.
  Mutation& set(std::string clustering_key, std::string column, std::string value,
                int64_t timestamp, std::optional<int64_t> ttl_seconds = std::nullopt);
  Mutation& delete_cell(std::string clustering_key, std::string column, int64_t timestamp);
  Mutation& delete_row(std::string clustering_key, int64_t timestamp);
  Mutation& delete_partition(int64_t timestamp);
};

}  // namespace rk::storage
