// RepairReplicas over several storage nodes in one process, for tests and benchmarks of repair
// sessions without HTTP: each replica is a LocalRepair found by host id. Trees go through
// encode_trees/decode_trees as they would over the wire, and their bytes are counted. `before`
// runs ahead of every call (a test's hook: inject writes, cancel, or fail a replica).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "repair/replica.h"

namespace rk::agent {

class InProcessReplicas final : public RepairReplicas {
 public:
  // `local` must outlive this object.
  void add(const std::string& host_id, LocalRepair& local) { replicas_[host_id] = &local; }

  // Called with the replica's host id and the call ("pin", "renew", "release", "estimate",
  // "validate", "rows", "export" (ranges or rows), "import", "mark", "compact", "record"); a non-OK
  // Status fails the call with it.
  std::function<Status(const std::string& host_id, std::string_view call)> before;
  std::atomic<uint64_t> tree_bytes{0};  // serialized trees received
  std::atomic<uint64_t> row_bytes{0};   // serialized row listings received

  Result<PinnedView> pin(const ReplicaTarget& t, const std::string& session,
                         const std::atomic<bool>* /*cancel*/) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "pin"));
    return r->views().pin(session, r->lease());
  }
  Status renew(const ReplicaTarget& t, const std::string& view) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "renew"));
    return r->views().renew(view, r->lease()).status();
  }
  Status release(const ReplicaTarget& t, const std::string& view) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "release"));
    return r->views().release(view);
  }
  Result<uint64_t> estimate_rows(const ReplicaTarget& t, const RepairScope& s,
                                 const TokenRange& range) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "estimate"));
    return r->estimate_rows(s, range);
  }
  Result<std::vector<storage::MerkleTree>> validate(
      const ReplicaTarget& t, const RepairScope& s,
      const std::vector<TreeRequest>& trees) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "validate"));
    RK_ASSIGN_OR_RETURN(auto built, r->validate(s, trees));
    const std::string wire = encode_trees(built);
    tree_bytes += wire.size();
    return decode_trees(wire);
  }
  Result<RepairChunk> export_chunk(const ReplicaTarget& t, const RepairScope& s,
                                   const TokenRange& range, size_t max_bytes) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "export"));
    return r->export_chunk(s, range, max_bytes);
  }
  Result<RowListing> list_rows(const ReplicaTarget& t, const RepairScope& s,
                               const std::vector<TokenRange>& ranges) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "rows"));
    RK_ASSIGN_OR_RETURN(RowListing listing, r->list_rows(s, ranges));
    const std::string wire = encode_row_listing(listing);
    row_bytes += wire.size();
    return decode_row_listing(wire);
  }
  Result<RepairChunk> export_rows(const ReplicaTarget& t, const RepairScope& s,
                                  const std::vector<repair::RowKey>& rows) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "export"));
    RK_ASSIGN_OR_RETURN(std::vector<storage::RowSelector> keys,
                        decode_row_keys(encode_row_keys(rows)));
    return r->export_rows(s, keys);
  }
  Status import_chunk(const ReplicaTarget& t, const std::string& keyspace, const std::string& table,
                      std::string_view chunk, const std::atomic<bool>* /*cancel*/) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "import"));
    return r->import_chunk(keyspace, table, chunk);
  }
  Result<uint64_t> mark_repaired(const ReplicaTarget& t, const RepairScope& s,
                                 const std::vector<TokenRange>& ranges, int64_t repaired_at_ms,
                                 bool record) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "mark"));
    return r->mark_repaired(s, ranges, repaired_at_ms, record);
  }

  Status compact_unrepaired(const ReplicaTarget& t, const std::string& keyspace,
                            const std::string& table, const TokenRange& range) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "compact"));
    return r->compact_unrepaired(keyspace, table, range);
  }
  Status record_repair(const ReplicaTarget& t, const std::string& keyspace,
                       const std::vector<std::string>& tables, const TokenRange& range,
                       int64_t repaired_at_us) override {
    RK_ASSIGN_OR_RETURN(LocalRepair * r, find(t, "record"));
    return r->record_repair(keyspace, tables, range, repaired_at_us);
  }

 private:
  Result<LocalRepair*> find(const ReplicaTarget& t, std::string_view call) {
    auto it = replicas_.find(t.host_id);
    if (it == replicas_.end()) return Status::Unavailable("no replica " + t.host_id);
    if (before) RK_RETURN_IF_ERROR(before(t.host_id, call));
    return it->second;
  }
  std::map<std::string, LocalRepair*> replicas_;
};

}  // namespace rk::agent
