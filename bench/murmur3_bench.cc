// Murmur3 token throughput: murmur3_token over keys of several sizes, compared in the same run
// against std::hash<std::string_view> (libstdc++'s own Murmur-style hash) over the same keys.
// Prints ns per key and MB/s for both, and the ratio.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/token.h"

namespace {

template <class F>
double ns_per_key(const std::vector<std::string>& keys, int rounds, F&& hash, uint64_t* sink) {
  const auto start = std::chrono::steady_clock::now();
  uint64_t acc = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& k : keys) acc += static_cast<uint64_t>(hash(k));
  }
  const auto end = std::chrono::steady_clock::now();
  *sink += acc;
  const double ns = std::chrono::duration<double, std::nano>(end - start).count();
  return ns / (static_cast<double>(keys.size()) * rounds);
}

}  // namespace

int main() {
  std::mt19937_64 rng(42);  // fixed seed: the same keys every run
  uint64_t sink = 0;
  std::printf("%8s %14s %12s %16s %12s %8s\n", "key_len", "murmur3 ns/key", "murmur3 MB/s",
              "std::hash ns/key", "std::hash MB/s", "ratio");
  for (size_t len : {8, 16, 17, 36, 64, 256, 4096}) {
    const size_t n = len >= 4096 ? 2'000 : 100'000;
    std::vector<std::string> keys(n, std::string(len, '\0'));
    for (auto& k : keys) {
      for (auto& c : k) c = static_cast<char>(rng());
    }
    const int rounds = 20;
    // Warm-up pass so both sides start with keys in cache.
    ns_per_key(
        keys, 1, [](const std::string& k) { return rk::murmur3_token(k); }, &sink);
    const double m = ns_per_key(
        keys, rounds, [](const std::string& k) { return rk::murmur3_token(k); }, &sink);
    const double h = ns_per_key(
        keys, rounds,
        [](const std::string& k) { return std::hash<std::string_view>{}(std::string_view(k)); },
        &sink);
    std::printf("%8zu %14.1f %12.0f %16.1f %12.0f %8.2f\n", len, m, len * 1e3 / m, h, len * 1e3 / h,
                m / h);
  }
  std::printf("(ratio = murmur3 time / std::hash time; checksum %llu)\n",
              static_cast<unsigned long long>(sink & 0xffff));
  return 0;
}
