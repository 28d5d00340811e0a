// The replica set of a range before and after a ring change (see ring_change.h).
#include "ringkeeper/repair/ring_change.h"

#include <algorithm>
#include <set>

namespace rk::repair {

RingChange replica_set_change(const ReplicaPlacement& placement, const TokenRange& range,
                              const std::vector<std::string>& replicas,
                              const std::vector<std::string>& datacenters) {
  const std::set<std::string> before(replicas.begin(), replicas.end());
  const auto counted = [&](const RingNode& n) {
    return datacenters.empty() ||
           std::find(datacenters.begin(), datacenters.end(), n.datacenter) != datacenters.end();
  };
  std::set<std::string> in_every_piece = before;
  std::set<std::string> in_some_piece;
  for (const RangeReplicas& piece : placement.replicas_for_range(range)) {
    std::set<std::string> owners;
    for (const RingNode* n : piece.replicas) {
      if (counted(*n)) owners.insert(n->host_id);
    }
    in_some_piece.insert(owners.begin(), owners.end());
    std::erase_if(in_every_piece, [&](const std::string& h) { return owners.count(h) == 0; });
  }
  RingChange change;
  for (const std::string& h : replicas) {
    if (in_every_piece.count(h) == 0) change.left.push_back(h);
  }
  for (const std::string& h : in_some_piece) {
    if (before.count(h) == 0) change.joined.push_back(h);
  }
  return change;
}

std::string describe(const RingChange& change, const HostInfo& hosts) {
  std::vector<std::string> parts;
  std::vector<std::string> joined = change.joined;
  for (const std::string& h : change.left) {
    const std::string state = hosts.state(h);
    const std::string by = hosts.replaced_by ? hosts.replaced_by(h) : "";
    if (auto it = std::find(joined.begin(), joined.end(), by); !by.empty() && it != joined.end()) {
      parts.push_back("host " + hosts.label(h) + " replaced by " + hosts.label(by));
      joined.erase(it);
    } else if (state == "REPLACED" && !joined.empty()) {
      parts.push_back("host " + hosts.label(h) + " replaced by " + hosts.label(joined.front()));
      joined.erase(joined.begin());
    } else if (state.empty()) {
      parts.push_back("host " + hosts.label(h) + " left the ring");
    } else {
      parts.push_back("host " + hosts.label(h) + " left the replica set" +
                      (state == "NORMAL" ? "" : " (" + state + ")"));
    }
  }
  for (const std::string& h : joined) {
    parts.push_back("host " + hosts.label(h) + " joined the replica set");
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace rk::repair
