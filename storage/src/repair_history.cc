// The repair history for tombstone GC; see repair_history.h.
#include "repair_history.h"

#include <algorithm>

#include <rocksdb/db.h>
#include <nlohmann/json.hpp>

namespace rk::storage {
namespace {

constexpr std::string_view kPrefix = "repair_history/";

const std::shared_ptr<const RangeTimes>& never() {
  static const auto empty = std::make_shared<const RangeTimes>();
  return empty;
}

}  // namespace

int64_t RangeTimes::at(Token token, Token* lo, Token* hi) const {
  // The last step whose boundary is < token (kMinToken itself is never a key's token).
  auto it = std::lower_bound(steps_.begin(), steps_.end(), token,
                             [](const auto& step, Token t) { return step.first < t; });
  if (it == steps_.begin()) {
    if (lo) *lo = kMinToken;
    if (hi) *hi = kMinToken;
    return 0;
  }
  if (hi) *hi = it == steps_.end() ? kMaxToken : it->first;
  --it;
  if (lo) *lo = it->first;
  return it->second;
}

RangeTimes RangeTimes::raised(const TokenRange& range, int64_t time) const {
  RangeTimes out = *this;
  auto& steps = out.steps_;
  for (const TokenRange& piece : range.unwrap()) {
    const Token start = piece.start();
    const Token end = piece.is_full_ring() || piece.end() == kMinToken ? kMaxToken : piece.end();
    // Steps must begin at `start` and right after `end`, each keeping the time it had.
    for (Token boundary : {start, end}) {
      if (boundary == kMaxToken) continue;
      auto it = std::lower_bound(steps.begin(), steps.end(), boundary,
                                 [](const auto& step, Token t) { return step.first < t; });
      if (it != steps.end() && it->first == boundary) continue;
      const int64_t before = std::prev(it)->second;
      steps.insert(it, {boundary, before});
    }
    for (auto& [b, t] : steps) {
      if (b >= start && b < end) t = std::max(t, time);
    }
  }
  // Neighbouring steps with the same time are one.
  std::vector<std::pair<Token, int64_t>> merged;
  for (const auto& step : steps) {
    if (!merged.empty() && merged.back().second == step.second) continue;
    merged.push_back(step);
  }
  steps = std::move(merged);
  return out;
}

std::vector<std::pair<TokenRange, int64_t>> RangeTimes::ranges() const {
  std::vector<std::pair<TokenRange, int64_t>> out;
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (steps_[i].second == 0) continue;
    const Token end = i + 1 < steps_.size() ? steps_[i + 1].first : kMinToken;
    out.emplace_back(TokenRange(steps_[i].first, end), steps_[i].second);
  }
  return out;
}

std::string RangeTimes::encode() const {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [b, t] : steps_) j.push_back({b, t});
  return j.dump();
}

Result<RangeTimes> RangeTimes::decode(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  RangeTimes out;
  out.steps_.clear();
  if (j.is_array()) {
    for (const auto& step : j) {
      if (!step.is_array() || step.size() != 2 || !step[0].is_number_integer() ||
          !step[1].is_number_integer())
        break;
      const Token b = step[0].get<Token>();
      if (!out.steps_.empty() && out.steps_.back().first >= b) break;
      out.steps_.emplace_back(b, step[1].get<int64_t>());
    }
  }
  if (out.steps_.empty() || out.steps_.front().first != kMinToken ||
      out.steps_.size() != (j.is_array() ? j.size() : 0))
    return Status::Corruption("repair history record is not a list of [token, time] steps");
  return out;
}

Status RepairHistory::load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  db_ = db;
  cf_ = cf;
  std::map<uint32_t, std::shared_ptr<const RangeTimes>> tables;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  const rocksdb::Slice prefix(kPrefix.data(), kPrefix.size());
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string key = it->key().ToString();
    uint32_t id = 0;
    try {
      id = static_cast<uint32_t>(std::stoul(key.substr(kPrefix.size())));
    } catch (const std::exception&) {
      return Status::Corruption("repair history record " + key + " names no table id");
    }
    auto times = RangeTimes::decode(it->value().ToStringView());
    if (!times.ok()) return times.status().with_context(key);
    tables[id] = std::make_shared<const RangeTimes>(std::move(*times));
  }
  if (!it->status().ok())
    return Status::IOError("reading the repair history: " + it->status().ToString());
  std::lock_guard lock(mu_);
  tables_ = std::move(tables);
  return Status::OK();
}

Status RepairHistory::record(uint32_t table_id, const TokenRange& range, int64_t repaired_at_us) {
  if (repaired_at_us <= 0) return Status::InvalidArgument("repaired_at must be > 0");
  std::lock_guard record_lock(record_mu_);
  auto next = std::make_shared<const RangeTimes>(of(table_id)->raised(range, repaired_at_us));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = db_->Put(wo, cf_, std::string(kPrefix) + std::to_string(table_id), next->encode());
  if (!s.ok()) return Status::IOError("recording the repair history: " + s.ToString());
  std::lock_guard lock(mu_);
  tables_[table_id] = std::move(next);
  return Status::OK();
}

std::shared_ptr<const RangeTimes> RepairHistory::of(uint32_t table_id) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find(table_id);
  return it == tables_.end() ? never() : it->second;
}

}  // namespace rk::storage
