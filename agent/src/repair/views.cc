// Leased views for repair sessions (see views.h).
#include "repair/views.h"

#include "cluster/host_id.h"

namespace rk::agent {

size_t ViewRegistry::expire_locked(int64_t now) {
  size_t n = 0;
  for (auto it = views_.begin(); it != views_.end();) {
    if (it->second.info.expires_at_us <= now) {
      it = views_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

Result<PinnedView> ViewRegistry::pin(const std::string& session, std::chrono::milliseconds lease) {
  if (lease.count() <= 0) return Status::InvalidArgument("a view's lease must be positive");
  std::lock_guard lock(mu_);
  const int64_t now = clock_.now_micros();
  expire_locked(now);
  if (views_.size() >= kMaxViews) {
    return Status::ResourceExhausted("this node already holds " + std::to_string(kMaxViews) +
                                     " pinned views");
  }
  Entry e;
  e.view = node_.pin();
  e.info.id = make_uuid_v4();
  e.info.session = session;
  e.info.pinned_at_us = e.view->pinned_at_micros();
  e.info.expires_at_us = now + lease.count() * 1000;
  PinnedView out = e.info;
  views_.emplace(out.id, std::move(e));
  return out;
}

Result<std::shared_ptr<const storage::View>> ViewRegistry::use(const std::string& id,
                                                               std::chrono::milliseconds lease) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.now_micros();
  expire_locked(now);
  auto it = views_.find(id);
  if (it == views_.end()) {
    return Status::NotFound("view " + id + " is not pinned here (released, or its lease ran out)");
  }
  it->second.info.expires_at_us =
      std::max(it->second.info.expires_at_us, now + lease.count() * 1000);
  return it->second.view;
}

Result<PinnedView> ViewRegistry::renew(const std::string& id, std::chrono::milliseconds lease) {
  RK_RETURN_IF_ERROR(use(id, lease).status());
  std::lock_guard lock(mu_);
  return views_.at(id).info;
}

Status ViewRegistry::release(const std::string& id) {
  std::shared_ptr<const storage::View> last;  // released outside the lock
  std::lock_guard lock(mu_);
  auto it = views_.find(id);
  if (it == views_.end()) return Status::NotFound("view " + id + " is not pinned here");
  last = std::move(it->second.view);
  views_.erase(it);
  return Status::OK();
}

size_t ViewRegistry::expire() {
  std::lock_guard lock(mu_);
  return expire_locked(clock_.now_micros());
}

std::vector<PinnedView> ViewRegistry::list() {
  std::lock_guard lock(mu_);
  expire_locked(clock_.now_micros());
  std::vector<PinnedView> out;
  for (const auto& [id, e] : views_) out.push_back(e.info);
  return out;
}

}  // namespace rk::agent
