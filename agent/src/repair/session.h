// One repair session, coordinated by this node (docs/repair.md, "Repair sessions"): pin a view on
// every replica, validate the range table by table (replicas one after another, or all at once),
// find the leaves where the replicas' Merkle trees differ, have every replica list the versions
// of its rows there (in batches of ranges), and stream to each replica only the rows on which it
// is behind, many ranges' rows per call (last-write-wins import); a leaf too dense for listing is
// validated again with finer trees and its still-differing sub-ranges streamed whole. On success
// of an incremental session mark the range repaired on every replica at its view, and last, once
// everything succeeded on every replica, record the range in each replica's repair history (what
// tombstone_gc repair mode purges by). A preview session takes the same steps up to each transfer
// plan and records the plan instead of streaming it; it marks nothing and records no repair.
// Which trees to build, where they differ and what goes from whom to whom are the repair
// domain's pure algorithms (ringkeeper/repair/tree_diff.h, row_diff.h, transfer_plan.h); this
// class runs them over the replicas' calls. The session's request, state and progress are what
// the ops API shows.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/consistency_level.h"
#include "repair/replica.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/token_range.h"
#include "ringkeeper/repair/row_diff.h"
#include "ringkeeper/repair/transfer_plan.h"
#include "ringkeeper/repair/tree_diff.h"

namespace rk::agent {

// What POST /v1/repair/sessions asks for, checked for form (not yet against the ring).
struct RepairRequest {
  std::string id;
  std::string keyspace;
  std::vector<std::string> tables;  // empty: every table of the keyspace
  TokenRange range = TokenRange::full_ring();
  std::vector<std::string> replicas;  // host ids, this node included
  bool incremental = true;
  bool parallel = false;       // validation: "parallel" rather than "sequential"
  bool mark_repaired = false;  // full sessions: mark repaired on success
  // Preview: validate and diff as a full session does, then record the transfer plan instead of
  // running it; nothing is streamed or marked. Full sessions only, never with mark_repaired.
  bool preview = false;
  int64_t repaired_at_ms = 0;  // 0: the session's start time
  nlohmann::json body;         // the body as sent, for idempotent re-POSTs
};

// The request body's fields (for api::read_body).
const api::Spec& repair_request_spec();
// Checks a body that passed repair_request_spec() for form. InvalidArgument naming the problem.
Result<RepairRequest> parse_repair_request(const nlohmann::json& body);

// kAborted: the ring changed under the session (repair/ring_watch.h); it stopped, as a cancel
// does, and marked and recorded nothing after it saw the change.
enum class SessionState { kRunning, kSucceeded, kFailed, kCancelled, kAborted };

// Why the session must stop because the ring changed, or nullopt while its ring holds.
using RingCheck = std::function<std::optional<std::string>()>;

struct RepairProgress {
  std::atomic<uint64_t> tables_total{0}, tables_done{0};
  std::atomic<uint64_t> rows_validated{0}, bytes_validated{0};
  std::atomic<uint64_t> ranges_differing{0}, bytes_streamed{0};
  // What the transfer plans carry (rows and bytes as their senders counted them), streamed or not.
  std::atomic<uint64_t> rows_differing{0}, bytes_differing{0};
};

// What a session's transfer plans say, per table: the sub-ranges where a replica is behind
// another, with the rows and bytes the sender would send. A preview session's result; repair
// sessions keep it too (it is what they streamed).
class SessionDifferences {
 public:
  // At most this many ranges are kept per session (the totals count every one).
  static constexpr size_t kMaxRanges = 1000;
  static constexpr size_t kMaxDistinct = 100000;

  void add(const std::string& table, const repair::Transfer& t);
  // {"tables": [{"table", "ranges", "rows", "bytes", "behind": [host ids]}],
  //  "ranges": [{"table", "range", "source", "target", "rows", "bytes"}], "ranges_left_out"}
  // with replica indices named by `hosts`.
  nlohmann::json to_json(const std::vector<std::string>& hosts) const;

 private:
  struct TableTotals {
    // Distinct differing ranges (several replicas behind on one range count once), up to
    // kMaxDistinct; past that every range counts.
    std::set<std::pair<Token, Token>> distinct;
    uint64_t ranges = 0;
    uint64_t rows = 0, bytes = 0;
    std::vector<size_t> behind;
  };
  std::map<std::string, TableTotals> tables_;
  std::vector<std::pair<std::string, repair::Transfer>> ranges_;
  uint64_t left_out_ = 0;
};

class RepairSession {
 public:
  // `replicas` are the request's replicas resolved against the ring (same order); `tables` the
  // request's tables resolved (never empty). `ring_check`, when given, is asked at every step
  // boundary; once it names a change the session ends ABORTED with it.
  RepairSession(RepairRequest request, std::vector<std::string> tables,
                std::vector<ReplicaTarget> replicas, const RepairSettings& settings,
                RepairReplicas& client, Clock& clock, RingCheck ring_check = {});

  // Runs the session to its end (the caller's thread). Never throws.
  void run();
  // Asks the session to stop; it ends CANCELLED unless it is already marking repaired.
  void cancel() { cancelled_ = true; }
  // Renews the leases of the views it holds (the service calls this periodically).
  void renew_views();

  const RepairRequest& request() const { return request_; }
  const std::vector<std::string>& tables() const { return tables_; }
  bool running() const;
  int64_t finished_at_us() const;
  nlohmann::json to_json() const;

 private:
  struct Member {
    ReplicaTarget target;
    std::string view;               // empty until pinned
    int64_t view_pinned_at_us = 0;  // the replica's clock when `view` was pinned
    std::string settle_view;        // pinned after streaming, to mark what was streamed (see .cc)
  };

  Status run_steps();
  Status repair_table(const std::string& table);
  Status repair_piece(const std::string& table, const TreeRequest& piece);
  // `ask(m)` for every member: one after another when validation is sequential, all at once
  // when parallel; the first error fails it, named by its replica.
  template <typename T>
  Result<std::vector<T>> ask_all(const std::function<Result<T>(size_t member)>& ask);
  Result<std::vector<std::vector<storage::MerkleTree>>> validate_all(
      const std::string& table, const std::vector<TreeRequest>& trees, bool settle = false);
  // The member on the coordinating node, if it is one.
  std::optional<size_t> local_member() const;
  // The row-level exchange over small differing runs, and the whole-range path for dense ones.
  Status exchange_rows(const std::string& table, const std::vector<repair::DifferingRun>& runs);
  Status stream_rows(const std::string& table, size_t source, size_t target,
                     const std::vector<const repair::RowTransfer*>& transfers);
  Status refine_and_stream(const std::string& table, const std::vector<repair::DifferingRun>& runs);
  // Counts and records what a plan carries (the session's differences).
  void record_plan(const std::string& table, const std::vector<repair::Transfer>& plan);
  Status pin_all(bool settle);
  Status mark_streamed(const std::string& table, int64_t repaired_at);
  Status anticompact();
  Status record_history();
  // The plan's transfers counted and recorded; then streamed unless the session is a preview.
  Status carry_out(const std::string& table, const std::vector<repair::Transfer>& plan);
  Status stream(const std::string& table, const repair::Transfer& t);
  // Cancelled on request, or the ring changed (check_ring).
  Status check_cancelled() const;
  // FailedPrecondition naming the ring change once ring_check_ names one (then for good).
  Status check_ring() const;
  void set_phase(const char* phase);
  void finish(SessionState state, const std::string& error);
  void release_views();
  // The member's view (the settle view when `settle`: then all data) and the session's scope.
  RepairScope scope_of(size_t member, const std::string& table, bool settle = false) const;
  Status replica_error(size_t member, const Status& s) const;

  RepairRequest request_;
  std::vector<std::string> tables_;
  RepairSettings settings_;
  repair::TreeSizing sizing_;  // settings_ as the tree algorithms take them
  RepairReplicas& client_;
  Clock& clock_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> marking_{false};
  RingCheck ring_check_;
  mutable std::atomic<bool> ring_changed_{false};
  RepairProgress progress_;
  std::map<std::string, std::vector<TokenRange>> streamed_;  // per table (session thread only)

  mutable std::mutex mu_;  // guards the fields below
  std::vector<Member> members_;
  SessionDifferences differences_;
  SessionState state_ = SessionState::kRunning;
  std::string phase_ = "pinning";
  std::string error_;
  mutable std::string ring_change_;  // why the ring no longer holds, once ring_changed_
  int64_t started_at_us_ = 0;
  int64_t finished_at_us_ = 0;
};

}  // namespace rk::agent
