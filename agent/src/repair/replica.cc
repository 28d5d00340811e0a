// A replica's side of repair (LocalRepair) and the coordinator's client for it (local calls go
// straight to LocalRepair, remote ones to the internode API's /internode/v1/repair/* routes).
#include "repair/replica.h"

#include <nlohmann/json.hpp>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/storage/range_stream.h"

namespace rk::agent {
namespace {

using nlohmann::json;

constexpr size_t kMaxTreesPerCall = 4096;
constexpr size_t kMaxChunkPartitions = 100'000;

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

bool get_u32(std::string_view& in, uint32_t* v) {
  if (in.size() < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; ++i) *v = (*v << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(4);
  return true;
}

}  // namespace

std::string encode_trees(const std::vector<storage::MerkleTree>& trees) {
  std::string out;
  put_u32(out, static_cast<uint32_t>(trees.size()));
  for (const auto& t : trees) {
    auto bytes = t.serialize();
    const std::string& b = bytes.ok() ? *bytes : std::string();
    put_u32(out, static_cast<uint32_t>(b.size()));
    out += b;
  }
  return out;
}

Result<std::vector<storage::MerkleTree>> decode_trees(std::string_view in) {
  uint32_t n = 0;
  if (!get_u32(in, &n) || n > kMaxTreesPerCall) return Status::Corruption("bad tree count");
  std::vector<storage::MerkleTree> trees;
  trees.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len = 0;
    if (!get_u32(in, &len) || len > in.size()) return Status::Corruption("truncated tree list");
    RK_ASSIGN_OR_RETURN(storage::MerkleTree t, storage::MerkleTree::deserialize(in.substr(0, len)));
    trees.push_back(std::move(t));
    in.remove_prefix(len);
  }
  if (!in.empty()) return Status::Corruption("trailing bytes after the tree list");
  return trees;
}

std::string_view scope_name(storage::DataScope scope) {
  switch (scope) {
    case storage::DataScope::kAll:
      return "all";
    case storage::DataScope::kUnrepaired:
      return "unrepaired";
    case storage::DataScope::kRepaired:
      return "repaired";
  }
  return "all";
}

Result<storage::DataScope> parse_scope_name(const std::string& s) {
  if (s == "all") return storage::DataScope::kAll;
  if (s == "repaired") return storage::DataScope::kRepaired;
  if (s == "unrepaired") return storage::DataScope::kUnrepaired;
  return Status::InvalidArgument("'scope' must be all, repaired or unrepaired, got '" + s + "'");
}

// ---- LocalRepair -------------------------------------------------------------------------------

Result<uint64_t> LocalRepair::estimate_rows(const RepairScope& s, const TokenRange& range) {
  RK_RETURN_IF_ERROR(views_.use(s.view, lease_).status());
  return node_.estimate_rows(s.keyspace, s.table, range, s.scope);
}

Result<std::vector<storage::MerkleTree>> LocalRepair::validate(
    const RepairScope& s, const std::vector<TreeRequest>& trees) {
  if (trees.size() > kMaxTreesPerCall) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxTreesPerCall) +
                                   " trees per validation call");
  }
  RK_ASSIGN_OR_RETURN(auto view, views_.use(s.view, lease_));
  std::vector<storage::MerkleTree> out;
  out.reserve(trees.size());
  for (const auto& t : trees) {
    RK_ASSIGN_OR_RETURN(storage::MerkleTree tree,
                        node_.validate(s.keyspace, s.table, t.range, s.scope, t.depth, view.get()));
    out.push_back(std::move(tree));
  }
  return out;
}

Result<RepairChunk> LocalRepair::export_chunk(const RepairScope& s, const TokenRange& range,
                                              size_t max_bytes) {
  RK_ASSIGN_OR_RETURN(auto view, views_.use(s.view, lease_));
  RK_ASSIGN_OR_RETURN(storage::ExportPage page,
                      node_.export_page(s.keyspace, s.table, range, s.scope, kMaxChunkPartitions,
                                        max_bytes, view.get()));
  RepairChunk chunk;
  chunk.partitions = page.partitions.size();
  if (!page.partitions.empty()) chunk.bytes = storage::encode_partitions(page.partitions);
  chunk.next = page.next;
  return chunk;
}

Result<RowListing> LocalRepair::list_rows(const RepairScope& s,
                                          const std::vector<TokenRange>& ranges) {
  RK_ASSIGN_OR_RETURN(auto view, views_.use(s.view, lease_));
  RowListing listing(ranges.size());
  size_t units = 0;
  Status over;
  RK_RETURN_IF_ERROR(node_.scan_as_validated(
      s.keyspace, s.table, ranges, s.scope,
      [&](size_t range, const storage::Partition& p) {
        append_row_versions(p, &listing[range]);
        units += p.rows.size() + 1;
        if (units <= kMaxListedRows) return true;
        over = Status::ResourceExhausted("the ranges hold more than " +
                                         std::to_string(kMaxListedRows) + " rows");
        return false;
      },
      view.get()));
  RK_RETURN_IF_ERROR(over);
  return listing;
}

Result<RepairChunk> LocalRepair::export_rows(const RepairScope& s,
                                             const std::vector<storage::RowSelector>& rows) {
  RK_ASSIGN_OR_RETURN(auto view, views_.use(s.view, lease_));
  RK_ASSIGN_OR_RETURN(std::vector<storage::Partition> partitions,
                      node_.export_rows(s.keyspace, s.table, rows, s.scope, view.get()));
  RepairChunk chunk;
  chunk.partitions = partitions.size();
  if (!partitions.empty()) chunk.bytes = storage::encode_partitions(partitions);
  return chunk;
}

Status LocalRepair::import_chunk(const std::string& keyspace, const std::string& table,
                                 std::string_view chunk) {
  Status s = node_.import_stream(keyspace, table, chunk);
  // A malformed chunk is the caller's fault (400), not this node's.
  if (s.code() == ErrorCode::kCorruption) return Status::InvalidArgument(s.message());
  return s;
}

Result<uint64_t> LocalRepair::mark_repaired(const RepairScope& s,
                                            const std::vector<TokenRange>& ranges,
                                            int64_t repaired_at_ms, bool record) {
  if (ranges.size() > kMaxTreesPerCall) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxTreesPerCall) +
                                   " ranges per call");
  }
  RK_ASSIGN_OR_RETURN(auto view, views_.use(s.view, lease_));
  uint64_t moved = 0;
  for (const auto& range : ranges) {
    RK_ASSIGN_OR_RETURN(uint64_t n, node_.mark_repaired(s.keyspace, s.table, range, repaired_at_ms,
                                                        view.get(), record));
    moved += n;
  }
  return moved;
}

Status LocalRepair::compact_unrepaired(const std::string& keyspace, const std::string& table,
                                       const TokenRange& range) {
  return node_.compact_range(keyspace, table, range, storage::DataScope::kUnrepaired);
}

Status LocalRepair::record_repair(const std::string& keyspace,
                                  const std::vector<std::string>& tables, const TokenRange& range,
                                  int64_t repaired_at_us) {
  for (const std::string& table : tables) {
    RK_RETURN_IF_ERROR(node_.record_repair(keyspace, table, range, repaired_at_us));
  }
  return Status::OK();
}

// ---- the coordinator's client ------------------------------------------------------------------

std::vector<storage::RowSelector> selectors(const std::vector<repair::RowKey>& rows) {
  std::vector<storage::RowSelector> out;
  out.reserve(rows.size());
  for (const repair::RowKey& k : rows) {
    out.push_back({.partition_key = k.partition_key,
                   .partition_deletion = k.partition_deletion,
                   .clustering_key = k.clustering_key});
  }
  return out;
}

namespace {

json scope_json(const RepairScope& s) {
  return {{"view", s.view},
          {"keyspace", s.keyspace},
          {"table", s.table},
          {"scope", std::string(scope_name(s.scope))}};
}

class RepairReplicasClient final : public RepairReplicas {
 public:
  RepairReplicasClient(LocalRepair& local, const InternodeClientOptions& o,
                       std::chrono::milliseconds timeout)
      : local_(local), timeout_(timeout), internode_(o) {}

  Result<PinnedView> pin(const ReplicaTarget& t, const std::string& session,
                         const std::atomic<bool>* cancel) override {
    if (t.local) return local_.views().pin(session, local_.lease());
    RK_ASSIGN_OR_RETURN(json reply,
                        call_json(t, "POST", "/internode/v1/repair/views",
                                  {{"session", session}, {"lease_ms", local_.lease().count()}},
                                  Repeat::kUnsafe, cancel));
    PinnedView v;
    if (!reply.is_object() || !reply.contains("view") || !reply["view"].is_string()) {
      return Status::Internal("replica " + t.address + " sent a bad view");
    }
    v.id = reply["view"];
    v.session = session;
    v.pinned_at_us = reply.value("pinned_at_us", int64_t{0});
    v.expires_at_us = reply.value("expires_at_us", int64_t{0});
    return v;
  }

  Status renew(const ReplicaTarget& t, const std::string& view) override {
    if (t.local) return local_.views().renew(view, local_.lease()).status();
    return call_json(t, "POST",
                     "/internode/v1/repair/views/" + http::percent_encode(view) + "/renew",
                     {{"lease_ms", local_.lease().count()}})
        .status();
  }

  Status release(const ReplicaTarget& t, const std::string& view) override {
    if (t.local) return local_.views().release(view);
    return call_json(t, "DELETE", "/internode/v1/repair/views/" + http::percent_encode(view),
                     nullptr)
        .status();
  }

  Result<uint64_t> estimate_rows(const ReplicaTarget& t, const RepairScope& s,
                                 const TokenRange& range) override {
    if (t.local) return local_.estimate_rows(s, range);
    json body = scope_json(s);
    body["range"] = range.to_string();
    RK_ASSIGN_OR_RETURN(json reply, call_json(t, "POST", "/internode/v1/repair/estimate", body,
                                              Repeat::kSafe, s.cancel));
    if (!reply.is_object() || !reply.contains("rows") || !reply["rows"].is_number_unsigned()) {
      return Status::Internal("replica " + t.address + " sent a bad estimate");
    }
    return reply["rows"].get<uint64_t>();
  }

  Result<std::vector<storage::MerkleTree>> validate(
      const ReplicaTarget& t, const RepairScope& s,
      const std::vector<TreeRequest>& trees) override {
    if (t.local) return local_.validate(s, trees);
    json body = scope_json(s);
    json list = json::array();
    for (const auto& tr : trees)
      list.push_back({{"range", tr.range.to_string()}, {"depth", tr.depth}});
    body["trees"] = std::move(list);
    RK_ASSIGN_OR_RETURN(http::Response r,
                        call(t, "POST", "/internode/v1/repair/validate", body.dump(),
                             "application/json", Repeat::kSafe, s.cancel));
    auto decoded = decode_trees(r.body);
    if (!decoded.ok()) return decoded.status().with_context("replica " + t.address + "'s trees");
    if (decoded->size() != trees.size()) {
      return Status::Internal("replica " + t.address + " sent the wrong number of trees");
    }
    return decoded;
  }

  Result<RepairChunk> export_chunk(const ReplicaTarget& t, const RepairScope& s,
                                   const TokenRange& range, size_t max_bytes) override {
    if (t.local) return local_.export_chunk(s, range, max_bytes);
    json body = scope_json(s);
    body["range"] = range.to_string();
    body["max_bytes"] = max_bytes;
    RK_ASSIGN_OR_RETURN(http::Response r,
                        call(t, "POST", "/internode/v1/repair/export", body.dump(),
                             "application/json", Repeat::kSafe, s.cancel));
    RepairChunk chunk;
    chunk.bytes = std::move(r.body);
    if (auto it = r.headers.find("x-rk-partitions"); it != r.headers.end()) {
      chunk.partitions = std::strtoull(it->second.c_str(), nullptr, 10);
    }
    if (auto it = r.headers.find("x-rk-next"); it != r.headers.end()) {
      auto next = TokenRange::parse(it->second);
      if (!next.ok()) return Status::Internal("replica " + t.address + " sent a bad next range");
      chunk.next = *next;
    }
    return chunk;
  }

  Result<RowListing> list_rows(const ReplicaTarget& t, const RepairScope& s,
                               const std::vector<TokenRange>& ranges) override {
    if (t.local) return local_.list_rows(s, ranges);
    json body = scope_json(s);
    json list = json::array();
    for (const auto& r : ranges) list.push_back(r.to_string());
    body["ranges"] = std::move(list);
    RK_ASSIGN_OR_RETURN(http::Response r, call(t, "POST", "/internode/v1/repair/rows", body.dump(),
                                               "application/json", Repeat::kSafe, s.cancel));
    auto decoded = decode_row_listing(r.body);
    if (!decoded.ok()) return decoded.status().with_context("replica " + t.address + "'s rows");
    if (decoded->size() != ranges.size()) {
      return Status::Internal("replica " + t.address + " listed the wrong number of ranges");
    }
    return decoded;
  }

  Result<RepairChunk> export_rows(const ReplicaTarget& t, const RepairScope& s,
                                  const std::vector<repair::RowKey>& rows) override {
    if (t.local) return local_.export_rows(s, selectors(rows));
    const std::string path =
        "/internode/v1/repair/rows/export?view=" + http::percent_encode(s.view) +
        "&keyspace=" + http::percent_encode(s.keyspace) +
        "&table=" + http::percent_encode(s.table) + "&scope=" + std::string(scope_name(s.scope));
    RK_ASSIGN_OR_RETURN(http::Response r,
                        call(t, "POST", path, encode_row_keys(rows), "application/octet-stream",
                             Repeat::kSafe, s.cancel));
    RepairChunk chunk;
    chunk.bytes = std::move(r.body);
    return chunk;
  }

  Status import_chunk(const ReplicaTarget& t, const std::string& keyspace, const std::string& table,
                      std::string_view chunk, const std::atomic<bool>* cancel) override {
    if (t.local) return local_.import_chunk(keyspace, table, chunk);
    const std::string path =
        "/internode/v1/repair/import?keyspace=" + http::percent_encode(keyspace) +
        "&table=" + http::percent_encode(table);
    return call(t, "POST", path, std::string(chunk), "application/octet-stream", Repeat::kSafe,
                cancel)
        .status();
  }

  Result<uint64_t> mark_repaired(const ReplicaTarget& t, const RepairScope& s,
                                 const std::vector<TokenRange>& ranges, int64_t repaired_at_ms,
                                 bool record) override {
    if (t.local) return local_.mark_repaired(s, ranges, repaired_at_ms, record);
    json body = scope_json(s);
    body.erase("scope");
    json list = json::array();
    for (const auto& r : ranges) list.push_back(r.to_string());
    body["ranges"] = std::move(list);
    body["repaired_at_ms"] = repaired_at_ms;
    body["record"] = record;
    RK_ASSIGN_OR_RETURN(json reply, call_json(t, "POST", "/internode/v1/repair/mark", body));
    return reply.value("moved", uint64_t{0});
  }

  Status compact_unrepaired(const ReplicaTarget& t, const std::string& keyspace,
                            const std::string& table, const TokenRange& range) override {
    if (t.local) return local_.compact_unrepaired(keyspace, table, range);
    return call_json(t, "POST", "/internode/v1/repair/compact",
                     {{"keyspace", keyspace}, {"table", table}, {"range", range.to_string()}})
        .status();
  }

  Status record_repair(const ReplicaTarget& t, const std::string& keyspace,
                       const std::vector<std::string>& tables, const TokenRange& range,
                       int64_t repaired_at_us) override {
    if (t.local) return local_.record_repair(keyspace, tables, range, repaired_at_us);
    return call_json(t, "POST", "/internode/v1/repair/history",
                     {{"keyspace", keyspace},
                      {"tables", tables},
                      {"range", range.to_string()},
                      {"repaired_at_us", repaired_at_us}})
        .status();
  }

 private:
  // Whether a call may reach the replica twice. Every repair call may, but pin: renew and
  // release act on a view by id, estimate, validate and export read it, an import writes
  // timestamped cells again (last write wins: no change), and marking or compacting ranges that
  // are already marked or compacted, or recording a repair already recorded, does nothing more. A
  // second pin would hold a second view until its lease ran out.
  enum class Repeat { kSafe, kUnsafe };

  // A call whose 2xx response is returned as is (binary bodies); errors become Statuses naming
  // the replica.
  Result<http::Response> call(const ReplicaTarget& t, const std::string& method,
                              const std::string& path, std::string body,
                              const std::string& content_type = "application/json",
                              Repeat repeat = Repeat::kSafe,
                              const std::atomic<bool>* cancel = nullptr) {
    return internode_.call(t, {.method = method,
                               .path = path,
                               .body = std::move(body),
                               .content_type = content_type,
                               .idempotent = repeat == Repeat::kSafe,
                               .timeout = timeout_,
                               .cancel = cancel});
  }

  Result<json> call_json(const ReplicaTarget& t, const std::string& method, const std::string& path,
                         const json& body, Repeat repeat = Repeat::kSafe,
                         const std::atomic<bool>* cancel = nullptr) {
    return internode_.call_json(t,
                                {.method = method,
                                 .path = path,
                                 .idempotent = repeat == Repeat::kSafe,
                                 .timeout = timeout_,
                                 .cancel = cancel},
                                body);
  }

  LocalRepair& local_;
  std::chrono::milliseconds timeout_;
  InternodeClient internode_;
};

}  // namespace

std::unique_ptr<RepairReplicas> make_repair_replicas(LocalRepair& local,
                                                     const InternodeClientOptions& options,
                                                     std::chrono::milliseconds timeout) {
  return std::make_unique<RepairReplicasClient>(local, options, timeout);
}

}  // namespace rk::agent
