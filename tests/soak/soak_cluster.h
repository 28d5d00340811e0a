// The chaos soak's cluster: a real s3rver behind an HttpFaultProxy, a LocalCluster (one
// rk-scheduler, five rk-agents with 16 vnodes, RF 3 keyspace "soak") whose agents advertise
// 127.0.1.<n> so that every peer's call crosses a TcpFaultProxy of that agent, and the kills and
// restarts the chaos driver asks for. Load and observer threads read a snapshot of the agents'
// addresses (agents()) instead of the fixture, which only the driver's thread touches.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster_fixture.h"
#include "fault_proxy.h"
#include "ringkeeper/backup/testing/s3_server.h"

namespace rk::soak {

inline constexpr int kAgents = 5;
inline constexpr const char* kKeyspace = "soak";
inline constexpr const char* kTable = "rows";

// What other threads may know of an agent.
struct AgentView {
  std::string name;
  std::string host_id;
  std::string ops;     // 127.0.0.1:port, straight to the agent (not through its proxy)
  std::string client;  // likewise
  std::string internode;
  bool up = false;
};

class SoakCluster {
 public:
  // `dir` holds s3rver's data; the cluster's own directory is the fixture's.
  SoakCluster(std::string dir, uint64_t seed, FaultCounters* counters);
  ~SoakCluster();

  // s3rver, its proxy, the scheduler and the agents, all NORMAL; the keyspace and table.
  // FailedPrecondition when s3rver is not installed (see S3rverProcess::must_skip).
  Status start();

  std::vector<AgentView> agents() const;
  std::string scheduler_url() const { return scheduler_url_; }
  bool scheduler_up() const;
  const testing::LocalClusterOptions& options() const { return cluster_->options(); }

  // kill -9 and restart (driver thread only).
  void kill_agent(size_t i);
  Status restart_agent(size_t i);
  void kill_scheduler();
  Status restart_scheduler();
  // Faults on every agent's internode proxy (the s3 proxy's are always on).
  void set_network_faults(bool on);
  bool network_faults() const;

  testing::LocalCluster& fixture() { return *cluster_; }
  // The backup section of a config pointing at s3rver through the fault proxy, with `extra`
  // lines in it.
  std::string store_config(const std::string& extra) const;
  // Stops every process of the cluster (s3rver and its proxy stay).
  void stop_cluster();

 private:
  void on_agent_started(testing::AgentProcess& a);
  void refresh_view(size_t i, bool up);

  std::string dir_;
  uint64_t seed_;
  FaultCounters* counters_;
  std::unique_ptr<backup::testing::S3rverProcess> s3_;
  std::unique_ptr<HttpFaultProxy> s3_proxy_;
  std::unique_ptr<testing::LocalCluster> cluster_;
  std::string scheduler_url_;
  mutable std::mutex mu_;
  std::vector<AgentView> views_;
  bool scheduler_up_ = false;
  bool faults_on_ = false;
  uint64_t proxies_started_ = 0;
  // Per agent: its proxies (internode with faults; ops and client plain).
  struct AgentProxies {
    std::unique_ptr<TcpFaultProxy> internode, ops, client;
  };
  std::vector<AgentProxies> proxies_;
};

}  // namespace rk::soak
