// The local-cluster test fixture (see cluster_fixture.h).
#include "cluster_fixture.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ringkeeper/core/json_api.h"

namespace rk::testing {

namespace fs = std::filesystem;
using nlohmann::json;

json write_body(const std::string& partition, const std::string& value, const std::string& cl) {
  return {{"keyspace", "demo"},
          {"table", "events"},
          {"partition", partition},
          {"consistency", cl},
          {"ops", {{{"op", "set"}, {"clustering", "c"}, {"column", "v"}, {"value", value}}}}};
}

json read_body(const std::string& partition, const std::string& cl) {
  return {{"keyspace", "demo"}, {"table", "events"}, {"partition", partition}, {"consistency", cl}};
}

std::string value_of(const http::Response& r) {
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object()) return "";
  for (const auto& row : body.value("rows", json::array())) {
    if (row.value("clustering", "") == "c" && row["cells"].contains("v")) {
      return row["cells"]["v"].value("value", "");
    }
  }
  return "";
}

std::string scheduler_binary() { return RK_SCHEDULER_BIN; }
std::string agent_binary() { return RK_AGENT_BIN; }
std::string rkctl_binary() { return RKCTL_BIN; }

std::pair<int, std::string> run_rkctl(const std::vector<std::string>& args) {
  std::string cmd = rkctl_binary();
  for (const auto& a : args) cmd += " '" + a + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, ""};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(const std::vector<std::string>& argv,
                                                          const std::string& log_path) {
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return Status::IOError("cannot open " + log_path);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    return Status::IOError("fork failed");
  }
  if (pid == 0) {
    // Die with the test process, whatever happens to it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, log_path));
}

ChildProcess::~ChildProcess() {
  if (!reaped_) stop(SIGKILL);
}

bool ChildProcess::running() {
  if (reaped_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

void ChildProcess::stop(int sig, std::chrono::milliseconds deadline) {
  if (!running()) return;
  ::kill(pid_, sig);
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (running() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
  }
}

std::string ChildProcess::log_tail(size_t lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += "  " + l + "\n";
  return out;
}

Status wait_until(const std::function<bool()>& done, std::chrono::milliseconds deadline,
                  const std::string& what, std::chrono::milliseconds poll) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (done()) return Status::OK();
    if (std::chrono::steady_clock::now() >= until) {
      return Status::Timeout("timed out after " + std::to_string(deadline.count()) +
                             " ms waiting for " + what);
    }
    std::this_thread::sleep_for(poll);
  }
}

namespace {

std::string make_temp_dir() {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) /
                 ("rk-cluster-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// The idle_timeout line of a listener section ("" when the default applies).
std::string idle_timeout_line(const LocalClusterOptions& o) {
  return o.idle_timeout.empty() ? "" : "  idle_timeout: " + o.idle_timeout + "\n";
}

std::optional<int> read_port(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  if (in >> port && port > 0) return port;
  return std::nullopt;
}

}  // namespace

LocalCluster::LocalCluster(LocalClusterOptions options)
    : options_(std::move(options)), dir_(make_temp_dir()) {}

LocalCluster::~LocalCluster() {
  for (auto& a : agents_) {
    if (a->process) a->process->stop(SIGKILL);
  }
  if (scheduler_) scheduler_->stop(SIGKILL);
  if (std::getenv("RK_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string LocalCluster::scheduler_url() const {
  return "http://127.0.0.1:" + std::to_string(scheduler_port_);
}

Status LocalCluster::start_scheduler() {
  const std::string config = dir_ + "/scheduler.yaml";
  const std::string port_file = dir_ + "/scheduler.port";
  fs::remove(port_file);
  std::string racks;
  for (const auto& r : options_.racks) racks += (racks.empty() ? "" : ", ") + r;
  {
    std::ofstream out(config);
    // The same port on a restart: agents keep the URL they were configured with.
    out << "api:\n  port: " << scheduler_port_ << "\n  port_file: " << port_file << "\n"
        << idle_timeout_line(options_)
        << "sweep_interval: 100ms\n"
        << "datacenter_racks: [" << racks << "]\n"
        << "nodes_per_rack: " << options_.nodes_per_rack << "\n"
        << "database:\n  path: " << dir_ << "/scheduler.db\n  synchronous: NORMAL\n"
        << "registry:\n  heartbeat_timeout: " << options_.heartbeat_timeout << "\n"
        << "auth:\n  agent_token: " << options_.agent_token << "\n"
        << "  tokens: ['operator:operator:" << options_.operator_token << "']\n"
        << options_.scheduler_config_extra;
    if (!options_.backup_store.empty())
      out << "backup:\n  poll_interval: 100ms\n  store:\n    url: " << options_.backup_store
          << "\n    file:\n      fsync: false\n";
  }
  RK_ASSIGN_OR_RETURN(scheduler_, ChildProcess::spawn({scheduler_binary(), "--config", config},
                                                      dir_ + "/scheduler.log"));
  ++scheduler_runs_;
  Status s = wait_until([&] { return read_port(port_file).has_value() || !scheduler_->running(); },
                        std::chrono::seconds(20), "the scheduler's port file");
  if (!s.ok() || !scheduler_->running()) {
    return Status::Unavailable("rk-scheduler did not start:\n" + scheduler_->log_tail());
  }
  scheduler_port_ = *read_port(port_file);
  return Status::OK();
}

void LocalCluster::stop_scheduler(int sig) {
  if (scheduler_) scheduler_->stop(sig);
}

std::string LocalCluster::write_agent_config(const AgentProcess& a) const {
  const std::string path = a.dir + "/agent.yaml";
  std::ofstream out(path);
  out << "cluster: ringkeeper\n"
      << "datacenter: " << options_.datacenter << "\n"
      << "rack: " << a.rack << "\n"
      << "num_tokens: " << options_.num_tokens << "\n"
      << "data_dir: " << a.dir << "/data\n"
      << "scheduler_url: " << scheduler_url() << "\n"
      << "agent_token: " << options_.agent_token << "\n"
      << "cluster_secret: " << options_.cluster_secret << "\n"
      << "heartbeat_interval: " << options_.heartbeat_interval << "\n"
      << "ops:\n  port: 0\n  port_file: " << a.dir << "/ops.port\n"
      << idle_timeout_line(options_)
      << "internode:\n  port: 0\n  port_file: " << a.dir << "/internode.port\n"
      << idle_timeout_line(options_)
      << "client:\n  port: 0\n  port_file: " << a.dir << "/client.port\n"
      << idle_timeout_line(options_) << options_.client_listener_config;
  if (!a.replace_address.empty()) out << "replace_address: " << a.replace_address << "\n";
  if (!a.advertise_address.empty()) out << "advertise_address: " << a.advertise_address << "\n";
  out << options_.agent_config_extra;
  // Repairs are postponed while a replica's disk is CRITICAL (default: under 50% free, as df
  // counts): tests must not depend on how full the machine's disk is, unless they set their own.
  if (options_.agent_config_extra.find("signals:") == std::string::npos &&
      a.extra_config.find("signals:") == std::string::npos)
    out << "signals:\n  disk_warning: \"2%:\"\n  disk_critical: \"1%:\"\n";
  if (!options_.backup_store.empty() && a.extra_config.find("backup:") == std::string::npos &&
      options_.agent_config_extra.find("backup:") == std::string::npos)
    out << "backup:\n  store:\n    url: " << options_.backup_store
        << "\n    file:\n      fsync: false\n";
  out << a.extra_config;
  return path;
}

Status LocalCluster::read_agent_ports(AgentProcess& a, std::chrono::milliseconds deadline) {
  Status s = wait_until(
      [&] {
        return !a.process->running() ||
               (read_port(a.dir + "/ops.port") && read_port(a.dir + "/internode.port") &&
                read_port(a.dir + "/client.port"));
      },
      deadline, a.name + "'s port files");
  if (!s.ok() || !a.process->running()) {
    return Status::Unavailable(a.name + " did not start:\n" + a.process->log_tail());
  }
  a.ops_port = *read_port(a.dir + "/ops.port");
  a.internode_port = *read_port(a.dir + "/internode.port");
  a.client_port = *read_port(a.dir + "/client.port");
  return Status::OK();
}

Status LocalCluster::start_agent(size_t i) {
  AgentProcess& a = *agents_.at(i);
  for (const char* f : {"/ops.port", "/internode.port", "/client.port"}) fs::remove(a.dir + f);
  const std::string config = write_agent_config(a);
  RK_ASSIGN_OR_RETURN(
      a.process, ChildProcess::spawn({agent_binary(), "--config", config}, a.dir + "/agent.log"));
  RK_RETURN_IF_ERROR(read_agent_ports(a, options_.start_deadline));
  std::ifstream host_id(a.dir + "/data/host_id");
  std::getline(host_id, a.host_id);
  if (options_.on_agent_started) options_.on_agent_started(a);
  return Status::OK();
}

void LocalCluster::forget_agent_ports(size_t i) {
  AgentProcess& a = *agents_.at(i);
  for (const char* f : {"/ops.port", "/internode.port", "/client.port"}) fs::remove(a.dir + f);
}

Status LocalCluster::reread_agent(size_t i) {
  AgentProcess& a = *agents_.at(i);
  RK_RETURN_IF_ERROR(read_agent_ports(a, options_.start_deadline));
  std::ifstream host_id(a.dir + "/data/host_id");
  std::getline(host_id, a.host_id);
  return Status::OK();
}

Result<size_t> LocalCluster::add_agent(const std::string& rack, const std::string& replace_address,
                                       const std::string& extra_config) {
  auto a = std::make_unique<AgentProcess>();
  a->name = "agent" + std::to_string(agents_.size() + 1);
  a->rack = rack;
  a->dir = dir_ + "/" + a->name;
  a->replace_address = replace_address;
  a->extra_config = extra_config;
  if (options_.advertise_address) a->advertise_address = options_.advertise_address(agents_.size());
  fs::create_directories(a->dir);
  agents_.push_back(std::move(a));
  RK_RETURN_IF_ERROR(start_agent(agents_.size() - 1));
  return agents_.size() - 1;
}

void LocalCluster::stop_agent(size_t i, int sig) {
  // An agent that has not exited 3 s after SIGTERM is killed: its shutdown is not what these
  // tests are about, and waiting longer only slows the suite.
  if (agents_.at(i)->process) agents_[i]->process->stop(sig, std::chrono::seconds(3));
}

Status LocalCluster::start() {
  RK_RETURN_IF_ERROR(start_scheduler());
  for (int i = 0; i < options_.agents; ++i) {
    const std::string& rack = options_.racks[static_cast<size_t>(i) % options_.racks.size()];
    RK_RETURN_IF_ERROR(add_agent(rack).status());
  }
  return wait_for_normal(static_cast<size_t>(options_.agents), options_.start_deadline);
}

Status LocalCluster::wait_for_normal(size_t count, std::chrono::milliseconds deadline) {
  Status s = wait_until(
      [&] {
        auto ring = scheduler_get("/api/v1/ring");
        if (!ring.ok()) return false;
        size_t normal = 0;
        for (const auto& n : (*ring)["nodes"]) normal += n["state"] == "NORMAL" ? 1 : 0;
        if (normal != count) return false;
        // Every running agent serves this very ring (not an older one from its cache).
        for (size_t i = 0; i < agents_.size(); ++i) {
          if (!agents_[i]->process || !agents_[i]->process->running()) continue;
          auto r = ops_get(i, "/v1/ring");
          if (!r.ok() || !r->ok()) return false;
          json seen = json::parse(r->body, nullptr, false);
          if (!seen.is_object() || seen.value("version", -1) != (*ring)["version"]) return false;
        }
        return true;
      },
      deadline, std::to_string(count) + " NORMAL nodes");
  if (!s.ok()) return Status(s.code(), s.message() + "\n" + logs_tail());
  for (auto& a : agents_) {
    if (a->host_id.empty()) {
      std::ifstream host_id(a->dir + "/data/host_id");
      std::getline(host_id, a->host_id);
    }
  }
  return Status::OK();
}

Status LocalCluster::wait_for_state(const std::string& host_id, const std::string& state,
                                    std::chrono::milliseconds deadline) {
  return wait_until(
      [&] {
        auto node = scheduler_get("/api/v1/nodes/" + host_id);
        return node.ok() && (*node)["state"] == state;
      },
      deadline, "node " + host_id + " to be " + state);
}

Result<json> LocalCluster::scheduler_get(const std::string& path) {
  RK_ASSIGN_OR_RETURN(http::Response r, http_.get(scheduler_url() + path));
  return api::parse_response(r);
}

Result<http::Response> LocalCluster::scheduler_post(const std::string& path,
                                                    const std::string& body,
                                                    const std::string& token) {
  http::ClientRequest req{"POST", scheduler_url() + path, {}, body, {}};
  if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
  return http_.request(req);
}

std::string raw_batch_request(const std::string& keyspace, const std::string& table,
                              const std::string& partition, int rows) {
  json ops = json::array();
  for (int i = 0; i < rows; ++i) {
    ops.push_back({{"op", "set"},
                   {"clustering", "c" + std::to_string(i)},
                   {"column", "v"},
                   {"value", std::string(100, static_cast<char>('a' + i % 26))}});
  }
  const std::string body = json({{"consistency", "ONE"},
                                 {"mutations",
                                  {{{"keyspace", keyspace},
                                    {"table", table},
                                    {"partition", partition},
                                    {"ops", ops}}}}})
                               .dump();
  return "POST /v1/batch HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

Result<http::Response> LocalCluster::client_post(size_t agent, const std::string& path,
                                                 const json& body) {
  return http_.post("http://" + agents_.at(agent)->client() + path, body.dump());
}

Result<http::Response> LocalCluster::ops_post(size_t agent, const std::string& path,
                                              const std::string& body) {
  http::ClientRequest req{"POST", "http://" + agents_.at(agent)->ops() + path, {}, body, {}};
  req.headers["Authorization"] = "Bearer " + options_.agent_token;
  return http_.request(req);
}

Result<http::Response> LocalCluster::ops_get(size_t agent, const std::string& path) {
  return http_.get("http://" + agents_.at(agent)->ops() + path);
}

Status LocalCluster::create_table(const std::string& keyspace, const std::string& table, int rf) {
  json ks = {{"name", keyspace},
             {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", rf}}}};
  RK_ASSIGN_OR_RETURN(http::Response r,
                      scheduler_post("/api/v1/keyspaces", ks.dump(), options_.operator_token));
  RK_RETURN_IF_ERROR(api::status_from_response(r));
  RK_ASSIGN_OR_RETURN(r, scheduler_post("/api/v1/keyspaces/" + keyspace + "/tables",
                                        json({{"name", table}}).dump(), options_.operator_token));
  return api::status_from_response(r);
}

Status LocalCluster::wait_for_schema(const std::string& table, std::chrono::milliseconds deadline) {
  return wait_until(
      [&] {
        for (size_t i = 0; i < agents_.size(); ++i) {
          if (!agents_[i]->process || !agents_[i]->process->running()) continue;
          auto r = ops_get(i, "/v1/schema");
          if (!r.ok() || r->body.find("\"" + table + "\"") == std::string::npos) return false;
        }
        return true;
      },
      deadline, "table " + table + " in every agent's schema");
}

Result<int64_t> LocalCluster::start_repair_run(const json& body) {
  RK_ASSIGN_OR_RETURN(http::Response r,
                      scheduler_post("/api/v1/repair/runs", body.dump(), options_.operator_token));
  RK_ASSIGN_OR_RETURN(json run, api::parse_response(r));
  return run["id"].get<int64_t>();
}

Result<json> LocalCluster::wait_repair_run(int64_t id, std::chrono::milliseconds deadline,
                                           std::chrono::milliseconds poll) {
  json last;
  Status s = wait_until(
      [&] {
        auto r = scheduler_get("/api/v1/repair/runs/" + std::to_string(id));
        if (!r.ok()) return false;
        last = std::move(*r);
        const std::string state = last.value("state", "");
        return state == "DONE" || state == "ERROR" || state == "ABORTED";
      },
      deadline, "run " + std::to_string(id) + " to end", poll);
  if (!s.ok()) return Status(s.code(), s.message() + "\n" + last.dump() + "\n" + logs_tail());
  if (last.value("state", "") != "DONE") {
    return Status::Internal("run ended " + last.dump() + "\n" + logs_tail());
  }
  return last;
}

Result<std::vector<json>> LocalCluster::repair_sessions_of(int64_t id) {
  const std::string prefix = "rk-r" + std::to_string(id) + "-";
  std::vector<json> out;
  for (size_t i = 0; i < agents_.size(); ++i) {
    if (!agents_[i]->process || !agents_[i]->process->running()) continue;
    RK_ASSIGN_OR_RETURN(http::Response r, ops_get(i, "/v1/repair/sessions"));
    RK_ASSIGN_OR_RETURN(json listed, api::parse_response(r));
    for (json& s : listed["sessions"]) {
      if (s.value("id", "").starts_with(prefix)) out.push_back(std::move(s));
    }
  }
  return out;
}

std::string LocalCluster::scheduler_log_tail() const {
  return scheduler_ ? scheduler_->log_tail() : "";
}

std::string LocalCluster::logs_tail() const {
  std::string out = "scheduler log:\n" + scheduler_log_tail();
  for (const auto& a : agents_) {
    if (a->process) out += a->name + " log:\n" + a->process->log_tail(10);
  }
  return out;
}

}  // namespace rk::testing
