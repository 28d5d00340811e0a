// Compaction headroom, tombstone ratios and the node verdict (see node_signals.h).
#include "ringkeeper/monitor/node_signals.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "ringkeeper/monitor/disk_check.h"

namespace rk::monitor {

CompactionHeadroom compaction_headroom(const NodeFactsInput& facts, uint64_t free_bytes) {
  std::map<std::string, uint64_t> per_set;  // a full compaction rewrites a whole data set
  for (const SetSize& s : facts.sets) per_set[s.set] += s.bytes;
  uint64_t largest = facts.pending_compaction_bytes;
  for (const auto& [set, bytes] : per_set) largest = std::max(largest, bytes);
  CompactionHeadroom h;
  h.largest_compaction_bytes = largest;
  h.free_bytes = free_bytes;
  if (largest > 0) h.ratio = static_cast<double>(free_bytes) / static_cast<double>(largest);
  return h;
}

TombstoneRatio worst_tombstone_ratio(const NodeFactsInput& facts) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> per_table;  // tombstones, entries
  for (const SetSize& s : facts.sets) {
    auto& [t, e] = per_table[s.table];
    t += s.tombstones;
    e += s.entries;
  }
  TombstoneRatio worst;
  bool found = false;
  for (const auto& [table, te] : per_table) {
    if (te.second == 0) continue;
    const double r = std::min(1.0, static_cast<double>(te.first) / static_cast<double>(te.second));
    if (!found || r > worst.ratio) {
      worst = {table, r, te.first, te.second};
      found = true;
    }
  }
  return worst;
}

namespace {
std::string range_text(const std::optional<Range>& r) { return r ? r->to_string() : ""; }
}  // namespace

PluginResult evaluate_node(const NodeFactsInput& facts, uint64_t free_bytes,
                           const NodeCheckOptions& o) {
  PluginResult r;
  r.label = "NODE";
  State state = State::kOk;
  const CompactionHeadroom h = compaction_headroom(facts, free_bytes);
  std::string text;
  if (h.ratio) {
    state = worse(state, o.headroom.evaluate(*h.ratio));
    text = fmt::format("compaction headroom {:.2f}x ({} free, largest compaction {})", *h.ratio,
                       format_bytes_iec(free_bytes), format_bytes_iec(h.largest_compaction_bytes));
  } else {
    text = fmt::format("nothing to compact ({} free)", format_bytes_iec(free_bytes));
  }
  const TombstoneRatio t = worst_tombstone_ratio(facts);
  if (!t.table.empty()) {
    state = worse(state, o.tombstones.evaluate(t.ratio));
    text += fmt::format(", tombstones {:.1f}% in {}", t.ratio * 100, t.table);
  }
  state = worse(state, o.files.evaluate(static_cast<double>(facts.sst_files)));
  text += fmt::format(", {} SSTs, {} compaction(s) pending, {} running", facts.sst_files,
                      facts.pending_compactions, facts.running_compactions);
  r.state = state;
  r.text = text;
  if (h.ratio) {
    r.perfdata.push_back({"headroom", std::round(*h.ratio * 100) / 100, "",
                          range_text(o.headroom.warning), range_text(o.headroom.critical), 0,
                          std::nullopt});
  }
  r.perfdata.push_back({"largest_compaction", static_cast<double>(h.largest_compaction_bytes), "B",
                        "", "", 0, std::nullopt});
  if (!t.table.empty()) {
    r.perfdata.push_back({"tombstone_ratio", std::round(t.ratio * 10000) / 10000, "",
                          range_text(o.tombstones.warning), range_text(o.tombstones.critical), 0,
                          1});
  }
  r.perfdata.push_back({"sst_files", static_cast<double>(facts.sst_files), "",
                        range_text(o.files.warning), range_text(o.files.critical), 0,
                        std::nullopt});
  r.perfdata.push_back({"pending_compactions", static_cast<double>(facts.pending_compactions), "",
                        "", "", 0, std::nullopt});
  r.perfdata.push_back({"running_compactions", static_cast<double>(facts.running_compactions), "",
                        "", "", 0, std::nullopt});
  r.perfdata.push_back({"pending_compaction_bytes",
                        static_cast<double>(facts.pending_compaction_bytes), "B", "", "", 0,
                        std::nullopt});
  return r;
}

}  // namespace rk::monitor
