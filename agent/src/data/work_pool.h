// A fixed set of threads running queued tasks: the coordinator's internode requests go out in
// parallel through it without a thread per request. Tasks must not throw.
//
// The queue is bounded. Every task comes from a client request, and a queue that grew while
// replicas were slow would hold those requests' data until memory ran out; a full queue refuses
// new work instead, and the coordinator answers its client 503 (retry later).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk::agent {

class WorkPool {
 public:
  // `max_queued`: tasks waiting for a thread at most, beyond those running.
  WorkPool(int threads, size_t max_queued);
  // Runs the tasks still queued, then joins.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues all of `tasks`, or none of them when they do not all fit (Unavailable), so that a
  // client request never goes out to only some of its replicas because the queue filled midway.
  Status submit(std::vector<std::function<void()>> tasks);

 private:
  void run();
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rk::agent
