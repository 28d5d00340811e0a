// DeliveryQueue: in order, coalesced per key, bounded, retried, never blocking the caller.
#include "ringkeeper/monitor/delivery_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace rk::monitor {
namespace {

using std::chrono::milliseconds;

DeliveryQueueOptions fast(size_t capacity = 100, int attempts = 5) {
  DeliveryQueueOptions o;
  o.capacity = capacity;
  o.backoff = {
      .max_attempts = attempts, .initial_delay = milliseconds(1), .max_delay = milliseconds(2)};
  return o;
}

// A receiver the test opens and closes.
struct Receiver {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  Status answer = Status::OK();
  bool blocked = false;
  int entered = 0;

  Status deliver(const std::string& body) {
    std::unique_lock lock(mu);
    ++entered;
    cv.notify_all();
    cv.wait(lock, [this] { return !blocked; });
    if (!answer.ok()) return answer;
    got.push_back(body);
    return Status::OK();
  }
  void set_blocked(bool b) {
    {
      std::lock_guard lock(mu);
      blocked = b;
    }
    cv.notify_all();
  }
  std::vector<std::string> received() {
    std::lock_guard lock(mu);
    return got;
  }
};

TEST(DeliveryQueue, DeliversInOrder) {
  Receiver r;
  DeliveryQueue q(fast(), [&](const std::string& b) { return r.deliver(b); });
  q.push("", "a");
  q.push("", "b");
  q.push("", "c");
  ASSERT_TRUE(q.wait_idle(milliseconds(5000)));
  EXPECT_EQ(r.received(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(q.stats().delivered, 3u);
}

TEST(DeliveryQueue, RetriesWhileTheReceiverIsDownAndKeepsTheLatestPerKey) {
  Receiver r;
  r.answer = Status::Unavailable("scheduler down");
  DeliveryQueueOptions o = fast(100, 1 << 30);
  DeliveryQueue q(o, [&](const std::string& b) { return r.deliver(b); });
  q.push("disk", "disk WARNING");
  q.push("await", "await CRITICAL");
  q.push("disk", "disk CRITICAL");
  // Let it fail a few times.
  while (q.stats().failures < 3) std::this_thread::yield();
  {
    std::lock_guard lock(r.mu);
    r.answer = Status::OK();
  }
  ASSERT_TRUE(q.wait_idle(milliseconds(5000)));
  EXPECT_EQ(r.received(), (std::vector<std::string>{"disk CRITICAL", "await CRITICAL"}));
  EXPECT_EQ(q.stats().coalesced, 1u);
  EXPECT_EQ(q.stats().dropped, 0u);
}

TEST(DeliveryQueue, DropsTheOldestWhenFull) {
  Receiver r;
  r.set_blocked(true);
  DeliveryQueue q(fast(2), [&](const std::string& b) { return r.deliver(b); });
  q.push("", "first");
  {
    // Wait until the delivery thread holds "first" (blocked in the receiver).
    std::unique_lock lock(r.mu);
    ASSERT_TRUE(r.cv.wait_for(lock, std::chrono::seconds(5), [&] { return r.entered == 1; }));
  }
  q.push("", "second");
  q.push("", "third");   // full: "second", the oldest not in flight, goes
  q.push("", "fourth");  // and then "third"
  EXPECT_EQ(q.stats().dropped, 2u);
  r.set_blocked(false);
  ASSERT_TRUE(q.wait_idle(milliseconds(5000)));
  EXPECT_EQ(r.received(), (std::vector<std::string>{"first", "fourth"}));
}

TEST(DeliveryQueue, GivesUpAfterMaxAttempts) {
  Receiver r;
  r.answer = Status::Timeout("slow");
  DeliveryQueue q(fast(10, 3), [&](const std::string& b) { return r.deliver(b); });
  q.push("", "x");
  ASSERT_TRUE(q.wait_idle(milliseconds(5000)));
  EXPECT_EQ(q.stats().failures, 3u);
  EXPECT_EQ(q.stats().dropped, 1u);
}

TEST(DeliveryQueue, DropsAtOnceWhatRetryingCannotFix) {
  Receiver r;
  r.answer = Status::InvalidArgument("bad body");
  DeliveryQueue q(fast(10, 5), [&](const std::string& b) { return r.deliver(b); });
  q.push("", "x");
  ASSERT_TRUE(q.wait_idle(milliseconds(5000)));
  EXPECT_EQ(q.stats().failures, 1u);
  EXPECT_EQ(q.stats().dropped, 1u);
}

TEST(DeliveryQueue, StopInterruptsARetryWait) {
  Receiver r;
  r.answer = Status::Unavailable("down");
  DeliveryQueueOptions o = fast(10, 1 << 30);
  o.backoff.initial_delay = milliseconds(600'000);
  o.backoff.max_delay = milliseconds(600'000);
  DeliveryQueue q(o, [&](const std::string& b) { return r.deliver(b); });
  q.push("", "x");
  while (q.stats().failures < 1) std::this_thread::yield();
  const auto t0 = std::chrono::steady_clock::now();
  q.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace
}  // namespace rk::monitor
