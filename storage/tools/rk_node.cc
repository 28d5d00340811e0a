// rk-node: runs the embedded storage node on its own, without an agent, to try the engine by hand
// (docs/storage.md).
//   rk-node demo --data-dir DIR   create a keyspace and table, write and read rows, delete one,
//                                 scan in token order, take a snapshot, print node facts.
// Re-running on the same DIR is fine: the schema is reused and every snapshot gets a new tag.
#include <cstdio>
#include <string>
#include <string_view>

#include "ringkeeper/storage/node.h"

namespace {

using namespace rk::storage;

int usage(std::FILE* out) {
  std::fprintf(out,
               "usage: rk-node demo --data-dir DIR\n"
               "  demo   create keyspace demo (SimpleStrategy, RF 1) and table demo.users, write,\n"
               "         read, delete and scan rows, take a snapshot under DIR/snapshots/, print\n"
               "         node facts\n");
  return out == stdout ? 0 : 2;
}

int fail(const rk::Status& s) {
  std::fprintf(stderr, "rk-node: %s\n", s.to_string().c_str());
  return 1;
}

int demo(const std::string& data_dir) {
  Options options;
  options.data_dir = data_dir;
  auto opened = Node::open(options);
  if (!opened.ok()) return fail(opened.status());
  Node& node = **opened;
  std::printf("opened node in %s\n", data_dir.c_str());

  rk::Status s = node.create_keyspace({"demo", {Replication::Strategy::kSimple, 1, {}}});
  if (!s.ok() && s.code() != rk::ErrorCode::kAlreadyExists) return fail(s);
  TableSchema users{"demo", "users"};
  auto t = node.create_table(users);
  if (!t.ok() && t.status().code() != rk::ErrorCode::kAlreadyExists) return fail(t.status());
  auto table = node.table("demo", "users");
  if (!table.ok()) return fail(table.status());
  std::printf("table demo.users (id %u, gc_grace_seconds %lld)\n", table->id,
              static_cast<long long>(table->gc_grace_seconds));

  const int64_t now = rk::SystemClock::instance().now_micros();
  std::vector<Mutation> batch;
  for (const char* name : {"alice", "bob", "carol", "dave"}) {
    batch.push_back(Mutation("demo", "users", name)
                        .set("", "email", std::string(name) + "@example.com", now)
                        .set("", "visits", "1", now));
  }
  if (auto w = node.apply_batch(batch); !w.ok()) return fail(w);
  std::printf("wrote 4 rows (8 cells) in one batch at timestamp %lld\n",
              static_cast<long long>(now));
  // A late write with an older timestamp loses (last-write-wins).
  if (auto w = node.apply(Mutation("demo", "users", "alice").set("", "email", "stale", now - 1));
      !w.ok())
    return fail(w);
  if (auto w = node.apply(Mutation("demo", "users", "dave").delete_partition(now + 1)); !w.ok())
    return fail(w);

  auto row = node.read_row("demo", "users", "alice", "");
  if (!row.ok()) return fail(row.status());
  std::printf("read alice: email=%s (the older late write lost)\n",
              (*row)->cells.at("email").value.c_str());

  std::printf("scan in token order (dave was deleted):\n");
  s = node.scan("demo", "users", rk::TokenRange::full_ring(), [](const Partition& p) {
    std::printf("  token %20lld  %s\n", static_cast<long long>(p.token), p.partition_key.c_str());
    return true;
  });
  if (!s.ok()) return fail(s);

  auto snap = node.snapshot("demo-" + std::to_string(now));
  if (!snap.ok()) return fail(snap.status());
  std::printf("snapshot %s: %zu files under %s\n", snap->tag.c_str(), snap->files.size(),
              snap->directory.c_str());

  auto facts = node.facts();
  if (!facts.ok()) return fail(facts.status());
  for (const auto& tf : facts->tables) {
    std::printf("facts %s.%s: unrepaired %llu bytes in %llu files, %llu tombstones\n",
                tf.keyspace.c_str(), tf.table.c_str(),
                static_cast<unsigned long long>(tf.unrepaired.bytes_on_disk),
                static_cast<unsigned long long>(tf.unrepaired.files),
                static_cast<unsigned long long>(tf.unrepaired.tombstones));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h"))
    return usage(stdout);
  if (argc != 4 || std::string_view(argv[1]) != "demo" || std::string_view(argv[2]) != "--data-dir")
    return usage(stderr);
  return demo(argv[3]);
}
