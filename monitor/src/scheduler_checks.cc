// Repair deadline, backup age and consistency verdicts (see scheduler_checks.h).
#include "ringkeeper/monitor/scheduler_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "ringkeeper/core/duration_text.h"
#include "ringkeeper/core/saturating.h"
#include "ringkeeper/monitor/disk_check.h"
#include "ringkeeper/repair/deadline_severity.h"

namespace rk::monitor {

namespace {

// A time left, past or elapsed in the plugin's text line.
std::string duration(int64_t us) {
  return format_duration(std::chrono::microseconds(us), DurationStyle::kRoundedShort);
}

// The scheduler's verdict on a table, by the repair module's one severity map (a table that never
// had a repair is OK until it is older than gc_grace); UNKNOWN for a state this rkctl does not
// know.
State from_scheduler(const TableDeadline& t, int64_t now_us) {
  const std::optional<repair::DeadlineState> state = repair::parse_deadline_state(t.state);
  if (!state) return State::kUnknown;
  return static_cast<State>(repair::deadline_severity(*state, t.deadline_us, now_us));
}

std::string range_text(const std::optional<Range>& r) { return r ? r->to_string() : ""; }

// Up to five problems, CRITICAL ones first, joined by `separator`, and how many more there are.
std::string worst_first(std::vector<std::pair<State, std::string>> problems,
                        std::string_view separator) {
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
    return exit_code(a.first) == 2 && exit_code(b.first) != 2;
  });
  std::string text;
  for (size_t i = 0; i < problems.size() && i < 5; ++i) {
    if (!text.empty()) text += separator;
    text += problems[i].second;
  }
  if (problems.size() > 5) text += fmt::format(" and {} more", problems.size() - 5);
  return text;
}

}  // namespace

PluginResult evaluate_repair(const std::vector<TableDeadline>& tables, int64_t now_us,
                             const RepairCheckOptions& options) {
  PluginResult r;
  r.label = "REPAIR";
  if (tables.empty()) {
    r.state = State::kOk;
    r.text = "no tables to repair";
    return r;
  }
  const bool own_thresholds = options.time_left.warning || options.time_left.critical;
  State worst = State::kOk;
  std::vector<std::pair<State, std::string>> problems;
  int overdue = 0, at_risk = 0, never = 0;
  std::optional<int64_t> min_left_us;
  for (const TableDeadline& t : tables) {
    const int64_t left_us = saturating_sub(t.deadline_us, now_us);
    const double left = static_cast<double>(left_us) / 1e6;
    if (t.deadline_us != 0) min_left_us = min_left_us ? std::min(*min_left_us, left_us) : left_us;
    if (t.state == "OVERDUE") ++overdue;
    if (t.state == "AT_RISK") ++at_risk;
    if (t.state == "NEVER_REPAIRED") ++never;
    State s = own_thresholds && t.deadline_us != 0 ? options.time_left.evaluate(left)
                                                   : from_scheduler(t, now_us);
    worst = worse(worst, s);
    if (s == State::kOk) continue;
    std::string what = fmt::format("{}.{} {}", t.keyspace, t.table, t.state);
    if (t.deadline_us != 0) {
      what += left_us >= 0
                  ? fmt::format(" ({} left)", duration(left_us))
                  : fmt::format(" ({} past gc_grace)", duration(saturating_sub(0, left_us)));
    }
    problems.emplace_back(s, std::move(what));
  }
  std::string text = worst_first(problems, ", ");
  if (text.empty()) {
    text = fmt::format("all {} tables repaired within gc_grace", tables.size());
    if (min_left_us) text += fmt::format(" (next deadline in {})", duration(*min_left_us));
  } else {
    text += fmt::format("; {} of {} tables OK", tables.size() - problems.size(), tables.size());
  }
  r.state = worst;
  r.text = text;
  if (min_left_us) {
    r.perfdata.push_back({"min_time_left", std::round(static_cast<double>(*min_left_us) / 1e6), "s",
                          range_text(options.time_left.warning),
                          range_text(options.time_left.critical), std::nullopt, std::nullopt});
  }
  r.perfdata.push_back({"tables", static_cast<double>(tables.size()), "", "", "", 0, std::nullopt});
  r.perfdata.push_back({"overdue", static_cast<double>(overdue), "", "", "", 0, std::nullopt});
  r.perfdata.push_back({"at_risk", static_cast<double>(at_risk), "", "", "", 0, std::nullopt});
  r.perfdata.push_back({"never_repaired", static_cast<double>(never), "", "", "", 0, std::nullopt});
  return r;
}

PluginResult evaluate_backup(const std::vector<BackupRun>& backups, int64_t now_us,
                             const BackupCheckOptions& options) {
  PluginResult r;
  r.label = "BACKUP";
  const BackupRun* last = nullptr;
  const BackupRun* running = nullptr;
  const BackupRun* newest = nullptr;
  for (const BackupRun& b : backups) {
    if (b.state == "COMPLETE" && (last == nullptr || b.completed_at_us > last->completed_at_us)) {
      last = &b;
    }
    if (b.state == "RUNNING" && running == nullptr) running = &b;
    if (newest == nullptr || b.started_at_us > newest->started_at_us) newest = &b;
  }
  std::string extra;
  if (running != nullptr) {
    extra += fmt::format("; '{}' running for {}", running->tag,
                         duration(now_us - running->started_at_us));
  }
  if (newest != nullptr && (newest->state == "FAILED" || newest->state == "ABORTED")) {
    extra += fmt::format("; the latest, '{}', {}", newest->tag, newest->state);
  }
  if (last == nullptr) {
    r.state = State::kCritical;
    r.text =
        (backups.empty() ? std::string("no backup has run") : "no backup has completed") + extra;
    return r;
  }
  const int64_t age_us = now_us - last->completed_at_us;
  const double age = static_cast<double>(age_us) / 1e6;
  r.state = options.age.evaluate(age);
  r.text = fmt::format("last complete backup '{}' {} ago ({}, {} nodes, {} files){}", last->tag,
                       duration(age_us), format_bytes_iec(static_cast<uint64_t>(last->bytes)),
                       last->nodes, last->files, extra);
  r.perfdata.push_back({"age", std::round(age), "s", range_text(options.age.warning),
                        range_text(options.age.critical), 0, std::nullopt});
  r.perfdata.push_back({"bytes", static_cast<double>(last->bytes), "B", "", "", 0, std::nullopt});
  r.perfdata.push_back({"files", static_cast<double>(last->files), "", "", "", 0, std::nullopt});
  return r;
}

PluginResult evaluate_consistency(const std::vector<PreviewRun>& runs, int64_t now_us,
                                  const ConsistencyCheckOptions& options) {
  PluginResult r;
  r.label = "CONSISTENCY";
  const std::string scope =
      options.keyspace.empty()
          ? std::string("any keyspace")
          : options.keyspace + (options.table.empty() ? "" : "." + options.table);
  // The newest finished preview per keyspace in scope that compared the table asked for.
  std::map<std::string, const PreviewRun*> last;
  for (const PreviewRun& run : runs) {
    if (!options.keyspace.empty() && run.keyspace != options.keyspace) continue;
    if (!options.table.empty() &&
        std::find(run.tables.begin(), run.tables.end(), options.table) == run.tables.end()) {
      continue;
    }
    const PreviewRun*& l = last[run.keyspace];
    if (l == nullptr || run.finished_at_us > l->finished_at_us) l = &run;
  }
  if (last.empty()) {
    r.state = State::kUnknown;
    r.text = fmt::format("no preview repair of {} has finished (rkctl repair start {} --preview)",
                         scope, options.keyspace.empty() ? "KEYSPACE" : options.keyspace);
    return r;
  }
  State worst = State::kOk;
  int64_t rows = 0, ranges = 0, bytes = 0, tables = 0, oldest_us = 0;
  std::vector<std::pair<State, std::string>> problems;
  std::vector<std::string> runs_used;
  for (const auto& [keyspace, run] : last) {
    const int64_t age_us = saturating_sub(now_us, run->finished_at_us);
    oldest_us = std::max(oldest_us, age_us);
    runs_used.push_back(fmt::format("{} run {}, {} ago", keyspace, run->id, duration(age_us)));
    if (age_us > options.max_age_us) {
      worst = worse(worst, State::kUnknown);
      problems.emplace_back(
          State::kUnknown,
          fmt::format("the last preview of {} (run {}) finished {} ago, more than {}", keyspace,
                      run->id, duration(age_us), duration(options.max_age_us)));
      continue;
    }
    for (const std::string& table : run->tables) {
      if (!options.table.empty() && table != options.table) continue;
      ++tables;
      auto found = std::find_if(run->differences.begin(), run->differences.end(),
                                [&](const PreviewTable& t) { return t.table == table; });
      if (found == run->differences.end() || (found->rows == 0 && found->ranges == 0)) continue;
      rows += found->rows;
      ranges += found->ranges;
      bytes += found->bytes;
      const State s = worse(options.rows.evaluate(static_cast<double>(found->rows)),
                            options.ranges.evaluate(static_cast<double>(found->ranges)));
      std::string behind;
      for (const std::string& h : found->behind) behind += (behind.empty() ? "" : ",") + h;
      problems.emplace_back(
          s == State::kOk ? State::kOk : s,
          fmt::format("{}.{}: {} rows ({}) differ in {} ranges, behind: {}", keyspace, table,
                      found->rows, format_bytes_iec(static_cast<uint64_t>(found->bytes)),
                      found->ranges, behind.empty() ? "-" : behind));
    }
  }
  // The totals decide as well as each table: many small differences add up.
  worst = worse(worst, worse(options.rows.evaluate(static_cast<double>(rows)),
                             options.ranges.evaluate(static_cast<double>(ranges))));
  std::string text = worst_first(std::move(problems), "; ");
  std::string used;
  for (const std::string& u : runs_used) used += (used.empty() ? "" : ", ") + u;
  if (text.empty()) {
    text = fmt::format("the last preview found no differences in {} table{} ({})", tables,
                       tables == 1 ? "" : "s", used);
  } else {
    text += fmt::format(" (last preview: {})", used);
  }
  r.state = worst;
  r.text = text;
  r.perfdata.push_back({"rows", static_cast<double>(rows), "", range_text(options.rows.warning),
                        range_text(options.rows.critical), 0, std::nullopt});
  r.perfdata.push_back({"ranges", static_cast<double>(ranges), "",
                        range_text(options.ranges.warning), range_text(options.ranges.critical), 0,
                        std::nullopt});
  r.perfdata.push_back({"bytes", static_cast<double>(bytes), "B", "", "", 0, std::nullopt});
  r.perfdata.push_back({"tables", static_cast<double>(tables), "", "", "", 0, std::nullopt});
  r.perfdata.push_back(
      {"age", std::round(static_cast<double>(oldest_us) / 1e6), "s", "", "", 0, std::nullopt});
  return r;
}

}  // namespace rk::monitor
