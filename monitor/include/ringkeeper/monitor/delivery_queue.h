// A bounded queue of messages delivered in order by one background thread, retried with backoff:
// the agent pushes its alert state changes to the scheduler through one, the scheduler sends each
// alert to the webhook through another. Delivery never blocks the caller of push().
//
// - Coalescing: a message pushed with the key of one still waiting replaces that one's body in
//   place, so a queue of state changes keeps only the latest state per signal (a retry in flight
//   picks up the newer body on its next attempt).
// - Bounded: when `capacity` messages wait, the oldest is dropped (and counted) to make room.
// - Retries: a retryable failure (core/backoff.h is_retryable: unavailable, timeout, rate limit)
//   is tried again after the backoff's delay, up to max_attempts (then dropped and counted); any
//   other failure drops the message at once. stop() interrupts a wait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/status.h"

namespace rk::monitor {

struct DeliveryQueueOptions {
  std::string name = "delivery";  // names the queue in log lines
  size_t capacity = 1000;         // messages waiting at most; the oldest is dropped beyond
  // Delays between attempts; max_attempts counts the first one too (use a large number to retry
  // for as long as it takes).
  BackoffOptions backoff{.max_attempts = 5,
                         .initial_delay = std::chrono::milliseconds(500),
                         .max_delay = std::chrono::milliseconds(30'000)};
};

struct DeliveryStats {
  uint64_t delivered = 0;
  uint64_t dropped = 0;    // overflow, attempts exhausted or a failure that retrying cannot fix
  uint64_t failures = 0;   // failed attempts (each retry counts)
  uint64_t coalesced = 0;  // messages that replaced a waiting one with the same key
  size_t waiting = 0;
};

class DeliveryQueue {
 public:
  // Sends one message; OK when the receiver took it.
  using Deliver = std::function<Status(const std::string& body)>;

  // Starts the delivery thread.
  DeliveryQueue(DeliveryQueueOptions options, Deliver deliver);
  // Stops (see stop()).
  ~DeliveryQueue();
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  // Queues `body`; a waiting message with the same non-empty `key` is replaced instead.
  void push(std::string key, std::string body);

  // Stops the thread after the attempt in progress; waiting messages are dropped. Idempotent.
  void stop();

  DeliveryStats stats() const;

  // Blocks until nothing waits or `timeout` passes; true when empty (for tests and shutdown).
  bool wait_idle(std::chrono::milliseconds timeout) const;

 private:
  struct Message {
    std::string key;
    std::string body;
    uint64_t id;
  };
  void run();

  DeliveryQueueOptions options_;
  Deliver deliver_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<Message> queue_;
  uint64_t next_id_ = 0;
  bool in_flight_ = false;
  bool stopping_ = false;
  DeliveryStats stats_;
  std::thread thread_;
};

}  // namespace rk::monitor
