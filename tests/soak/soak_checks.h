// The chaos soak's end-of-run checks, once the chaos has stopped and every process is back:
// repair runs reached DONE, replicas agree with each other and with the history after a final
// full repair, COMPLETE backups verify, and one of them restores onto a fresh cluster holding
// every row acknowledged before it started.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "history.h"
#include "ringkeeper/core/http_client.h"
#include "soak_chaos.h"
#include "soak_cluster.h"

namespace rk::soak {

// Every partition one agent holds (its internode export of the whole ring, tombstones included),
// as the state of the key it shows, by partition key.
Result<std::map<std::string, Observed>> export_node(http::Client& http,
                                                    const std::string& internode,
                                                    const std::string& cluster_secret);

struct BackupOutcome {
  std::string tag;
  std::string state;  // COMPLETE, FAILED, ABORTED, or RUNNING when it never ended
  int64_t requested_us = 0;
  int64_t ended_us = 0;  // when it was seen ended (an upper bound of its snapshot moment)
  bool verified = false;
};

class EndChecks {
 public:
  EndChecks(SoakCluster& cluster, History& history, Violations& violations);

  // Waits (up to `deadline`) for every run in `runs` to end; each must end DONE.
  void repair_runs_done(const std::vector<std::string>& runs, std::chrono::seconds deadline);
  // Runs a full repair of the keyspace to DONE, then checks every key on every replica (an
  // export of each agent) and through each agent at ALL.
  void replicas_after_full_repair();
  // Waits for the backups to end and verifies the COMPLETE ones.
  std::vector<BackupOutcome> backups(const std::vector<ChaosTally::Backup>& started);
  // Stops the cluster and restores `backup` onto a fresh scheduler and fresh agents (one of
  // them killed -9 while it restores when `kill_one` is set), then checks every key. Says what
  // was restored and killed.
  std::string restore(const BackupOutcome& backup, bool kill_one, uint64_t seed);

  int keys_checked() const { return keys_checked_; }

 private:
  // Polls the run until it ends; its final state ("" when the deadline passed).
  std::string wait_run(const std::string& id, std::chrono::seconds deadline);

  SoakCluster& cluster_;
  History& history_;
  Violations& violations_;
  http::Client http_;
  int keys_checked_ = 0;
};

}  // namespace rk::soak
