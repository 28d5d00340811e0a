// Test support: wait for a condition by polling with a deadline, never by sleeping a fixed time
// (the machines that run the tests are shared and their timing varies).
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace rk::testing {

// Polls `done` every 10 ms until it holds or `timeout` passes; then its last answer.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace rk::testing
