// What every fuzz target shares: a property check that turns a broken invariant into a crash
// libFuzzer reports (with the input that caused it), and the input as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// Aborts with `what` when `cond` is false: a parser that accepts its own output, say, must parse
// it back to the same value.
#define RK_FUZZ_CHECK(cond, what)                                                         \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "fuzz check failed at %s:%d: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

inline std::string_view fuzz_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
