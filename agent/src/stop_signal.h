// The agent's stop: one flag every background job waits on (registration retries, heartbeats,
// a replacement's streaming, a restore's replay), set when the agent is asked to stop or when a
// job hits an error the agent cannot serve past (the scheduler refused the node, a staged restore
// needs a restart). Agent::wait() returns that error; stop() returns OK.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "ringkeeper/core/status.h"

namespace rk::agent {

class StopSignal {
 public:
  // Waits up to `d`; true when the agent is stopping (asked to, or failed).
  bool wait_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [this] { return stopping_ || fatal_.has_value(); });
  }
  bool stopping() { return wait_for(std::chrono::milliseconds(0)); }

  // Asks every job to stop.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  // Logs `s` and stops the agent with it (the first error is the one kept).
  void fail(Status s) {
    spdlog::error("{}", s.message());
    {
      std::lock_guard lock(mu_);
      if (!fatal_) fatal_ = std::move(s);
    }
    cv_.notify_all();
  }

  // Blocks until stop() or fail(): OK after stop(), the error after fail().
  Status wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || fatal_.has_value(); });
    return fatal_ ? *fatal_ : Status::OK();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<Status> fatal_;
};

}  // namespace rk::agent
