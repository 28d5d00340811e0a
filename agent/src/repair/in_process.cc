// InProcessRepair (ringkeeper/agent/in_process_repair.h): a RepairSession over InProcessReplicas,
// each replica a LocalRepair on its own view registry.
#include "ringkeeper/agent/in_process_repair.h"

#include <algorithm>

#include "repair/in_process.h"
#include "repair/session.h"
#include "ringkeeper/core/json_api.h"

namespace rk::agent {

struct InProcessRepair::State {
  State(const RepairSettings& s, Clock& c) : settings(s), clock(c) {}
  RepairSettings settings;
  Clock& clock;
  std::vector<std::string> hosts;
  std::vector<std::unique_ptr<ViewRegistry>> views;
  std::vector<std::unique_ptr<LocalRepair>> locals;
  InProcessReplicas replicas;
};

InProcessRepair::InProcessRepair(std::vector<Replica> replicas, const RepairSettings& settings,
                                 Clock& clock)
    : state_(std::make_unique<State>(settings, clock)) {
  for (const Replica& r : replicas) {
    state_->hosts.push_back(r.host_id);
    state_->views.push_back(std::make_unique<ViewRegistry>(*r.node, clock));
    state_->locals.push_back(
        std::make_unique<LocalRepair>(*r.node, *state_->views.back(), settings.view_lease));
    state_->replicas.add(r.host_id, *state_->locals.back());
  }
}

InProcessRepair::~InProcessRepair() = default;

Result<nlohmann::json> InProcessRepair::run(const nlohmann::json& body) {
  RK_RETURN_IF_ERROR(api::check(body, repair_request_spec()));
  RK_ASSIGN_OR_RETURN(RepairRequest request, parse_repair_request(body));
  if (request.tables.empty()) return Status::InvalidArgument("name the tables to repair");
  std::vector<ReplicaTarget> targets;
  for (const std::string& host : request.replicas) {
    auto it = std::find(state_->hosts.begin(), state_->hosts.end(), host);
    if (it == state_->hosts.end()) return Status::InvalidArgument("no replica " + host + " here");
    ReplicaTarget t;
    t.host_id = host;
    t.address = "in-process";
    t.local = it == state_->hosts.begin();
    targets.push_back(std::move(t));
  }
  std::vector<std::string> tables = request.tables;
  RepairSession session(std::move(request), std::move(tables), std::move(targets), state_->settings,
                        state_->replicas, state_->clock);
  session.run();
  return session.to_json();
}

uint64_t InProcessRepair::take_tree_bytes() { return state_->replicas.tree_bytes.exchange(0); }

uint64_t InProcessRepair::take_row_bytes() { return state_->replicas.row_bytes.exchange(0); }

}  // namespace rk::agent
