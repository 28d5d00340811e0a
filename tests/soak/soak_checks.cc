// The chaos soak's end-of-run checks (see soak_checks.h).
#include "soak_checks.h"

#include <signal.h>

#include <algorithm>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/token_range.h"
#include "soak_load.h"

namespace rk::soak {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr int64_t kEver = std::numeric_limits<int64_t>::max();

namespace {

int64_t deletion_at(const json& holder) {
  if (!holder.is_object() || !holder.contains("deletion"))
    return std::numeric_limits<int64_t>::min();
  return holder["deletion"].value("marked_for_delete_at", std::numeric_limits<int64_t>::min());
}

// The key's state in a raw partition: the cell v of row "c" unless a deletion at or after it
// shadows it (last-write-wins, deletions winning ties).
Observed state_of(const json& partition) {
  int64_t deleted = deletion_at(partition);
  Observed o;
  int64_t cell_ts = std::numeric_limits<int64_t>::min();
  for (const json& row : partition.value("rows", json::array())) {
    if (row.value("clustering", "") != "c") continue;
    deleted = std::max(deleted, deletion_at(row));
    if (!row.contains("cells") || !row["cells"].contains("v")) continue;
    const json& cell = row["cells"]["v"];
    cell_ts = cell.value("timestamp", int64_t{0});
    const std::string kind = cell.value("kind", "");
    if ((kind == "live" || kind == "expiring") && cell_ts > deleted) {
      o.present = true;
      o.value = cell.value("value", "");
    }
  }
  o.timestamp = o.present ? cell_ts : std::max(deleted, cell_ts);
  return o;
}

std::string text_of(const Observed& o) {
  return o.present ? "v-" + std::to_string(o.timestamp) : "absent@" + std::to_string(o.timestamp);
}

bool same(const Observed& a, const Observed& b) {
  return a.present == b.present && a.timestamp == b.timestamp && a.value == b.value;
}

// The pid of a process of ours whose command line holds `needle` (0: none).
pid_t find_process(const std::string& needle) {
  std::error_code ec;
  // Processes come and go while /proc is read: errors only end the search.
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) return static_cast<pid_t>(std::stol(name));
  }
  return 0;
}

}  // namespace

Result<std::map<std::string, Observed>> export_node(http::Client& http,
                                                    const std::string& internode,
                                                    const std::string& cluster_secret) {
  std::map<std::string, Observed> out;
  std::string range = TokenRange::full_ring().to_string();
  while (true) {
    json body = {{"keyspace", kKeyspace}, {"table", kTable}, {"range", range}, {"scope", "all"}};
    http::ClientRequest req{"POST",
                            "http://" + internode + "/internode/v1/export",
                            {},
                            body.dump(),
                            std::chrono::milliseconds(30000)};
    req.headers["Authorization"] = "Bearer " + cluster_secret;
    RK_ASSIGN_OR_RETURN(http::Response r, http.request(req));
    RK_ASSIGN_OR_RETURN(json page, api::parse_response(r));
    for (const json& p : page["partitions"]) out[p.value("partition", "")] = state_of(p);
    if (!page["next"].is_string()) return out;
    range = page["next"].get<std::string>();
  }
}

EndChecks::EndChecks(SoakCluster& cluster, History& history, Violations& violations)
    : cluster_(cluster),
      history_(history),
      violations_(violations),
      http_(http::ClientOptions{.timeout = std::chrono::seconds(10)}) {}

std::string EndChecks::wait_run(const std::string& id, std::chrono::seconds deadline) {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    auto r = http_.get(cluster_.scheduler_url() + "/api/v1/repair/runs/" + id);
    if (r.ok() && r->status == 200) {
      const std::string state = json::parse(r->body, nullptr, false).value("state", "");
      if (state == "DONE" || state == "ERROR" || state == "ABORTED") return state;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return "";
}

void EndChecks::repair_runs_done(const std::vector<std::string>& runs,
                                 std::chrono::seconds deadline) {
  const auto until = Clock::now() + deadline;
  for (const std::string& id : runs) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(until - Clock::now());
    const std::string state = wait_run(id, std::max(left, std::chrono::seconds(1)));
    if (state != "DONE") {
      violations_.add("repair run " + id + " ended " + (state.empty() ? "never" : state) +
                      " instead of DONE");
    }
  }
}

void EndChecks::replicas_after_full_repair() {
  http::ClientRequest req{
      "POST",
      cluster_.scheduler_url() + "/api/v1/repair/runs",
      {},
      json({{"keyspace", kKeyspace}, {"kind", "full"}, {"parallelism", "parallel"}}).dump(),
      {}};
  req.headers["Authorization"] = "Bearer " + cluster_.options().operator_token;
  auto started = http_.request(req);
  if (!started.ok() || started->status != 201) {
    violations_.add("the final full repair did not start: " +
                    (started.ok() ? started->body : started.status().to_string()));
    return;
  }
  const std::string id = run_id(json::parse(started->body, nullptr, false));
  const std::string state = wait_run(id, std::chrono::seconds(180));
  if (state != "DONE") {
    violations_.add("the final full repair " + id + " ended " + (state.empty() ? "never" : state));
    return;
  }
  std::vector<AgentView> agents = cluster_.agents();
  std::vector<std::map<std::string, Observed>> held;
  for (const AgentView& a : agents) {
    auto e = export_node(http_, a.internode, cluster_.options().cluster_secret);
    if (!e.ok()) {
      violations_.add(a.name + ": export failed: " + e.status().to_string());
      return;
    }
    held.push_back(std::move(e).value());
  }
  const size_t keys = history_.key_count();
  for (size_t key = 0; key < keys; ++key) {
    const std::string name = History::key_name(key);
    std::vector<std::pair<std::string, Observed>> holders;
    for (size_t i = 0; i < agents.size(); ++i) {
      auto it = held[i].find(name);
      if (it != held[i].end()) holders.emplace_back(agents[i].name, it->second);
    }
    std::string shown;
    for (const auto& [agent, o] : holders) shown += " " + agent + "=" + text_of(o);
    // The soak's table is in tombstone_gc repair mode (the default): once a repair has covered a
    // tombstone, each replica may purge it at its next compaction. A replica without the key then
    // agrees with replicas still holding the tombstone, as long as the history allows the key to
    // be deleted (no acknowledged write after the delete).
    const bool only_tombstones = std::all_of(holders.begin(), holders.end(),
                                             [](const auto& h) { return !h.second.present; });
    if (holders.size() != 3 && !only_tombstones) {
      violations_.add(name + " is held by " + std::to_string(holders.size()) +
                      " replicas after a full repair (RF 3):" + shown);
    } else if (holders.size() != 3) {
      const std::string wrong = history_.check_read(key, Observed{}, kEver, kEver);
      if (!wrong.empty()) {
        violations_.add(name + " is held by " + std::to_string(holders.size()) +
                        " replicas after a full repair (RF 3):" + shown + "; " + wrong);
      }
    }
    for (const auto& [agent, o] : holders) {
      if (!same(o, holders.front().second)) {
        violations_.add(name + ": replicas disagree after a full repair:" + shown);
        break;
      }
    }
    for (const auto& [agent, o] : holders) {
      const std::string wrong = history_.check_read(key, o, kEver, kEver);
      if (!wrong.empty()) {
        violations_.add("replica " + agent + " after a full repair: " + wrong);
        break;
      }
    }
    // And through a coordinator at ALL.
    const AgentView& via = agents[key % agents.size()];
    const json body = {
        {"keyspace", kKeyspace}, {"table", kTable}, {"partition", name}, {"consistency", "ALL"}};
    Result<http::Response> r = Status::Unavailable("not sent");
    for (int attempt = 0; attempt < 3; ++attempt) {
      r = http_.post("http://" + via.client + "/v1/read", body.dump());
      if (r.ok() && r->status == 200) break;
    }
    if (!r.ok() || r->status != 200) {
      violations_.add(name + ": ALL read through " + via.name +
                      " failed with every node up: " + (r.ok() ? r->body : r.status().to_string()));
      continue;
    }
    auto seen = observed_in_read(json::parse(r->body, nullptr, false));
    const std::string wrong =
        seen.ok() ? history_.check_read(key, *seen, kEver, kEver) : seen.status().message();
    if (!wrong.empty()) violations_.add("ALL read through " + via.name + ": " + wrong);
    ++keys_checked_;
  }
}

std::vector<BackupOutcome> EndChecks::backups(const std::vector<ChaosTally::Backup>& started) {
  std::vector<BackupOutcome> out;
  const auto until = Clock::now() + std::chrono::seconds(240);
  for (const ChaosTally::Backup& b : started) {
    BackupOutcome o{b.tag, "RUNNING", b.requested_us, 0, false};
    json run;
    while (Clock::now() < until) {
      auto r = http_.get(cluster_.scheduler_url() + "/api/v1/backups/" + b.tag);
      if (r.ok() && r->status == 200) {
        run = json::parse(r->body, nullptr, false);
        o.state = run.value("state", "");
        if (o.state != "RUNNING") break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    o.ended_us = wall_us();
    if (o.state == "RUNNING") {
      violations_.add("backup " + b.tag + " still RUNNING 4 minutes after the chaos ended: " +
                      run.dump().substr(0, 400));
    } else if (o.state == "COMPLETE") {
      const int64_t completed = run.value("completed_at_us", int64_t{0});
      if (completed > 0) o.ended_us = completed;
      auto v = http_.get(cluster_.scheduler_url() + "/api/v1/backups/" + b.tag + "/verify");
      json report = v.ok() ? json::parse(v->body, nullptr, false) : json();
      o.verified = report.is_object() && report.value("ok", false);
      if (!o.verified) {
        violations_.add("backup " + b.tag + " is COMPLETE but does not verify: " +
                        (v.ok() ? v->body.substr(0, 400) : v.status().to_string()));
      }
    }
    out.push_back(o);
  }
  return out;
}

std::string EndChecks::restore(const BackupOutcome& backup, bool kill_one, uint64_t seed) {
  auto ring = http_.get(cluster_.scheduler_url() + "/api/v1/ring");
  json nodes = ring.ok() ? json::parse(ring->body, nullptr, false)["nodes"] : json();
  if (!nodes.is_array() || nodes.size() != kAgents) {
    violations_.add("restore of " + backup.tag + ": cannot read the ring to restore");
    return backup.tag + " (failed)";
  }
  const std::string secret = cluster_.options().cluster_secret;
  cluster_.stop_cluster();

  testing::LocalClusterOptions o;
  o.agents = 0;
  o.racks = cluster_.options().racks;
  o.num_tokens = cluster_.options().num_tokens;
  o.idle_timeout = cluster_.options().idle_timeout;
  o.start_deadline = std::chrono::seconds(120);
  o.scheduler_config_extra = cluster_.store_config("  poll_interval: 200ms\n");
  testing::LocalCluster rc(o);
  Status s = rc.start_scheduler();
  if (s.ok()) {
    auto r = rc.scheduler_post("/api/v1/backups/" + backup.tag + "/restore-schema", "",
                               o.operator_token);
    s = r.ok() ? api::status_from_response(*r) : r.status();
  }
  if (!s.ok()) {
    violations_.add("restore of " + backup.tag + ": new scheduler or schema: " + s.to_string());
    return backup.tag + " (failed)";
  }
  std::mt19937_64 rng(seed);
  std::string restored_while_killed;
  const size_t victim = kill_one ? rng() % nodes.size() : nodes.size();
  for (size_t j = 0; j < nodes.size(); ++j) {
    const std::string host = nodes[j]["host_id"];
    const std::string config = cluster_.store_config("  restore_tag: " + backup.tag +
                                                     "\n  restore_host_id: " + host + "\n");
    std::thread killer;
    std::atomic<bool> killed{false};
    if (j == victim) {
      // kill -9 the restoring agent a moment after it starts: mid-download, or replaying.
      const auto after =
          std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 1000)(rng));
      const std::string needle = rc.dir() + "/agent" + std::to_string(j + 1) + "/agent.yaml";
      killer = std::thread([after, needle, &killed] {
        std::this_thread::sleep_for(after);
        if (pid_t pid = find_process(needle); pid > 0) killed = ::kill(pid, SIGKILL) == 0;
      });
    }
    auto added = rc.add_agent(nodes[j]["rack"].get<std::string>(), "", config);
    if (killer.joinable()) killer.join();
    Status up = added.status();
    if ((killed || !up.ok()) && rc.agent_count() == j + 1) {
      // SIGKILL is not instant: wait for the process to be gone before starting it again.
      testing::AgentProcess& a = rc.agent(j);
      (void)testing::wait_until([&] { return !a.process || !a.process->running(); },
                                std::chrono::seconds(10), a.name + " to exit");
      if (killed) restored_while_killed = up.ok() ? "after it served" : "while it restored";
      up = rc.start_agent(j);
    }
    if (up.ok()) up = rc.wait_for_state(host, "NORMAL", std::chrono::seconds(60));
    if (!up.ok()) {
      violations_.add("restore of " + backup.tag + ": host " + host +
                      (killed ? " (killed -9 while restoring)" : "") + ": " + up.to_string());
      return backup.tag + " (failed)";
    }
  }
  s = rc.wait_for_normal(nodes.size(), std::chrono::seconds(60));
  if (!s.ok()) {
    violations_.add("restore of " + backup.tag + ": " + s.to_string());
    return backup.tag + " (failed)";
  }
  // The restored cluster's rows: per key, the newest state any restored replica holds.
  std::map<std::string, Observed> restored;
  for (size_t j = 0; j < rc.agent_count(); ++j) {
    auto e = export_node(http_, rc.agent(j).internode(), secret);
    if (!e.ok()) {
      violations_.add("restore of " + backup.tag + ": export of " + rc.agent(j).name + ": " +
                      e.status().to_string());
      return backup.tag + " (failed)";
    }
    for (auto& [key, o] : *e) {
      auto it = restored.find(key);
      if (it == restored.end() || o.timestamp > it->second.timestamp) restored[key] = o;
    }
  }
  for (size_t key = 0; key < history_.key_count(); ++key) {
    auto it = restored.find(History::key_name(key));
    const Observed seen = it == restored.end() ? Observed{} : it->second;
    const std::string wrong =
        history_.check_restored(key, seen, backup.requested_us, backup.ended_us);
    if (!wrong.empty()) violations_.add("restore of " + backup.tag + ": " + wrong);
  }
  return backup.tag + (restored_while_killed.empty()
                           ? ""
                           : " (agent" + std::to_string(victim + 1) + " killed -9 " +
                                 restored_while_killed + ", restarted)");
}

}  // namespace rk::soak
