// Pinned views: a RocksDB snapshot covering both data sets, held for a repair session.
#include "node_impl.h"

namespace rk::storage {

Result<const rocksdb::Snapshot*> NodeInternals::snapshot_of(const Node& node, const View* view) {
  if (view == nullptr) return static_cast<const rocksdb::Snapshot*>(nullptr);
  if (view->node_ != &node) return Status::InvalidArgument("the view was pinned on another node");
  return static_cast<const rocksdb::Snapshot*>(view->snapshot_);
}

void NodeInternals::release(View& view) {
  if (view.snapshot_ == nullptr) return;
  of(*view.node_).db->ReleaseSnapshot(static_cast<const rocksdb::Snapshot*>(view.snapshot_));
  view.snapshot_ = nullptr;
}

View::~View() { NodeInternals::release(*this); }

std::unique_ptr<View> Node::pin() const {
  return std::unique_ptr<View>(
      NodeInternals::make_view(*this, impl_->db->GetSnapshot(), impl_->clock->now_micros()));
}

}  // namespace rk::storage
