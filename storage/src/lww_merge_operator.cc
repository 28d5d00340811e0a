// Last-write-wins merge: the result is always one of the inputs, byte for byte, so merging is
// associative and the same on every replica whatever RocksDB folds first.
#include "lww_merge_operator.h"

#include "cell_codec.h"

namespace rk::storage {
namespace {

class LwwMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    const rocksdb::Slice* best = in.existing_value;
    std::optional<CellView> best_view;
    if (best != nullptr) {
      best_view = decode_cell(std::string_view(best->data(), best->size()));
      if (!best_view) return false;
    }
    for (const rocksdb::Slice& op : in.operand_list) {
      auto v = decode_cell(std::string_view(op.data(), op.size()));
      if (!v) return false;
      if (!best_view || !view_supersedes(*best_view, *v)) {
        best_view = v;
        best = &op;
      }
    }
    if (best == nullptr) return false;
    out->existing_operand = *best;
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& /*key*/, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    const rocksdb::Slice* best = nullptr;
    std::optional<CellView> best_view;
    for (const rocksdb::Slice& op : operands) {
      auto v = decode_cell(std::string_view(op.data(), op.size()));
      if (!v) return false;
      if (!best_view || !view_supersedes(*best_view, *v)) {
        best_view = v;
        best = &op;
      }
    }
    if (best == nullptr) return false;
    new_value->assign(best->data(), best->size());
    return true;
  }

  bool PartialMerge(const rocksdb::Slice& /*key*/, const rocksdb::Slice& left,
                    const rocksdb::Slice& right, std::string* new_value,
                    rocksdb::Logger* /*logger*/) const override {
    auto l = decode_cell(std::string_view(left.data(), left.size()));
    auto r = decode_cell(std::string_view(right.data(), right.size()));
    if (!l || !r) return false;
    const rocksdb::Slice& best = view_supersedes(*l, *r) ? left : right;
    new_value->assign(best.data(), best.size());
    return true;
  }

  const char* Name() const override { return "RingkeeperLwwMerge"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> make_lww_merge_operator() {
  return std::make_shared<LwwMergeOperator>();
}

}  // namespace rk::storage
