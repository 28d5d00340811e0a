// Fixed thread pool with a bounded queue (see work_pool.h).
#include "data/work_pool.h"

#include <string>

namespace rk::agent {

WorkPool::WorkPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Status WorkPool::submit(std::vector<std::function<void()>> tasks) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() + tasks.size() > max_queued_) {
      return Status::Unavailable(std::to_string(queue_.size()) + " of " +
                                 std::to_string(max_queued_) + " queue places are taken");
    }
    for (auto& t : tasks) queue_.push_back(std::move(t));
  }
  if (tasks.size() == 1) {
    cv_.notify_one();
  } else {
    cv_.notify_all();
  }
  return Status::OK();
}

void WorkPool::run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace rk::agent
