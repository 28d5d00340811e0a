// This node's tokens, state, ring and schema, and the ring cache that keeps them (see
// ring_state.h).
#include "cluster/ring_state.h"

#include "ringkeeper/repair/quarantine.h"

#include <spdlog/spdlog.h>

#include "version.h"

namespace rk::agent {

RingState::RingState(RingStateOptions options, storage::Node& node)
    : options_(std::move(options)), node_(node) {}

std::shared_ptr<const Topology> RingState::topology() const {
  std::lock_guard lock(mu_);
  return topology_;
}

std::string RingState::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::vector<Token> RingState::tokens() const {
  std::lock_guard lock(mu_);
  return tokens_;
}

bool RingState::registered() const {
  std::lock_guard lock(mu_);
  return registered_;
}

NodeAddresses RingState::addresses() const {
  std::lock_guard lock(mu_);
  return addresses_;
}

Status RingState::load_cache() {
  auto cache = read_ring_cache(options_.cache_path);
  if (!cache.ok()) {
    if (cache.status().code() != ErrorCode::kNotFound) {
      spdlog::warn("ignoring the ring cache: {}", cache.status().message());
    }
    return Status::OK();
  }
  if (!cache->host_id.empty() && cache->host_id != options_.host_id) {
    return Status::FailedPrecondition("ring cache " + options_.cache_path + " belongs to host " +
                                      cache->host_id + ", not " + options_.host_id);
  }
  {
    std::lock_guard lock(mu_);
    tokens_ = cache->tokens;
    if (!cache->state.empty()) state_ = cache->state;
  }
  RK_RETURN_IF_ERROR(install(cache->ring, cache->schema));
  spdlog::info("serving from the ring cache (ring version {}, schema version {}, {} nodes)",
               cache->ring.version, cache->schema.version, cache->ring.nodes.size());
  return Status::OK();
}

void RingState::set_addresses(NodeAddresses addresses) {
  std::lock_guard lock(mu_);
  addresses_ = std::move(addresses);
}

Status RingState::refresh_self() {
  std::lock_guard lock(mu_);
  if (!topology_) return Status::OK();
  return install_locked(topology_->ring_view(), std::nullopt);
}

Status RingState::apply_schema(const SchemaView& schema) {
  bool newest = true;  // an older schema arriving late must not undo a later ALTER
  {
    std::lock_guard lock(mu_);
    newest = !(topology_ && topology_->schema().version > schema.version);
  }
  RK_RETURN_IF_ERROR(create_on_node(schema, newest));
  std::lock_guard lock(mu_);
  if (topology_ && topology_->schema().version > schema.version) return Status::OK();
  return install_locked(std::nullopt, schema);
}

Status RingState::install(std::optional<RingView> ring, std::optional<SchemaView> schema) {
  if (schema) RK_RETURN_IF_ERROR(apply_schema(*schema));
  std::lock_guard lock(mu_);
  return install_locked(std::move(ring), std::nullopt);
}

Status RingState::take_registration(std::vector<Token> tokens, std::string state,
                                    std::optional<RingView> ring,
                                    std::optional<SchemaView> schema) {
  Status applied = schema ? create_on_node(*schema, /*alter=*/true) : Status::OK();
  std::lock_guard lock(mu_);
  tokens_ = std::move(tokens);
  state_ = state.empty() ? "NORMAL" : std::move(state);
  registered_ = true;
  Status installed = install_locked(std::move(ring), std::move(schema));
  return applied.ok() ? installed : applied;
}

void RingState::set_reported_state(std::string state) {
  std::lock_guard lock(mu_);
  state_ = std::move(state);
  spdlog::info("reported {} to the scheduler", state_);
}

Status RingState::create_on_node(const SchemaView& schema, bool alter) {
  for (const KeyspaceDef& ks : schema.keyspaces) {
    if (!node_.keyspace(ks.name).ok()) {
      Status s = node_.create_keyspace(storage::KeyspaceSchema{ks.name, ks.replication});
      if (!s.ok() && s.code() != ErrorCode::kAlreadyExists) {
        return s.with_context("schema: keyspace " + ks.name);
      }
    }
    for (const TableDef& t : ks.tables) {
      storage::TableSchema table;
      table.keyspace = ks.name;
      table.name = t.name;
      table.gc_grace_seconds = t.gc_grace_seconds;
      table.default_ttl_seconds = t.default_ttl_seconds;
      table.tombstone_gc = t.tombstone_gc;
      if (auto have = node_.table(ks.name, t.name); have.ok()) {
        // The cluster's schema changed the table's options (an ALTER): take them over.
        table.id = have->id;
        if (!alter || *have == table) continue;
        auto altered = node_.alter_table(table);
        if (!altered.ok()) {
          return altered.status().with_context("schema: table " + ks.name + "." + t.name);
        }
        spdlog::info("table {}.{}: tombstone_gc {}, gc_grace_seconds {}, default_ttl_seconds {}",
                     ks.name, t.name, tombstone_gc_name(table.tombstone_gc), table.gc_grace_seconds,
                     table.default_ttl_seconds);
        continue;
      }
      auto created = node_.create_table(table);
      if (!created.ok() && created.status().code() != ErrorCode::kAlreadyExists) {
        return created.status().with_context("schema: table " + ks.name + "." + t.name);
      }
    }
  }
  return Status::OK();
}

std::vector<std::string> RingState::judge_own_absence(int64_t last_healthy_us, int64_t now_us) {
  std::lock_guard lock(mu_);
  if (!topology_ || registered_) return {};
  std::vector<repair::ReplicatedTable> tables;
  for (const KeyspaceDef& ks : topology_->schema().keyspaces) {
    for (const TableDef& t : ks.tables) {
      tables.push_back({ks.name, t.name, t.gc_grace_seconds, t.tombstone_gc});
    }
  }
  const repair::QuarantineDecision d = repair::decide_quarantine(last_healthy_us, now_us, tables);
  std::vector<std::string> names;
  for (const auto& t : d.tables) names.push_back(t.keyspace + "." + t.table);
  if (names.empty()) return names;
  self_quarantine_.insert(names.begin(), names.end());
  spdlog::error("{} (held until the scheduler answers)", repair::quarantine_message(options_.host_id, d));
  (void)install_locked(topology_->ring_view(), std::nullopt);
  return names;
}

Status RingState::install_locked(std::optional<RingView> ring, std::optional<SchemaView> schema) {
  if (!ring && !schema) return Status::OK();
  RingView r = ring ? std::move(*ring) : (topology_ ? topology_->ring_view() : RingView{});
  SchemaView s = schema ? std::move(*schema) : (topology_ ? topology_->schema() : SchemaView{});
  if (r.cluster.empty()) r.cluster = options_.cluster;
  // The ring always shows this node as it knows itself (the scheduler's copy may lag).
  if (!tokens_.empty()) {
    RingMember* self = nullptr;
    for (auto& m : r.nodes) {
      if (m.host_id == options_.host_id) self = &m;
    }
    if (self == nullptr) {
      r.nodes.push_back(RingMember{});
      self = &r.nodes.back();
      self->host_id = options_.host_id;
      self->datacenter = options_.datacenter;
      self->rack = options_.rack;
      self->version = kAgentVersion;
    }
    self->tokens = tokens_;
    if (state_ != "STARTING") self->state = state_;
    self->addresses = addresses_;
    if (!registered_) {
      self->quarantined_tables.insert(self_quarantine_.begin(), self_quarantine_.end());
    }
  }
  RK_ASSIGN_OR_RETURN(auto t, Topology::create(std::move(r), std::move(s), options_.host_id));
  topology_ = std::move(t);
  return write_cache_locked();
}

Status RingState::write_cache_locked() {
  if (!topology_) return Status::OK();
  RingCache cache;
  cache.host_id = options_.host_id;
  cache.tokens = tokens_;
  cache.state = state_;
  cache.ring = topology_->ring_view();
  cache.schema = topology_->schema();
  Status s = write_ring_cache(options_.cache_path, cache);
  if (!s.ok()) spdlog::warn("cannot write the ring cache: {}", s.message());
  return s;
}

}  // namespace rk::agent
