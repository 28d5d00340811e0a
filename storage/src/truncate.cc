// Discarding a table's data on this node (Node::truncate_table): a quarantined node's copy of a
// table, before it streams the table again from the other replicas (docs/cluster.md
// "Quarantine").
#include <mutex>

#include "key_codec.h"
#include "node_impl.h"
#include "ringkeeper/storage/node.h"

namespace rk::storage {

Status Node::truncate_table(std::string_view keyspace, std::string_view table) {
  RK_ASSIGN_OR_RETURN(TableSchema t, impl_->schema.table(keyspace, table));
  const std::string lower = table_prefix(t.id);
  const std::string upper = prefix_successor(lower);
  // No move between the sets may run half before and half after the deletion.
  std::unique_lock lock(impl_->set_move_mutex);
  rocksdb::WriteBatch batch;
  for (rocksdb::ColumnFamilyHandle* cf : {impl_->unrepaired, impl_->repaired}) {
    RK_RETURN_IF_ERROR(from_rocksdb(batch.DeleteRange(cf, lower, upper), "truncating"));
  }
  // Synced whatever sync_writes says: a crash must not bring the discarded copy back.
  rocksdb::WriteOptions wo = impl_->write_options();
  wo.sync = true;
  RK_RETURN_IF_ERROR(
      from_rocksdb(impl_->db->Write(wo, &batch), "truncating " + t.keyspace + "." + t.name));
  lock.unlock();
  // Validation reuses what it found in unchanged files only when no memtable can hide their
  // keys, and cannot see a range deletion in a memtable (validation_plan.h): flushed, the
  // deletion is in a file whose key range covers the table.
  return flush();
}

}  // namespace rk::storage
