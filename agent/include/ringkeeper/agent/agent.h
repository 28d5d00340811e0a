// rk-agent: the sidecar that hosts a storage node, registers it with rk-scheduler, and serves the
// ops API (Priam-like), the internode API and the client data API (docs/agent.md).
//
// Start-up: open the storage node under <data_dir>/storage, load or create <data_dir>/host_id,
// start the three listeners, load <data_dir>/ring.json if present (the node then serves data at
// once), and register with the scheduler in the background, retrying with backoff until it
// answers. Then heartbeat every heartbeat_interval, applying any newer ring or schema the
// scheduler sends and rewriting the ring cache. A node started with replace_address streams the
// replaced node's ranges from the surviving replicas before it reports NORMAL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"

namespace rk::storage {
class Node;
}

namespace rk::agent {

class Agent {
 public:
  // Opens the node and starts the listeners and the background registration. Fails (and leaves
  // nothing running) when the node cannot be opened, a port cannot be bound or a port file
  // written, or the options are inconsistent. `clock` must outlive the agent.
  static Result<std::unique_ptr<Agent>> start(const AgentOptions& options,
                                              Clock& clock = SystemClock::instance());
  // Stops (see stop()).
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Stops the background loop and the listeners, then closes the node. Idempotent.
  void stop();
  // Blocks until stop() is called or the agent hits a fatal error (the scheduler refused its
  // registration for a reason retrying cannot fix, e.g. a replacement of a node that is not
  // DOWN). Returns OK after stop(), the error otherwise.
  Status wait();

  // True when the agent stopped itself to be started again (a restore is staged and is swapped
  // in before the node opens): main() re-executes the program.
  bool restart_requested() const;

  uint16_t ops_port() const;
  uint16_t internode_port() const;
  uint16_t client_port() const;
  const std::string& host_id() const;
  // "STARTING" (no ring yet), "JOINING", "NORMAL", ... as last known.
  std::string state() const;
  // True once the scheduler accepted a registration in this process.
  bool registered() const;
  // Version of the ring the node serves with (0: none).
  int64_t ring_version() const;
  // The hosted storage node.
  storage::Node& node();

 private:
  // The services the agent wires together (agent.cc); none of them sees the agent.
  struct Parts;
  explicit Agent(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace rk::agent
