// Test helper for the durability test: opens a node in argv[1] and writes rows "k<i>" forever,
// printing "<i>" on stdout after each write is acknowledged. The test kills it with SIGKILL.
#include <cstdio>
#include <string>

#include "ringkeeper/storage/node.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  rk::storage::Options options;
  options.data_dir = argv[1];
  auto node = rk::storage::Node::open(options);
  if (!node.ok()) {
    std::fprintf(stderr, "%s\n", node.status().to_string().c_str());
    return 1;
  }
  (void)(*node)->create_keyspace({"ks", {}});
  (void)(*node)->create_table({"ks", "t"});
  for (long i = 0;; ++i) {
    std::string key = "k" + std::to_string(i);
    auto s = (*node)->apply(rk::storage::Mutation("ks", "t", key).set("c", "v", key, i + 1));
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.to_string().c_str());
      return 1;
    }
    std::printf("%ld\n", i);
    std::fflush(stdout);
  }
}
