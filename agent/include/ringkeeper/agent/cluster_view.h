// The cluster as the scheduler describes it to an agent (the contract's RING and SCHEMA), and the
// agent's ring cache: <data_dir>/ring.json, rewritten atomically whenever either changes, so that
// a restarted agent serves data while the scheduler is down.
//
// Parsing is strict about the types of the fields it uses and lenient about fields it does not
// know (the scheduler may describe nodes with more than the agent needs, e.g. last_heartbeat).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ringkeeper/core/registration.h"  // NodeAddresses
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/storage/schema.h"

namespace rk::agent {

// A node of the ring. `state` is the scheduler's word: JOINING, NORMAL, DOWN, LEAVING, REPLACED.
struct RingMember {
  std::string host_id;
  std::string datacenter;
  std::string rack;
  std::string state = "NORMAL";
  int64_t slot = 0;
  std::vector<Token> tokens;
  NodeAddresses addresses;
  int64_t load_bytes = 0;
  std::string version;
  // "ks.t" of each table the node is quarantined for (docs/cluster.md "Quarantine"): it is no
  // replica of them until rebuilt; coordinators neither read nor write them there.
  std::set<std::string, std::less<>> quarantined_tables;

  bool quarantined(std::string_view keyspace, std::string_view table) const;
};

struct RingView {
  int64_t version = 0;
  std::string cluster;
  std::vector<RingMember> nodes;
};

struct TableDef {
  std::string name;
  int64_t gc_grace_seconds = storage::kDefaultGcGraceSeconds;
  int64_t default_ttl_seconds = 0;
  // A schema without it (a scheduler older than the mode) means the rule tables had before.
  TombstoneGc tombstone_gc = TombstoneGc::kTimeout;
};

struct KeyspaceDef {
  std::string name;
  storage::Replication replication;
  std::vector<TableDef> tables;
};

struct SchemaView {
  int64_t version = 0;
  std::vector<KeyspaceDef> keyspaces;

  const KeyspaceDef* find_keyspace(std::string_view name) const;
};

Result<RingView> ring_from_json(const nlohmann::json& j);
nlohmann::json ring_to_json(const RingView& ring);
nlohmann::json member_to_json(const RingMember& member);

Result<SchemaView> schema_from_json(const nlohmann::json& j);
nlohmann::json schema_to_json(const SchemaView& schema);

// What the agent keeps in <data_dir>/ring.json.
struct RingCache {
  std::string host_id;
  std::vector<Token> tokens;  // this node's tokens as last assigned
  std::string state;          // this node's state as last reported by the scheduler
  RingView ring;
  SchemaView schema;
};

// Writes `cache` to `path` atomically (a temporary file in the same directory, fsync, rename,
// fsync of the directory): a crash leaves either the old or the new file, never a torn one.
Status write_ring_cache(const std::string& path, const RingCache& cache);
// NotFound when there is no cache; Corruption when it cannot be parsed.
Result<RingCache> read_ring_cache(const std::string& path);

}  // namespace rk::agent
