// The delivery thread of a DeliveryQueue (see delivery_queue.h).
#include "ringkeeper/monitor/delivery_queue.h"

#include <spdlog/spdlog.h>

namespace rk::monitor {

DeliveryQueue::DeliveryQueue(DeliveryQueueOptions options, Deliver deliver)
    : options_(std::move(options)), deliver_(std::move(deliver)) {
  if (options_.capacity == 0) options_.capacity = 1;
  thread_ = std::thread([this] { run(); });
}

DeliveryQueue::~DeliveryQueue() { stop(); }

void DeliveryQueue::push(std::string key, std::string body) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (!key.empty()) {
      for (Message& m : queue_) {
        if (m.key == key) {
          m.body = std::move(body);
          ++stats_.coalesced;
          return;
        }
      }
    }
    // The front may be in flight; it is dropped only when nothing else can make room.
    while (queue_.size() >= options_.capacity) {
      const size_t victim = in_flight_ && queue_.size() > 1 ? 1 : 0;
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(victim));
      ++stats_.dropped;
      spdlog::warn("{}: queue full ({} messages), dropped the oldest", options_.name,
                   options_.capacity);
    }
    queue_.push_back({std::move(key), std::move(body), next_id_++});
  }
  cv_.notify_all();
}

void DeliveryQueue::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

DeliveryStats DeliveryQueue::stats() const {
  std::lock_guard lock(mu_);
  DeliveryStats s = stats_;
  s.waiting = queue_.size();
  return s;
}

bool DeliveryQueue::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() || stopping_; }) &&
         queue_.empty();
}

void DeliveryQueue::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const uint64_t id = queue_.front().id;
    in_flight_ = true;
    Backoff backoff(options_.backoff);
    while (true) {
      // The body is read afresh for each attempt: a newer state may have replaced it.
      std::string body = queue_.front().body;
      lock.unlock();
      Status s = deliver_(body);
      lock.lock();
      // The front may have been dropped for room while unlocked.
      const bool still_front = !queue_.empty() && queue_.front().id == id;
      if (s.ok()) {
        ++stats_.delivered;
        if (still_front) queue_.pop_front();
        break;
      }
      ++stats_.failures;
      std::optional<std::chrono::milliseconds> delay;
      if (is_retryable(s)) delay = backoff.next_delay();
      if (!delay || !still_front) {
        if (still_front) {
          queue_.pop_front();
          ++stats_.dropped;
          spdlog::warn("{}: dropped a message: {}", options_.name, s.to_string());
        }
        break;
      }
      if (backoff.attempts() == 1) {
        spdlog::warn("{}: delivery failed, retrying: {}", options_.name, s.to_string());
      }
      cv_.wait_for(lock, *delay, [this] { return stopping_; });
      if (stopping_) return;
      if (queue_.empty() || queue_.front().id != id) break;
    }
    in_flight_ = false;
    cv_.notify_all();
  }
}

}  // namespace rk::monitor
