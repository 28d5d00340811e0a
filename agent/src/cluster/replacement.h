// Replacement streaming: a node that took a DOWN node's tokens fetches every table's data for
// the ranges it now replicates from the surviving replicas (internode export, page by page) and
// imports it last-write-wins, before it reports NORMAL.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "cluster/ring_state.h"
#include "cluster/topology.h"
#include "data/replica_client.h"
#include "stop_signal.h"

namespace rk::agent {

struct StreamStats {
  int64_t ranges = 0;      // (range, table) pairs streamed
  int64_t pages = 0;       // export pages fetched
  int64_t partitions = 0;  // partitions imported
};

// Which tables to stream ("ks.t" names); empty: every table of the schema.
using TableNames = std::set<std::string, std::less<>>;

// Streams the ranges `topology.self()` replicates, for every table of the schema (or those of
// `only`), from every other replica of each range that is not DOWN, JOINING or REPLACED nor
// quarantined for the table (taking them all makes the copy as complete as the survivors
// together). A range with no such replica is skipped with a warning (its data is lost).
// Unavailable when a range's every source failed; Cancelled when `stopping` returns true.
Result<StreamStats> stream_replaced_ranges(const Topology& topology, ReplicaClient& replicas,
                                           storage::Node& node,
                                           std::chrono::milliseconds page_timeout,
                                           const std::function<bool()>& stopping,
                                           const TableNames& only = {});

struct ReplacementOptions {
  std::string replace_address;              // the replaced node, for the log
  std::chrono::milliseconds page_timeout{};  // one export page
  std::chrono::milliseconds retry_max{};     // longest wait between attempts
};

// A replacement's streaming as a background job beside the heartbeats (so the scheduler does not
// take the node for DOWN meanwhile): streams with the ring the node serves, retrying with backoff
// until it is complete or the agent stops. The heartbeats report NORMAL once done().
class Replacement {
 public:
  // Everything passed in must outlive the job.
  Replacement(ReplacementOptions options, const RingState& ring, ReplicaClient& replicas,
              storage::Node& node, StopSignal& stop);
  ~Replacement() { join(); }

  // Starts the streaming, once; later calls do nothing.
  void start();
  // True once every range is streamed.
  bool done() const { return done_; }
  // Waits for the job to end (after the agent's stop).
  void join();

 private:
  Status stream_once();
  void run();

  const ReplacementOptions options_;
  const RingState& ring_;
  ReplicaClient& replicas_;
  storage::Node& node_;
  StopSignal& stop_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace rk::agent
