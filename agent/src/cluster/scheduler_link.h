// The agent's link to rk-scheduler: registration, retried with backoff until the scheduler
// answers, then a heartbeat every heartbeat_interval that reports the node's load and state and
// brings any newer ring or schema, which RingState serves with and caches. A scheduler that forgot
// the node gets a new registration; a refusal that retrying cannot fix stops the agent. A node
// registered as a replacement starts its streaming (Replacement) and reports NORMAL once it is done.
#pragma once

#include <cstdint>
#include <string>
#include <thread>

#include "cluster/replacement.h"
#include "cluster/ring_state.h"
#include "cluster/scheduler_client.h"
#include "ringkeeper/agent/options.h"
#include "stop_signal.h"

namespace rk::agent {

// Bytes under <data_dir>/storage, snapshots and backups excluded (the heartbeat's load).
int64_t load_bytes(const std::string& data_dir);

class SchedulerLink {
 public:
  // Everything passed in must outlive the link.
  SchedulerLink(const AgentOptions& options, SchedulerClient& scheduler, RingState& ring,
                Replacement& replacement, StopSignal& stop);
  ~SchedulerLink() { join(); }

  // Registers and heartbeats on a thread of its own until the agent stops.
  void start();
  // Waits for the thread to end (after the agent's stop).
  void join();

 private:
  void run();
  Status register_node();
  // Heartbeats until stopping (returns) or the scheduler forgot this node (returns to register).
  void heartbeat_loop();

  const AgentOptions& options_;
  SchedulerClient& scheduler_;
  RingState& ring_;
  Replacement& replacement_;
  StopSignal& stop_;
  std::thread thread_;
};

}  // namespace rk::agent
