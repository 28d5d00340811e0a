// `rkctl repair` and `rkctl schedule`: repair runs and schedules through the scheduler's
// /api/v1/repair endpoints (docs/api.md), with a live progress bar on a terminal.
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/core/duration_text.h"
#include "ringkeeper/core/time_text.h"

namespace rk::cli {

const char* const kRepairUsage =
    "usage: rkctl repair <subcommand> [options]\n"
    "\n"
    "  start KEYSPACE [--tables T1,T2] [--incremental] [--parallelism MODE] [--max-sessions N]\n"
    "        [--intensity X] [--segments-per-range N] [--max-segment-bytes N] [--dc DC1,DC2]\n"
    "        [--nodes HOST1,HOST2] [--window SPEC [--window-tz ZONE] [--window-close POLICY]]\n"
    "        [--mark-repaired] [--preview] [--paused] [--wait]\n"
    "                     start a run (full unless --incremental); MODE is sequential (default),\n"
    "                     parallel or datacenter_aware (without --max-sessions: as many sessions\n"
    "                     as the ring allows, nodes / RF per datacenter); --wait shows progress;\n"
    "                     --window limits it to maintenance windows, e.g. \"mon-fri 22:00-06:00;\n"
    "                     sat,sun 00:00-24:00\" (\"\" = always open; default: the scheduler's\n"
    "                     repair.windows) in ZONE (UTC, +05:30, Europe/Berlin; default UTC);\n"
    "                     POLICY finish (default) or stop: running sessions at the close;\n"
    "                     --preview compares as a full repair does and reports what differs\n"
    "                     (rows, bytes, ranges, replicas behind) without streaming or marking\n"
    "                     anything (not with --incremental or --mark-repaired)\n"
    "  list [--state STATE] [--keyspace KS] [--limit N] [--preview]\n"
    "                     runs, newest first (--preview: previews only)\n"
    "  show ID            one run: settings, progress per table and per node, why segments wait,\n"
    "                     segments a ring change planned again;\n"
    "                     a preview's differences per table and its differing ranges\n"
    "  progress ID [--interval DURATION]\n"
    "                     follow a run until it ends (a live bar on a terminal); exit 0 when it\n"
    "                     ends DONE, 1 otherwise\n"
    "  segments ID [--state STATE]\n"
    "                     the run's segments: range, replicas, state, attempts, session, error\n"
    "  pause ID | resume ID | abort ID\n"
    "                     pause lets running sessions finish and starts nothing new; abort\n"
    "                     cancels running sessions\n"
    "  set ID [--intensity X] [--max-sessions N] [--parallelism MODE]\n"
    "                     change a run that has not ended\n"
    "  proof [KEYSPACE[.TABLE]] [--limit N]\n"
    "                     zombie-safety proof: since when no tombstone can have been purged\n"
    "                     before a repair put it on every replica, or the windows in which one\n"
    "                     could (N newest, default 20); exit 0 when every table shown is safe\n"
    "                     now, 1 when one is not\n"
    "\n"
    "Mutations need an operator token (--token or RK_TOKEN). --json prints the API's JSON.\n";

const char* const kScheduleUsage =
    "usage: rkctl schedule <subcommand> [options]\n"
    "\n"
    "  add KEYSPACE [--tables T1,T2] [--full] [--interval DURATION] [--start-in DURATION]\n"
    "      [--parallelism MODE] [--max-sessions N] [--intensity X] [--segments-per-range N]\n"
    "      [--window SPEC [--window-tz ZONE] [--window-close POLICY]] [--preview]\n"
    "                     a recurring run (incremental unless --full or --preview) every\n"
    "                     DURATION (e.g. 1d,\n"
    "                     12h, 30m, 45s); without --interval it is derived from the smallest\n"
    "                     gc_grace_seconds of the tables; the first run starts after --start-in\n"
    "                     (default: now); its runs keep --window (see rkctl repair)\n"
    "  list               schedules with their next activation\n"
    "  remove ID          delete a schedule (its runs stay)\n"
    "\n"
    "Mutations need an operator token (--token or RK_TOKEN). --json prints the API's JSON.\n";

namespace {

using nlohmann::json;

const std::set<std::string> kRunValueFlags = {"--tables",
                                              "--parallelism",
                                              "--max-sessions",
                                              "--intensity",
                                              "--dc",
                                              "--nodes",
                                              "--window",
                                              "--window-tz",
                                              "--window-close",
                                              "--segments-per-range",
                                              "--max-segment-bytes"};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// A time in a table or summary line; "-" for one not reached yet (0 in the API's JSON).
std::string utc(int64_t us) {
  return us <= 0 ? "-" : format_time_us(us, TimeForm::kRfc3339Seconds);
}

// An elapsed time, ETA or interval in a progress line or schedule table.
std::string span(int64_t us) {
  return format_duration(std::chrono::microseconds(us), DurationStyle::kTwoUnits);
}

std::string joined(const json& list) {
  std::string out;
  for (const json& e : list) out += (out.empty() ? "" : ",") + e.get<std::string>();
  return out.empty() ? "all" : out;
}

// Adds the run options given on the command line to `body`.
Status add_run_options(const ParsedArgs& a, json& body) {
  if (const std::string* v = a.value("--tables")) body["tables"] = split_list(*v);
  if (const std::string* v = a.value("--parallelism")) body["parallelism"] = *v;
  if (a.value("--max-sessions")) {
    RK_ASSIGN_OR_RETURN(int64_t n, int_flag(a, "--max-sessions", 1, 1, 1000));
    body["max_sessions"] = n;
  }
  if (a.value("--intensity")) {
    RK_ASSIGN_OR_RETURN(double x, number_flag(a, "--intensity", 1.0, 0.001, 1.0));
    body["intensity"] = x;
  }
  if (a.value("--segments-per-range")) {
    RK_ASSIGN_OR_RETURN(int64_t n, int_flag(a, "--segments-per-range", 1, 1, 100000));
    body["segments_per_range"] = n;
  }
  if (a.value("--max-segment-bytes")) {
    RK_ASSIGN_OR_RETURN(int64_t n, int_flag(a, "--max-segment-bytes", 0, 0, INT64_MAX));
    body["max_segment_bytes"] = n;
  }
  if (const std::string* v = a.value("--dc")) body["datacenters"] = split_list(*v);
  if (const std::string* v = a.value("--nodes")) body["nodes"] = split_list(*v);
  if (const std::string* v = a.value("--window")) {
    json window = {{"windows", *v}};
    if (const std::string* z = a.value("--window-tz")) window["time_zone"] = *z;
    if (const std::string* c = a.value("--window-close")) window["on_close"] = *c;
    body["window"] = std::move(window);
  } else if (a.value("--window-tz") || a.value("--window-close")) {
    return Status::InvalidArgument("usage: --window-tz and --window-close need --window");
  }
  return Status::OK();
}

// A run's or schedule's kind as operators name it: "preview" for previews (they compare as full
// repairs do), else the API's kind.
std::string kind_of(const json& r) {
  return r.value("preview", false) ? "preview" : r.value("kind", "");
}

// The preview's findings in one line: "5 rows (2.0KiB) differ in 3 ranges of 1 table; behind:
// h3" or "no differences found".
std::string findings_line(const json& run) {
  int64_t rows = 0, bytes = 0, ranges = 0, tables = 0;
  std::set<std::string> behind;
  for (const json& t : run["differences"].value("tables", json::array())) {
    rows += t.value("rows", int64_t{0});
    bytes += t.value("bytes", int64_t{0});
    ranges += t.value("ranges", int64_t{0});
    ++tables;
    for (const json& h : t.value("behind", json::array())) behind.insert(h.get<std::string>());
  }
  if (tables == 0) return "no differences found";
  std::string hosts;
  for (const std::string& h : behind) hosts += (hosts.empty() ? "" : ",") + h;
  return fmt::format("{} rows ({}) differ in {} ranges of {} table{}; behind: {}", rows,
                     human_bytes(bytes), ranges, tables, tables == 1 ? "" : "s", hosts);
}

// Preview flags that cannot go together; a usage error before anything is sent.
Status check_preview_flags(const ParsedArgs& a) {
  if (!a.has("--preview")) return Status::OK();
  for (const char* flag : {"--incremental", "--mark-repaired"}) {
    if (a.has(flag)) {
      return Status::InvalidArgument(fmt::format(
          "usage: --preview cannot be combined with {}: a preview compares all data as a full "
          "repair does and marks nothing",
          flag));
    }
  }
  return Status::OK();
}

std::string counts_line(const json& c) {
  return fmt::format(
      "{}/{} segments done, {} running, {} pending, {} failed{}", c.value("done", 0),
      c.value("total", 0), c.value("running", 0), c.value("pending", 0), c.value("failed", 0),
      c.value("aborted", 0) ? fmt::format(", {} aborted", c.value("aborted", 0)) : "");
}

std::string progress_line(const json& run) {
  const json& p = run["progress"];
  const json& c = p["segments"];
  std::string eta = p.value("eta_us", int64_t{0}) > 0 ? ", ETA " + span(p["eta_us"]) : "";
  // A preview streams nothing: what it found so far takes the place of the bytes streamed.
  const std::string moved = run.value("preview", false)
                                ? findings_line(run)
                                : human_bytes(c.value("bytes_streamed", int64_t{0})) + " streamed";
  return fmt::format("{} {:3.0f}% {}; {} validated, {}; elapsed {}{}", run.value("state", ""),
                     p.value("fraction", 0.0) * 100, counts_line(c),
                     human_bytes(c.value("bytes_validated", int64_t{0})), moved,
                     span(p.value("elapsed_us", int64_t{0})), eta);
}

void print_counts_table(std::ostream& out, const std::string& what, const json& per) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, c] : per.items()) {
    rows.push_back({name, std::to_string(c.value("done", 0)), std::to_string(c.value("running", 0)),
                    std::to_string(c.value("pending", 0)), std::to_string(c.value("failed", 0)),
                    std::to_string(c.value("total", 0)),
                    human_bytes(c.value("bytes_streamed", int64_t{0}))});
  }
  print_table(out, {what, "DONE", "RUNNING", "PENDING", "FAILED", "TOTAL", "STREAMED"}, rows);
}

void print_run(std::ostream& out, const json& r) {
  out << fmt::format("run {}: {} {} of {} (tables {}), {}, max {} session(s), intensity {}\n",
                     r.value("id", 0), kind_of(r),
                     r.value("preview", false) ? "(nothing streamed or marked)" : "repair",
                     r.value("keyspace", ""), joined(r["tables"]), r.value("parallelism", ""),
                     r.value("max_sessions", 0), r.value("intensity", 1.0));
  out << fmt::format("created {} by {}{}, started {}, finished {}\n", utc(r["created_at_us"]),
                     r.value("created_by", ""),
                     r["schedule_id"].is_null()
                         ? ""
                         : fmt::format(" (schedule {})", r["schedule_id"].get<int64_t>()),
                     utc(r["started_at_us"]), utc(r["finished_at_us"]));
  if (r.contains("window") && r["window"].is_object()) {
    const json& w = r["window"];
    out << fmt::format("window: \"{}\" {}, on close {}\n", w.value("windows", ""),
                       w.value("time_zone", ""), w.value("on_close", ""));
  }
  out << progress_line(r) << "\n";
  if (!r.value("cause", "").empty()) out << "cause: " << r["cause"].get<std::string>() << "\n";
  for (const json& reason : r["progress"]["postponed"]) {
    out << "waiting: " << reason.get<std::string>() << "\n";
  }
  out << "\n";
  print_counts_table(out, "TABLE", r["progress"]["per_table"]);
  out << "\n";
  print_counts_table(out, "NODE", r["progress"]["per_node"]);
}

// A preview's findings: per table, then its differing ranges (at most `ranges`' limit).
void print_differences(std::ostream& out, const json& run, const json& ranges) {
  out << "\ndifferences: " << findings_line(run) << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const json& t : run["differences"].value("tables", json::array())) {
    rows.push_back({t.value("table", ""), std::to_string(t.value("ranges", int64_t{0})),
                    std::to_string(t.value("rows", int64_t{0})),
                    human_bytes(t.value("bytes", int64_t{0})), joined(t["behind"])});
  }
  if (rows.empty()) return;
  print_table(out, {"TABLE", "RANGES", "ROWS", "BYTES", "BEHIND"}, rows);
  rows.clear();
  for (const json& d : ranges.value("ranges", json::array())) {
    rows.push_back({d.value("table", ""), d.value("range", ""), d.value("target", ""),
                    d.value("source", ""), std::to_string(d.value("rows", int64_t{0})),
                    human_bytes(d.value("bytes", int64_t{0}))});
  }
  out << "\n";
  print_table(out, {"TABLE", "RANGE", "BEHIND", "AHEAD", "ROWS", "BYTES"}, rows);
  const int64_t total = ranges.value("ranges_total", int64_t{0});
  if (total > static_cast<int64_t>(rows.size())) {
    out << fmt::format("... {} more ranges: rkctl repair show {} --json --all-ranges\n",
                       total - static_cast<int64_t>(rows.size()), run.value("id", 0));
  }
}

bool ended(const json& run) {
  const std::string s = run.value("state", "");
  return s == "DONE" || s == "ERROR" || s == "ABORTED";
}

// Follows a run until it ends; 0 when DONE.
int follow(Context& ctx, ClusterClient& client, int64_t id, std::chrono::milliseconds interval) {
  const bool bar = ctx.tty && !ctx.json;
  std::vector<std::string> waiting;  // the run's postponed reasons as last printed
  while (true) {
    Result<json> run = client.get(fmt::format("/api/v1/repair/runs/{}", id));
    if (!run.ok()) {
      if (bar) *ctx.out << "\n";
      *ctx.err << "rkctl repair: " << run.status().message() << "\n";
      return kExitFailed;
    }
    if (ctx.json) {
      if (ended(*run)) *ctx.out << run->dump() << "\n";
    } else if (bar) {
      constexpr int kWidth = 30;
      const double f = (*run)["progress"].value("fraction", 0.0);
      const int filled = static_cast<int>(f * kWidth);
      *ctx.out << fmt::format("\r[{}{}] {}\033[K", std::string(static_cast<size_t>(filled), '#'),
                              std::string(static_cast<size_t>(kWidth - filled), ' '),
                              progress_line(*run));
    } else {
      *ctx.out << "progress: " << progress_line(*run) << "\n";
    }
    // Why nothing runs (a node's disk CRITICAL, a window closed, replicas busy), each time it
    // changes: a run that sits at 0% says why instead of leaving the operator to guess.
    if (!ctx.json) {
      std::vector<std::string> now;
      for (const json& reason : (*run)["progress"].value("postponed", json::array()))
        if (reason.is_string()) now.push_back(reason.get<std::string>());
      if (now != waiting) {
        if (bar) *ctx.out << "\n";
        for (const auto& reason : now) *ctx.out << "waiting: " << reason << "\n";
        waiting = std::move(now);
      }
    }
    ctx.out->flush();
    if (ended(*run)) {
      if (bar) *ctx.out << "\n";
      if (!ctx.json && !run->value("cause", "").empty()) {
        *ctx.out << "cause: " << (*run)["cause"].get<std::string>() << "\n";
      }
      if (!ctx.json && run->value("preview", false)) {
        *ctx.out << "differences: " << findings_line(*run) << "\n";
      }
      return run->value("state", "") == "DONE" ? kExitOk : kExitFailed;
    }
    std::this_thread::sleep_for(interval);
  }
}

int fail(Context& ctx, const std::string& cmd, const Status& s) {
  return command_failed(ctx, cmd, s);
}

Result<int64_t> run_id(const ParsedArgs& a) {
  if (a.positionals.size() != 2) return Status::InvalidArgument("usage: give the run's ID");
  try {
    size_t pos = 0;
    const int64_t id = std::stoll(a.positionals[1], &pos);
    if (pos == a.positionals[1].size() && id > 0) return id;
  } catch (...) {
  }
  return Status::InvalidArgument("usage: '" + a.positionals[1] + "' is not a run ID");
}

}  // namespace

int repair_command(Context& ctx, const std::vector<std::string>& args) {
  std::set<std::string> values = kRunValueFlags;
  values.insert({"--state", "--keyspace", "--limit", "--interval"});
  Result<ParsedArgs> parsed = parse_args(args, values,
                                         {"--incremental", "--mark-repaired", "--preview",
                                          "--paused", "--wait", "--json", "--all-ranges"});
  if (!parsed.ok())
    return fail(ctx, "repair", Status::InvalidArgument("usage: " + parsed.status().message()));
  const ParsedArgs& a = *parsed;
  if (a.help || a.positionals.empty()) {
    (a.help ? *ctx.out : *ctx.err) << kRepairUsage;
    return a.help ? kExitOk : kExitUsage;
  }
  ClusterClient client(ctx);
  const std::string& sub = a.positionals[0];
  auto interval = [&]() -> Result<std::chrono::milliseconds> {
    if (const std::string* v = a.value("--interval")) return parse_duration_arg(*v);
    return ctx.tty ? std::chrono::milliseconds(500) : std::chrono::milliseconds(2000);
  };
  if (sub == "start") {
    if (a.positionals.size() != 2) {
      return fail(ctx, "repair start",
                  Status::InvalidArgument("usage: rkctl repair start KEYSPACE"));
    }
    if (Status s = check_preview_flags(a); !s.ok()) return fail(ctx, "repair start", s);
    json body = {{"keyspace", a.positionals[1]},
                 {"kind", a.has("--incremental") ? "incremental" : "full"}};
    if (a.has("--preview")) body["preview"] = true;
    if (Status s = add_run_options(a, body); !s.ok()) return fail(ctx, "repair start", s);
    if (a.has("--mark-repaired")) body["mark_repaired"] = true;
    if (a.has("--paused")) body["start"] = false;
    Result<json> run = client.post("/api/v1/repair/runs", body);
    if (!run.ok()) return fail(ctx, "repair start", run.status());
    if (!a.has("--wait")) {
      if (ctx.json) {
        *ctx.out << run->dump() << "\n";
      } else {
        *ctx.out << fmt::format("run {} {}: {} {} of {} in {} segments\n",
                                (*run)["id"].get<int64_t>(),
                                a.has("--paused") ? "created (NOT_STARTED)" : "started",
                                kind_of(*run), a.has("--preview") ? "(nothing streamed)" : "repair",
                                a.positionals[1], (*run)["progress"]["segments"].value("total", 0));
      }
      return kExitOk;
    }
    Result<std::chrono::milliseconds> every = interval();
    if (!every.ok()) return fail(ctx, "repair start", every.status());
    if (!ctx.json) *ctx.out << fmt::format("run {} started\n", (*run)["id"].get<int64_t>());
    return follow(ctx, client, (*run)["id"].get<int64_t>(), *every);
  }
  if (sub == "list") {
    std::string query = "?limit=" + (a.value("--limit") ? *a.value("--limit") : "100");
    if (const std::string* v = a.value("--state")) query += "&state=" + *v;
    if (const std::string* v = a.value("--keyspace")) query += "&keyspace=" + *v;
    if (a.has("--preview")) query += "&preview=true";
    Result<json> list = client.get("/api/v1/repair/runs" + query);
    if (!list.ok()) return fail(ctx, "repair list", list.status());
    if (ctx.json) {
      *ctx.out << list->dump() << "\n";
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const json& r : (*list)["runs"]) {
      const json& c = r["progress"]["segments"];
      rows.push_back({std::to_string(r.value("id", 0)), r.value("keyspace", ""), kind_of(r),
                      r.value("state", ""),
                      fmt::format("{:.0f}%", r["progress"].value("fraction", 0.0) * 100),
                      fmt::format("{}/{}", c.value("done", 0), c.value("total", 0)),
                      std::to_string(c.value("failed", 0)), utc(r["created_at_us"]),
                      r.value("created_by", "")});
    }
    print_table(
        *ctx.out,
        {"ID", "KEYSPACE", "KIND", "STATE", "PROGRESS", "SEGMENTS", "FAILED", "CREATED", "BY"},
        rows);
    return kExitOk;
  }
  if (sub == "proof") return repair_proof_command(ctx, client, a);
  Result<int64_t> id = run_id(a);
  if (!id.ok()) return fail(ctx, "repair " + sub, id.status());
  const std::string path = fmt::format("/api/v1/repair/runs/{}", *id);
  if (sub == "show") {
    Result<json> run = client.get(path);
    if (!run.ok()) return fail(ctx, "repair show", run.status());
    Result<json> ranges = json::object();
    if (run->value("preview", false)) {
      ranges = client.get(path + "/differences?limit=" + (a.has("--all-ranges") ? "100000" : "20"));
      if (!ranges.ok()) return fail(ctx, "repair show", ranges.status());
    }
    if (ctx.json) {
      if (run->value("preview", false)) (*run)["differences"] = *ranges;
      *ctx.out << run->dump() << "\n";
    } else {
      print_run(*ctx.out, *run);
      if (run->value("preview", false)) print_differences(*ctx.out, *run, *ranges);
      // A live or finished run's ABORTED segments are the ones a ring change planned again.
      if (run->value("state", "") != "ABORTED" &&
          (*run)["progress"]["segments"].value("aborted", 0) > 0) {
        Result<json> moved = client.get(path + "/segments?state=ABORTED");
        if (!moved.ok()) return fail(ctx, "repair show", moved.status());
        *ctx.out << "\n";
        for (const json& g : (*moved)["segments"]) {
          *ctx.out << fmt::format("re-planned: segment {} {}: {}\n", g.value("id", 0),
                                  g.value("range", ""), g.value("last_error", ""));
        }
      }
    }
    return kExitOk;
  }
  if (sub == "progress") {
    Result<std::chrono::milliseconds> every = interval();
    if (!every.ok()) return fail(ctx, "repair progress", every.status());
    return follow(ctx, client, *id, *every);
  }
  if (sub == "segments") {
    std::string query;
    if (const std::string* v = a.value("--state")) query = "?state=" + *v;
    Result<json> segs = client.get(path + "/segments" + query);
    if (!segs.ok()) return fail(ctx, "repair segments", segs.status());
    if (ctx.json) {
      *ctx.out << segs->dump() << "\n";
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const json& g : (*segs)["segments"]) {
      rows.push_back(
          {std::to_string(g.value("position", 0)), g.value("range", ""), joined(g["replicas"]),
           g.value("state", ""), std::to_string(g.value("attempts", 0)), g.value("session_id", ""),
           human_bytes(g.value("bytes_streamed", int64_t{0})),
           g.value("last_error", "") + (g.value("postponed", "").empty()
                                            ? ""
                                            : " (waiting: " + g.value("postponed", "") + ")")});
    }
    print_table(*ctx.out,
                {"#", "RANGE", "REPLICAS", "STATE", "ATTEMPTS", "SESSION", "STREAMED", "ERROR"},
                rows);
    return kExitOk;
  }
  Result<json> changed = Status::InvalidArgument("usage: unknown subcommand '" + sub + "'");
  if (sub == "pause" || sub == "resume" || sub == "abort") {
    changed = client.post(path + "/" + sub, json::object());
  } else if (sub == "set") {
    json body = json::object();
    if (Status s = add_run_options(a, body); !s.ok()) return fail(ctx, "repair set", s);
    if (body.empty()) {
      return fail(
          ctx, "repair set",
          Status::InvalidArgument("usage: give --intensity, --max-sessions or --parallelism"));
    }
    changed = client.call("PATCH", path, body);
  }
  if (!changed.ok()) return fail(ctx, "repair " + sub, changed.status());
  if (ctx.json) {
    *ctx.out << changed->dump() << "\n";
  } else {
    *ctx.out << fmt::format("run {} {}\n", *id, progress_line(*changed));
  }
  return kExitOk;
}

int schedule_command(Context& ctx, const std::vector<std::string>& args) {
  std::set<std::string> values = kRunValueFlags;
  values.insert({"--interval", "--start-in"});
  Result<ParsedArgs> parsed = parse_args(args, values, {"--full", "--preview", "--json"});
  if (!parsed.ok())
    return fail(ctx, "schedule", Status::InvalidArgument("usage: " + parsed.status().message()));
  const ParsedArgs& a = *parsed;
  if (a.help || a.positionals.empty()) {
    (a.help ? *ctx.out : *ctx.err) << kScheduleUsage;
    return a.help ? kExitOk : kExitUsage;
  }
  ClusterClient client(ctx);
  const std::string& sub = a.positionals[0];
  if (sub == "add") {
    if (a.positionals.size() != 2) {
      return fail(ctx, "schedule add",
                  Status::InvalidArgument("usage: rkctl schedule add KEYSPACE"));
    }
    if (Status s = check_preview_flags(a); !s.ok()) return fail(ctx, "schedule add", s);
    json body = {{"keyspace", a.positionals[1]},
                 {"kind", a.has("--full") || a.has("--preview") ? "full" : "incremental"}};
    if (a.has("--preview")) body["preview"] = true;
    if (Status s = add_run_options(a, body); !s.ok()) return fail(ctx, "schedule add", s);
    if (const std::string* v = a.value("--interval")) {
      Result<std::chrono::milliseconds> d = parse_duration_arg(*v);
      if (!d.ok() || d->count() < 1000) {
        return fail(
            ctx, "schedule add",
            d.ok() ? Status::InvalidArgument("--interval must be at least 1s") : d.status());
      }
      body["interval_seconds"] = d->count() / 1000;
    }
    if (const std::string* v = a.value("--start-in")) {
      Result<std::chrono::milliseconds> d = parse_duration_arg(*v);
      if (!d.ok()) return fail(ctx, "schedule add", d.status());
      const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
      body["first_activation_us"] = now_us + d->count() * 1000;
    }
    Result<json> sc = client.post("/api/v1/repair/schedules", body);
    if (!sc.ok()) return fail(ctx, "schedule add", sc.status());
    if (ctx.json) {
      *ctx.out << sc->dump() << "\n";
    } else {
      *ctx.out << fmt::format(
          "schedule {}: {} {} of {} every {}{}, next at {}\n", (*sc)["id"].get<int64_t>(),
          kind_of(*sc), a.has("--preview") ? "(nothing streamed)" : "repair", a.positionals[1],
          span((*sc)["interval_seconds"].get<int64_t>() * 1'000'000),
          (*sc)["interval_derived"].get<bool>() ? " (derived from gc_grace)" : "",
          utc((*sc)["next_activation_us"]));
    }
    return kExitOk;
  }
  if (sub == "list") {
    Result<json> list = client.get("/api/v1/repair/schedules");
    if (!list.ok()) return fail(ctx, "schedule list", list.status());
    if (ctx.json) {
      *ctx.out << list->dump() << "\n";
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const json& s : (*list)["schedules"]) {
      rows.push_back(
          {std::to_string(s.value("id", 0)), s.value("keyspace", ""), joined(s["tables"]),
           kind_of(s),
           span(s.value("interval_seconds", int64_t{0}) * 1'000'000) +
               (s.value("interval_derived", false) ? " (gc_grace)" : ""),
           utc(s["next_activation_us"]),
           s["last_run_id"].is_null() ? "-" : std::to_string(s["last_run_id"].get<int64_t>()),
           s.value("enabled", true) ? "yes" : "no"});
    }
    print_table(*ctx.out,
                {"ID", "KEYSPACE", "TABLES", "KIND", "EVERY", "NEXT", "LAST RUN", "ENABLED"}, rows);
    return kExitOk;
  }
  if (sub == "remove") {
    Result<int64_t> id = run_id(a);
    if (!id.ok()) return fail(ctx, "schedule remove", id.status());
    Result<json> r = client.call("DELETE", fmt::format("/api/v1/repair/schedules/{}", *id));
    if (!r.ok()) return fail(ctx, "schedule remove", r.status());
    if (ctx.json) {
      *ctx.out << r->dump() << "\n";
    } else {
      *ctx.out << fmt::format("schedule {} removed\n", *id);
    }
    return kExitOk;
  }
  return fail(ctx, "schedule", Status::InvalidArgument("usage: unknown subcommand '" + sub + "'"));
}

}  // namespace rk::cli
