// The cluster registry: which nodes exist, where they live, which tokens they hold, and whether
// they are alive. It is the scheduler's record of the ring; agents register with it, heartbeat to
// it, and read the ring from it. It knows nothing about HTTP: the REST handlers translate.
//
// Node states (docs/cluster.md):
//   JOINING   registered, tokens assigned, not yet serving (bootstrapping or streaming a replaced
//             node's data); becomes NORMAL when the agent reports it is ready.
//   NORMAL    serving its tokens.
//   DOWN      no heartbeat within the heartbeat timeout; keeps its tokens. A heartbeat brings it
//             back (to NORMAL, or JOINING if it never finished joining). Only DOWN nodes can be
//             replaced.
//   LEAVING   being decommissioned at the operator's request.
//   REPLACED  a replacement took its slot and tokens; terminal, kept for history.
//
// Every mutating call is one BEGIN IMMEDIATE transaction: two agents registering at the same
// moment, even through two scheduler processes on the same file, never get the same tokens.
//
// A heartbeat that changes nothing but the node's last-seen time and load is only a read: those
// two are kept in memory (every read of a node shows them; the sweep judges by them) and written
// to the node's row once it is heartbeat_persist_interval old, or at once with a state change.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/registration.h"
#include "ringkeeper/core/replica_placement.h"
#include "ringkeeper/core/ring.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/core/token_assignment.h"

namespace rk::scheduler {

class Store;

// Bounds of a datacenter's plan, checked by register_node and define_datacenter (and by the
// scheduler's nodes_per_rack option): tokens per node (vnodes: core's kMaxNumTokens) and planned
// nodes per rack.
inline constexpr uint32_t kMaxNodesPerRack = 4096;

enum class NodeState { kJoining, kNormal, kDown, kLeaving, kReplaced };

// "JOINING", "NORMAL", "DOWN", "LEAVING", "REPLACED".
std::string_view node_state_name(NodeState state);
// Parses the names above (exact, upper case); InvalidArgument otherwise.
Result<NodeState> parse_node_state(std::string_view name);

struct NodeInfo {
  std::string host_id;
  std::string cluster;
  std::string datacenter;
  std::string rack;
  std::string address;  // host name or IP address the node's APIs listen on
  int ops_port = 0;
  int internode_port = 0;
  int client_port = 0;
  uint64_t slot = 0;
  std::vector<Token> tokens;  // in slot-position order; empty once REPLACED
  NodeState state = NodeState::kJoining;
  std::string replaces_host_id;     // the DOWN node this one replaced, if any
  std::string replaced_by_host_id;  // set once REPLACED
  std::string agent_version;
  std::string storage_version;
  int64_t registered_at_us = 0;
  int64_t last_heartbeat_us = 0;
  int64_t load_bytes = 0;  // data on disk, as last reported in a heartbeat
  int64_t state_changed_at_us = 0;
};

struct RegisterRequest {
  std::string cluster = "ringkeeper";
  // Stable identity of the node (the agent keeps it in its data directory). Registering a known
  // host id again (an agent restart) returns its existing slot and tokens.
  std::string host_id;
  std::string datacenter = "dc1";
  std::string rack = "r1";
  std::string address = "127.0.0.1";
  int ops_port = 0;
  int internode_port = 0;
  int client_port = 0;
  // Tokens per node (vnodes); must match the datacenter's once it exists.
  uint32_t num_tokens = 1;
  // The datacenter's plan, used only when this registration creates the datacenter (Priam takes
  // the same from its zone list and auto-scaling group size): its racks in order (empty: just
  // `rack`; `rack` is added if missing) and the nodes planned per rack. slot_count = racks x
  // nodes_per_rack; the ring doubles when more nodes arrive.
  std::vector<std::string> datacenter_racks;
  uint32_t nodes_per_rack = 1;
  // Replace a DOWN node: by host id, or by address ("host" or "host:internode_port"). The new
  // node takes its slot and tokens; the old one becomes REPLACED.
  std::string replace_host_id;
  std::string replace_address;
  // The tokens the node must hold (a node restored from a backup brings its old ones); empty:
  // any free slot. A new node gets the slot of its datacenter whose tokens are exactly these (in
  // any order; see find_slot_of_tokens), the ring doubled first if that slot is in a grown ring;
  // a known host id or a replacement must already hold, or take over, exactly these.
  std::vector<Token> tokens;
  std::string agent_version;
  std::string storage_version;
};

struct Registration {
  NodeInfo node;
  // True when the host id was already registered (tokens unchanged).
  bool existing = false;
};

// A datacenter's layout as stored, with the cluster it belongs to.
struct DatacenterInfo {
  std::string cluster;
  DatacenterLayout layout;
};

// The plan of a datacenter declared ahead of its nodes (e.g. from the scheduler's config), the
// same plan a registration may carry (RegisterRequest.datacenter_racks / nodes_per_rack).
struct DatacenterPlan {
  std::string name;
  std::vector<std::string> racks;  // in order; at least one
  uint32_t nodes_per_rack = 1;
  uint32_t num_tokens = 1;
};

// The members of a cluster as of one moment, with the ring version they belong to.
struct ClusterSnapshot {
  // Moves whenever a node is added, replaced, removed, changes state or addresses (never on a
  // mere heartbeat); equal versions mean equal rings.
  int64_t ring_version = 0;
  std::vector<NodeInfo> nodes;  // as nodes(cluster)
};

struct HeartbeatReply {
  NodeInfo node;
  // The cluster's ring version: an agent refetches its cached ring when this moves.
  int64_t ring_version = 0;
};

// One row of `rkctl status`: a node and its share of the ring.
struct NodeStatus {
  NodeInfo node;
  double owns = 0;  // fraction of the ring (primary, or effective for a given replication)
};

// What an agent reports with each heartbeat.
struct HeartbeatReport {
  int64_t load_bytes = -1;  // bytes of data on disk; negative: not reported (keep the last value)
};

struct RegistryOptions {
  // A node whose last heartbeat is older than this is marked DOWN by sweep().
  std::chrono::milliseconds heartbeat_timeout{30000};
  // How stale a node's row may let its last_heartbeat_us and load_bytes grow while heartbeats
  // change nothing else (at most half of heartbeat_timeout is used). After a restart the sweep
  // allows a node it has not heard from yet this much on top of the timeout, so a stale row never
  // marks a node DOWN sooner than the timeout.
  std::chrono::milliseconds heartbeat_persist_interval{15000};
};

class Registry {
 public:
  // `store` and `clock` must outlive the registry.
  Registry(Store& store, Clock& clock, RegistryOptions options = {});

  // Registers a node, re-registers a known host id, or registers a replacement (see
  // RegisterRequest). New nodes start JOINING. Errors: InvalidArgument (missing or bad fields,
  // num_tokens differing from the datacenter's, an ambiguous replace_address, requested tokens
  // that are no slot of the datacenter), NotFound (the node to replace), AlreadyExists (the slot
  // or a token requested is held by another node, named in the message), FailedPrecondition
  // (replacing a node that is not DOWN, a known host id moving to another datacenter or rack or
  // asking for other tokens than its own, a replacement asking for other tokens than the
  // replaced node's, re-registering a REPLACED host id), Unavailable (database busy).
  Result<Registration> register_node(const RegisterRequest& request);

  // Declares a datacenter's plan before its nodes register (creating the cluster if needed).
  // Idempotent: declaring the plan a datacenter already follows is OK, including after its ring
  // grew or racks were appended. FailedPrecondition when the datacenter has nodes and the plan
  // differs (racks not a prefix of its racks, other num_tokens, or a slot count its ring could not
  // have grown from); with no nodes yet the new plan replaces the old. InvalidArgument for an
  // empty or repeated rack name, or counts out of range.
  Status define_datacenter(std::string_view cluster, const DatacenterPlan& plan);

  // Called with a DOWN node as it is, before its heartbeat brings it back (outside any
  // transaction); an error is the heartbeat's, and the node stays DOWN.
  using ReturnCheck = std::function<Status(const NodeInfo& before)>;

  // Records a heartbeat. A DOWN node comes back to NORMAL (JOINING if it never finished joining)
  // after `returning` (if given) agreed. Only a return, or a row last written
  // heartbeat_persist_interval ago, writes (with relaxed durability: survives kill -9, not
  // necessarily power loss; a lost heartbeat is replaced by the next one); otherwise the time and
  // load are kept in memory. NotFound for an unknown host id; FailedPrecondition for a REPLACED
  // one.
  Result<HeartbeatReply> heartbeat(std::string_view host_id, const HeartbeatReport& report = {},
                                   const ReturnCheck& returning = {});

  // Moves a node to `state` at its agent's or an operator's request. Allowed: JOINING -> NORMAL,
  // JOINING/NORMAL -> LEAVING, DOWN -> LEAVING. DOWN and REPLACED are set only by sweep() and
  // replacement. FailedPrecondition for any other transition.
  Result<NodeInfo> set_state(std::string_view host_id, NodeState state);

  // Removes a LEAVING node (decommission finished) or a DOWN node (removed for good, as
  // `nodetool removenode`): its row and tokens are deleted and its slot is free for the next node.
  // Returns the node as it was. FailedPrecondition in any other state.
  Result<NodeInfo> remove_node(std::string_view host_id);

  // Marks DOWN every JOINING/NORMAL/LEAVING node whose last heartbeat is older than the heartbeat
  // timeout; returns the nodes it changed.
  Result<std::vector<NodeInfo>> sweep();

  Result<NodeInfo> node(std::string_view host_id);
  // Nodes of `cluster` (every cluster when empty), by datacenter, then slot, then host id.
  Result<std::vector<NodeInfo>> nodes(std::string_view cluster = {});
  Result<std::vector<std::string>> clusters();
  Result<std::vector<DatacenterInfo>> datacenters(std::string_view cluster);
  // Nodes and ring version of `cluster`, read together. NotFound for an unknown cluster.
  Result<ClusterSnapshot> snapshot(std::string_view cluster);
  // The ring of `cluster`: every node that holds tokens (all states but REPLACED).
  Result<Ring> ring(std::string_view cluster);
  // `rkctl status`: every node of `cluster` with its ownership, effective for `replication` when
  // given, primary otherwise. REPLACED nodes are listed with 0.
  Result<std::vector<NodeStatus>> status(std::string_view cluster,
                                         const std::optional<Replication>& replication = {});

  const RegistryOptions& options() const { return options_; }

 private:
  // What the last heartbeat of a node said, maybe not yet in its row.
  struct Seen {
    int64_t at_us = 0;
    int64_t load_bytes = -1;  // -1: none reported since this process started
  };
  // Records a heartbeat (or a registration, which writes the time) at `at_us`.
  void remember(std::string_view host_id, int64_t at_us, int64_t load_bytes);
  // `node` with the remembered time and load where they are newer than its row's.
  void overlay(NodeInfo& node) const;
  std::optional<Seen> seen(std::string_view host_id) const;
  int64_t persist_interval_us() const;
  // The write half of heartbeat(): the row rewritten, a DOWN node brought back.
  Result<HeartbeatReply> write_heartbeat(std::string_view host_id, const HeartbeatReport& report);

  Store& store_;
  Clock& clock_;
  RegistryOptions options_;
  mutable std::mutex seen_mu_;
  std::map<std::string, Seen, std::less<>> seen_;
};

}  // namespace rk::scheduler
