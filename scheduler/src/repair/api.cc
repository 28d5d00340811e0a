// REST handlers for repairs (see api.h): read the body, call RepairScheduler, write JSON. The
// rules (what a run may ask for, which tunables are in range) are the scheduler's.
#include "repair/api.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "repair/store.h"
#include "ringkeeper/core/json_api.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

// A run's or schedule's maintenance window.
const api::Spec kWindow = {
    {"windows", api::Type::kString, api::kRequired},
    {"time_zone", api::Type::kString},
    {"on_close", api::Type::kString},
};

// The tunables a run's options and a patch share. Integer fields are only bounded to what their
// C++ type holds; RepairScheduler checks their ranges (and intensity's).
constexpr int64_t kIntMin = std::numeric_limits<int>::min();
constexpr int64_t kIntMax = std::numeric_limits<int>::max();
const api::Field kMaxSessions = {
    .name = "max_sessions", .type = api::Type::kInteger, .min = kIntMin, .max = kIntMax};
const api::Field kIntensity = {.name = "intensity", .type = api::Type::kNumber};

// A body with the run options (shared by runs and schedules) added to `spec`'s own fields.
api::Spec with_run_options(api::Spec spec) {
  for (const api::Field& f : std::initializer_list<api::Field>{
           {"tables", api::Type::kArray},
           {"kind", api::Type::kString},
           {"parallelism", api::Type::kString},
           kMaxSessions,
           kIntensity,
           {.name = "segments_per_range",
           .type = api::Type::kInteger,
           .min = kIntMin,
           .max = kIntMax},
           {"max_segment_bytes", api::Type::kInteger},
           {"datacenters", api::Type::kArray},
           {"nodes", api::Type::kArray},
           {"mark_repaired", api::Type::kBool},
           {"preview", api::Type::kBool},
           {"window", api::Type::kObject, false, &kWindow},
       }) {
    spec.fields.push_back(f);
  }
  return spec;
}

const api::Spec kCreateRun = with_run_options({
    {"keyspace", api::Type::kString, api::kRequired},
    {"start", api::Type::kBool},
});
const api::Spec kCreateSchedule = with_run_options({
    {"keyspace", api::Type::kString, api::kRequired},
    {"interval_seconds", api::Type::kInteger},  // 0: derived from gc_grace
    {"first_activation_us", api::Type::kInteger},
});
const api::Spec kPatchRun = {
    kIntensity,
    kMaxSessions,
    {"parallelism", api::Type::kString},
};

Result<std::vector<std::string>> string_list(const json& body, const char* key) {
  std::vector<std::string> out;
  if (!body.contains(key)) return out;
  for (const json& e : body[key]) {
    if (!e.is_string() || e.get_ref<const std::string&>().empty()) {
      return Status::InvalidArgument(fmt::format("{} must be a list of non-empty strings", key));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<RepairRunOptions> run_options(const json& body, RepairKind default_kind) {
  RepairRunOptions o;
  o.keyspace = body["keyspace"];
  RK_ASSIGN_OR_RETURN(o.tables, string_list(body, "tables"));
  o.preview = body.value("preview", false);
  // A preview compares as a full repair does, whatever the default kind of the call.
  o.kind = o.preview ? RepairKind::kFull : default_kind;
  if (body.contains("kind")) {
    RK_ASSIGN_OR_RETURN(o.kind, parse_repair_kind(body["kind"].get<std::string>()));
  }
  if (body.contains("parallelism")) {
    RK_ASSIGN_OR_RETURN(o.parallelism, parse_parallelism(body["parallelism"].get<std::string>()));
  }
  // The Spec checked the ranges.
  // Not given: automatic (0), resolved when the run is created; sequential runs take 1 anyway.
  o.max_sessions = static_cast<int>(body.value("max_sessions", int64_t{0}));
  o.intensity = body.value("intensity", o.intensity);
  o.segments_per_range =
      static_cast<int>(body.value("segments_per_range", int64_t{o.segments_per_range}));
  o.max_segment_bytes = body.value("max_segment_bytes", o.max_segment_bytes);
  RK_ASSIGN_OR_RETURN(o.datacenters, string_list(body, "datacenters"));
  RK_ASSIGN_OR_RETURN(o.nodes, string_list(body, "nodes"));
  o.mark_repaired = body.value("mark_repaired", false);
  if (body.contains("window")) {
    const json& w = body["window"];
    RepairWindowSpec spec;
    spec.windows = w["windows"].get<std::string>();
    spec.time_zone = w.value("time_zone", spec.time_zone);
    spec.on_close = w.value("on_close", spec.on_close);
    o.window = std::move(spec);
  }
  return o;
}

json counts_json(const SegmentCounts& c) {
  return {{"total", c.total},
          {"done", c.done},
          {"running", c.running},
          {"pending", c.pending},
          {"failed", c.failed},
          {"aborted", c.aborted},
          {"bytes_validated", c.bytes_validated},
          {"bytes_streamed", c.bytes_streamed}};
}

json difference_json(const TableDifference& d) {
  return {{"table", d.table},
          {"ranges", d.ranges},
          {"rows", d.rows},
          {"bytes", d.bytes},
          {"behind", d.behind}};
}

json range_difference_json(const RangeDifference& d) {
  return {{"table", d.table},   {"range", d.range}, {"source", d.source},
          {"target", d.target}, {"rows", d.rows},   {"bytes", d.bytes}};
}

json run_json(const RepairRunView& v) {
  const RepairRun& r = v.run;
  const RepairRunOptions& o = r.options;
  json per_table = json::object();
  for (const auto& [t, c] : v.progress.per_table) per_table[t] = counts_json(c);
  json per_node = json::object();
  for (const auto& [h, c] : v.progress.per_node) per_node[h] = counts_json(c);
  json out = run_tunables_json(o);
  out.update({{"id", r.id},
              {"keyspace", o.keyspace},
              {"tables", o.tables},
              {"kind", repair_kind_name(o.kind)},
              {"schedule_id", r.schedule_id ? json(*r.schedule_id) : json(nullptr)},
              {"state", run_state_name(r.state)},
              {"cause", r.cause},
              {"created_by", r.created_by},
              {"created_at_us", r.created_at_us},
              {"started_at_us", r.started_at_us},
              {"finished_at_us", r.finished_at_us},
              {"progress",
               {{"segments", counts_json(v.progress.segments)},
                {"fraction", v.progress.fraction},
                {"elapsed_us", v.progress.elapsed_us},
                {"eta_us", v.progress.eta_us},
                {"postponed", v.progress.postponed},
                {"per_table", std::move(per_table)},
                {"per_node", std::move(per_node)}}}});
  if (o.preview) {
    json tables = json::array();
    for (const TableDifference& d : v.differences) tables.push_back(difference_json(d));
    out["differences"] = {{"tables", std::move(tables)}};
  }
  return out;
}

json segment_json(const RepairSegment& g) {
  return {{"id", g.id},
          {"run_id", g.run_id},
          {"position", g.position},
          {"tables", g.tables},
          {"range", g.range},
          {"replicas", g.replicas},
          {"state", segment_state_name(g.state)},
          {"attempts", g.attempts},
          {"session_id", g.session_id},
          {"coordinator", g.coordinator},
          {"started_at_us", g.started_at_us},
          {"finished_at_us", g.finished_at_us},
          {"not_before_us", g.not_before_us},
          {"estimated_bytes", g.estimated_bytes},
          {"bytes_validated", g.bytes_validated},
          {"bytes_streamed", g.bytes_streamed},
          {"last_error", g.last_error},
          {"postponed", g.postponed}};
}

json schedule_json(const RepairSchedule& s) {
  json out = run_tunables_json(s.spec.run_options);
  out.update({{"id", s.id},
              {"keyspace", s.spec.keyspace},
              {"tables", s.spec.tables},
              {"kind", repair_kind_name(s.spec.kind)},
              {"interval_seconds", s.interval_seconds},
              {"interval_derived", s.interval_derived},
              {"next_activation_us", s.next_activation_us},
              {"enabled", s.enabled},
              {"last_run_id", s.last_run_id ? json(*s.last_run_id) : json(nullptr)},
              {"created_by", s.created_by},
              {"created_at_us", s.created_at_us}});
  return out;
}

json deadline_json(const TableDeadline& d) {
  return {{"keyspace", d.keyspace},
          {"table", d.table},
          {"gc_grace_seconds", d.gc_grace_seconds},
          {"oldest_repaired_at_us", d.oldest_repaired_at_us},
          {"deadline_us", d.deadline_us},
          {"forecast_done_us", d.forecast_done_us},
          {"state", deadline_state_name(d.state)},
          {"severity", repair::deadline_severity_name(d.severity)},
          {"message", d.message}};
}

json proof_json(const TableProof& p) {
  const repair::ZombieProof& z = p.proof;
  json modes = json::array();
  for (const repair::GcModeSpan& m : p.modes) {
    modes.push_back({{"since_us", m.since_us}, {"tombstone_gc", tombstone_gc_name(m.mode)}});
  }
  json windows = json::array();
  for (const repair::ExposureWindow& w : z.windows) {
    json ranges = json::array();
    for (const TokenRange& r : w.ranges) ranges.push_back(r.to_string());
    windows.push_back({{"ranges", std::move(ranges)},
                       {"from_us", w.from_us},
                       {"to_us", w.to_us},
                       {"open", w.to_us == 0},
                       {"repaired_before_us", w.repaired_before_us},
                       {"tombstone_gc", tombstone_gc_name(w.mode)}});
  }
  json episodes = json::array();
  for (const repair::ExposureEpisode& e : z.episodes) {
    episodes.push_back({{"from_us", e.from_us},
                        {"to_us", e.to_us},
                        {"open", e.to_us == 0},
                        {"ring_share", e.ring_share}});
  }
  return {{"keyspace", p.keyspace},
          {"table", p.table},
          {"tombstone_gc", tombstone_gc_name(p.tombstone_gc)},
          {"gc_grace_seconds", p.gc_grace_seconds},
          {"replicas", p.replicas},
          {"created_at_us", p.created_at_us},
          {"record_since_us", p.record_since_us},
          {"now_us", p.now_us},
          {"safe_now", z.safe_now},
          {"safe_since_us", z.safe_since_us},
          {"exposed_since_us", z.exposed_since_us},
          {"safe_until_us", z.safe_until_us},
          {"message", p.message},
          {"modes", std::move(modes)},
          {"windows", std::move(windows)},
          {"windows_total", p.windows_total},
          {"episodes", std::move(episodes)}};
}

Result<int64_t> id_param(const http::Request& req, const char* name) {
  const std::string& text = req.path_param(name);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 1) {
    return Status::NotFound(fmt::format("no {} '{}'", name, text));
  }
  return v;
}

Status no_body(const http::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return Status::OK();
  static const api::Spec kEmpty = {};
  return api::read_body(req, kEmpty).status();
}

Status known_query(const http::Request& req, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : req.query) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Status::InvalidArgument(fmt::format("unknown query parameter '{}'", key));
    }
  }
  return Status::OK();
}

// Refusals, here or in the service, are audited by request_audit.cc.
Result<http::Response> handle_create_run(RepairScheduler& s, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kCreateRun));
  RK_ASSIGN_OR_RETURN(RepairRunOptions options, run_options(body, RepairKind::kFull));
  RK_ASSIGN_OR_RETURN(RepairRunView v,
                      s.create_run(req.principal, std::move(options), body.value("start", true)));
  return api::json_response(201, run_json(v));
}

Result<http::Response> handle_state_change(RepairScheduler& s, const http::Request& req,
                                           const std::string& action) {
  RK_ASSIGN_OR_RETURN(int64_t id, id_param(req, "id"));
  RK_RETURN_IF_ERROR(no_body(req));
  Result<RepairRunView> v = action == "pause"    ? s.pause(req.principal, id)
                            : action == "resume" ? s.resume(req.principal, id)
                                                 : s.abort(req.principal, id);
  RK_RETURN_IF_ERROR(v.status());
  return api::json_ok(run_json(*v));
}

Result<http::Response> handle_patch_run(RepairScheduler& s, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(int64_t id, id_param(req, "id"));
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kPatchRun));
  RunPatch p;
  if (body.contains("intensity")) p.intensity = body["intensity"].get<double>();
  if (body.contains("max_sessions")) {
    p.max_sessions = static_cast<int>(body["max_sessions"].get<int64_t>());
  }
  if (body.contains("parallelism")) {
    RK_ASSIGN_OR_RETURN(p.parallelism, parse_parallelism(body["parallelism"].get<std::string>()));
  }
  RK_ASSIGN_OR_RETURN(RepairRunView v, s.patch(req.principal, id, p));
  return api::json_ok(run_json(v));
}

Result<http::Response> handle_list_runs(RepairScheduler& s, const http::Request& req) {
  RK_RETURN_IF_ERROR(known_query(req, {"state", "keyspace", "limit", "preview"}));
  std::optional<bool> preview;
  if (const std::string* v = req.query_param("preview")) {
    if (*v != "true" && *v != "false") {
      return Status::InvalidArgument(fmt::format("preview must be true or false, got '{}'", *v));
    }
    preview = *v == "true";
  }
  std::optional<RunState> state;
  if (const std::string* v = req.query_param("state")) {
    RK_ASSIGN_OR_RETURN(state, parse_run_state(*v));
  }
  std::string keyspace;
  if (const std::string* v = req.query_param("keyspace")) keyspace = *v;
  int limit = 100;
  if (req.query_param("limit")) {
    RK_ASSIGN_OR_RETURN(int64_t l, api::query_int(req, "limit", 1, 1000));
    limit = static_cast<int>(l);
  }
  RK_ASSIGN_OR_RETURN(std::vector<RepairRunView> runs,
                      s.list_runs(state, keyspace, limit, preview));
  json out = json::array();
  for (const RepairRunView& v : runs) out.push_back(run_json(v));
  return api::json_ok({{"runs", std::move(out)}});
}

Result<http::Response> handle_segments(RepairScheduler& s, const http::Request& req) {
  RK_RETURN_IF_ERROR(known_query(req, {"state"}));
  RK_ASSIGN_OR_RETURN(int64_t id, id_param(req, "id"));
  std::optional<SegmentState> state;
  if (const std::string* v = req.query_param("state")) {
    RK_ASSIGN_OR_RETURN(state, parse_segment_state(*v));
  }
  RK_ASSIGN_OR_RETURN(std::vector<RepairSegment> segs, s.segments(id, state));
  json out = json::array();
  for (const RepairSegment& g : segs) out.push_back(segment_json(g));
  return api::json_ok({{"segments", std::move(out)}});
}

Result<http::Response> handle_differences(RepairScheduler& s, const http::Request& req) {
  RK_RETURN_IF_ERROR(known_query(req, {"limit"}));
  RK_ASSIGN_OR_RETURN(int64_t id, id_param(req, "id"));
  int limit = 1000;
  if (req.query_param("limit")) {
    RK_ASSIGN_OR_RETURN(int64_t l, api::query_int(req, "limit", 0, 100000));
    limit = static_cast<int>(l);
  }
  RK_ASSIGN_OR_RETURN(RunDifferences d, s.differences(id, limit));
  json tables = json::array();
  for (const TableDifference& t : d.tables) tables.push_back(difference_json(t));
  json ranges = json::array();
  for (const RangeDifference& r : d.ranges) ranges.push_back(range_difference_json(r));
  return api::json_ok({{"run_id", id},
                       {"tables", std::move(tables)},
                       {"ranges", std::move(ranges)},
                       {"ranges_total", d.ranges_total}});
}

// GET /api/v1/repair/proof[?keyspace=KS[&table=T]][&limit=N]: N windows per table at most.
Result<http::Response> handle_proof(RepairScheduler& s, const http::Request& req) {
  RK_RETURN_IF_ERROR(known_query(req, {"keyspace", "table", "limit"}));
  std::string keyspace;
  std::string table;
  if (const std::string* v = req.query_param("keyspace")) keyspace = *v;
  if (const std::string* v = req.query_param("table")) table = *v;
  if (!table.empty() && keyspace.empty()) {
    return Status::InvalidArgument("table given without its keyspace: add keyspace=");
  }
  int64_t limit = 100;
  if (req.query_param("limit")) {
    RK_ASSIGN_OR_RETURN(limit, api::query_int(req, "limit", 0, 10000));
  }
  RK_ASSIGN_OR_RETURN(std::vector<TableProof> all,
                      s.proofs(keyspace, table, static_cast<size_t>(limit)));
  json out = json::array();
  for (const TableProof& p : all) out.push_back(proof_json(p));
  return api::json_ok({{"tables", std::move(out)}});
}

Result<http::Response> handle_add_schedule(RepairScheduler& s, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kCreateSchedule));
  RepairScheduleSpec sp;
  RK_ASSIGN_OR_RETURN(sp.run_options, run_options(body, RepairKind::kIncremental));
  sp.keyspace = sp.run_options.keyspace;
  sp.tables = sp.run_options.tables;
  sp.kind = sp.run_options.kind;
  sp.interval_seconds = body.value("interval_seconds", int64_t{0});
  if (body.contains("first_activation_us")) {
    sp.first_activation_us = body["first_activation_us"].get<int64_t>();
  }
  RK_ASSIGN_OR_RETURN(RepairSchedule sc, s.add_schedule(req.principal, std::move(sp)));
  return api::json_response(201, schedule_json(sc));
}

}  // namespace

void add_repair_routes(http::Router& r, RepairScheduler& service) {
  RepairScheduler* s = &service;
  const RoleSet op{Role::kOperator};
  r.post(
      "/api/v1/repair/runs", [s](const http::Request& req) { return handle_create_run(*s, req); },
      op);
  r.get("/api/v1/repair/runs", [s](const http::Request& req) { return handle_list_runs(*s, req); });
  r.get("/api/v1/repair/runs/{id}", [s](const http::Request& req) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(int64_t id, id_param(req, "id"));
    RK_ASSIGN_OR_RETURN(RepairRunView v, s->run(id));
    return api::json_ok(run_json(v));
  });
  r.add(
      "PATCH", "/api/v1/repair/runs/{id}",
      [s](const http::Request& req) { return handle_patch_run(*s, req); }, op);
  for (const char* action : {"pause", "resume", "abort"}) {
    r.post(
        fmt::format("/api/v1/repair/runs/{{id}}/{}", action),
        [s, a = std::string(action)](const http::Request& req) {
          return handle_state_change(*s, req, a);
        },
        op);
  }
  r.get("/api/v1/repair/runs/{id}/segments",
        [s](const http::Request& req) { return handle_segments(*s, req); });
  r.get("/api/v1/repair/runs/{id}/differences",
        [s](const http::Request& req) { return handle_differences(*s, req); });
  r.post(
      "/api/v1/repair/schedules",
      [s](const http::Request& req) { return handle_add_schedule(*s, req); }, op);
  r.get("/api/v1/repair/schedules", [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(std::vector<RepairSchedule> all, s->schedules());
    json out = json::array();
    for (const RepairSchedule& sc : all) out.push_back(schedule_json(sc));
    return api::json_ok({{"schedules", std::move(out)}});
  });
  r.del(
      "/api/v1/repair/schedules/{id}",
      [s](const http::Request& req) -> Result<http::Response> {
        RK_ASSIGN_OR_RETURN(int64_t id, id_param(req, "id"));
        RK_RETURN_IF_ERROR(s->remove_schedule(req.principal, id));
        return api::json_ok({{"ok", true}});
      },
      op);
  r.get("/api/v1/repair/deadlines", [s](const http::Request&) -> Result<http::Response> {
    RK_ASSIGN_OR_RETURN(std::vector<TableDeadline> all, s->deadlines());
    json out = json::array();
    for (const TableDeadline& d : all) out.push_back(deadline_json(d));
    return api::json_ok({{"tables", std::move(out)}});
  });
  r.get("/api/v1/repair/proof", [s](const http::Request& req) { return handle_proof(*s, req); });
  // A coordinator agent's word that a session ended (docs/api.md): the driver looks at once.
  r.post(
      "/api/v1/repair/sessions/{id}/ended",
      [s](const http::Request& req) -> Result<http::Response> {
        const std::string& id = req.path_param("id");
        if (id.size() > 200) return Status::InvalidArgument("a session id is at most 200 bytes");
        s->session_ended(id);
        return api::json_ok({{"ok", true}});
      },
      RoleSet{Role::kAgent});
}

}  // namespace rk::scheduler
