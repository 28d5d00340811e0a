// Validation: the Merkle tree of a table's token range, built from row digests of a raw scan.
#include "node_impl.h"
#include "row_digest.h"

namespace rk::storage {

Result<MerkleTree> Node::validate(std::string_view keyspace, std::string_view table,
                                  const TokenRange& range, DataScope scope, int depth,
                                  const View* view) const {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  RK_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::create(range, depth));
  const int64_t now = impl_->clock->now_seconds();
  const int64_t gc_before = now - t.gc_grace_seconds;
  Status add_status;
  RK_RETURN_IF_ERROR(scan_raw(
      keyspace, table, range, scope,
      [&](const Partition& p) {
        digest_partition(p, now, gc_before, [&](const Digest& d, uint64_t bytes) {
          if (add_status.ok()) add_status = tree.add_row(p.token, d, bytes);
        });
        return add_status.ok();
      },
      view));
  RK_RETURN_IF_ERROR(add_status);
  tree.finalize();
  return tree;
}

}  // namespace rk::storage
