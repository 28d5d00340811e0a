// The SQL of the backup tables (see store.h): each public call one transaction over the helpers
// below, which run inside it.
#include "backup/store.h"

#include "db/sqlite.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

constexpr const char* kRunColumns =
    "tag, state, schedule_id, requested_by, started_at_us, completed_at_us, updated_at_us, error";

Result<BackupRun> run_from_row(Statement& s) {
  BackupRun r;
  r.tag = s.column_text(0);
  RK_ASSIGN_OR_RETURN(r.state, parse_backup_run_state(s.column_text(1)));
  r.schedule_id = s.column_optional_int64(2);
  r.requested_by = s.column_text(3);
  r.started_at_us = s.column_int64(4);
  r.completed_at_us = s.column_int64(5);
  r.updated_at_us = s.column_int64(6);
  r.error = s.column_text(7);
  return r;
}

Status load_nodes(Database& db, BackupRun& run) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
    SELECT host_id, state, files_total, files_done, files_skipped, bytes_total, bytes_done,
           bytes_sent, rate_bps, error, updated_at_us
    FROM backup_run_nodes WHERE tag = ? ORDER BY host_id)sql"));
  s.bind_all(run.tag);
  return s.each_row([&] {
    BackupRunNode n;
    n.host_id = s.column_text(0);
    n.state = s.column_text(1);
    n.progress.files_total = static_cast<uint64_t>(s.column_int64(2));
    n.progress.files_done = static_cast<uint64_t>(s.column_int64(3));
    n.progress.files_skipped = static_cast<uint64_t>(s.column_int64(4));
    n.progress.bytes_total = static_cast<uint64_t>(s.column_int64(5));
    n.progress.bytes_done = static_cast<uint64_t>(s.column_int64(6));
    n.progress.bytes_sent = static_cast<uint64_t>(s.column_int64(7));
    // The rate is kept as a figure; started/updated are rebuilt so that the model computes it.
    const int64_t rate = s.column_int64(8);
    n.error = s.column_text(9);
    n.updated_at_us = s.column_int64(10);
    if (rate > 0 && n.progress.bytes_sent > 0) {
      n.progress.updated_at_us = n.updated_at_us;
      n.progress.started_at_us =
          n.updated_at_us - static_cast<int64_t>(static_cast<double>(n.progress.bytes_sent) * 1e6 /
                                                 static_cast<double>(rate));
    }
    run.nodes.push_back(std::move(n));
  });
}

Status insert_run(Database& db, const BackupRun& run) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
    INSERT INTO backup_runs (tag, state, schedule_id, requested_by, started_at_us,
                             completed_at_us, updated_at_us, error)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?))sql"));
  RK_RETURN_IF_ERROR(s.bind_all(run.tag, backup_run_state_name(run.state), run.schedule_id,
                                run.requested_by, run.started_at_us, run.completed_at_us,
                                run.updated_at_us, run.error)
                         .run());
  for (const auto& n : run.nodes) {
    RK_ASSIGN_OR_RETURN(Statement ns, db.prepare(R"sql(
      INSERT INTO backup_run_nodes (tag, host_id, state, updated_at_us) VALUES (?, ?, ?, ?))sql"));
    RK_RETURN_IF_ERROR(ns.bind_all(run.tag, n.host_id, n.state, run.started_at_us).run());
  }
  return Status::OK();
}

Result<BackupRun> load_run(Database& db, const std::string& tag) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(std::string("SELECT ") + kRunColumns +
                                              " FROM backup_runs WHERE tag = ?"));
  s.bind_all(tag);
  RK_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return Status::NotFound("no backup " + tag);
  RK_ASSIGN_OR_RETURN(BackupRun run, run_from_row(s));
  RK_RETURN_IF_ERROR(load_nodes(db, run));
  return run;
}

Result<std::vector<BackupRun>> load_runs(Database& db, int limit,
                                         std::optional<BackupRunState> state) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(std::string("SELECT ") + kRunColumns +
                                              " FROM backup_runs WHERE (?1 IS NULL OR state = ?1)"
                                              " ORDER BY started_at_us DESC, tag DESC LIMIT ?2"));
  std::optional<std::string> filter;
  if (state) filter = std::string(backup_run_state_name(*state));
  s.bind_all(filter, int64_t{limit});
  std::vector<BackupRun> out;
  RK_RETURN_IF_ERROR(s.each_row([&]() -> Status {
    RK_ASSIGN_OR_RETURN(BackupRun run, run_from_row(s));
    out.push_back(std::move(run));
    return Status::OK();
  }));
  for (auto& run : out) RK_RETURN_IF_ERROR(load_nodes(db, run));
  return out;
}

Status update_run_state(Database& db, const std::string& tag, BackupRunState state,
                        const std::string& error, int64_t completed_at_us, int64_t now_us) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
    UPDATE backup_runs SET state = ?, error = ?, completed_at_us = ?, updated_at_us = ?
    WHERE tag = ?)sql"));
  return s.bind_all(backup_run_state_name(state), error, completed_at_us, now_us, tag).run();
}

Status update_node(Database& db, const std::string& tag, const BackupRunNode& n) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
    UPDATE backup_run_nodes SET state = ?, files_total = ?, files_done = ?, files_skipped = ?,
      bytes_total = ?, bytes_done = ?, bytes_sent = ?, rate_bps = ?, error = ?, updated_at_us = ?
    WHERE tag = ? AND host_id = ?)sql"));
  return s
      .bind_all(n.state, static_cast<int64_t>(n.progress.files_total),
                static_cast<int64_t>(n.progress.files_done),
                static_cast<int64_t>(n.progress.files_skipped),
                static_cast<int64_t>(n.progress.bytes_total),
                static_cast<int64_t>(n.progress.bytes_done),
                static_cast<int64_t>(n.progress.bytes_sent),
                static_cast<int64_t>(n.progress.rate_bytes_per_second()), n.error, n.updated_at_us,
                tag, n.host_id)
      .run();
}

Status delete_run(Database& db, const std::string& tag) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare("DELETE FROM backup_runs WHERE tag = ?"));
  return s.bind_all(tag).run();
}

Result<BackupSchedule> insert_schedule(Database& db, BackupSchedule schedule, int64_t now_us) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
    INSERT INTO backup_schedules (name, interval_seconds, next_run_at_us, keep_last, keep_days,
                                  enabled, created_at_us)
    VALUES (?, ?, ?, ?, ?, ?, ?))sql"));
  RK_RETURN_IF_ERROR(s.bind_all(schedule.name, schedule.interval_seconds, schedule.next_run_at_us,
                                int64_t{schedule.retention.keep_last}, schedule.retention.keep_days,
                                int64_t{schedule.enabled ? 1 : 0}, now_us)
                         .run());
  schedule.id = db.last_insert_rowid();
  return schedule;
}

Result<std::vector<BackupSchedule>> load_schedules(Database& db) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
    SELECT id, name, interval_seconds, next_run_at_us, keep_last, keep_days, enabled
    FROM backup_schedules ORDER BY name)sql"));
  std::vector<BackupSchedule> out;
  RK_RETURN_IF_ERROR(s.each_row([&] {
    BackupSchedule b;
    b.id = s.column_int64(0);
    b.name = s.column_text(1);
    b.interval_seconds = s.column_int64(2);
    b.next_run_at_us = s.column_int64(3);
    b.retention.keep_last = static_cast<int>(s.column_int64(4));
    b.retention.keep_days = s.column_int64(5);
    b.enabled = s.column_int64(6) != 0;
    out.push_back(std::move(b));
  }));
  return out;
}

Status set_next_run(Database& db, int64_t id, int64_t next_run_at_us) {
  RK_ASSIGN_OR_RETURN(Statement s,
                      db.prepare("UPDATE backup_schedules SET next_run_at_us = ? WHERE id = ?"));
  return s.bind_all(next_run_at_us, id).run();
}

Status delete_schedule(Database& db, const std::string& name) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare("DELETE FROM backup_schedules WHERE name = ?"));
  RK_RETURN_IF_ERROR(s.bind_all(name).run());
  if (db.changes() == 0) return Status::NotFound("no backup schedule " + name);
  return Status::OK();
}

}  // namespace

Status BackupStore::insert_run(const BackupRun& run) {
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(auto active, load_runs(db, 1, BackupRunState::kRunning));
    if (!active.empty()) {
      return Status::FailedPrecondition("backup " + active[0].tag + " is running");
    }
    if (load_run(db, run.tag).ok()) return Status::AlreadyExists("backup " + run.tag + " exists");
    return rk::scheduler::insert_run(db, run);
  });
}

Result<BackupRun> BackupStore::run(const std::string& tag) {
  BackupRun out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(out, load_run(db, tag));
    return Status::OK();
  }));
  return out;
}

Result<std::vector<BackupRun>> BackupStore::runs(int limit, std::optional<BackupRunState> state) {
  std::vector<BackupRun> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(out, load_runs(db, limit, state));
    return Status::OK();
  }));
  return out;
}

Status BackupStore::set_state(const std::string& tag, BackupRunState state,
                              const std::string& error, int64_t completed_at_us, int64_t now_us) {
  return store_.write([&](Database& db) {
    return update_run_state(db, tag, state, error, completed_at_us, now_us);
  });
}

Status BackupStore::resume(const std::string& tag, int64_t now_us) {
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(auto active, load_runs(db, 1, BackupRunState::kRunning));
    if (!active.empty()) {
      return Status::FailedPrecondition("backup " + active[0].tag + " is running");
    }
    return update_run_state(db, tag, BackupRunState::kRunning, "", 0, now_us);
  });
}

Status BackupStore::record_progress(const BackupRun& run, const std::string& failure,
                                    int64_t now_us) {
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(BackupRun current, load_run(db, run.tag));
    if (current.state != BackupRunState::kRunning) return Status::OK();
    for (const auto& n : run.nodes) RK_RETURN_IF_ERROR(update_node(db, run.tag, n));
    if (!failure.empty()) {
      RK_RETURN_IF_ERROR(
          update_run_state(db, run.tag, BackupRunState::kFailed, failure, now_us, now_us));
    }
    return Status::OK();
  });
}

Status BackupStore::delete_runs(const std::vector<std::string>& tags) {
  return store_.write([&](Database& db) -> Status {
    for (const auto& t : tags) RK_RETURN_IF_ERROR(delete_run(db, t));
    return Status::OK();
  });
}

Result<BackupSchedule> BackupStore::insert_schedule(BackupSchedule schedule, int64_t now_us) {
  BackupSchedule stored;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(stored, rk::scheduler::insert_schedule(db, schedule, now_us));
    return Status::OK();
  }));
  return stored;
}

Result<std::vector<BackupSchedule>> BackupStore::schedules() {
  std::vector<BackupSchedule> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(out, load_schedules(db));
    return Status::OK();
  }));
  return out;
}

Status BackupStore::set_next_run(int64_t id, int64_t next_run_at_us) {
  return store_.write(
      [&](Database& db) { return rk::scheduler::set_next_run(db, id, next_run_at_us); });
}

Status BackupStore::delete_schedule(const std::string& name) {
  return store_.write([&](Database& db) { return rk::scheduler::delete_schedule(db, name); });
}

}  // namespace rk::scheduler
