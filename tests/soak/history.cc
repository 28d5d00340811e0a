// The chaos soak's record of operations per key and the rule a read must obey (see history.h).
#include "history.h"

#include <algorithm>
#include <limits>

namespace rk::soak {

size_t History::new_key() {
  std::lock_guard lock(mu_);
  ops_.emplace_back();
  return ops_.size() - 1;
}

size_t History::key_count() const {
  std::lock_guard lock(mu_);
  return ops_.size();
}

int64_t History::next_timestamp() {
  const int64_t now = wall_us();
  std::lock_guard lock(mu_);
  last_timestamp_ = std::max(last_timestamp_ + 1, now);
  return last_timestamp_;
}

size_t History::begin(size_t key, Kind kind, int64_t timestamp, int64_t now_us) {
  std::lock_guard lock(mu_);
  ops_.at(key).push_back(Op{kind, timestamp, now_us});
  return ops_[key].size() - 1;
}

void History::finish(size_t key, size_t op, Outcome outcome, int64_t now_us) {
  std::lock_guard lock(mu_);
  Op& o = ops_.at(key).at(op);
  o.outcome = outcome;
  o.done_us = now_us;
}

bool History::has_acked(size_t key, int64_t before_us) const {
  std::lock_guard lock(mu_);
  for (const Op& o : ops_.at(key)) {
    if (o.outcome == Outcome::kAcked && o.done_us < before_us) return true;
  }
  return false;
}

std::string History::check_read(size_t key, const Observed& seen, int64_t read_start_us,
                                int64_t read_end_us) const {
  return check(key, seen, read_start_us, read_end_us);
}

std::string History::check_restored(size_t key, const Observed& seen, int64_t acked_before_us,
                                    int64_t sent_before_us) const {
  return check(key, seen, acked_before_us, sent_before_us);
}

std::string History::check(size_t key, const Observed& seen, int64_t acked_before_us,
                           int64_t sent_before_us) const {
  std::lock_guard lock(mu_);
  const std::vector<Op>& ops = ops_.at(key);
  // The newest operation acknowledged before the read: nothing older may show.
  const Op* floor = nullptr;
  for (const Op& o : ops) {
    if (o.outcome == Outcome::kAcked && o.done_us < acked_before_us &&
        (floor == nullptr || o.timestamp > floor->timestamp)) {
      floor = &o;
    }
  }
  const int64_t floor_ts = floor ? floor->timestamp : std::numeric_limits<int64_t>::min();
  auto candidate = [&](const Op& o) { return o.timestamp >= floor_ts && o.sent_us < sent_before_us; };
  const std::string name = key_name(key);
  auto floor_text = [&] {
    return std::string(floor->kind == Kind::kSet ? "acknowledged write v-" : "acknowledged delete @") +
           std::to_string(floor->timestamp);
  };
  if (seen.present) {
    if (seen.value != value_for(seen.timestamp)) {
      return name + ": value " + seen.value.substr(0, 32) + " carries timestamp " +
             std::to_string(seen.timestamp) + ", which no write of it had";
    }
    const std::string shown = "v-" + std::to_string(seen.timestamp);
    for (const Op& o : ops) {
      if (o.timestamp != seen.timestamp) continue;
      if (o.kind != Kind::kSet) break;
      if (candidate(o)) return "";
      if (o.timestamp < floor_ts) {
        return name + ": shows " + shown + " after the " + floor_text() +
               (floor->kind == Kind::kDelete ? " (a deleted row came back)" : " (the newer write was lost)");
      }
      return name + ": shows " + shown + " before it was sent";
    }
    return name + ": shows " + shown + ", which was never written";
  }
  if (floor == nullptr) return "";
  for (const Op& o : ops) {
    if (o.kind == Kind::kDelete && candidate(o)) return "";
  }
  return name + ": missing; the " + floor_text() + " was lost";
}

}  // namespace rk::soak
