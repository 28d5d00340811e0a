// A repair session's steps (see repair_session.h and docs/repair.md).
#include "repair_session.h"

#include <algorithm>
#include <future>
#include <map>
#include <regex>

#include <spdlog/spdlog.h>

namespace rk::agent {
namespace {

using nlohmann::json;

constexpr size_t kMaxTreesPerBatch = 1024;

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
  }
  return "FAILED";
}

// A run of adjacent first-pass leaves where the replicas' trees differ.
struct DifferingRun {
  TokenRange range;
  uint64_t max_rows = 0;  // the most rows any replica counted in it
};

// Runs of leaves whose hash is not the same on every replica (trees[r] is replica r's tree;
// all have the same range and depth).
std::vector<DifferingRun> differing_runs(const std::vector<const storage::MerkleTree*>& trees) {
  std::vector<DifferingRun> runs;
  const auto& first = *trees[0];
  bool same_roots = true;
  for (const auto* t : trees) same_roots = same_roots && t->root() == first.root();
  if (same_roots) return runs;
  std::optional<TokenRange> open;
  std::vector<uint64_t> rows(trees.size(), 0);
  auto close = [&] {
    if (!open) return;
    runs.push_back({*open, *std::max_element(rows.begin(), rows.end())});
    open.reset();
    std::fill(rows.begin(), rows.end(), 0);
  };
  for (uint64_t i = 0; i < first.leaf_count(); ++i) {
    const auto leaf0 = first.leaf(i);
    bool differs = false;
    for (size_t r = 1; r < trees.size() && !differs; ++r) {
      differs = trees[r]->leaf(i).hash != leaf0.hash;
    }
    if (!differs) {
      close();
      continue;
    }
    open = open ? TokenRange(open->start(), leaf0.range.end()) : leaf0.range;
    for (size_t r = 0; r < trees.size(); ++r) rows[r] += trees[r]->leaf(i).rows;
  }
  close();
  return runs;
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
  return r;
}

RepairSession::RepairSession(RepairRequest request, std::vector<std::string> tables,
                             std::vector<ReplicaTarget> replicas, const RepairSettings& settings,
                             RepairReplicas& client, Clock& clock)
    : request_(std::move(request)),
      tables_(std::move(tables)),
      settings_(settings),
      client_(client),
      clock_(clock) {
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
            {"bytes_streamed", progress_.bytes_streamed.load()}}}};
}

void RepairSession::set_phase(const char* phase) {
  std::lock_guard lock(mu_);
  phase_ = phase;
}

Status RepairSession::check_cancelled() const {
  if (cancelled_) return Status::Cancelled("cancelled on request");
  return Status::OK();
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
    (settle ? members_[m].settle_view : members_[m].view) = view->id;
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
              request_.incremental ? "incremental" : "full", request_.keyspace,
              tables_.size() == 1 ? tables_[0] : "*", request_.range.to_string(), state_name(state),
              error.empty() ? "" : ": ", error);
}

Status RepairSession::run_steps() {
  // Pin a view on every replica first: every later step reads the same moment.
  RK_RETURN_IF_ERROR(pin_all(/*settle=*/false));
  for (const auto& table : tables_) {
    RK_RETURN_IF_ERROR(repair_table(table));
    ++progress_.tables_done;
  }
  RK_RETURN_IF_ERROR(check_cancelled());
  if (!request_.incremental && !request_.mark_repaired) return Status::OK();
  // Anticompaction: past this point a cancel is too late (some replicas may already be marked).
  marking_ = true;
  set_phase("anticompacting");
  const int64_t repaired_at =
      request_.repaired_at_ms > 0 ? request_.repaired_at_ms : started_at_us_ / 1000;
  for (const auto& table : tables_) {
    for (size_t m = 0; m < members_.size(); ++m) {
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
  // Enough leaves that one covers about rows_per_leaf rows; more than one tree of at most
  // max_tree_depth when that needs more leaves (validated one after another: bounded memory).
  const uint64_t per_leaf = static_cast<uint64_t>(std::max<int64_t>(1, settings_.rows_per_leaf));
  const uint64_t leaves = std::max<uint64_t>(1, (rows + per_leaf - 1) / per_leaf);
  const uint64_t max_leaves = uint64_t{1} << settings_.max_tree_depth;
  uint64_t pieces = (leaves + max_leaves - 1) / max_leaves;
  if (static_cast<uint128_t>(pieces) > request_.range.size()) {
    pieces = static_cast<uint64_t>(request_.range.size());
  }
  RK_ASSIGN_OR_RETURN(std::vector<TokenRange> split, request_.range.split(pieces));
  for (const auto& piece : split) {
    RK_RETURN_IF_ERROR(repair_piece(table, piece, rows / pieces));
  }
  return Status::OK();
}

Result<std::vector<std::vector<storage::MerkleTree>>> RepairSession::validate_all(
    const std::string& table, const std::vector<TreeRequest>& trees, bool settle) {
  std::vector<std::vector<storage::MerkleTree>> out(members_.size());
  if (!request_.parallel) {
    // Sequential: only one replica carries validation load at a time.
    for (size_t m = 0; m < members_.size(); ++m) {
      RK_RETURN_IF_ERROR(check_cancelled());
      auto t = client_.validate(members_[m].target, scope_of(m, table, settle), trees);
      if (!t.ok()) return replica_error(m, t.status());
      out[m] = std::move(*t);
    }
    return out;
  }
  RK_RETURN_IF_ERROR(check_cancelled());
  std::vector<std::future<Result<std::vector<storage::MerkleTree>>>> futures;
  for (size_t m = 0; m < members_.size(); ++m) {
    futures.push_back(std::async(std::launch::async, [this, m, &table, &trees, settle] {
      return client_.validate(members_[m].target, scope_of(m, table, settle), trees);
    }));
  }
  Status first_error;
  for (size_t m = 0; m < members_.size(); ++m) {
    auto t = futures[m].get();
    if (!t.ok()) {
      if (first_error.ok()) first_error = replica_error(m, t.status());
      continue;
    }
    out[m] = std::move(*t);
  }
  RK_RETURN_IF_ERROR(first_error);
  return out;
}

Status RepairSession::repair_piece(const std::string& table, const TokenRange& piece,
                                   uint64_t rows) {
  set_phase("validating");
  const int depth = storage::merkle_depth_for(rows, static_cast<uint64_t>(settings_.rows_per_leaf),
                                              piece, settings_.max_tree_depth);
  RK_ASSIGN_OR_RETURN(auto first, validate_all(table, {TreeRequest{piece, depth}}));
  std::vector<const storage::MerkleTree*> trees;
  for (const auto& per_member : first) {
    trees.push_back(&per_member[0]);
    progress_.rows_validated += per_member[0].total_rows();
    progress_.bytes_validated += per_member[0].total_bytes();
  }
  const std::vector<DifferingRun> runs = differing_runs(trees);
  progress_.ranges_differing += runs.size();
  trees.clear();
  first.clear();

  // Each differing run is validated again with about refine_leaves_per_row leaves per row, so
  // that only the rows that really differ (and few neighbours) are streamed. Batched: few calls,
  // bounded tree memory.
  size_t next_run = 0;
  while (next_run < runs.size()) {
    std::vector<TreeRequest> batch;
    uint64_t batch_leaves = 0;
    while (next_run < runs.size() && batch.size() < kMaxTreesPerBatch) {
      const DifferingRun& run = runs[next_run];
      const int d = storage::merkle_depth_for(
          run.max_rows * static_cast<uint64_t>(settings_.refine_leaves_per_row), 1, run.range,
          settings_.max_tree_depth);
      if (!batch.empty() &&
          batch_leaves + (uint64_t{1} << d) > (uint64_t{2} << settings_.max_tree_depth)) {
        break;
      }
      batch.push_back({run.range, d});
      batch_leaves += uint64_t{1} << d;
      ++next_run;
    }
    set_phase("validating");
    RK_ASSIGN_OR_RETURN(auto fine, validate_all(table, batch));
    // Per leaf: replicas grouped by hash; each group with rows sends its leaf to every replica
    // outside the group (both directions). Adjacent leaves of one source→target pair merge.
    std::map<std::pair<size_t, size_t>, std::vector<TokenRange>> plan;
    for (size_t k = 0; k < batch.size(); ++k) {
      const uint64_t leaves = fine[0][k].leaf_count();
      for (uint64_t i = 0; i < leaves; ++i) {
        std::vector<storage::MerkleTree::Leaf> leaf;
        bool all_same = true;
        for (size_t m = 0; m < members_.size(); ++m) {
          leaf.push_back(fine[m][k].leaf(i));
          all_same = all_same && leaf[m].hash == leaf[0].hash;
        }
        if (all_same) continue;
        std::vector<size_t> group(members_.size());
        for (size_t m = 0; m < members_.size(); ++m) {
          group[m] = m;
          for (size_t g = 0; g < m; ++g) {
            if (leaf[g].hash == leaf[m].hash) {
              group[m] = group[g];
              break;
            }
          }
        }
        for (size_t g = 0; g < members_.size(); ++g) {
          if (group[g] != g || leaf[g].rows == 0) continue;
          // The group's source: the local replica when it is in the group (one hop less).
          size_t source = g;
          for (size_t m = 0; m < members_.size(); ++m) {
            if (group[m] == g && members_[m].target.local) source = m;
          }
          for (size_t m = 0; m < members_.size(); ++m) {
            if (group[m] == g) continue;
            auto& ranges = plan[{source, m}];
            if (!ranges.empty() && ranges.back().end() == leaf[g].range.start()) {
              ranges.back() = TokenRange(ranges.back().start(), leaf[g].range.end());
            } else {
              ranges.push_back(leaf[g].range);
            }
          }
        }
      }
    }
    fine.clear();
    set_phase("streaming");
    for (const auto& [pair, ranges] : plan) {
      for (const auto& range : ranges) {
        RK_RETURN_IF_ERROR(stream(table, Transfer{pair.first, pair.second, range}));
        streamed_[table].push_back(range);
      }
    }
  }
  return Status::OK();
}

Status RepairSession::stream(const std::string& table, const Transfer& t) {
  std::optional<TokenRange> next = t.range;
  const RepairScope source_scope = scope_of(t.source, table);
  while (next) {
    RK_RETURN_IF_ERROR(check_cancelled());
    auto chunk = client_.export_chunk(members_[t.source].target, source_scope, *next,
                                      static_cast<size_t>(settings_.stream_chunk_bytes));
    if (!chunk.ok()) return replica_error(t.source, chunk.status());
    if (!chunk->bytes.empty()) {
      Status s =
          client_.import_chunk(members_[t.target].target, request_.keyspace, table, chunk->bytes,
                               &cancelled_);
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
