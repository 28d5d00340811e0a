// The chaos soak's cluster and its proxies (see soak_cluster.h).
#include "soak_cluster.h"

#include <csignal>
#include <filesystem>

namespace rk::soak {

namespace fs = std::filesystem;
using testing::LocalCluster;
using testing::LocalClusterOptions;

namespace {

// Agent "agentN" advertises 127.0.1.N: its proxies listen there, on the agent's own ports.
std::string advertised_host(const std::string& agent_name) {
  return "127.0.1." + agent_name.substr(std::string("agent").size());
}

}  // namespace

SoakCluster::SoakCluster(std::string dir, uint64_t seed, FaultCounters* counters)
    : dir_(std::move(dir)), seed_(seed), counters_(counters) {}

SoakCluster::~SoakCluster() { stop_cluster(); }

std::string SoakCluster::store_config(const std::string& extra) const {
  return "backup:\n" + extra + "  store:\n    url: s3://backups/soak\n    s3:\n      endpoint: " +
         s3_proxy_->endpoint() + "\n      path_style: true\n      access_key_id: " +
         backup::testing::kS3rverAccessKey +
         "\n      secret_access_key: " + backup::testing::kS3rverSecretKey + "\n";
}

Status SoakCluster::start() {
  fs::remove_all(dir_ + "/s3");
  RK_ASSIGN_OR_RETURN(s3_, backup::testing::S3rverProcess::start(dir_ + "/s3", {"backups"}));
  RK_ASSIGN_OR_RETURN(s3_proxy_, HttpFaultProxy::start(s3_->port(), 0.10, seed_ ^ 0x5353, counters_));

  LocalClusterOptions o;
  o.agents = kAgents;
  o.racks = {"r1", "r2", "r3", "r4", "r5"};
  o.num_tokens = 16;
  o.idle_timeout = "1500ms";
  // Retries come quickly and never run out: a run must reach DONE however often it is hit.
  o.scheduler_config_extra = store_config("  poll_interval: 200ms\n") +
                             "repair:\n  tick_interval: 200ms\n  segment_timeout: 2m\n"
                             "  max_attempts: 100\n  retry_initial_delay: 200ms\n"
                             "  retry_max_delay: 3s\n";
  // Uploads slow enough to be caught in the act; views of a killed coordinator freed soon. The
  // proxies drop connections without a word, as a partition does: a repair call caught in one
  // waits out repair.call_timeout, and its session holds its replicas meanwhile.
  o.agent_config_extra = store_config("  bandwidth_limit: 256KiB\n") +
                         "repair:\n  view_lease: 10s\n  call_timeout: 20s\n";
  o.advertise_address = [](size_t i) { return "127.0.1." + std::to_string(i + 1); };
  o.on_agent_started = [this](testing::AgentProcess& a) { on_agent_started(a); };
  cluster_ = std::make_unique<LocalCluster>(o);
  proxies_.resize(kAgents);
  {
    std::lock_guard lock(mu_);
    views_.resize(kAgents);
  }
  RK_RETURN_IF_ERROR(cluster_->start());
  scheduler_url_ = cluster_->scheduler_url();
  {
    std::lock_guard lock(mu_);
    scheduler_up_ = true;
  }
  for (size_t i = 0; i < kAgents; ++i) refresh_view(i, true);
  return cluster_->create_table(kKeyspace, kTable, 3);
}

void SoakCluster::on_agent_started(testing::AgentProcess& a) {
  const size_t i = static_cast<size_t>(std::stoi(a.name.substr(5))) - 1;
  AgentProxies& proxies = proxies_.at(i);
  proxies = {};
  const std::string host = advertised_host(a.name);
  auto start = [&](int port, std::unique_ptr<TcpFaultProxy>* slot) {
    auto p = TcpFaultProxy::start(host, port, port, TcpFaults{}, seed_ + ++proxies_started_,
                                  counters_);
    if (p.ok()) {
      *slot = std::move(p).value();
    } else {
      // The agent is unreachable there until its next restart: say so, carry on.
      std::fprintf(stderr, "soak: %s\n", p.status().to_string().c_str());
    }
  };
  start(a.internode_port, &proxies.internode);
  start(a.ops_port, &proxies.ops);
  start(a.client_port, &proxies.client);
  // Only the internode listener gets faults: the scheduler's calls to the ops API stay clean.
  if (proxies.internode) proxies.internode->set_faults(network_faults());
  refresh_view(i, true);
}

void SoakCluster::refresh_view(size_t i, bool up) {
  const testing::AgentProcess& a = cluster_->agent(i);
  std::lock_guard lock(mu_);
  AgentView& v = views_.at(i);
  v.name = a.name;
  if (!a.host_id.empty()) v.host_id = a.host_id;
  v.ops = a.ops();
  v.client = a.client();
  v.internode = a.internode();
  v.up = up;
}

std::vector<AgentView> SoakCluster::agents() const {
  std::lock_guard lock(mu_);
  return views_;
}

bool SoakCluster::scheduler_up() const {
  std::lock_guard lock(mu_);
  return scheduler_up_;
}

void SoakCluster::kill_agent(size_t i) {
  refresh_view(i, false);
  cluster_->stop_agent(i, SIGKILL);
}

Status SoakCluster::restart_agent(size_t i) {
  Status s = cluster_->start_agent(i);  // on_agent_started marks it up
  if (!s.ok()) refresh_view(i, false);
  return s;
}

void SoakCluster::kill_scheduler() {
  {
    std::lock_guard lock(mu_);
    scheduler_up_ = false;
  }
  cluster_->stop_scheduler(SIGKILL);
}

Status SoakCluster::restart_scheduler() {
  RK_RETURN_IF_ERROR(cluster_->start_scheduler());
  std::lock_guard lock(mu_);
  scheduler_up_ = true;
  return Status::OK();
}

void SoakCluster::set_network_faults(bool on) {
  {
    std::lock_guard lock(mu_);
    faults_on_ = on;
  }
  for (auto& p : proxies_) {
    if (p.internode) p.internode->set_faults(on);
  }
}

bool SoakCluster::network_faults() const {
  std::lock_guard lock(mu_);
  return faults_on_;
}

void SoakCluster::stop_cluster() {
  if (!cluster_) return;
  for (size_t i = 0; i < cluster_->agent_count(); ++i) cluster_->stop_agent(i, SIGKILL);
  cluster_->stop_scheduler(SIGKILL);
  proxies_.clear();
  {
    std::lock_guard lock(mu_);
    for (auto& v : views_) v.up = false;
    scheduler_up_ = false;
  }
}

}  // namespace rk::soak
