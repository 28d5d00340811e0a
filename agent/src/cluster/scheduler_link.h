// The agent's link to rk-scheduler: registration, retried with backoff until the scheduler
// answers, then a heartbeat every heartbeat_interval that reports the node's load and state and
// brings any newer ring or schema, which RingState serves with and caches. A scheduler that forgot
// the node gets a new registration; a refusal that retrying cannot fix stops the agent. A node
// registered as a replacement starts its streaming (Replacement) and reports NORMAL once it is done.
#pragma once

#include <cstdint>
#include <string>
#include <atomic>
#include <thread>

#include "ringkeeper/core/clock.h"

#include "cluster/replacement.h"
#include "cluster/ring_state.h"
#include "cluster/scheduler_client.h"
#include "ringkeeper/agent/options.h"
#include "stop_signal.h"

namespace rk::agent {

// Bytes under <data_dir>/storage, snapshots and backups excluded (the heartbeat's load).
int64_t load_bytes(const std::string& data_dir);

// <data_dir>/last_healthy: the last moment (µs since the epoch) this node knew itself a healthy
// member of the ring: a heartbeat or registration the scheduler acknowledged, or a clean
// shutdown. Sent with the registration; the scheduler quarantines a node away longer than a
// timeout-mode table's gc_grace (docs/cluster.md "Quarantine"). 0 when there is none.
int64_t read_last_healthy(const std::string& data_dir);

// Writes <data_dir>/last_healthy, durably, every heartbeat. Once the file exists it stays open and
// a new time of the same length (every time from 2001 to 2286 has 16 digits) overwrites it in
// place within its first sector, then fdatasync: sector writes are atomic, as SQLite assumes too.
// Any other write replaces the file atomically. Replacing it every heartbeat made the kernel
// allocate an inode per second, the largest part of an idle agent's CPU.
class LastHealthyFile {
 public:
  explicit LastHealthyFile(const std::string& data_dir);
  ~LastHealthyFile();
  LastHealthyFile(const LastHealthyFile&) = delete;
  LastHealthyFile& operator=(const LastHealthyFile&) = delete;

  Status write(int64_t at_us);

 private:
  std::string path_;
  int fd_ = -1;
  size_t size_ = 0;  // of what fd_'s file holds
};

class SchedulerLink {
 public:
  // Everything passed in must outlive the link.
  SchedulerLink(const AgentOptions& options, SchedulerClient& scheduler, RingState& ring,
                Replacement& replacement, StopSignal& stop, Clock& clock);
  ~SchedulerLink() { join(); }

  // Registers and heartbeats on a thread of its own until the agent stops.
  void start();
  // Waits for the thread to end (after the agent's stop).
  void join();

 private:
  // Rewrites <data_dir>/last_healthy with the clock's now.
  void mark_healthy();
  void run();
  Status register_node();
  // Heartbeats until stopping (returns) or the scheduler forgot this node (returns to register).
  void heartbeat_loop();

  const AgentOptions& options_;
  SchedulerClient& scheduler_;
  RingState& ring_;
  Replacement& replacement_;
  StopSignal& stop_;
  Clock& clock_;
  // What <data_dir>/last_healthy said when the agent started, before this run rewrote it.
  const int64_t last_healthy_at_start_;
  LastHealthyFile last_healthy_;
  std::atomic<bool> registered_{false};
  std::thread thread_;
};

}  // namespace rk::agent
