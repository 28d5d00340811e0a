// Last-write-wins merge: the result is always one of the inputs, byte for byte, so merging is
// associative and the same on every replica whatever RocksDB folds first.
#include "lww_merge_operator.h"

#include "cell_codec.h"

namespace rk::storage {
namespace {

class LwwMergeOperator final : public rocksdb::MergeOperator {
 public:
  explicit LwwMergeOperator(std::optional<int64_t> up_to_us) : up_to_us_(up_to_us) {}

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    const rocksdb::Slice* best = nullptr;
    std::optional<CellView> best_view;
    bool cut = false;  // a version was left out for being newer than up_to_us_
    auto consider = [&](const rocksdb::Slice& candidate) {
      auto v = decode_cell(std::string_view(candidate.data(), candidate.size()));
      if (!v) return false;
      if (up_to_us_ && v->timestamp > *up_to_us_) {
        cut = true;
      } else if (!best_view || !view_supersedes(*best_view, *v)) {
        best_view = v;
        best = &candidate;
      }
      return true;
    };
    if (in.existing_value != nullptr && !consider(*in.existing_value)) return false;
    for (const rocksdb::Slice& op : in.operand_list) {
      if (!consider(op)) return false;
    }
    if (best == nullptr) {
      if (!cut) return false;
      out->new_value.clear();  // every version is newer than up_to_us_
      return true;
    }
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

  const char* Name() const override {
    return up_to_us_ ? "RingkeeperLwwMergeUpTo" : "RingkeeperLwwMerge";
  }

 private:
  std::optional<int64_t> up_to_us_;
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> make_lww_merge_operator(std::optional<int64_t> up_to_us) {
  return std::make_shared<LwwMergeOperator>(up_to_us);
}

}  // namespace rk::storage
