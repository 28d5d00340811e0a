// The views this node has pinned for repair sessions (its own or another coordinator's), each
// with a lease: a coordinator renews the lease while its session runs, and a view whose lease ran
// out is released, so a coordinator that died never pins a RocksDB snapshot forever. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/status.h"
#include "ringkeeper/storage/node.h"

namespace rk::agent {

struct PinnedView {
  std::string id;       // random, unique on this node
  std::string session;  // the session that pinned it (for logs and the listing)
  int64_t pinned_at_us = 0;
  int64_t expires_at_us = 0;  // by the node's clock
};

class ViewRegistry {
 public:
  ViewRegistry(storage::Node& node, Clock& clock) : node_(node), clock_(clock) {}

  // Pins a view for `session` with a lease of `lease`. InvalidArgument for a lease that is not
  // positive; ResourceExhausted when `max_views` views are already pinned.
  Result<PinnedView> pin(const std::string& session, std::chrono::milliseconds lease);
  // The view to read at, renewing its lease by `lease`. NotFound (naming the view) when it is
  // unknown, released or expired.
  Result<std::shared_ptr<const storage::View>> use(const std::string& id,
                                                   std::chrono::milliseconds lease);
  // Extends the lease; NotFound as for use().
  Result<PinnedView> renew(const std::string& id, std::chrono::milliseconds lease);
  // Releases the view (a read in progress at it finishes first). NotFound when unknown.
  Status release(const std::string& id);
  // Releases every view whose lease ran out; returns how many.
  size_t expire();
  std::vector<PinnedView> list();

  static constexpr size_t kMaxViews = 256;

 private:
  struct Entry {
    PinnedView info;
    std::shared_ptr<const storage::View> view;
  };
  size_t expire_locked(int64_t now);

  storage::Node& node_;
  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry> views_;
};

}  // namespace rk::agent
