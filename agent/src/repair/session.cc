// A repair session's steps (see session.h and docs/repair.md).
#include "repair/session.h"

#include <algorithm>
#include <future>
#include <map>
#include <regex>

#include <spdlog/spdlog.h>

namespace rk::agent {
namespace {

using nlohmann::json;

constexpr size_t kMaxTreesPerBatch = 1024;
// The row-level exchange: a differing run of leaves is cut at leaf boundaries into ranges of at
// most this many rows (the most any replica counted), whose rows' versions the replicas list; a
// single leaf holding more (it cannot be cut) is refined with finer trees and streamed whole.
constexpr uint64_t kMaxRowsPerExchangeRange = 1024;
// Rows (as the trees counted them) and ranges per listing call: bounded replies, few calls.
constexpr uint64_t kMaxRowsPerListing = 32768;
constexpr size_t kMaxRangesPerListing = storage::Node::kMaxExchangeRanges;
// Rows per export call (also bounded by the stream chunk's bytes).
constexpr size_t kMaxRowsPerExport = 50'000;

const char* state_name(SessionState s) {
  switch (s) {
    case SessionState::kRunning:
      return "RUNNING";
    case SessionState::kSucceeded:
      return "SUCCEEDED";
    case SessionState::kFailed:
      return "FAILED";
    case SessionState::kCancelled:
      return "CANCELLED";
    case SessionState::kAborted:
      return "ABORTED";
  }
  return "FAILED";
}

// A storage tree as the repair algorithms read it (a view: `tree` must outlive it).
repair::ReplicaTree replica_tree(const storage::MerkleTree& tree) {
  return {tree.range(), tree.root(), tree.leaf_hashes(), tree.leaf_rows(), tree.leaf_bytes()};
}

repair::TreeSizing tree_sizing(const RepairSettings& s) {
  return {.rows_per_leaf = static_cast<uint64_t>(s.rows_per_leaf),
          .refine_leaves_per_row = static_cast<uint64_t>(s.refine_leaves_per_row),
          .max_tree_depth = s.max_tree_depth,
          .max_trees_per_batch = kMaxTreesPerBatch,
          .depth_for = &storage::merkle_depth_for};
}

}  // namespace

const api::Spec& repair_request_spec() {
  static const api::Spec kSpec = {
      {"id", api::Type::kString, api::kRequired},
      {"keyspace", api::Type::kString, api::kRequired},
      {"tables", api::Type::kArray},
      {"range", api::Type::kString, api::kRequired},
      {"replicas", api::Type::kArray, api::kRequired},
      {"mode", api::Type::kString, api::kRequired},
      {"validation", api::Type::kString},
      {"mark_repaired", api::Type::kBool},
      {"preview", api::Type::kBool},
      {.name = "repaired_at_ms", .type = api::Type::kInteger, .min = 0}};
  return kSpec;
}

Result<RepairRequest> parse_repair_request(const json& body) {
  RepairRequest r;
  r.body = body;
  r.id = body["id"].get<std::string>();
  static const std::regex kId("[A-Za-z0-9_-]{1,64}");
  if (!std::regex_match(r.id, kId)) {
    return Status::InvalidArgument("'id' must be 1 to 64 of A-Z a-z 0-9 _ -, got '" + r.id + "'");
  }
  r.keyspace = body["keyspace"].get<std::string>();
  if (body.contains("tables")) {
    for (const auto& t : body["tables"]) {
      if (!t.is_string()) return Status::InvalidArgument("'tables' must hold strings");
      r.tables.push_back(t.get<std::string>());
    }
  }
  auto range = TokenRange::parse(body["range"].get<std::string>());
  if (!range.ok()) return range.status().with_context("'range'");
  r.range = *range;
  for (const auto& h : body["replicas"]) {
    if (!h.is_string() || h.get<std::string>().empty()) {
      return Status::InvalidArgument("'replicas' must hold host ids");
    }
    if (std::find(r.replicas.begin(), r.replicas.end(), h.get<std::string>()) != r.replicas.end()) {
      return Status::InvalidArgument("'replicas' names " + h.get<std::string>() + " twice");
    }
    r.replicas.push_back(h.get<std::string>());
  }
  if (r.replicas.size() < 2) return Status::InvalidArgument("'replicas' needs at least two hosts");
  const std::string mode = body["mode"].get<std::string>();
  if (mode != "full" && mode != "incremental") {
    return Status::InvalidArgument("'mode' must be full or incremental, got '" + mode + "'");
  }
  r.incremental = mode == "incremental";
  const std::string validation = body.value("validation", "sequential");
  if (validation != "sequential" && validation != "parallel") {
    return Status::InvalidArgument("'validation' must be sequential or parallel, got '" +
                                   validation + "'");
  }
  r.parallel = validation == "parallel";
  r.mark_repaired = body.value("mark_repaired", false);
  r.repaired_at_ms = body.value("repaired_at_ms", int64_t{0});
  r.preview = body.value("preview", false);
  if (r.preview && r.incremental) {
    return Status::InvalidArgument(
        "'preview' compares as a full session does: 'mode' must be full, not incremental");
  }
  if (r.preview && r.mark_repaired) {
    return Status::InvalidArgument("'preview' marks nothing repaired: drop 'mark_repaired'");
  }
  return r;
}

void SessionDifferences::add(const std::string& table, const repair::Transfer& t) {
  TableTotals& totals = tables_[table];
  totals.rows += t.rows;
  totals.bytes += t.bytes;
  if (std::find(totals.behind.begin(), totals.behind.end(), t.target) == totals.behind.end()) {
    totals.behind.push_back(t.target);
  }
  if (totals.distinct.size() >= kMaxDistinct ||
      totals.distinct.emplace(t.range.start(), t.range.end()).second) {
    ++totals.ranges;
  }
  if (ranges_.size() < kMaxRanges) {
    ranges_.emplace_back(table, t);
  } else {
    ++left_out_;
  }
}

json SessionDifferences::to_json(const std::vector<std::string>& hosts) const {
  const auto host = [&hosts](size_t i) { return i < hosts.size() ? hosts[i] : std::to_string(i); };
  json tables = json::array();
  for (const auto& [table, totals] : tables_) {
    std::vector<size_t> behind = totals.behind;
    std::sort(behind.begin(), behind.end());
    json names = json::array();
    for (size_t b : behind) names.push_back(host(b));
    tables.push_back({{"table", table},
                      {"ranges", totals.ranges},
                      {"rows", totals.rows},
                      {"bytes", totals.bytes},
                      {"behind", std::move(names)}});
  }
  json ranges = json::array();
  for (const auto& [table, t] : ranges_) {
    ranges.push_back({{"table", table},
                      {"range", t.range.to_string()},
                      {"source", host(t.source)},
                      {"target", host(t.target)},
                      {"rows", t.rows},
                      {"bytes", t.bytes}});
  }
  return {
      {"tables", std::move(tables)}, {"ranges", std::move(ranges)}, {"ranges_left_out", left_out_}};
}

RepairSession::RepairSession(RepairRequest request, std::vector<std::string> tables,
                             std::vector<ReplicaTarget> replicas, const RepairSettings& settings,
                             RepairReplicas& client, Clock& clock, RingCheck ring_check)
    : request_(std::move(request)),
      tables_(std::move(tables)),
      settings_(settings),
      sizing_(tree_sizing(settings)),
      client_(client),
      clock_(clock),
      ring_check_(std::move(ring_check)) {
  for (auto& t : replicas) members_.push_back({std::move(t), ""});
  started_at_us_ = clock_.now_micros();
  progress_.tables_total = tables_.size();
}

bool RepairSession::running() const {
  std::lock_guard lock(mu_);
  return state_ == SessionState::kRunning;
}

int64_t RepairSession::finished_at_us() const {
  std::lock_guard lock(mu_);
  return finished_at_us_;
}

json RepairSession::to_json() const {
  std::lock_guard lock(mu_);
  return {{"id", request_.id},
          {"keyspace", request_.keyspace},
          {"tables", tables_},
          {"range", request_.range.to_string()},
          {"replicas", request_.replicas},
          {"mode", request_.incremental ? "incremental" : "full"},
          {"validation", request_.parallel ? "parallel" : "sequential"},
          {"preview", request_.preview},
          {"state", state_name(state_)},
          {"phase", phase_},
          {"started_at_us", started_at_us_},
          {"finished_at_us", finished_at_us_},
          {"error", error_},
          {"progress",
           {{"tables_total", progress_.tables_total.load()},
            {"tables_done", progress_.tables_done.load()},
            {"rows_validated", progress_.rows_validated.load()},
            {"bytes_validated", progress_.bytes_validated.load()},
            {"ranges_differing", progress_.ranges_differing.load()},
            {"rows_differing", progress_.rows_differing.load()},
            {"bytes_differing", progress_.bytes_differing.load()},
            {"bytes_streamed", progress_.bytes_streamed.load()}}},
          {"differences", differences_.to_json(request_.replicas)}};
}

void RepairSession::set_phase(const char* phase) {
  std::lock_guard lock(mu_);
  phase_ = phase;
}

Status RepairSession::check_cancelled() const {
  // The ring first: a scheduler that saw the change too cancels the session, and the change is
  // the better reason.
  RK_RETURN_IF_ERROR(check_ring());
  if (cancelled_) return Status::Cancelled("cancelled on request");
  return Status::OK();
}

Status RepairSession::check_ring() const {
  if (!ring_changed_ && ring_check_) {
    std::optional<std::string> why = ring_check_();
    if (why) {
      std::lock_guard lock(mu_);
      ring_change_ = *why;
      ring_changed_ = true;
    }
  }
  if (!ring_changed_) return Status::OK();
  std::lock_guard lock(mu_);
  return Status::FailedPrecondition(ring_change_);
}

RepairScope RepairSession::scope_of(size_t member, const std::string& table, bool settle) const {
  std::lock_guard lock(mu_);
  if (settle) {
    return {members_[member].settle_view, request_.keyspace, table, storage::DataScope::kAll,
            &cancelled_};
  }
  return {members_[member].view, request_.keyspace, table,
          request_.incremental ? storage::DataScope::kUnrepaired : storage::DataScope::kAll,
          &cancelled_};
}

Status RepairSession::pin_all(bool settle) {
  for (size_t m = 0; m < members_.size(); ++m) {
    RK_RETURN_IF_ERROR(check_cancelled());
    ReplicaTarget target;
    {
      std::lock_guard lock(mu_);
      target = members_[m].target;
    }
    auto view = client_.pin(target, request_.id, &cancelled_);
    if (!view.ok()) return replica_error(m, view.status());
    std::lock_guard lock(mu_);
    if (settle) {
      members_[m].settle_view = view->id;
    } else {
      members_[m].view = view->id;
      members_[m].view_pinned_at_us = view->pinned_at_us;
    }
  }
  return Status::OK();
}

Status RepairSession::replica_error(size_t member, const Status& s) const {
  if (s.code() == ErrorCode::kCancelled) return s;
  std::lock_guard lock(mu_);
  const auto& t = members_[member].target;
  return Status(s.code(), "replica " + t.host_id + " (" + t.address + "): " + s.message());
}

void RepairSession::run() {
  Status s = run_steps();
  // A call that failed (or was cancelled) may have ended because of a ring change (a replaced
  // node is gone, the scheduler cancels sessions whose replica set moved): say so.
  if (!s.ok()) static_cast<void>(check_ring());
  release_views();
  if (s.ok() && marking_) {
    // Now that no view holds them, compaction can drop the markers marking left in the
    // unrepaired set; otherwise every later incremental validation steps over them. The data is
    // right either way, so a failure here is only logged.
    for (const auto& table : tables_) {
      for (const auto& m : members_) {
        Status c = client_.compact_unrepaired(m.target, request_.keyspace, table, request_.range);
        if (!c.ok()) {
          spdlog::warn("repair session {}: compacting the unrepaired set on {}: {}", request_.id,
                       m.target.host_id, c.message());
        }
      }
    }
  }
  if (s.ok()) {
    finish(SessionState::kSucceeded, "");
  } else if (ring_changed_) {
    // Whatever step noticed it (or failed because of it: a replacement's old node is gone), the
    // session stopped because its replica set is no longer the range's.
    std::string why;
    {
      std::lock_guard lock(mu_);
      why = ring_change_;
    }
    finish(SessionState::kAborted, why);
  } else if (s.code() == ErrorCode::kCancelled || cancelled_) {
    // A call the cancel aborted may come back as another error (wrapped in a step's message).
    finish(SessionState::kCancelled, s.message());
  } else {
    finish(SessionState::kFailed, s.message());
  }
}

void RepairSession::finish(SessionState state, const std::string& error) {
  std::lock_guard lock(mu_);
  state_ = state;
  error_ = error;
  phase_ = "done";
  finished_at_us_ = std::max<int64_t>(clock_.now_micros(), started_at_us_);
  spdlog::log(state == SessionState::kSucceeded ? spdlog::level::info : spdlog::level::warn,
              "repair session {} ({} {}.{} {}): {}{}{}", request_.id,
              request_.preview       ? "preview"
              : request_.incremental ? "incremental"
                                     : "full",
              request_.keyspace, tables_.size() == 1 ? tables_[0] : "*", request_.range.to_string(),
              state_name(state), error.empty() ? "" : ": ", error);
}

Status RepairSession::run_steps() {
  // Pin a view on every replica first: every later step reads the same moment.
  RK_RETURN_IF_ERROR(pin_all(/*settle=*/false));
  for (const auto& table : tables_) {
    RK_RETURN_IF_ERROR(repair_table(table));
    ++progress_.tables_done;
  }
  RK_RETURN_IF_ERROR(check_cancelled());
  // A preview streamed nothing: it neither marks nor records a repair (a recorded repair lets
  // tombstone_gc repair mode purge, which only a real repair may allow). parse_repair_request
  // refuses a preview with incremental mode or mark_repaired.
  if (request_.preview) return Status::OK();
  if (request_.incremental || request_.mark_repaired) RK_RETURN_IF_ERROR(anticompact());
  return record_history();
}

// The session's last step, reached only when every table was validated and streamed on every
// replica (and marked, for incremental sessions). Each replica records the range in its repair
// history with one time: the earliest moment any replica's view was pinned, each by its own
// clock. A deletion stamped on replica R after R's view has a deletion time after R's pin time,
// hence after the earliest, whatever the others' clocks say, so a deletion the session did not
// compare is never counted; one before the earliest pin was in every view compared, and the
// session left every replica holding it. A replica that fails to record keeps its tombstones
// longer (the session fails and is retried); the others' records are true all the same, since
// the data was already compared and streamed everywhere.
Status RepairSession::record_history() {
  if (!marking_) RK_RETURN_IF_ERROR(check_cancelled());  // once marking, a cancel is too late
  set_phase("recording");
  int64_t repaired_at_us = 0;
  {
    std::lock_guard lock(mu_);
    for (const Member& m : members_) {
      if (repaired_at_us == 0 || m.view_pinned_at_us < repaired_at_us)
        repaired_at_us = m.view_pinned_at_us;
    }
  }
  if (repaired_at_us <= 0) return Status::Internal("no view pin time to record the repair at");
  for (size_t m = 0; m < members_.size(); ++m) {
    // A ring change is never too late: a replica set that is no longer the range's must not be
    // recorded as having repaired it (a new replica took no part).
    RK_RETURN_IF_ERROR(check_ring());
    Status s = client_.record_repair(members_[m].target, request_.keyspace, tables_, request_.range,
                                     repaired_at_us);
    if (!s.ok()) return replica_error(m, s);
  }
  return Status::OK();
}

Status RepairSession::anticompact() {
  RK_RETURN_IF_ERROR(check_ring());
  // Anticompaction: past this point a cancel is too late (some replicas may already be marked),
  // but a ring change still stops it before the next replica's mark.
  marking_ = true;
  set_phase("anticompacting");
  const int64_t repaired_at =
      request_.repaired_at_ms > 0 ? request_.repaired_at_ms : started_at_us_ / 1000;
  for (const auto& table : tables_) {
    for (size_t m = 0; m < members_.size(); ++m) {
      RK_RETURN_IF_ERROR(check_ring());
      auto moved = client_.mark_repaired(members_[m].target, scope_of(m, table), {request_.range},
                                         repaired_at, /*record=*/true);
      if (!moved.ok()) return replica_error(m, moved.status());
    }
  }
  for (const auto& table : tables_) RK_RETURN_IF_ERROR(mark_streamed(table, repaired_at));
  return Status::OK();
}

// What was streamed arrived after the first views, so marking at them left it unrepaired on the
// replicas that received it, while the senders' copies became repaired: the next incremental
// session would see a difference and stream it again, forever. So the streamed sub-ranges are
// validated once more, all data, at views pinned now, and where every replica agrees the data is
// the same everywhere (compared, hence safe to mark) and is marked repaired at those views.
Status RepairSession::mark_streamed(const std::string& table, int64_t repaired_at) {
  auto& ranges = streamed_[table];
  if (ranges.empty()) return Status::OK();
  std::sort(ranges.begin(), ranges.end(), [](const TokenRange& a, const TokenRange& b) {
    return std::pair(a.start(), a.end()) < std::pair(b.start(), b.end());
  });
  ranges.erase(std::unique(ranges.begin(), ranges.end(),
                           [](const TokenRange& a, const TokenRange& b) {
                             return a.start() == b.start() && a.end() == b.end();
                           }),
               ranges.end());
  bool pinned = false;
  {
    std::lock_guard lock(mu_);
    pinned = !members_[0].settle_view.empty();
  }
  if (!pinned) RK_RETURN_IF_ERROR(pin_all(/*settle=*/true));
  for (size_t first = 0; first < ranges.size(); first += kMaxTreesPerBatch) {
    std::vector<TreeRequest> batch;
    for (size_t i = first; i < std::min(ranges.size(), first + kMaxTreesPerBatch); ++i) {
      batch.push_back({ranges[i], 0});
    }
    RK_ASSIGN_OR_RETURN(auto trees, validate_all(table, batch, /*settle=*/true));
    std::vector<TokenRange> agreed;
    for (size_t k = 0; k < batch.size(); ++k) {
      bool same = true;
      for (size_t m = 1; m < members_.size(); ++m)
        same = same && trees[m][k].root() == trees[0][k].root();
      if (same) agreed.push_back(batch[k].range);
    }
    if (agreed.empty()) continue;
    for (size_t m = 0; m < members_.size(); ++m) {
      RK_RETURN_IF_ERROR(check_ring());
      auto moved = client_.mark_repaired(members_[m].target, scope_of(m, table, /*settle=*/true),
                                         agreed, repaired_at, /*record=*/false);
      if (!moved.ok()) return replica_error(m, moved.status());
    }
  }
  return Status::OK();
}

Status RepairSession::repair_table(const std::string& table) {
  set_phase("validating");
  uint64_t rows = 0;
  for (size_t m = 0; m < members_.size(); ++m) {
    RK_RETURN_IF_ERROR(check_cancelled());
    auto n = client_.estimate_rows(members_[m].target, scope_of(m, table), request_.range);
    if (!n.ok()) return replica_error(m, n.status());
    rows = std::max(rows, *n);
  }
  RK_ASSIGN_OR_RETURN(std::vector<TreeRequest> pieces,
                      repair::first_pass_trees(request_.range, rows, sizing_));
  for (const auto& piece : pieces) RK_RETURN_IF_ERROR(repair_piece(table, piece));
  return Status::OK();
}

template <typename T>
Result<std::vector<T>> RepairSession::ask_all(const std::function<Result<T>(size_t member)>& ask) {
  std::vector<T> out(members_.size());
  if (!request_.parallel) {
    // Sequential: only one replica carries validation load at a time.
    for (size_t m = 0; m < members_.size(); ++m) {
      RK_RETURN_IF_ERROR(check_cancelled());
      auto answer = ask(m);
      if (!answer.ok()) return replica_error(m, answer.status());
      out[m] = std::move(*answer);
    }
    return out;
  }
  RK_RETURN_IF_ERROR(check_cancelled());
  std::vector<std::future<Result<T>>> futures;
  for (size_t m = 0; m < members_.size(); ++m) {
    futures.push_back(std::async(std::launch::async, [&ask, m] { return ask(m); }));
  }
  Status first_error;
  for (size_t m = 0; m < members_.size(); ++m) {
    auto answer = futures[m].get();
    if (!answer.ok()) {
      if (first_error.ok()) first_error = replica_error(m, answer.status());
      continue;
    }
    out[m] = std::move(*answer);
  }
  RK_RETURN_IF_ERROR(first_error);
  return out;
}

Result<std::vector<std::vector<storage::MerkleTree>>> RepairSession::validate_all(
    const std::string& table, const std::vector<TreeRequest>& trees, bool settle) {
  return ask_all<std::vector<storage::MerkleTree>>([&](size_t m) {
    return client_.validate(members_[m].target, scope_of(m, table, settle), trees);
  });
}

std::optional<size_t> RepairSession::local_member() const {
  for (size_t m = 0; m < members_.size(); ++m) {
    if (members_[m].target.local) return m;
  }
  return std::nullopt;
}

Status RepairSession::repair_piece(const std::string& table, const TreeRequest& piece) {
  set_phase("validating");
  std::vector<repair::DifferingRun> runs;
  {
    RK_ASSIGN_OR_RETURN(auto first, validate_all(table, {piece}));
    std::vector<repair::ReplicaTree> trees;
    for (const auto& per_member : first) {
      trees.push_back(replica_tree(per_member[0]));
      progress_.rows_validated += per_member[0].total_rows();
      progress_.bytes_validated += per_member[0].total_bytes();
    }
    RK_ASSIGN_OR_RETURN(runs, repair::differing_runs(trees, kMaxRowsPerExchangeRange));
  }
  progress_.ranges_differing += runs.size();
  std::vector<repair::DifferingRun> small, dense;
  for (const auto& run : runs) {
    (run.max_rows > kMaxRowsPerExchangeRange ? dense : small).push_back(run);
  }
  RK_RETURN_IF_ERROR(exchange_rows(table, small));
  return refine_and_stream(table, dense);
}

// Batches of ranges; per batch every replica lists its rows' versions, and each receives the
// rows on which it is behind, many ranges' rows per export and import call.
Status RepairSession::exchange_rows(const std::string& table,
                                    const std::vector<repair::DifferingRun>& runs) {
  const std::optional<size_t> local = local_member();
  for (size_t first = 0; first < runs.size();) {
    std::vector<TokenRange> ranges;
    uint64_t rows = 0;
    size_t end = first;
    for (; end < runs.size() && ranges.size() < kMaxRangesPerListing; ++end) {
      if (!ranges.empty() && rows + runs[end].max_rows > kMaxRowsPerListing) break;
      rows += runs[end].max_rows;
      ranges.push_back(runs[end].range);
    }
    first = end;
    set_phase("validating");
    RK_ASSIGN_OR_RETURN(std::vector<RowListing> listings, ask_all<RowListing>([&](size_t m) {
                          return client_.list_rows(members_[m].target, scope_of(m, table), ranges);
                        }));
    RK_ASSIGN_OR_RETURN(std::vector<repair::RowTransfer> plan,
                        repair::plan_row_transfers(ranges, listings, local));
    std::vector<repair::Transfer> summary;
    summary.reserve(plan.size());
    for (const auto& t : plan)
      summary.push_back({t.source, t.target, t.range, t.rows.size(), t.bytes});
    record_plan(table, summary);
    // A preview reports the plan and leaves every replica as it was.
    if (request_.preview) continue;
    set_phase("streaming");
    std::map<std::pair<size_t, size_t>, std::vector<const repair::RowTransfer*>> by_pair;
    for (const auto& t : plan) by_pair[{t.source, t.target}].push_back(&t);
    for (const auto& [pair, transfers] : by_pair) {
      RK_RETURN_IF_ERROR(stream_rows(table, pair.first, pair.second, transfers));
    }
    for (const auto& t : plan) streamed_[table].push_back(t.range);
  }
  return Status::OK();
}

Status RepairSession::stream_rows(const std::string& table, size_t source, size_t target,
                                  const std::vector<const repair::RowTransfer*>& transfers) {
  const RepairScope source_scope = scope_of(source, table);
  const uint64_t chunk_bytes =
      static_cast<uint64_t>(std::max<int64_t>(1, settings_.stream_chunk_bytes));
  std::vector<repair::RowKey> keys;
  uint64_t bytes = 0;
  auto send = [&]() -> Status {
    if (keys.empty()) return Status::OK();
    RK_RETURN_IF_ERROR(check_cancelled());
    auto chunk = client_.export_rows(members_[source].target, source_scope, keys);
    if (!chunk.ok()) return replica_error(source, chunk.status());
    if (!chunk->bytes.empty()) {
      Status s = client_.import_chunk(members_[target].target, request_.keyspace, table,
                                      chunk->bytes, &cancelled_);
      if (!s.ok()) return replica_error(target, s);
      progress_.bytes_streamed += chunk->bytes.size();
    }
    keys.clear();
    bytes = 0;
    return Status::OK();
  };
  for (const repair::RowTransfer* t : transfers) {
    // The source counted the transfer's bytes, not each row's: spread them evenly.
    const uint64_t per_row = std::max<uint64_t>(1, t->bytes / std::max<size_t>(1, t->rows.size()));
    for (const repair::RowKey& key : t->rows) {
      keys.push_back(key);
      bytes += per_row;
      if (bytes >= chunk_bytes || keys.size() >= kMaxRowsPerExport) RK_RETURN_IF_ERROR(send());
    }
  }
  return send();
}

// Runs too dense for the row exchange: each validated again with finer trees, in batches, and
// only what still differs is streamed whole, both ways (a Merkle tree cannot tell which version
// is newer; the import's last-write-wins settles it); the coordinator sends for its own group
// (one hop less).
Status RepairSession::refine_and_stream(const std::string& table,
                                        const std::vector<repair::DifferingRun>& runs) {
  RK_ASSIGN_OR_RETURN(auto batches, repair::refinement_batches(runs, sizing_));
  const std::optional<size_t> local = local_member();
  for (const auto& batch : batches) {
    set_phase("validating");
    std::vector<repair::Transfer> plan;
    {
      RK_ASSIGN_OR_RETURN(auto fine, validate_all(table, batch));
      std::vector<std::vector<repair::ReplicaTree>> trees(fine.size());
      for (size_t m = 0; m < fine.size(); ++m) {
        for (const auto& tree : fine[m]) trees[m].push_back(replica_tree(tree));
      }
      RK_ASSIGN_OR_RETURN(plan, repair::plan_transfers(trees, local));
    }
    RK_RETURN_IF_ERROR(carry_out(table, plan));
  }
  return Status::OK();
}

void RepairSession::record_plan(const std::string& table,
                                const std::vector<repair::Transfer>& plan) {
  {
    std::lock_guard lock(mu_);
    for (const auto& transfer : plan) differences_.add(table, transfer);
  }
  for (const auto& transfer : plan) {
    progress_.rows_differing += transfer.rows;
    progress_.bytes_differing += transfer.bytes;
  }
}

Status RepairSession::carry_out(const std::string& table,
                                const std::vector<repair::Transfer>& plan) {
  record_plan(table, plan);
  // A preview reports the plan and leaves every replica as it was.
  if (request_.preview) return Status::OK();
  set_phase("streaming");
  for (const auto& transfer : plan) {
    RK_RETURN_IF_ERROR(stream(table, transfer));
    streamed_[table].push_back(transfer.range);
  }
  return Status::OK();
}

Status RepairSession::stream(const std::string& table, const repair::Transfer& t) {
  std::optional<TokenRange> next = t.range;
  const RepairScope source_scope = scope_of(t.source, table);
  while (next) {
    RK_RETURN_IF_ERROR(check_cancelled());
    auto chunk = client_.export_chunk(members_[t.source].target, source_scope, *next,
                                      static_cast<size_t>(settings_.stream_chunk_bytes));
    if (!chunk.ok()) return replica_error(t.source, chunk.status());
    if (!chunk->bytes.empty()) {
      Status s = client_.import_chunk(members_[t.target].target, request_.keyspace, table,
                                      chunk->bytes, &cancelled_);
      if (!s.ok()) return replica_error(t.target, s);
      progress_.bytes_streamed += chunk->bytes.size();
    }
    next = chunk->next;
  }
  return Status::OK();
}

void RepairSession::renew_views() {
  std::vector<Member> members;
  {
    std::lock_guard lock(mu_);
    if (state_ != SessionState::kRunning) return;
    members = members_;
  }
  for (const auto& m : members) {
    for (const std::string* view : {&m.view, &m.settle_view}) {
      if (view->empty()) continue;
      Status s = client_.renew(m.target, *view);
      if (!s.ok()) {
        spdlog::warn("repair session {}: renewing a view on {}: {}", request_.id, m.target.host_id,
                     s.message());
      }
    }
  }
}

void RepairSession::release_views() {
  std::vector<Member> members;
  {
    std::lock_guard lock(mu_);
    members = members_;
  }
  for (const auto& m : members) {
    for (const std::string* view : {&m.view, &m.settle_view}) {
      if (view->empty()) continue;
      Status s = client_.release(m.target, *view);
      if (!s.ok()) {
        // Its lease releases it anyway.
        spdlog::info("repair session {}: releasing a view on {}: {}", request_.id, m.target.host_id,
                     s.message());
      }
    }
  }
  std::lock_guard lock(mu_);
  for (auto& m : members_) {
    m.view.clear();
    m.settle_view.clear();
  }
}

}  // namespace rk::agent
