// The chaos soak's driver and observer.
//
// The observer polls every live agent's repair sessions and backup jobs (ops API) about ten times
// a second: it knows which sessions are validating, streaming or anticompacting and which nodes
// are uploading a backup right now (the moments the driver aims at), and it keeps every session it
// saw with its replicas and times, to check at the end that no node ever took part in two sessions
// at once.
//
// The driver, on the caller's thread until the deadline: starts repair runs and backups through
// the scheduler's API now and then, switches the network faults on and off, and kills -9 an agent
// or the scheduler at a chosen moment, then restarts it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "history.h"
#include "ringkeeper/core/http_client.h"
#include "soak_cluster.h"

namespace rk::soak {

// A repair run's id as the REST paths take it (the API gives a number).
inline std::string run_id(const nlohmann::json& run) {
  if (!run.is_object() || !run.contains("id")) return "";
  return run["id"].is_string() ? run["id"].get<std::string>() : run["id"].dump();
}

struct SessionRecord {
  std::string coordinator;  // agent name
  std::string id;
  std::vector<std::string> replicas;  // host ids
  int64_t started_at_us = 0;
  int64_t finished_at_us = 0;     // 0: not seen finished
  int64_t last_running_us = 0;    // when it was last seen RUNNING (observer's clock)
  std::string state;
  std::string phase;
};

class Observer {
 public:
  explicit Observer(SoakCluster& cluster);
  ~Observer();
  void start();
  void stop();

  // Running sessions in `phase` at the last poll.
  std::vector<SessionRecord> running_in(const std::string& phase) const;
  // Agents (indexes) uploading a backup at the last poll.
  std::vector<size_t> uploading() const;
  // Every pair of sessions that shared a replica at the same time, as sentences.
  std::vector<std::string> overlapping_sessions() const;
  size_t sessions_seen() const;

 private:
  void run();
  void poll_once();

  SoakCluster& cluster_;
  http::Client http_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, SessionRecord> sessions_;  // by coordinator/id
  std::vector<size_t> uploading_;
};

// What the driver did, for the report.
struct ChaosTally {
  std::map<std::string, int> kills;         // "agent@streaming" → count
  std::map<std::string, int> missed;        // moments aimed at that did not come in time
  std::vector<std::string> repair_runs;     // ids of runs started
  struct Backup {
    std::string tag;
    int64_t requested_us = 0;  // before the request was sent: rows acknowledged earlier are in it
  };
  std::vector<Backup> backups;
  int fault_windows = 0;
};

class Chaos {
 public:
  Chaos(SoakCluster& cluster, Observer& observer, Violations& violations, uint64_t seed);

  // Runs until `until`; leaves every process running and the network faults off.
  void run(std::chrono::steady_clock::time_point until);
  const ChaosTally& tally() const { return tally_; }
  // True while a fault is active: network faults on, or a process down.
  bool disturbed() const { return disturbed_; }

 private:
  void housekeeping();
  // Sleeps `d` while keeping house.
  void pass(std::chrono::milliseconds d);
  void kill_one();
  void bring_back();
  void maybe_start_repair();
  void maybe_start_backup();
  http::Response operator_post(const std::string& path, const std::string& body);

  SoakCluster& cluster_;
  Observer& observer_;
  Violations& violations_;
  std::mt19937_64 rng_;
  http::Client http_;
  ChaosTally tally_;
  std::atomic<bool> disturbed_{false};
  std::vector<size_t> down_agents_;
  bool scheduler_down_ = false;
  std::chrono::steady_clock::time_point next_repair_, next_backup_, next_fault_switch_;
};

}  // namespace rk::soak
