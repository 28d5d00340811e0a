// What a replica does for a repair session, and how the coordinator asks for it: the local node
// directly (LocalRepair), peers over the internode API's /internode/v1/repair/* routes (the same
// LocalRepair runs behind them). One interface, RepairReplicas, so the session logic does not
// care where a replica is; tests substitute fakes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/consistency_level.h"
#include "internode_client.h"
#include "repair/row_exchange.h"
#include "repair/views.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/repair/tree_diff.h"
#include "ringkeeper/storage/merkle_tree.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

// The data one repair call reads: a table, a scope, at a pinned view.
struct RepairScope {
  std::string view;  // a ViewRegistry id on the replica
  std::string keyspace;
  std::string table;
  storage::DataScope scope = storage::DataScope::kAll;
  // The session's stop flag: a remote call that reads this scope (estimate, validate, export)
  // ends at once with Cancelled when it is set, instead of waiting out its timeout in a
  // connection that may never answer. Marking does not look at it: past that point a cancel is
  // too late. Null: the call runs to its end.
  const std::atomic<bool>* cancel = nullptr;
};

// One Merkle tree to build: 2^depth leaves over a range (the repair domain's TreeRequest).
using repair::TreeRequest;

// A chunk of streamed partitions (range_stream.h encoding; empty when the range had none).
struct RepairChunk {
  std::string bytes;
  uint64_t partitions = 0;
  std::optional<TokenRange> next;  // the rest of the range; nullopt when done
};

// Several serialized trees in one buffer: u32 count, then u32 length + serialize() of each
// (big-endian).
std::string encode_trees(const std::vector<storage::MerkleTree>& trees);
Result<std::vector<storage::MerkleTree>> decode_trees(std::string_view bytes);

// "all" | "unrepaired" | "repaired".
std::string_view scope_name(storage::DataScope scope);
Result<storage::DataScope> parse_scope_name(const std::string& name);

// A replica's own side of repair, on its storage node and view registry.
class LocalRepair {
 public:
  LocalRepair(storage::Node& node, ViewRegistry& views, std::chrono::milliseconds lease)
      : node_(node), views_(views), lease_(lease) {}
  ViewRegistry& views() { return views_; }
  std::chrono::milliseconds lease() const { return lease_; }

  Result<uint64_t> estimate_rows(const RepairScope& scope, const TokenRange& range);
  // At most 4096 trees per call, none deeper than MerkleTree::kMaxDepth.
  Result<std::vector<storage::MerkleTree>> validate(const RepairScope& scope,
                                                    const std::vector<TreeRequest>& trees);
  // Partitions of `range` from its start, about `max_bytes` of them.
  Result<RepairChunk> export_chunk(const RepairScope& scope, const TokenRange& range,
                                   size_t max_bytes);
  Status import_chunk(const std::string& keyspace, const std::string& table,
                      std::string_view chunk);
  // The row-level exchange: per range (at most storage::Node::kMaxExchangeRanges), the versions
  // of the rows this replica holds there as validation sees them. ResourceExhausted when the
  // ranges hold more than kMaxListedRows units (the coordinator asks for small ranges).
  static constexpr size_t kMaxListedRows = 1'000'000;
  Result<RowListing> list_rows(const RepairScope& scope, const std::vector<TokenRange>& ranges);
  // The rows `rows` names (as storage::Node::export_rows), encoded as a stream chunk.
  Result<RepairChunk> export_rows(const RepairScope& scope,
                                  const std::vector<storage::RowSelector>& rows);
  // Marks each range repaired at the scope's view; `record`: record repaired_at for each (see
  // storage::Node::mark_repaired). At most 4096 ranges per call. Returns the keys moved.
  Result<uint64_t> mark_repaired(const RepairScope& scope, const std::vector<TokenRange>& ranges,
                                 int64_t repaired_at_ms, bool record);
  // Compacts the unrepaired set in `range` (drops what marking left behind).
  Status compact_unrepaired(const std::string& keyspace, const std::string& table,
                            const TokenRange& range);
  // Records in each table's repair history that a repair of `range` succeeded on every replica
  // with views pinned from `repaired_at_us` on (storage::Node::record_repair): what tombstone_gc
  // repair mode purges by. Idempotent.
  Status record_repair(const std::string& keyspace, const std::vector<std::string>& tables,
                       const TokenRange& range, int64_t repaired_at_us);

 private:
  storage::Node& node_;
  ViewRegistry& views_;
  std::chrono::milliseconds lease_;
};

// The coordinator's side: every call goes to `target` (local: LocalRepair directly).
class RepairReplicas {
 public:
  virtual ~RepairReplicas() = default;
  // `cancel` as RepairScope::cancel (an aborted pin leaves its view to the lease).
  virtual Result<PinnedView> pin(const ReplicaTarget& target, const std::string& session,
                                 const std::atomic<bool>* cancel) = 0;
  virtual Status renew(const ReplicaTarget& target, const std::string& view) = 0;
  virtual Status release(const ReplicaTarget& target, const std::string& view) = 0;
  virtual Result<uint64_t> estimate_rows(const ReplicaTarget& target, const RepairScope& scope,
                                         const TokenRange& range) = 0;
  virtual Result<std::vector<storage::MerkleTree>> validate(
      const ReplicaTarget& target, const RepairScope& scope,
      const std::vector<TreeRequest>& trees) = 0;
  virtual Result<RepairChunk> export_chunk(const ReplicaTarget& target, const RepairScope& scope,
                                           const TokenRange& range, size_t max_bytes) = 0;
  virtual Result<RowListing> list_rows(const ReplicaTarget& target, const RepairScope& scope,
                                       const std::vector<TokenRange>& ranges) = 0;
  virtual Result<RepairChunk> export_rows(const ReplicaTarget& target, const RepairScope& scope,
                                          const std::vector<repair::RowKey>& rows) = 0;
  // `cancel` as RepairScope::cancel.
  virtual Status import_chunk(const ReplicaTarget& target, const std::string& keyspace,
                              const std::string& table, std::string_view chunk,
                              const std::atomic<bool>* cancel) = 0;
  virtual Result<uint64_t> mark_repaired(const ReplicaTarget& target, const RepairScope& scope,
                                         const std::vector<TokenRange>& ranges,
                                         int64_t repaired_at_ms, bool record) = 0;
  virtual Status compact_unrepaired(const ReplicaTarget& target, const std::string& keyspace,
                                    const std::string& table, const TokenRange& range) = 0;
  virtual Status record_repair(const ReplicaTarget& target, const std::string& keyspace,
                               const std::vector<std::string>& tables, const TokenRange& range,
                               int64_t repaired_at_us) = 0;
};

// The keys as LocalRepair::export_rows takes them.
std::vector<storage::RowSelector> selectors(const std::vector<repair::RowKey>& rows);

// Local calls to `local`, remote ones over HTTP with `options` (cluster secret, TLS), each call
// with `timeout`.
std::unique_ptr<RepairReplicas> make_repair_replicas(LocalRepair& local,
                                                     const InternodeClientOptions& options,
                                                     std::chrono::milliseconds timeout);

}  // namespace rk::agent
