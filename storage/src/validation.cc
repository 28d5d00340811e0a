// Validation: the Merkle tree of a table's token range, built from row digests of a raw scan.
//
// The scan feeds the engine's entries straight to an EntryDigester (row_digest.h): the rows are
// hashed as they stream past, without building the Partition objects a scan_raw visitor gets.
// Hashing and reading rows is CPU-bound, so a large range is cut into spans of the tree's leaves
// which a few threads take in turn, each filling the leaves of its span in the one tree
// (MerkleTree::Filler: spans share no leaf). All spans read the same pinned view, so the tree
// describes one moment, as a single scan would; a leaf's hash depends only on the set of its
// rows, so the tree is the one a single scan gives.
#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include <rocksdb/snapshot.h>

#include "node_impl.h"
#include "purge_rule.h"
#include "read_path.h"
#include "row_digest.h"

namespace rk::storage {

namespace {

// At most this many threads compute one validation; the agent serves reads and writes meanwhile.
constexpr unsigned kMaxValidationThreads = 2;
// With direct reads every read blocks its thread until the device answers (no kernel readahead
// runs ahead of the scan): in validation_bench a thread waited about as long as it computed, and
// only four threads per computing one kept the cores busy. Buffered reads need none.
constexpr unsigned kThreadsPerCoreWithDirectReads = 4;
// Spans per thread: threads that finish early take more, so none idles while others work.
constexpr uint64_t kSpansPerThread = 2;

unsigned validation_threads(const MerkleTree& tree, bool direct_reads) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = std::min(kMaxValidationThreads, hw);
  if (direct_reads) threads *= kThreadsPerCoreWithDirectReads;
  return static_cast<unsigned>(std::min<uint64_t>(threads, tree.leaf_count()));
}

}  // namespace

Result<MerkleTree> Node::validate(std::string_view keyspace, std::string_view table,
                                  const TokenRange& range, DataScope scope, int depth,
                                  const View* view) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  RK_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::create(range, depth));
  const int64_t now = impl_->clock->now_seconds();
  const PurgeRule rule(t, now, impl_->history.of(t.id));

  // Feeds the rows of the filler's span into it, reading at `at` (a snapshot taken now when
  // null). `stop` is set when another span failed.
  auto validate_span = [&](MerkleTree::Filler& filler, const View* at,
                           const std::atomic<bool>& stop) -> Status {
    RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* snapshot, NodeInternals::snapshot_of(*this, at));
    std::optional<rocksdb::ManagedSnapshot> own;
    if (snapshot == nullptr) {
      own.emplace(impl_->db.get());
      snapshot = own->snapshot();
    }
    EntryDigester digester(now, rule, &filler);
    for (const auto& [lower, upper] : token_key_ranges(t.id, filler.range())) {
      SetCursor cursor(impl_->db.get(), impl_->sets(scope), lower, upper, snapshot,
                       /*bulk=*/true);
      RK_RETURN_IF_ERROR(cursor.status());
      for (cursor.seek_to_first(); cursor.valid(); cursor.next()) {
        const rocksdb::Slice k = cursor.key();
        const rocksdb::Slice v = cursor.value();
        RK_RETURN_IF_ERROR(digester.add(std::string_view(k.data(), k.size()),
                                        std::string_view(v.data(), v.size())));
      }
      RK_RETURN_IF_ERROR(cursor.status());
      if (stop.load(std::memory_order_relaxed)) return Status::OK();
    }
    RK_RETURN_IF_ERROR(digester.finish());
    filler.seal();  // this thread hashes the span's part of the tree
    return Status::OK();
  };

  const unsigned threads = validation_threads(tree, impl_->options.direct_reads);
  const uint64_t spans = threads <= 1 ? 1 : std::min(tree.leaf_count(), kSpansPerThread * threads);
  std::vector<MerkleTree::Filler> fillers;
  fillers.reserve(spans);
  for (uint64_t i = 0; i < spans; ++i) {
    RK_ASSIGN_OR_RETURN(MerkleTree::Filler f, tree.filler(tree.leaf_count() * i / spans,
                                                          tree.leaf_count() * (i + 1) / spans));
    fillers.push_back(std::move(f));
  }
  std::atomic<bool> stop{false};
  if (spans == 1) {
    RK_RETURN_IF_ERROR(validate_span(fillers[0], view, stop));
  } else {
    std::unique_ptr<View> own;
    if (view == nullptr) {
      own = pin();  // one moment for every span
      view = own.get();
    }
    std::atomic<uint64_t> next{0};
    std::vector<Status> statuses(threads);
    auto work = [&](unsigned worker) {
      for (uint64_t i; !stop.load() && (i = next.fetch_add(1)) < spans;) {
        statuses[worker] = validate_span(fillers[i], view, stop);
        if (!statuses[worker].ok()) stop.store(true);
      }
    };
    std::vector<std::thread> workers;
    for (unsigned w = 1; w < threads; ++w) workers.emplace_back(work, w);
    work(0);
    for (std::thread& w : workers) w.join();
    for (const Status& s : statuses) RK_RETURN_IF_ERROR(s);
  }
  for (const MerkleTree::Filler& f : fillers) tree.commit(f);
  tree.finalize();
  return tree;
}

}  // namespace rk::storage
