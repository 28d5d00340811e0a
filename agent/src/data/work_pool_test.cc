// The coordinator's work pool: a bounded queue that takes a request's calls all or none.
#include "data/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace rk::agent {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);

// Holds the pool's thread until opened.
struct Latch {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, open = false;

  std::function<void()> task() {
    return [this] {
      std::unique_lock lock(mu);
      entered = true;
      cv.notify_all();
      cv.wait_for(lock, kDeadline, [&] { return open; });
    };
  }
  bool wait_entered() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kDeadline, [&] { return entered; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(WorkPool, AFullQueueRefusesAllOfASubmissionAndKeepsWhatItHas) {
  std::atomic<int> ran{0};
  Latch latch;
  {
    WorkPool pool(1, 2);
    ASSERT_TRUE(pool.submit({latch.task()}).ok());
    ASSERT_TRUE(latch.wait_entered());  // the thread is held; the queue is empty
    auto count = [&] { ++ran; };
    ASSERT_TRUE(pool.submit({count}).ok());
    Status full = pool.submit({count, count});  // one place left, two asked for
    EXPECT_EQ(full.code(), ErrorCode::kUnavailable);
    EXPECT_NE(full.message().find("1 of 2 queue places are taken"), std::string::npos)
        << full.message();
    ASSERT_TRUE(pool.submit({count}).ok());
    EXPECT_EQ(pool.submit({count}).code(), ErrorCode::kUnavailable);
    latch.release();
  }  // the destructor runs what is queued
  EXPECT_EQ(ran.load(), 2);
}

TEST(WorkPool, RunsTasksInParallelOnItsThreads) {
  Latch a, b;
  WorkPool pool(2, 8);
  ASSERT_TRUE(pool.submit({a.task(), b.task()}).ok());
  EXPECT_TRUE(a.wait_entered());
  EXPECT_TRUE(b.wait_entered());
  a.release();
  b.release();
}

}  // namespace
}  // namespace rk::agent
