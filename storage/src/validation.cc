// Validation: the Merkle tree of a table's token range, built from row digests of a raw scan.
//
// The scan feeds the engine's entries straight to an EntryDigester (row_digest.h): the rows are
// hashed as they stream past, without building the Partition objects a scan_raw visitor gets.
// Hashing and reading rows is CPU-bound, so a large range is cut into spans of the tree's leaves
// which a few threads take in turn, each filling the leaves of its span in the one tree
// (MerkleTree::Filler: spans share no leaf). All spans read the same pinned view, so the tree
// describes one moment, as a single scan would; a leaf's hash depends only on the set of its
// rows, so the tree is the one a single scan gives.
//
// Leaves whose keys only unchanged files hold are read once per set of files and tree shape:
// later validations add what was found there (validation_plan.h says when that is exact); a
// leaf with one such file is read from that file alone, and leaves no source covers are not
// read at all.
#include <algorithm>
#include <atomic>
#include <thread>

#include <rocksdb/snapshot.h>

#include "node_impl.h"
#include "purge_rule.h"
#include "read_path.h"
#include "row_digest.h"
#include "validation_plan.h"
#include "validation_reading.h"

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

// Threads for a tree of `leaves` leaves of which `to_read` are read (the others only hashed).
unsigned validation_threads(uint64_t leaves, uint64_t to_read, bool direct_reads) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = std::min(kMaxValidationThreads, hw);
  if (direct_reads && to_read > 0) threads *= kThreadsPerCoreWithDirectReads;
  return static_cast<unsigned>(std::min<uint64_t>(leaves, threads));
}

bool reads(LeafPlan p) {
  return p == LeafPlan::kRead || p == LeafPlan::kReadAndKeep || p == LeafPlan::kReadOneFile;
}

// A leaf read for keeping, with what it held and its sources (a plan's group).
struct FoundLeaf {
  uint32_t group;
  KeptLeaf leaf;
};

}  // namespace

Result<MerkleTree> Node::validate(std::string_view keyspace, std::string_view table,
                                  const TokenRange& range, DataScope scope, int depth,
                                  const View* view) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  RK_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::create(range, depth));
  const int64_t now = impl_->clock->now_seconds();
  const PurgeRule rule(t, now, impl_->history.of(t.id));
  std::unique_ptr<View> own_view;
  if (view == nullptr) {
    own_view = pin();  // one moment for every span
    view = own_view.get();
  }
  RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* snapshot, NodeInternals::snapshot_of(*this, view));
  RK_ASSIGN_OR_RETURN(ValidationPlan plan, plan_validation(impl_->db.get(), impl_->sets(scope),
                                                           impl_->sets(DataScope::kAll), snapshot,
                                                           tree, t.id, impl_->kept_leaves));
  const uint64_t leaf_count = tree.leaf_count();
  const TokenRange& whole = tree.range();
  // A leaf's bit is set when an entry of it depends on the clock or purge rule: not kept.
  std::vector<uint8_t> time_dependent(plan.keeps ? leaf_count : 0);
  const FileReading file_reading(impl_->options.direct_reads);

  // Feeds every entry of `it` (positioned) to the digester.
  auto digest_all = [](auto& it, EntryDigester& digester) -> Status {
    for (; it.valid(); it.next()) {
      const rocksdb::Slice k = it.key();
      const rocksdb::Slice v = it.value();
      RK_RETURN_IF_ERROR(
          digester.add(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size())));
    }
    return Status::OK();
  };

  // Reads leaves [first, end) into the digester: from `file` alone when given (every leaf of
  // the run has it as its one source), else through the engine at the snapshot.
  auto read_leaves = [&](EntryDigester& digester, uint64_t first, uint64_t end,
                         OneFile* file) -> Status {
    const TokenRange run(whole.split_piece(leaf_count, first).start(),
                         whole.split_piece(leaf_count, end - 1).end());
    for (const auto& [lower, upper] : token_key_ranges(t.id, run)) {
      if (file != nullptr) {
        FileCursor cursor(*file, lower, upper);
        RK_RETURN_IF_ERROR(digest_all(cursor, digester));
        RK_RETURN_IF_ERROR(cursor.status());
        continue;
      }
      SetCursor cursor(impl_->db.get(), impl_->sets(scope), lower, upper, snapshot,
                       /*bulk=*/true);
      RK_RETURN_IF_ERROR(cursor.status());
      cursor.seek_to_first();
      RK_RETURN_IF_ERROR(digest_all(cursor, digester));
      RK_RETURN_IF_ERROR(cursor.status());
    }
    // A row never spans two leaves: the next leaf read starts a new one.
    return digester.finish();
  };

  // Fills the filler's span: kept aggregates added, runs of leaves read (a run of leaves with
  // the same one file from that file), then (when keeping) the aggregates of the leaves read
  // whose sources are only files go to `found`. `stop` is set when another span failed.
  auto validate_span = [&](MerkleTree::Filler& filler, uint64_t first, uint64_t end,
                           std::vector<FoundLeaf>& found, const std::atomic<bool>& stop) -> Status {
    EntryDigester digester(now, rule, &filler);
    if (plan.keeps) {
      // The leaf of the last token seen and its offsets (lo, hi] from the range's start, as
      // MerkleTree finds leaves: leaf_index_of only when a token leaves it.
      digester.on_time_dependent(
          [&, lo = uint128_t{0}, hi = uint128_t{0}, leaf = uint64_t{0}](Token token) mutable {
            uint128_t offset = static_cast<uint64_t>(token) - static_cast<uint64_t>(whole.start());
            if (offset == 0) offset = kRingSize;  // the full ring's start token is its last
            if (offset <= lo || offset > hi) {
              leaf = tree.leaf_index_of(token);
              lo = whole.size() * leaf / leaf_count;
              hi = whole.size() * (leaf + 1) / leaf_count;
            }
            time_dependent[leaf] = 1;
          });
    }
    std::vector<std::unique_ptr<OneFile>> open_files(plan.groups.size());
    for (uint64_t leaf = first; leaf < end && !stop.load(std::memory_order_relaxed);) {
      const LeafPlan p = plan.leaves[leaf];
      if (p == LeafPlan::kEmpty) {
        ++leaf;
        continue;
      }
      if (p == LeafPlan::kKept) {
        RK_RETURN_IF_ERROR(filler.add_aggregate(leaf, *plan.kept[leaf]));
        ++leaf;
        continue;
      }
      // A run of leaves read the same way (from the same one file).
      uint64_t run_end = leaf + 1;
      while (run_end < end && reads(plan.leaves[run_end]) &&
             (plan.leaves[run_end] == LeafPlan::kReadOneFile) == (p == LeafPlan::kReadOneFile) &&
             (p != LeafPlan::kReadOneFile || plan.group[run_end] == plan.group[leaf])) {
        ++run_end;
      }
      OneFile* file = nullptr;
      if (p == LeafPlan::kReadOneFile) {
        std::unique_ptr<OneFile>& open = open_files[plan.group[leaf]];
        if (open == nullptr) open = file_reading.open(plan.groups[plan.group[leaf]].path);
        if (open->usable()) file = open.get();
      }
      RK_RETURN_IF_ERROR(read_leaves(digester, leaf, run_end, file));
      leaf = run_end;
    }
    for (uint64_t leaf = first; plan.keeps && leaf < end; ++leaf) {
      const LeafPlan p = plan.leaves[leaf];
      if ((p != LeafPlan::kReadOneFile && p != LeafPlan::kReadAndKeep) || time_dependent[leaf]) {
        continue;
      }
      found.push_back(
          {plan.group[leaf], KeptLeaf{static_cast<uint32_t>(leaf), filler.aggregate(leaf)}});
    }
    filler.seal();  // this thread hashes the span's part of the tree
    return Status::OK();
  };

  const uint64_t to_read =
      static_cast<uint64_t>(std::count_if(plan.leaves.begin(), plan.leaves.end(), reads));
  impl_->kept_leaves.count_reused(
      static_cast<uint64_t>(std::count(plan.leaves.begin(), plan.leaves.end(), LeafPlan::kKept)));
  const unsigned threads = validation_threads(leaf_count, to_read, impl_->options.direct_reads);
  const uint64_t spans = threads <= 1 ? 1 : std::min(leaf_count, kSpansPerThread * threads);
  std::vector<MerkleTree::Filler> fillers;
  fillers.reserve(spans);
  for (uint64_t i = 0; i < spans; ++i) {
    RK_ASSIGN_OR_RETURN(MerkleTree::Filler f,
                        tree.filler(leaf_count * i / spans, leaf_count * (i + 1) / spans));
    fillers.push_back(std::move(f));
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> next{0};
  std::vector<Status> statuses(threads);
  std::vector<std::vector<FoundLeaf>> found(threads);
  auto work = [&](unsigned worker) {
    for (uint64_t i; !stop.load() && (i = next.fetch_add(1)) < spans;) {
      statuses[worker] = validate_span(fillers[i], leaf_count * i / spans,
                                       leaf_count * (i + 1) / spans, found[worker], stop);
      if (!statuses[worker].ok()) stop.store(true);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned w = 1; w < threads; ++w) workers.emplace_back(work, w);
  work(0);
  for (std::thread& w : workers) w.join();
  for (const Status& s : statuses) RK_RETURN_IF_ERROR(s);
  for (const MerkleTree::Filler& f : fillers) tree.commit(f);
  tree.finalize();

  // Keep what was found, per set of sources, in leaf order.
  std::vector<FoundLeaf> all;
  for (auto& f : found) all.insert(all.end(), f.begin(), f.end());
  std::sort(all.begin(), all.end(), [](const FoundLeaf& a, const FoundLeaf& b) {
    return a.group != b.group ? a.group < b.group : a.leaf.leaf < b.leaf.leaf;
  });
  std::vector<KeptLeaf> leaves;
  for (size_t i = 0; i < all.size();) {
    leaves.clear();
    size_t j = i;
    for (; j < all.size() && all[j].group == all[i].group; ++j) leaves.push_back(all[j].leaf);
    impl_->kept_leaves.keep(plan.groups[all[i].group].files, plan.shape, leaves);
    i = j;
  }
  return tree;
}

}  // namespace rk::storage
