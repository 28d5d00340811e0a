// The public cell and row types' behaviour (construction, liveness, reconciliation).
#include "ringkeeper/storage/cell.h"

#include "cell_codec.h"
#include "ringkeeper/storage/mutation.h"
#include "ringkeeper/storage/row.h"

namespace rk::storage {

Cell Cell::live(int64_t timestamp, std::string value) {
  Cell c;
  c.timestamp = timestamp;
  c.value = std::move(value);
  return c;
}

Cell Cell::expiring(int64_t timestamp, int64_t ttl_seconds, int64_t now_seconds,
                    std::string value) {
  Cell c;
  c.kind = CellKind::kExpiring;
  c.timestamp = timestamp;
  c.ttl_seconds = ttl_seconds;
  c.local_deletion_time = now_seconds + ttl_seconds;
  c.value = std::move(value);
  return c;
}

Cell Cell::tombstone(int64_t timestamp, int64_t now_seconds) {
  Cell c;
  c.kind = CellKind::kTombstone;
  c.timestamp = timestamp;
  c.local_deletion_time = now_seconds;
  return c;
}

bool Cell::is_live(int64_t now_seconds) const {
  switch (kind) {
    case CellKind::kLive:
      return true;
    case CellKind::kExpiring:
      return now_seconds < local_deletion_time;
    case CellKind::kTombstone:
      return false;
  }
  return false;
}

namespace {
CellView view_of(const Cell& c) {
  return CellView{c.kind, c.timestamp, c.ttl_seconds, c.local_deletion_time, c.value};
}
}  // namespace

bool cell_supersedes(const Cell& a, const Cell& b) {
  return view_supersedes(view_of(a), view_of(b));
}

const Cell& reconcile(const Cell& a, const Cell& b) { return cell_supersedes(a, b) ? a : b; }

bool Deletion::supersedes(const Deletion& other) const {
  if (marked_for_delete_at != other.marked_for_delete_at)
    return marked_for_delete_at > other.marked_for_delete_at;
  return local_deletion_time >= other.local_deletion_time;
}

Mutation& Mutation::set(std::string clustering_key, std::string column, std::string value,
                        int64_t timestamp, std::optional<int64_t> ttl_seconds) {
  MutationOp op;
  op.kind = MutationOp::Kind::kSetCell;
  op.clustering_key = std::move(clustering_key);
  op.column = std::move(column);
  op.value = std::move(value);
  op.timestamp = timestamp;
  op.ttl_seconds = ttl_seconds;
  ops.push_back(std::move(op));
  return *this;
}

Mutation& Mutation::delete_cell(std::string clustering_key, std::string column, int64_t timestamp) {
  MutationOp op;
  op.kind = MutationOp::Kind::kDeleteCell;
  op.clustering_key = std::move(clustering_key);
  op.column = std::move(column);
  op.timestamp = timestamp;
  ops.push_back(std::move(op));
  return *this;
}

Mutation& Mutation::delete_row(std::string clustering_key, int64_t timestamp) {
  MutationOp op;
  op.kind = MutationOp::Kind::kDeleteRow;
  op.clustering_key = std::move(clustering_key);
  op.timestamp = timestamp;
  ops.push_back(std::move(op));
  return *this;
}

Mutation& Mutation::delete_partition(int64_t timestamp) {
  MutationOp op;
  op.kind = MutationOp::Kind::kDeletePartition;
  op.timestamp = timestamp;
  ops.push_back(std::move(op));
  return *this;
}

}  // namespace rk::storage
