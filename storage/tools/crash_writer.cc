// Test helper for the durability test: opens a node in argv[1] and writes rows "k<i>" forever,
// printing "<i>" on stdout after each write is acknowledged. The test kills it with SIGKILL.
// With --archive-wal: WAL archiving on, and a flush every 300 writes (closing WAL files).
#include <cstdio>
#include <cstring>
#include <string>

#include "ringkeeper/storage/node.h"

int main(int argc, char** argv) {
  const bool archive_wal = argc == 3 && std::strcmp(argv[2], "--archive-wal") == 0;
  if (argc != 2 && !archive_wal) {
    std::fprintf(stderr, "usage: %s DATA_DIR [--archive-wal]\n", argv[0]);
    return 2;
  }
  rk::storage::Options options;
  options.data_dir = argv[1];
  options.archive_wal = archive_wal;
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
    if (archive_wal && i % 300 == 299 && !(s = (*node)->flush()).ok()) {
      std::fprintf(stderr, "%s\n", s.to_string().c_str());
      return 1;
    }
  }
}
