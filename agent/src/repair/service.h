// The repair sessions this node coordinates: started, listed, cancelled through the ops API
// (/v1/repair/sessions), each running on its own thread. Keeps the running sessions and the last
// finished ones in memory (an agent restart forgets them: the scheduler then sees 404 and retries),
// renews the leases of the views its sessions hold and expires this node's own stale views.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/topology.h"
#include "repair/session.h"
#include "repair/views.h"

namespace rk::agent {

class RepairService {
 public:
  RepairService(const RepairSettings& settings, RepairReplicas& client, ViewRegistry& views,
                Clock& clock, std::function<std::shared_ptr<const Topology>()> topology);
  // stop().
  ~RepairService();

  struct Started {
    nlohmann::json session;
    bool created = false;  // false: the same request was sent again (idempotent)
  };
  // Starts a session for a body that passed repair_request_spec(). InvalidArgument (bad request,
  // replicas that are not the range's replicas), NotFound (unknown keyspace or table),
  // Unavailable (no ring yet, or 64 sessions already running here: the count of sessions, each
  // with its thread, is bounded), AlreadyExists (the id is taken by a different request),
  // FailedPrecondition (it overlaps a running session: same table, intersecting range).
  Result<Started> start(const nlohmann::json& body);
  Result<nlohmann::json> get(const std::string& id) const;
  // Running and finished sessions, newest first.
  std::vector<nlohmann::json> list() const;
  // Cancels a running session (a finished one is left as it is). NotFound when unknown.
  Result<nlohmann::json> cancel(const std::string& id);
  // Cancels every running session and waits for them to end. Idempotent.
  void stop();

  // Called on a session's own thread once it has ended (any outcome), with its id: the agent tells
  // the scheduler, whose driver then looks at once instead of at its next tick. Set before the
  // first start(); may block the ended session's thread, never a running one.
  void on_session_end(std::function<void(const std::string& id)> notify) {
    on_end_ = std::move(notify);
  }

 private:
  struct Entry {
    std::shared_ptr<RepairSession> session;
    std::thread thread;
    uint64_t order = 0;  // start order, for newest-first listings
  };
  void keeper();
  void prune_locked();

  RepairSettings settings_;
  RepairReplicas& client_;
  ViewRegistry& views_;
  Clock& clock_;
  std::function<std::shared_ptr<const Topology>()> topology_;
  std::function<void(const std::string&)> on_end_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t next_order_ = 0;
  std::map<std::string, Entry> sessions_;
  std::thread keeper_;
};

}  // namespace rk::agent
