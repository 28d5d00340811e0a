// Reading and writing the repair tables (see store.h).
#include "repair/store.h"

#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "db/sqlite.h"
#include "ringkeeper/core/token.h"
#include "ringkeeper/scheduler/store.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

std::string list_text(const std::vector<std::string>& list) { return json(list).dump(); }

std::vector<std::string> parse_list(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<RepairWindowSpec> window_from_json(const json& j) {
  if (!j.is_object() || !j.contains("windows")) return std::nullopt;
  RepairWindowSpec w;
  w.windows = j.value("windows", "");
  w.time_zone = j.value("time_zone", "UTC");
  w.on_close = j.value("on_close", "finish");
  return w;
}

std::optional<RepairWindowSpec> window_from_text(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return window_from_json(json::parse(text, nullptr, false));
}

json window_json(const RepairWindowSpec& w) {
  return {{"windows", w.windows}, {"time_zone", w.time_zone}, {"on_close", w.on_close}};
}

constexpr const char* kRunColumns =
    "id, keyspace, tables, kind, parallelism, max_sessions, intensity, segments_per_range, "
    "max_segment_bytes, datacenters, nodes, mark_repaired, schedule_id, state, cause, created_by, "
    "created_at_us, started_at_us, finished_at_us, maintenance_window, preview";

Result<RepairRun> read_run(Statement& s) {
  RepairRun r;
  r.id = s.column_int64(0);
  r.options.keyspace = s.column_text(1);
  r.options.tables = parse_list(s.column_text(2));
  RK_ASSIGN_OR_RETURN(r.options.kind, parse_repair_kind(s.column_text(3)));
  RK_ASSIGN_OR_RETURN(r.options.parallelism, parse_parallelism(s.column_text(4)));
  r.options.max_sessions = static_cast<int>(s.column_int64(5));
  r.options.intensity = s.column_double(6);
  r.options.segments_per_range = static_cast<int>(s.column_int64(7));
  r.options.max_segment_bytes = s.column_int64(8);
  r.options.datacenters = parse_list(s.column_text(9));
  r.options.nodes = parse_list(s.column_text(10));
  r.options.mark_repaired = s.column_int64(11) != 0;
  r.schedule_id = s.column_optional_int64(12);
  RK_ASSIGN_OR_RETURN(r.state, parse_run_state(s.column_text(13)));
  r.cause = s.column_text(14);
  r.created_by = s.column_text(15);
  r.created_at_us = s.column_int64(16);
  r.started_at_us = s.column_int64(17);
  r.finished_at_us = s.column_int64(18);
  r.options.window = window_from_text(s.column_text(19));
  r.options.preview = s.column_int64(20) != 0;
  return r;
}

Result<std::vector<RepairRun>> read_runs(Statement& s) {
  std::vector<RepairRun> out;
  RK_RETURN_IF_ERROR(s.each_row([&]() -> Status {
    RK_ASSIGN_OR_RETURN(RepairRun r, read_run(s));
    out.push_back(std::move(r));
    return Status::OK();
  }));
  return out;
}

constexpr const char* kSegmentColumns =
    "id, run_id, position, tables, range_start, range_end, replicas, state, attempts, session_id, "
    "coordinator, started_at_us, finished_at_us, not_before_us, estimated_bytes, bytes_validated, "
    "bytes_streamed, last_error, postponed";

Result<RepairSegment> read_segment(Statement& s) {
  RepairSegment g;
  g.id = s.column_int64(0);
  g.run_id = s.column_int64(1);
  g.position = s.column_int64(2);
  g.tables = parse_list(s.column_text(3));
  g.range = "(" + s.column_text(4) + "," + s.column_text(5) + "]";
  g.replicas = parse_list(s.column_text(6));
  RK_ASSIGN_OR_RETURN(g.state, parse_segment_state(s.column_text(7)));
  g.attempts = static_cast<int>(s.column_int64(8));
  g.session_id = s.column_text(9);
  g.coordinator = s.column_text(10);
  g.started_at_us = s.column_int64(11);
  g.finished_at_us = s.column_int64(12);
  g.not_before_us = s.column_int64(13);
  g.estimated_bytes = s.column_int64(14);
  g.bytes_validated = s.column_int64(15);
  g.bytes_streamed = s.column_int64(16);
  g.last_error = s.column_text(17);
  g.postponed = s.column_text(18);
  return g;
}

Status write_segment(Database& db, const RepairSegment& g) {
  RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
    UPDATE repair_segments SET state = ?, attempts = ?, session_id = ?, coordinator = ?,
      started_at_us = ?, finished_at_us = ?, not_before_us = ?, bytes_validated = ?,
      bytes_streamed = ?, last_error = ?, postponed = ?
    WHERE id = ?)sql"));
  return s
      .bind_all(segment_state_name(g.state), int64_t{g.attempts}, g.session_id, g.coordinator,
                g.started_at_us, g.finished_at_us, g.not_before_us, g.bytes_validated,
                g.bytes_streamed, g.last_error, g.postponed, g.id)
      .run();
}

}  // namespace

json run_tunables_json(const RepairRunOptions& o) {
  return {{"parallelism", parallelism_name(o.parallelism)},
          {"max_sessions", o.max_sessions},
          {"intensity", o.intensity},
          {"segments_per_range", o.segments_per_range},
          {"max_segment_bytes", o.max_segment_bytes},
          {"datacenters", o.datacenters},
          {"nodes", o.nodes},
          {"mark_repaired", o.mark_repaired},
          {"preview", o.preview},
          {"window", o.window ? window_json(*o.window) : json(nullptr)}};
}

namespace {

void schedule_options_from_json(const std::string& text, RepairRunOptions* o) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return;
  if (auto p = parse_parallelism(j.value("parallelism", "sequential")); p.ok()) {
    o->parallelism = *p;
  }
  o->max_sessions = j.value("max_sessions", 1);
  o->intensity = j.value("intensity", 1.0);
  o->segments_per_range = j.value("segments_per_range", 1);
  o->max_segment_bytes = j.value("max_segment_bytes", int64_t{0});
  o->datacenters = j.value("datacenters", std::vector<std::string>{});
  o->nodes = j.value("nodes", std::vector<std::string>{});
  o->mark_repaired = j.value("mark_repaired", false);
  o->preview = j.value("preview", false);
  if (j.contains("window")) o->window = window_from_json(j["window"]);
}

}  // namespace

Result<int64_t> RepairStore::insert_run(const RepairRun& run,
                                        const std::vector<RepairSegment>& segments) {
  int64_t id = 0;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      INSERT INTO repair_runs (keyspace, tables, kind, parallelism, max_sessions, intensity,
        segments_per_range, max_segment_bytes, datacenters, nodes, mark_repaired, schedule_id,
        state, cause, created_by, created_at_us, started_at_us, finished_at_us,
        maintenance_window, preview)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql"));
    const RepairRunOptions& o = run.options;
    RK_RETURN_IF_ERROR(
        s.bind_all(
             o.keyspace, list_text(o.tables), repair_kind_name(o.kind),
             parallelism_name(o.parallelism), int64_t{o.max_sessions}, o.intensity,
             int64_t{o.segments_per_range}, o.max_segment_bytes, list_text(o.datacenters),
             list_text(o.nodes), int64_t{o.mark_repaired ? 1 : 0}, run.schedule_id,
             run_state_name(run.state), run.cause, run.created_by, run.created_at_us,
             run.started_at_us, run.finished_at_us,
             o.window ? std::optional<std::string>(window_json(*o.window).dump()) : std::nullopt,
             int64_t{o.preview ? 1 : 0})
            .run());
    id = db.last_insert_rowid();
    RK_ASSIGN_OR_RETURN(Statement seg, db.prepare(R"sql(
      INSERT INTO repair_segments (run_id, position, tables, range_start, range_end, replicas,
        state, estimated_bytes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?))sql"));
    int64_t position = 0;
    for (const RepairSegment& g : segments) {
      RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(g.range));
      seg.reset();
      RK_RETURN_IF_ERROR(seg.bind_all(id, position++, list_text(g.tables),
                                      token_to_string(range.start()), token_to_string(range.end()),
                                      list_text(g.replicas), segment_state_name(g.state),
                                      g.estimated_bytes)
                             .run());
    }
    return Status::OK();
  }));
  return id;
}

Result<RepairRun> RepairStore::run(int64_t id) {
  std::optional<RepairRun> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(fmt::format(
                                         "SELECT {} FROM repair_runs WHERE id = ?", kRunColumns)));
    s.bind(1, id);
    RK_ASSIGN_OR_RETURN(std::vector<RepairRun> runs, read_runs(s));
    if (!runs.empty()) out = std::move(runs.front());
    return Status::OK();
  }));
  if (!out) return Status::NotFound(fmt::format("no repair run {}", id));
  return *out;
}

Result<std::vector<RepairRun>> RepairStore::runs(std::optional<RunState> state,
                                                 const std::string& keyspace, int limit,
                                                 std::optional<bool> preview) {
  std::vector<RepairRun> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(fmt::format(
                                         "SELECT {} FROM repair_runs WHERE (?1 IS NULL OR state = "
                                         "?1) AND (?2 = '' OR keyspace = ?2) AND (?4 IS NULL OR "
                                         "preview = ?4) ORDER BY id DESC LIMIT ?3",
                                         kRunColumns)));
    std::optional<std::string> state_text;
    if (state) state_text = std::string(run_state_name(*state));
    std::optional<int64_t> preview_flag;
    if (preview) preview_flag = *preview ? 1 : 0;
    s.bind_all(state_text, keyspace, int64_t{limit}, preview_flag);
    RK_ASSIGN_OR_RETURN(out, read_runs(s));
    return Status::OK();
  }));
  return out;
}

Result<std::vector<RepairRun>> RepairStore::active_runs() {
  std::vector<RepairRun> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s,
                        db.prepare(fmt::format("SELECT {} FROM repair_runs WHERE state IN "
                                               "('NOT_STARTED', 'RUNNING', 'PAUSED') ORDER BY id",
                                               kRunColumns)));
    RK_ASSIGN_OR_RETURN(out, read_runs(s));
    return Status::OK();
  }));
  return out;
}

Status RepairStore::update_run(const RepairRun& run) {
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      UPDATE repair_runs SET state = ?, cause = ?, started_at_us = ?, finished_at_us = ?,
        intensity = ?, max_sessions = ?, parallelism = ?
      WHERE id = ?)sql"));
    RK_RETURN_IF_ERROR(s.bind_all(run_state_name(run.state), run.cause, run.started_at_us,
                                  run.finished_at_us, run.options.intensity,
                                  int64_t{run.options.max_sessions},
                                  parallelism_name(run.options.parallelism), run.id)
                           .run());
    if (db.changes() == 0) return Status::NotFound(fmt::format("no repair run {}", run.id));
    return Status::OK();
  });
}

Result<std::vector<RepairSegment>> RepairStore::segments(int64_t run_id,
                                                         std::optional<SegmentState> state) {
  std::vector<RepairSegment> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(
        Statement s, db.prepare(fmt::format("SELECT {} FROM repair_segments WHERE run_id = ?1 AND "
                                            "(?2 IS NULL OR state = ?2) ORDER BY position",
                                            kSegmentColumns)));
    std::optional<std::string> state_text;
    if (state) state_text = std::string(segment_state_name(*state));
    s.bind_all(run_id, state_text);
    return s.each_row([&]() -> Status {
      RK_ASSIGN_OR_RETURN(RepairSegment g, read_segment(s));
      out.push_back(std::move(g));
      return Status::OK();
    });
  }));
  return out;
}

Status RepairStore::update_segment(const RepairSegment& segment) {
  return store_.write([&](Database& db) { return write_segment(db, segment); });
}

Status RepairStore::finish_segment(const RepairSegment& segment, const std::string& keyspace,
                                   RepairKind kind, int64_t repaired_at_us,
                                   bool every_replica) {
  RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(segment.range));
  const std::string start = token_to_string(range.start());
  const std::string end = token_to_string(range.end());
  return store_.write([&](Database& db) -> Status {
    RK_RETURN_IF_ERROR(write_segment(db, segment));
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      INSERT INTO repair_history (keyspace, table_name, range_start, range_end, repaired_at_us,
        kind) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (keyspace, table_name, range_start, range_end) DO UPDATE SET
        repaired_at_us = max(repaired_at_us, excluded.repaired_at_us), kind = excluded.kind)sql"));
    RK_ASSIGN_OR_RETURN(Statement c, db.prepare(R"sql(
      INSERT INTO repair_coverage (keyspace, table_name, range_start, range_end, started_at_us,
        finished_at_us) VALUES (?, ?, ?, ?, ?, ?))sql"));
    for (const std::string& table : segment.tables) {
      s.reset();
      RK_RETURN_IF_ERROR(
          s.bind_all(keyspace, table, start, end, repaired_at_us, repair_kind_name(kind)).run());
      if (!every_replica) continue;
      c.reset();
      RK_RETURN_IF_ERROR(
          c.bind_all(keyspace, table, start, end, repaired_at_us, segment.finished_at_us).run());
    }
    return Status::OK();
  });
}

Status RepairStore::finish_preview_segment(const RepairSegment& segment,
                                           const std::vector<TableDifference>& tables,
                                           const std::vector<RangeDifference>& ranges) {
  return store_.write([&](Database& db) -> Status {
    RK_RETURN_IF_ERROR(write_segment(db, segment));
    for (const char* table : {"repair_preview_tables", "repair_preview_ranges"}) {
      RK_ASSIGN_OR_RETURN(Statement d,
                          db.prepare(fmt::format("DELETE FROM {} WHERE segment_id = ?", table)));
      RK_RETURN_IF_ERROR(d.bind(1, segment.id).run());
    }
    RK_ASSIGN_OR_RETURN(Statement t, db.prepare(R"sql(
      INSERT INTO repair_preview_tables (segment_id, run_id, table_name, ranges, rows, bytes,
        behind) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (segment_id, table_name) DO UPDATE SET ranges = ranges + excluded.ranges,
        rows = rows + excluded.rows, bytes = bytes + excluded.bytes)sql"));
    for (const TableDifference& d : tables) {
      t.reset();
      RK_RETURN_IF_ERROR(t.bind_all(segment.id, segment.run_id, d.table, d.ranges, d.rows, d.bytes,
                                    list_text(d.behind))
                             .run());
    }
    RK_ASSIGN_OR_RETURN(Statement r, db.prepare(R"sql(
      INSERT INTO repair_preview_ranges (segment_id, run_id, table_name, range_start, range_end,
        source, target, rows, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?))sql"));
    for (const RangeDifference& d : ranges) {
      RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(d.range));
      r.reset();
      RK_RETURN_IF_ERROR(r.bind_all(segment.id, segment.run_id, d.table,
                                    token_to_string(range.start()), token_to_string(range.end()),
                                    d.source, d.target, d.rows, d.bytes)
                             .run());
    }
    return Status::OK();
  });
}

Result<RunDifferences> RepairStore::differences(int64_t run_id, int limit) {
  RunDifferences out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement t, db.prepare(R"sql(
      SELECT table_name, ranges, rows, bytes, behind FROM repair_preview_tables
      WHERE run_id = ? ORDER BY table_name, segment_id)sql"));
    t.bind(1, run_id);
    RK_RETURN_IF_ERROR(t.each_row([&] {
      const std::string table = t.column_text(0);
      if (out.tables.empty() || out.tables.back().table != table) out.tables.push_back({table});
      TableDifference& d = out.tables.back();
      d.ranges += t.column_int64(1);
      d.rows += t.column_int64(2);
      d.bytes += t.column_int64(3);
      for (std::string& h : parse_list(t.column_text(4))) {
        if (std::find(d.behind.begin(), d.behind.end(), h) == d.behind.end()) {
          d.behind.push_back(std::move(h));
        }
      }
    }));
    for (TableDifference& d : out.tables) std::sort(d.behind.begin(), d.behind.end());
    RK_ASSIGN_OR_RETURN(Statement n,
                        db.prepare("SELECT count(*) FROM repair_preview_ranges WHERE run_id = ?"));
    n.bind(1, run_id);
    RK_ASSIGN_OR_RETURN(bool counted, n.step());
    if (counted) out.ranges_total = n.column_int64(0);
    RK_ASSIGN_OR_RETURN(Statement r, db.prepare(R"sql(
      SELECT p.table_name, p.range_start, p.range_end, p.source, p.target, p.rows, p.bytes
      FROM repair_preview_ranges p JOIN repair_segments s ON s.id = p.segment_id
      WHERE p.run_id = ? ORDER BY s.position, p.rowid LIMIT ?)sql"));
    r.bind_all(run_id, int64_t{limit});
    return r.each_row([&] {
      out.ranges.push_back({r.column_text(0), "(" + r.column_text(1) + "," + r.column_text(2) + "]",
                            r.column_text(3), r.column_text(4), r.column_int64(5),
                            r.column_int64(6)});
    });
  }));
  return out;
}

Result<std::vector<int64_t>> RepairStore::replan_segment(RepairSegment segment,
                                                         const std::vector<RepairSegment>& pieces) {
  std::vector<int64_t> ids;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    ids.clear();
    RK_ASSIGN_OR_RETURN(
        Statement last,
        db.prepare("SELECT coalesce(max(position), -1) FROM repair_segments WHERE run_id = ?"));
    int64_t position = 0;
    RK_RETURN_IF_ERROR(last.bind(1, segment.run_id).each_row([&]() -> Status {
      position = last.column_int64(0) + 1;
      return Status::OK();
    }));
    RK_ASSIGN_OR_RETURN(Statement insert, db.prepare(R"sql(
      INSERT INTO repair_segments (run_id, position, tables, range_start, range_end, replicas,
        state, estimated_bytes)
      VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?))sql"));
    for (const RepairSegment& g : pieces) {
      RK_ASSIGN_OR_RETURN(TokenRange range, TokenRange::parse(g.range));
      insert.reset();
      RK_RETURN_IF_ERROR(insert
                             .bind_all(segment.run_id, position++, list_text(g.tables),
                                       token_to_string(range.start()), token_to_string(range.end()),
                                       list_text(g.replicas), g.estimated_bytes)
                             .run());
      ids.push_back(db.last_insert_rowid());
    }
    std::string names;
    for (int64_t id : ids) names += (names.empty() ? "" : ", ") + std::to_string(id);
    segment.last_error += ids.empty() ? "; nothing left to repair on its range"
                                      : fmt::format("; re-planned as segment{} {}",
                                                    ids.size() == 1 ? "" : "s", names);
    return write_segment(db, segment);
  }));
  return ids;
}

Result<std::vector<RepairRecord>> RepairStore::history(const std::string& keyspace,
                                                       const std::string& table) {
  std::vector<RepairRecord> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      SELECT range_start, range_end, repaired_at_us FROM repair_history
      WHERE keyspace = ? AND table_name = ?)sql"));
    s.bind_all(keyspace, table);
    return s.each_row([&]() -> Status {
      RK_ASSIGN_OR_RETURN(Token start, parse_token(s.column_text(0)));
      RK_ASSIGN_OR_RETURN(Token end, parse_token(s.column_text(1)));
      out.push_back({TokenRange(start, end), s.column_int64(2)});
      return Status::OK();
    });
  }));
  return out;
}

Result<std::vector<repair::CoveringRepair>> RepairStore::coverage(const std::string& keyspace,
                                                                  const std::string& table) {
  std::vector<repair::CoveringRepair> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      SELECT range_start, range_end, started_at_us, finished_at_us FROM repair_coverage
      WHERE keyspace = ? AND table_name = ?)sql"));
    s.bind_all(keyspace, table);
    return s.each_row([&]() -> Status {
      RK_ASSIGN_OR_RETURN(Token start, parse_token(s.column_text(0)));
      RK_ASSIGN_OR_RETURN(Token end, parse_token(s.column_text(1)));
      out.push_back({TokenRange(start, end), s.column_int64(2), s.column_int64(3)});
      return Status::OK();
    });
  }));
  return out;
}

Result<int64_t> RepairStore::insert_schedule(const RepairSchedule& sc) {
  int64_t id = 0;
  RK_RETURN_IF_ERROR(store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      INSERT INTO repair_schedules (keyspace, tables, kind, interval_seconds, interval_derived,
        options, next_activation_us, enabled, created_by, created_at_us)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql"));
    RK_RETURN_IF_ERROR(
        s.bind_all(sc.spec.keyspace, list_text(sc.spec.tables), repair_kind_name(sc.spec.kind),
                   sc.interval_seconds, int64_t{sc.interval_derived ? 1 : 0},
                   run_tunables_json(sc.spec.run_options).dump(), sc.next_activation_us,
                   int64_t{sc.enabled ? 1 : 0}, sc.created_by, sc.created_at_us)
            .run());
    id = db.last_insert_rowid();
    return Status::OK();
  }));
  return id;
}

Result<std::vector<RepairSchedule>> RepairStore::schedules() {
  std::vector<RepairSchedule> out;
  RK_RETURN_IF_ERROR(store_.read([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      SELECT id, keyspace, tables, kind, interval_seconds, interval_derived, options,
        next_activation_us, enabled, last_run_id, created_by, created_at_us
      FROM repair_schedules ORDER BY id)sql"));
    return s.each_row([&]() -> Status {
      RepairSchedule sc;
      sc.id = s.column_int64(0);
      sc.spec.keyspace = s.column_text(1);
      sc.spec.tables = parse_list(s.column_text(2));
      RK_ASSIGN_OR_RETURN(sc.spec.kind, parse_repair_kind(s.column_text(3)));
      sc.interval_seconds = s.column_int64(4);
      sc.interval_derived = s.column_int64(5) != 0;
      sc.spec.interval_seconds = sc.interval_derived ? 0 : sc.interval_seconds;
      schedule_options_from_json(s.column_text(6), &sc.spec.run_options);
      sc.spec.run_options.keyspace = sc.spec.keyspace;
      sc.spec.run_options.tables = sc.spec.tables;
      sc.spec.run_options.kind = sc.spec.kind;
      sc.next_activation_us = s.column_int64(7);
      sc.enabled = s.column_int64(8) != 0;
      sc.last_run_id = s.column_optional_int64(9);
      sc.created_by = s.column_text(10);
      sc.created_at_us = s.column_int64(11);
      out.push_back(std::move(sc));
      return Status::OK();
    });
  }));
  return out;
}

Status RepairStore::update_schedule(const RepairSchedule& sc) {
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare(R"sql(
      UPDATE repair_schedules SET interval_seconds = ?, next_activation_us = ?, enabled = ?,
        last_run_id = ? WHERE id = ?)sql"));
    return s
        .bind_all(sc.interval_seconds, sc.next_activation_us, int64_t{sc.enabled ? 1 : 0},
                  sc.last_run_id, sc.id)
        .run();
  });
}

Status RepairStore::delete_schedule(int64_t id) {
  return store_.write([&](Database& db) -> Status {
    RK_ASSIGN_OR_RETURN(Statement s, db.prepare("DELETE FROM repair_schedules WHERE id = ?"));
    RK_RETURN_IF_ERROR(s.bind(1, id).run());
    if (db.changes() == 0) return Status::NotFound(fmt::format("no repair schedule {}", id));
    return Status::OK();
  });
}

}  // namespace rk::scheduler
