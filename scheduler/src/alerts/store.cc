// Storing alert state changes and reading current alerts and history (see store.h).
#include "alerts/store.h"

#include <fmt/format.h>

#include "db/sqlite.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

using monitor::State;

State state_from_column(const std::string& text) {
  return monitor::parse_state_name(text).value_or(State::kUnknown);
}

constexpr const char* kColumns =
    "e.id, e.source, e.signal, e.state, e.previous_state, e.message, e.value, e.at_us, "
    "e.received_at_us";

AlertRecord read_record(const Statement& stmt) {
  AlertRecord r;
  r.id = stmt.column_int64(0);
  r.source = stmt.column_text(1);
  r.signal = stmt.column_text(2);
  r.state = state_from_column(stmt.column_text(3));
  r.previous_state = state_from_column(stmt.column_text(4));
  r.message = stmt.column_text(5);
  if (!stmt.column_is_null(6)) r.value = stmt.column_double(6);
  r.at_us = stmt.column_int64(7);
  r.received_at_us = stmt.column_int64(8);
  return r;
}

}  // namespace

Result<std::optional<AlertRecord>> AlertStore::record(const AlertEvent& event) {
  if (event.source.empty()) return Status::InvalidArgument("an alert needs a source");
  if (event.signal.empty()) return Status::InvalidArgument("an alert needs a signal");
  if (event.state != State::kOk && event.state != State::kWarning &&
      event.state != State::kCritical && event.state != State::kUnknown) {
    return Status::InvalidArgument("an alert's state must be OK, WARNING, CRITICAL or UNKNOWN");
  }
  AlertRecord r;
  r.source = event.source;
  r.signal = event.signal;
  r.state = event.state;
  r.message = event.message;
  r.value = event.value;
  r.received_at_us = clock_.now_micros();
  r.at_us = event.at_us != 0 ? event.at_us : r.received_at_us;
  bool stored = false;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement current, db.prepare(R"sql(
      SELECT c.state, e.at_us FROM alerts_current c JOIN alert_events e ON e.id = c.event_id
      WHERE c.source = ? AND c.signal = ?)sql"));
    current.bind_all(r.source, r.signal);
    RK_ASSIGN_OR_RETURN(bool found, current.step());
    if (found) {
      r.previous_state = state_from_column(current.column_text(0));
      if (r.previous_state == r.state) return Status::OK();        // not a change
      if (r.at_us < current.column_int64(1)) return Status::OK();  // older than what we know
    } else {
      r.previous_state = State::kOk;
      if (r.state == State::kOk) return Status::OK();  // nothing was ever wrong
    }
    RK_ASSIGN_OR_RETURN(Statement insert, db.prepare(R"sql(
      INSERT INTO alert_events (source, signal, state, previous_state, message, value, at_us,
                                received_at_us)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?))sql"));
    RK_RETURN_IF_ERROR(insert
                           .bind_all(r.source, r.signal, monitor::state_name(r.state),
                                     monitor::state_name(r.previous_state), r.message, r.value,
                                     r.at_us, r.received_at_us)
                           .run());
    r.id = db.last_insert_rowid();
    RK_ASSIGN_OR_RETURN(Statement upsert, db.prepare(R"sql(
      INSERT INTO alerts_current (source, signal, state, event_id) VALUES (?, ?, ?, ?)
      ON CONFLICT (source, signal) DO UPDATE SET state = excluded.state,
                                                 event_id = excluded.event_id)sql"));
    RK_RETURN_IF_ERROR(
        upsert.bind_all(r.source, r.signal, monitor::state_name(r.state), r.id).run());
    stored = true;
    return Status::OK();
  }));
  if (!stored) return std::optional<AlertRecord>();
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) l(r);
  return std::optional<AlertRecord>(std::move(r));
}

Result<std::vector<AlertRecord>> AlertStore::query(const AlertQuery& q) {
  if (q.limit < 1 || q.limit > 1000) {
    return Status::InvalidArgument(fmt::format("limit must be 1..1000, got {}", q.limit));
  }
  std::vector<AlertRecord> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    const std::string where =
        "(?1 = '' OR e.source = ?1) AND (?2 = '' OR e.signal = ?2) AND (?3 IS NULL OR e.at_us >= "
        "?3)";
    const std::string sql =
        q.active ? fmt::format(
                       "SELECT {} FROM alerts_current c JOIN alert_events e ON e.id = "
                       "c.event_id WHERE c.state != 'OK' AND {} ORDER BY e.id DESC LIMIT ?4",
                       kColumns, where)
                 : fmt::format("SELECT {} FROM alert_events e WHERE {} ORDER BY e.id DESC LIMIT ?4",
                               kColumns, where);
    RK_ASSIGN_OR_RETURN(Statement stmt, db.prepare(sql));
    stmt.bind_all(q.source, q.signal, q.since_us, int64_t{q.limit});
    return stmt.each_row([&] { out.push_back(read_record(stmt)); });
  }));
  return out;
}

Result<std::vector<std::pair<State, int64_t>>> AlertStore::count_by_state() {
  std::vector<std::pair<State, int64_t>> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement stmt,
                        db.prepare("SELECT state, COUNT(*) FROM alerts_current GROUP BY state"));
    return stmt.each_row(
        [&] { out.emplace_back(state_from_column(stmt.column_text(0)), stmt.column_int64(1)); });
  }));
  return out;
}

void AlertStore::add_listener(Listener listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace rk::scheduler
