// `rkctl backup start|list|show|verify|purge|pause|resume|abort|schedule|restore-schema` (the
// scheduler's /api/v1/backups) and `rkctl restore` (an agent's /v1/restore). docs/rkctl.md
// documents them.
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/core/time_text.h"

namespace rk::cli {

using nlohmann::json;

const char* const kBackupUsage =
    "usage: rkctl backup start [TAG] [--wait]\n"
    "       rkctl backup list\n"
    "       rkctl backup show TAG\n"
    "       rkctl backup verify TAG\n"
    "       rkctl backup purge [--keep-last N] [--keep-days D] [--dry-run]\n"
    "       rkctl backup pause|resume|abort TAG\n"
    "       rkctl backup schedule list\n"
    "       rkctl backup schedule add NAME [--every DURATION] [--keep-last N] [--keep-days D]\n"
    "       rkctl backup schedule delete NAME\n"
    "       rkctl backup restore-schema TAG\n"
    "\n"
    "start backs up every node under TAG (default backup-YYYYMMDD-HHMMSS); with --wait it shows\n"
    "progress (files, bytes, rate, ETA) until the backup ends and exits 1 unless it completed.\n"
    "verify checks that every object of TAG is in the store with its size and checksum and lists\n"
    "what is missing (exit 1 then). purge deletes the backups retention does not keep (the rules\n"
    "given, or the scheduler's backup.retention) and the data only they referenced. Schedules run\n"
    "a backup every DURATION (default 24h) and purge with their rules after each.\n"
    "restore-schema creates the keyspaces and tables of TAG's manifests that the scheduler does\n"
    "not have (a whole cluster restored onto a fresh scheduler); it refuses, creating nothing,\n"
    "when one exists with other settings.\n";

const char* const kRestoreUsage =
    "usage: rkctl restore --agent HOST:OPS_PORT [--tag TAG] [--host-id HOST_ID]\n"
    "                     [--until TIME] [--force] [--no-wait]\n"
    "\n"
    "Restores the node whose ops API is at --agent from backup TAG (default: latest) of\n"
    "HOST_ID (default: the node's own). The agent downloads every file of the backup and the\n"
    "incremental and archived WAL files uploaded after it into a staging directory and checks\n"
    "their checksums, then restarts, swaps the backup in before the node opens and replays\n"
    "those files on top of it; only then does it serve and register with the backed-up host\n"
    "id and tokens. With --until TIME (RFC 3339 such as 2026-11-23T05:10:00Z, or µs since the\n"
    "epoch) it restores that point in time: the newest complete backup taken at or before TIME\n"
    "(a --tag taken later is refused) and nothing written after TIME. A node holding live data\n"
    "is refused unless --force. Waits (with progress) until the node is back, unless\n"
    "--no-wait.\n";

namespace {

// A time in a backup table; "-" for one not reached yet (0 in the API's JSON).
std::string when(int64_t us) { return us <= 0 ? "-" : format_time_us(us, TimeForm::kSpaced); }

std::string eta_text(const json& p) {
  const int64_t eta = p.value("eta_seconds", int64_t{-1});
  if (eta < 0) return "ETA ?";
  return fmt::format("ETA {}s", eta);
}

// One progress line: a bar on a terminal, a plain line otherwise (as `rkctl load`).
void show_progress(Context& ctx, const std::string& what, const json& p) {
  const double total = static_cast<double>(p.value("bytes_total", uint64_t{0}));
  const double done = static_cast<double>(p.value("bytes_done", uint64_t{0}));
  const double fraction = total > 0 ? done / total : 0;
  // Before the nodes have listed their snapshots there is nothing to count yet.
  const std::string figures =
      p.value("files_total", 0) == 0
          ? std::string("snapshotting, waiting for the nodes' file lists")
          : fmt::format("{}/{} files, {}/{}, {}/s, {}", p.value("files_done", 0),
                        p.value("files_total", 0), human_bytes(static_cast<int64_t>(done)),
                        human_bytes(static_cast<int64_t>(total)),
                        human_bytes(p.value("rate_bytes_per_second", int64_t{0})), eta_text(p));
  if (ctx.tty) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    *ctx.out << fmt::format(
        "\r{} [{}{}] {:3.0f}% {}   ", what, std::string(static_cast<size_t>(filled), '#'),
        std::string(static_cast<size_t>(kWidth - filled), ' '), fraction * 100, figures);
  } else {
    *ctx.out << fmt::format("{}: {:.0f}%, {}\n", what, fraction * 100, figures);
  }
  ctx.out->flush();
}

int fail(Context& ctx, const std::string& cmd, const Status& s) {
  *ctx.err << "rkctl " << cmd << ": " << s.message() << "\n";
  return kExitFailed;
}

int usage(Context& ctx, const std::string& cmd, const std::string& m) {
  *ctx.err << "rkctl " << cmd << ": " << m << " (try 'rkctl " << cmd << " --help')\n";
  return kExitUsage;
}

void print_run(Context& ctx, const json& r) {
  *ctx.out << fmt::format("backup {}: {}{}\n", r.value("tag", ""), r.value("state", ""),
                          r.value("paused", false) ? " (paused)" : "");
  *ctx.out << fmt::format(
      "  started {}  completed {}  requested by {}\n", when(r.value("started_at_us", int64_t{0})),
      when(r.value("completed_at_us", int64_t{0})), r.value("requested_by", ""));
  const json p = r.value("progress", json::object());
  *ctx.out << fmt::format("  {} nodes, {} files, {} ({} sent)\n", r.value("nodes", 0),
                          r.value("files", 0), human_bytes(r.value("bytes", int64_t{0})),
                          human_bytes(p.value("bytes_sent", int64_t{0})));
  if (!r.value("error", "").empty()) *ctx.out << "  error: " << r.value("error", "") << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const json& n : r.value("node_progress", json::array())) {
    const json np = n.value("progress", json::object());
    rows.push_back({n.value("host_id", ""), n.value("state", ""),
                    fmt::format("{}/{}", np.value("files_done", 0), np.value("files_total", 0)),
                    human_bytes(np.value("bytes_done", int64_t{0})),
                    human_bytes(np.value("bytes_sent", int64_t{0})), n.value("error", "")});
  }
  if (!rows.empty()) {
    *ctx.out << "\n";
    print_table(*ctx.out, {"HOST", "STATE", "FILES", "DONE", "SENT", "ERROR"}, rows);
  }
}

int backup_start(Context& ctx, ClusterClient& api, const ParsedArgs& a) {
  if (a.positionals.size() > 2) return usage(ctx, "backup", "start takes at most one TAG");
  json body = json::object();
  if (a.positionals.size() == 2) body["tag"] = a.positionals[1];
  auto run = api.post("/api/v1/backups", body);
  if (!run.ok()) return fail(ctx, "backup start", run.status());
  const std::string tag = (*run)["tag"];
  if (!a.has("--wait")) {
    if (ctx.json) {
      *ctx.out << run->dump() << "\n";
    } else {
      *ctx.out << "backup " << tag << " started on " << (*run)["nodes"] << " nodes\n";
    }
    return kExitOk;
  }
  json r = *run;
  while (r.value("state", "") == "RUNNING" && !r.value("paused", false)) {
    if (!ctx.json) show_progress(ctx, "backup " + tag, r.value("progress", json::object()));
    std::this_thread::sleep_for(std::chrono::milliseconds(ctx.tty ? 200 : 1000));
    auto next = api.get("/api/v1/backups/" + tag);
    if (!next.ok()) return fail(ctx, "backup start", next.status());
    r = *next;
  }
  if (ctx.tty && !ctx.json) *ctx.out << "\n";
  if (ctx.json) {
    *ctx.out << r.dump() << "\n";
  } else {
    print_run(ctx, r);
  }
  return r.value("state", "") == "COMPLETE" ? kExitOk : kExitFailed;
}

int backup_list(Context& ctx, ClusterClient& api) {
  auto list = api.get("/api/v1/backups");
  if (!list.ok()) return fail(ctx, "backup list", list.status());
  if (ctx.json) {
    *ctx.out << list->dump() << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& r : (*list)["backups"]) {
    rows.push_back(
        {r.value("tag", ""), r.value("state", "") + (r.value("paused", false) ? " (paused)" : ""),
         when(r.value("started_at_us", int64_t{0})), when(r.value("completed_at_us", int64_t{0})),
         std::to_string(r.value("nodes", 0)), std::to_string(r.value("files", 0)),
         human_bytes(r.value("bytes", int64_t{0}))});
  }
  print_table(*ctx.out,
              {"TAG", "STATE", "STARTED (UTC)", "COMPLETED (UTC)", "NODES", "FILES", "BYTES"},
              rows);
  return kExitOk;
}

int backup_verify(Context& ctx, ClusterClient& api, const std::string& tag) {
  auto report = api.get("/api/v1/backups/" + tag + "/verify");
  if (!report.ok()) return fail(ctx, "backup verify", report.status());
  const bool ok = report->value("ok", false);
  if (ctx.json) {
    *ctx.out << report->dump() << "\n";
    return ok ? kExitOk : kExitFailed;
  }
  *ctx.out << fmt::format("backup {}: {} nodes, {} files, {} checked: {}\n", tag,
                          (*report)["nodes"].size(), report->value("files_checked", 0),
                          human_bytes(report->value("bytes_checked", int64_t{0})),
                          ok ? "OK" : "PROBLEMS");
  std::vector<std::vector<std::string>> rows;
  for (const json& p : (*report)["problems"])
    rows.push_back(
        {p.value("host_id", ""), p.value("path", ""), p.value("key", ""), p.value("reason", "")});
  if (!rows.empty()) print_table(*ctx.out, {"HOST", "FILE", "OBJECT", "PROBLEM"}, rows);
  return ok ? kExitOk : kExitFailed;
}

int backup_restore_schema(Context& ctx, ClusterClient& api, const std::string& tag) {
  auto r = api.post("/api/v1/backups/" + tag + "/restore-schema", json::object());
  if (!r.ok()) return fail(ctx, "backup restore-schema", r.status());
  if (ctx.json) {
    *ctx.out << r->dump() << "\n";
    return kExitOk;
  }
  for (const json& name : (*r)["created"])
    *ctx.out << "created " << name.get<std::string>() << "\n";
  *ctx.out << fmt::format("schema of backup {}: {} created, {} already there\n", tag,
                          (*r)["created"].size(), (*r)["existing"].size());
  return kExitOk;
}

int backup_purge(Context& ctx, ClusterClient& api, const ParsedArgs& a) {
  json body = json::object();
  for (const char* flag : {"--keep-last", "--keep-days"}) {
    if (!a.value(flag)) continue;
    auto v = int_flag(a, flag, 0, 0, 1'000'000);
    if (!v.ok()) return usage(ctx, "backup", v.status().message());
    body[std::string(flag + 2) == "keep-last" ? "keep_last" : "keep_days"] = *v;
  }
  if (a.has("--dry-run")) body["dry_run"] = true;
  auto report = api.post("/api/v1/backups/purge", body);
  if (!report.ok()) return fail(ctx, "backup purge", report.status());
  if (ctx.json) {
    *ctx.out << report->dump() << "\n";
    return kExitOk;
  }
  std::string tags;
  for (const json& t : (*report)["tags"]) tags += (tags.empty() ? "" : " ") + t.get<std::string>();
  *ctx.out << fmt::format("{}{} backups ({}), {} objects, {}\n",
                          report->value("dry_run", false) ? "would purge " : "purged ",
                          (*report)["tags"].size(), tags.empty() ? "none" : tags,
                          report->value("objects", 0),
                          human_bytes(report->value("bytes", int64_t{0})));
  return kExitOk;
}

// Seconds between a schedule's backups: a whole positive number of seconds in rkctl's duration
// syntax (parse_duration_arg: "90s", "30m", "24h", "7d" or plain seconds).
Result<int64_t> parse_every(const std::string& text) {
  auto d = parse_duration_arg(text);
  if (!d.ok() || d->count() <= 0 || d->count() % 1000 != 0)
    return Status::InvalidArgument("--every takes a duration such as 90s, 30m, 24h or 7d");
  return d->count() / 1000;
}

int backup_schedule(Context& ctx, ClusterClient& api, const ParsedArgs& a) {
  const std::string verb = a.positionals.size() > 1 ? a.positionals[1] : "list";
  if (verb == "list") {
    auto list = api.get("/api/v1/backup/schedules");
    if (!list.ok()) return fail(ctx, "backup schedule", list.status());
    if (ctx.json) {
      *ctx.out << list->dump() << "\n";
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const json& s : (*list)["schedules"])
      rows.push_back({s.value("name", ""), fmt::format("{}s", s.value("interval_seconds", 0)),
                      when(s.value("next_run_at_us", int64_t{0})),
                      std::to_string(s.value("keep_last", 0)),
                      std::to_string(s.value("keep_days", 0))});
    print_table(*ctx.out, {"NAME", "EVERY", "NEXT RUN (UTC)", "KEEP LAST", "KEEP DAYS"}, rows);
    return kExitOk;
  }
  if (a.positionals.size() != 3) return usage(ctx, "backup", "schedule " + verb + " needs NAME");
  const std::string& name = a.positionals[2];
  if (verb == "delete") {
    auto r = api.call("DELETE", "/api/v1/backup/schedules/" + name);
    if (!r.ok()) return fail(ctx, "backup schedule", r.status());
    if (!ctx.json) *ctx.out << "schedule " << name << " deleted\n";
    return kExitOk;
  }
  if (verb != "add") return usage(ctx, "backup", "unknown schedule action '" + verb + "'");
  json body = {{"name", name}};
  if (const std::string* every = a.value("--every")) {
    auto seconds = parse_every(*every);
    if (!seconds.ok()) return usage(ctx, "backup", seconds.status().message());
    body["interval_seconds"] = *seconds;
  }
  for (const char* flag : {"--keep-last", "--keep-days"}) {
    if (!a.value(flag)) continue;
    auto v = int_flag(a, flag, 0, 0, 1'000'000);
    if (!v.ok()) return usage(ctx, "backup", v.status().message());
    body[std::string(flag) == "--keep-last" ? "keep_last" : "keep_days"] = *v;
  }
  auto r = api.post("/api/v1/backup/schedules", body);
  if (!r.ok()) return fail(ctx, "backup schedule", r.status());
  if (ctx.json) {
    *ctx.out << r->dump() << "\n";
  } else {
    *ctx.out << fmt::format("schedule {}: every {}s, first run {}\n", name,
                            r->value("interval_seconds", 0),
                            when(r->value("next_run_at_us", int64_t{0})));
  }
  return kExitOk;
}

}  // namespace

int backup_command(Context& ctx, const std::vector<std::string>& args) {
  auto parsed =
      parse_args(args, {"--keep-last", "--keep-days", "--every"}, {"--wait", "--dry-run"});
  if (!parsed.ok()) return usage(ctx, "backup", parsed.status().message());
  if (parsed->help || parsed->positionals.empty()) {
    (parsed->help ? *ctx.out : *ctx.err) << kBackupUsage;
    return parsed->help ? kExitOk : kExitUsage;
  }
  const ParsedArgs& a = *parsed;
  const std::string& verb = a.positionals[0];
  ClusterClient api(ctx);
  if (verb == "start") return backup_start(ctx, api, a);
  if (verb == "list") return backup_list(ctx, api);
  if (verb == "purge") return backup_purge(ctx, api, a);
  if (verb == "schedule") return backup_schedule(ctx, api, a);
  if (verb != "show" && verb != "verify" && verb != "pause" && verb != "resume" &&
      verb != "abort" && verb != "restore-schema")
    return usage(ctx, "backup", "unknown action '" + verb + "'");
  if (a.positionals.size() != 2) return usage(ctx, "backup", verb + " needs one TAG");
  const std::string& tag = a.positionals[1];
  if (verb == "verify") return backup_verify(ctx, api, tag);
  if (verb == "restore-schema") return backup_restore_schema(ctx, api, tag);
  auto r = verb == "show" ? api.get("/api/v1/backups/" + tag)
                          : api.post("/api/v1/backups/" + tag + "/" + verb, json::object());
  if (!r.ok()) return fail(ctx, "backup " + verb, r.status());
  if (ctx.json) {
    *ctx.out << r->dump() << "\n";
  } else {
    print_run(ctx, *r);
  }
  return kExitOk;
}

// One line of a restore's progress, by phase.
void show_restore(Context& ctx, const json& job) {
  const std::string phase = job.value("phase", "");
  const json p = job.value("progress", json::object());
  if (phase == "replaying") {
    const std::string what = fmt::format("restore: replaying {}/{} files", p.value("files_done", 0),
                                         p.value("files_total", 0));
    *ctx.out << (ctx.tty ? "\r" + what + "   " : what + "\n");
    ctx.out->flush();
  } else if (phase == "swapping") {
    *ctx.out << (ctx.tty ? "\rrestore: swapping (the agent restarts)   "
                         : "restore: swapping (the agent restarts)\n");
    ctx.out->flush();
  } else if (phase == "downloading") {
    show_progress(ctx, "restore: downloading", p);
  }
}

int restore_command(Context& ctx, const std::vector<std::string>& args) {
  auto parsed =
      parse_args(args, {"--agent", "--tag", "--host-id", "--until"}, {"--force", "--no-wait"});
  if (!parsed.ok()) return usage(ctx, "restore", parsed.status().message());
  if (parsed->help) {
    *ctx.out << kRestoreUsage;
    return kExitOk;
  }
  const std::string* agent = parsed->value("--agent");
  if (agent == nullptr) return usage(ctx, "restore", "give --agent HOST:OPS_PORT");
  if (Status s = check_address_flag("--agent", *agent); !s.ok()) {
    return usage(ctx, "restore", s.message());
  }
  if (!parsed->positionals.empty()) return usage(ctx, "restore", "no positional arguments");
  json body = {{"tag", parsed->value("--tag") ? *parsed->value("--tag") : "latest"}};
  if (const std::string* h = parsed->value("--host-id")) body["host_id"] = *h;
  if (const std::string* until = parsed->value("--until")) {
    auto us = parse_time_us(*until);
    if (!us.ok()) return usage(ctx, "restore", "--until: " + us.status().message());
    body["until_us"] = *us;
  }
  if (parsed->has("--force")) body["force"] = true;
  ClusterClient api(ctx);
  auto started = api.call_agent("POST", *agent, "/v1/restore", body);
  if (!started.ok()) return fail(ctx, "restore", started.status());
  if (parsed->has("--no-wait")) {
    *ctx.out << (ctx.json ? started->dump() : "restore started on " + *agent) << "\n";
    return kExitOk;
  }
  // Downloading; then the agent restarts (its API goes away for a moment) and comes back as the
  // restored node, replaying the files after the backup before it serves ("replaying"), and
  // shows the restore "done". An agent that does not report the replay answers 404 instead.
  json job = *started;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(30);
  bool went_away = false;
  while (true) {
    const std::string state = job.value("state", "");
    if (state == "FAILED" || state == "ABORTED") break;
    if (state == "SUCCEEDED" && job.value("phase", "") == "done") break;
    if (!ctx.json) show_restore(ctx, job);
    if (std::chrono::steady_clock::now() > deadline)
      return fail(ctx, "restore",
                  Status::Timeout("the agent did not finish the restore within 30 minutes"));
    std::this_thread::sleep_for(std::chrono::milliseconds(ctx.tty ? 200 : 1000));
    auto next = api.call_agent("GET", *agent, "/v1/restore");
    if (next.ok()) {
      job = *next;
    } else if (next.status().code() == ErrorCode::kNotFound && went_away) {
      break;  // back, as an agent that does not show the applied restore
    } else {
      went_away = true;  // restarting
    }
  }
  if (ctx.tty && !ctx.json) *ctx.out << "\n";
  if (job.value("state", "") == "FAILED" || job.value("state", "") == "ABORTED") {
    return fail(ctx, "restore", Status::FailedPrecondition(job.value("error", "restore failed")));
  }
  auto node = api.call_agent("GET", *agent, "/v1/node");
  if (!node.ok()) return fail(ctx, "restore", node.status());
  if (ctx.json) {
    *ctx.out << json({{"tag", job.value("tag", "")}, {"restore", job}, {"node", *node}}).dump()
             << "\n";
  } else {
    *ctx.out << fmt::format(
        "restored backup {}{} on {}: host {}, state {}, {} files replayed\n", job.value("tag", ""),
        job.value("until_us", int64_t{0}) > 0
            ? " up to " + format_time_us(job.value("until_us", int64_t{0}))
            : "",
        *agent, node->value("host_id", ""), node->value("state", ""), job.value("replay_files", 0));
    if (!job.value("warning", "").empty())
      *ctx.out << "warning: " << job.value("warning", "") << "\n";
  }
  return kExitOk;
}

}  // namespace rk::cli
