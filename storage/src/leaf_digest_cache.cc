// The store of leaf aggregates per (file, tree shape); see leaf_digest_cache.h.
#include "leaf_digest_cache.h"

#include <algorithm>

namespace rk::storage {

size_t LeafDigestCache::cost(const std::vector<KeptLeaf>& leaves) {
  // The leaves plus the map node, list node, file numbers and vector headers of the entry.
  return leaves.size() * sizeof(KeptLeaf) + 256;
}

std::shared_ptr<const std::vector<KeptLeaf>> LeafDigestCache::find(
    const std::vector<uint64_t>& files, const TreeShape& shape) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(Key{files, shape});
  if (it == entries_.end()) return nullptr;
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  return it->second.leaves;
}

void LeafDigestCache::keep(const std::vector<uint64_t>& files, const TreeShape& shape,
                           std::span<const KeptLeaf> leaves) {
  if (!enabled() || leaves.empty()) return;
  std::lock_guard lock(mu_);
  const Key key{files, shape};
  auto merged = std::make_shared<std::vector<KeptLeaf>>();
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    merged->assign(leaves.begin(), leaves.end());
    recency_.push_front(key);
    it = entries_.emplace(key, Entry{nullptr, recency_.begin()}).first;
  } else {
    const std::vector<KeptLeaf>& old = *it->second.leaves;
    merged->reserve(old.size() + leaves.size());
    auto by_leaf = [](const KeptLeaf& a, const KeptLeaf& b) { return a.leaf < b.leaf; };
    // New first: where both hold a leaf, the new aggregate is kept (std::set_union takes the
    // first range's element).
    std::set_union(leaves.begin(), leaves.end(), old.begin(), old.end(),
                   std::back_inserter(*merged), by_leaf);
    bytes_ -= cost(old);
    recency_.splice(recency_.begin(), recency_, it->second.recency);
  }
  bytes_ += cost(*merged);
  it->second.leaves = std::move(merged);
  evict_to_budget();
}

void LeafDigestCache::retain_files(const std::unordered_set<uint64_t>& live) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const std::vector<uint64_t>& files = std::get<0>(it->first);
    if (std::all_of(files.begin(), files.end(), [&](uint64_t f) { return live.contains(f); })) {
      ++it;
      continue;
    }
    bytes_ -= cost(*it->second.leaves);
    recency_.erase(it->second.recency);
    it = entries_.erase(it);
  }
}

size_t LeafDigestCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

void LeafDigestCache::evict_to_budget() {
  while (bytes_ > budget_bytes_ && !recency_.empty()) {
    auto it = entries_.find(recency_.back());
    bytes_ -= cost(*it->second.leaves);
    entries_.erase(it);
    recency_.pop_back();
  }
}

}  // namespace rk::storage
