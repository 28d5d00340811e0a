// A repair session's ring against the current one (see ring_watch.h).
#include "repair/ring_watch.h"

#include <algorithm>

#include "ringkeeper/repair/ring_change.h"

namespace rk::agent {

std::optional<std::string> ring_change(const Topology& started, const Topology& now,
                                       std::string_view keyspace, const TokenRange& range,
                                       const std::vector<std::string>& replicas) {
  const int64_t from = started.ring_view().version;
  const int64_t to = now.ring_view().version;
  if (from == to) return std::nullopt;
  const std::string prefix =
      "ring changed (version " + std::to_string(from) + " -> " + std::to_string(to) + "): ";
  auto placement = now.placement(keyspace);
  if (!placement.ok()) return prefix + placement.status().message();
  const auto label = [&](const std::string& h) {
    const RingMember* m = now.member(h);
    if (m == nullptr) m = started.member(h);
    return m == nullptr || m->addresses.internode.empty() ? h
                                                          : h + " (" + m->addresses.internode + ")";
  };
  const auto state = [&](const std::string& h) {
    const RingMember* m = now.member(h);
    return m == nullptr ? std::string() : m->state;
  };
  const repair::RingChange change = repair::replica_set_change(**placement, range, replicas);
  std::string why = repair::describe(change, {label, state});
  for (const std::string& h : replicas) {
    const RingMember* before = started.member(h);
    const RingMember* after = now.member(h);
    if (after == nullptr || after->state == "NORMAL") continue;
    if (before != nullptr && before->state == after->state) continue;
    if (std::find(change.left.begin(), change.left.end(), h) != change.left.end()) continue;
    why += (why.empty() ? "" : "; ") + ("host " + label(h) + " is " + after->state);
  }
  if (why.empty()) return std::nullopt;
  return prefix + why;
}

}  // namespace rk::agent
