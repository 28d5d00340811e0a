// Validation: the Merkle tree of a table's token range, built from row digests of a raw scan.
//
// The scan feeds the engine's entries straight to an EntryDigester (row_digest.h): the rows are
// hashed as they stream past, without building the Partition objects a scan_raw visitor gets.
// Hashing rows costs more CPU than reading them, so a large range is cut in pieces validated by
// several threads at once, each into its own tree over the whole range, which are then summed
// (MerkleTree::absorb: a leaf's hash depends only on the set of its rows). All pieces read the
// same pinned view, so the tree describes one moment, as a single scan would.
#include <algorithm>
#include <optional>
#include <thread>

#include <rocksdb/snapshot.h>

#include "node_impl.h"
#include "read_path.h"
#include "row_digest.h"

namespace rk::storage {

namespace {

// At most this many threads validate one range; the agent serves reads and writes meanwhile.
constexpr unsigned kMaxValidationThreads = 2;
// Each extra thread holds a whole tree; beyond this budget per extra tree one thread does it all.
constexpr uint64_t kMaxExtraTreeBytes = uint64_t{48} << 20;

unsigned validation_threads(const TokenRange& range, int depth) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = std::min(kMaxValidationThreads, hw);
  if (MerkleTree::memory_bytes(depth) > kMaxExtraTreeBytes) threads = 1;
  if (range.size() < threads) threads = 1;
  return threads;
}

}  // namespace

Result<MerkleTree> Node::validate(std::string_view keyspace, std::string_view table,
                                  const TokenRange& range, DataScope scope, int depth,
                                  const View* view) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  RK_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::create(range, depth));
  const int64_t now = impl_->clock->now_seconds();
  const int64_t gc_before = now - t.gc_grace_seconds;

  // Feeds the rows of `piece` into `into`, reading at `at` (a snapshot taken now when null).
  auto validate_piece = [&](const TokenRange& piece, const View* at, MerkleTree& into) -> Status {
    RK_ASSIGN_OR_RETURN(const rocksdb::Snapshot* snapshot, NodeInternals::snapshot_of(*this, at));
    std::optional<rocksdb::ManagedSnapshot> own;
    if (snapshot == nullptr) {
      own.emplace(impl_->db.get());
      snapshot = own->snapshot();
    }
    EntryDigester digester(now, gc_before, &into);
    for (const auto& [lower, upper] : token_key_ranges(t.id, piece)) {
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
    }
    return digester.finish();
  };

  const unsigned threads = validation_threads(range, depth);
  if (threads <= 1) {
    RK_RETURN_IF_ERROR(validate_piece(range, view, tree));
    tree.finalize();
    return tree;
  }

  std::unique_ptr<View> own;
  if (view == nullptr) {
    own = pin();  // one moment for every piece
    view = own.get();
  }
  RK_ASSIGN_OR_RETURN(std::vector<TokenRange> pieces, range.split(threads));
  std::vector<MerkleTree> parts;
  for (unsigned i = 1; i < threads; ++i) {
    RK_ASSIGN_OR_RETURN(MerkleTree part, MerkleTree::create(range, depth));
    parts.push_back(std::move(part));
  }
  std::vector<Status> statuses(threads);
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) {
    workers.emplace_back([&, i] { statuses[i] = validate_piece(pieces[i], view, parts[i - 1]); });
  }
  statuses[0] = validate_piece(pieces[0], view, tree);
  for (std::thread& w : workers) w.join();
  for (const Status& s : statuses) RK_RETURN_IF_ERROR(s);
  for (const MerkleTree& part : parts) RK_RETURN_IF_ERROR(tree.absorb(part));
  tree.finalize();
  return tree;
}

}  // namespace rk::storage
