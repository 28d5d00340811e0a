// `rkctl check disk|await|node|repair|backup|consistency`: Nagios/Icinga plugins. disk and await
// read the local machine's files directly (statvfs, /proc/diskstats, /proc/self/mountinfo, /sys),
// so they run from NRPE or check_by_ssh on each node, or with --agent read an agent's cached
// samples (GET /v1/signals), as node always does; repair, backup and consistency ask the scheduler
// (GET /api/v1/repair/deadlines, /api/v1/backups, the preview runs of /api/v1/repair/runs). The
// verdicts live in rk_monitor; this file parses the command line, fetches (check_sources.h) and
// prints the plugin line. See docs/monitoring.md.
#include "check_command.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

#include "args.h"
#include "check_sources.h"
#include "cluster_client.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/monitor/await_check.h"
#include "ringkeeper/monitor/disk_check.h"
#include "ringkeeper/monitor/node_signals.h"
#include "ringkeeper/monitor/plugin_output.h"
#include "ringkeeper/monitor/scheduler_checks.h"
#include "ringkeeper/monitor/threshold.h"

namespace rk::cli {

using monitor::PluginResult;
using monitor::State;

const char* const kCheckUsage =
    "usage: rkctl check disk   [--path DIR | --agent URL] [-w RANGE] [-c RANGE] [--budget SIZE]\n"
    "       rkctl check await  [--path DIR [--interval SECONDS] | --agent URL] [-w RANGE] [-c "
    "RANGE]\n"
    "       rkctl check node   [--agent URL] [-w RANGE] [-c RANGE] [--tombstones-warning RANGE]\n"
    "                          [--tombstones-critical RANGE] [--files-warning RANGE]\n"
    "                          [--files-critical RANGE]\n"
    "       rkctl check repair [--scheduler URL] [-w RANGE] [-c RANGE]\n"
    "       rkctl check backup [--scheduler URL] [-w RANGE] [-c RANGE]\n"
    "       rkctl check consistency [KEYSPACE[.TABLE]] [--scheduler URL] [-w RANGE] [-c RANGE]\n"
    "                          [--ranges-warning RANGE] [--ranges-critical RANGE]\n"
    "                          [--max-age DURATION]\n"
    "\n"
    "Nagios/Icinga plugins for ringkeeper. disk and await read the node's own files (run them on\n"
    "the node: NRPE, check_by_ssh), or with --agent URL the agent's cached samples (no sampling\n"
    "wait: they return at once). node asks the agent; repair, backup and consistency ask the\n"
    "scheduler.\n"
    "Output is one line,\n"
    "  LABEL STATE - text | 'label'=value[UOM];warn;crit;min;max ...\n"
    "and the exit code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Bad options, unreadable\n"
    "files, unreachable servers and --help are UNKNOWN (3), with the reason on the line.\n"
    "\n"
    "disk   free space of the filesystem holding DIR, as df shows it (Avail, Use%), and the\n"
    "       bytes the data under DIR takes (as du counts them) against a per-node budget.\n"
    "       -w, --warning RANGE   default 60%:  (WARNING when less than 60% is free)\n"
    "       -c, --critical RANGE  default 50%:  (CRITICAL when less than 50% is free)\n"
    "                             a range in % applies to the free percent, a range in bytes\n"
    "                             (200GiB:, 500GB:) to the free bytes; a plain number is %\n"
    "       --budget SIZE         default 350GiB: WARNING when the data under DIR is larger;\n"
    "                             0 turns the budget (and the walk over DIR) off\n"
    "await  iostat -x's await (ms per I/O, reads+writes+discards), r_await, w_await, %util\n"
    "       of the block device(s) under DIR: the disk of a partition, a dm/md device and\n"
    "       the disks beneath it; the worst device decides.\n"
    "       --interval SECONDS    default 1: time between the two /proc/diskstats samples\n"
    "                             (with --agent: the agent's last sample interval instead)\n"
    "       -w, --warning RANGE   default 20   (WARNING when await > 20 ms)\n"
    "       -c, --critical RANGE  default 100  (CRITICAL when await > 100 ms)\n"
    "                             a plain number is milliseconds; s, ms, us are accepted\n"
    "node   the storage engine as the agent sees it: compaction headroom (free space / the\n"
    "       largest compaction the engine could run next), the worst table's tombstone\n"
    "       ratio, the number of SSTs; pending and running compactions in the perfdata.\n"
    "       --agent URL           default http://127.0.0.1:7100 (the agent's ops API)\n"
    "       -w, --warning RANGE   on the headroom, default 1.5: (WARNING below 1.5x)\n"
    "       -c, --critical RANGE  default 1: (CRITICAL: the next large compaction won't fit)\n"
    "       --tombstones-warning RANGE   default 0.2 (WARNING above 20% tombstones)\n"
    "       --tombstones-critical RANGE  default 0.5\n"
    "       --files-warning RANGE        default 5000 SSTs\n"
    "       --files-critical RANGE       default 20000 SSTs\n"
    "repair time left until any range of a table passes gc_grace without repair, from the\n"
    "       scheduler's GET /api/v1/repair/deadlines. Without -w/-c the scheduler's verdict\n"
    "       decides: OVERDUE is CRITICAL, AT_RISK WARNING, NEVER_REPAIRED OK until the\n"
    "       table is older than gc_grace and CRITICAL after (WARNING if its age is unknown).\n"
    "       -w, --warning RANGE   on each table's time left, e.g. 2d: (WARNING below 2 days)\n"
    "       -c, --critical RANGE  e.g. 0s: (CRITICAL once past the deadline)\n"
    "                             a plain number is hours; s, min, h, d are accepted\n"
    "backup time since the last COMPLETE backup finished (GET /api/v1/backups).\n"
    "       -w, --warning RANGE   default 36h (WARNING when older than 36 hours)\n"
    "       -c, --critical RANGE  default 72h; no complete backup at all is CRITICAL\n"
    "                             a plain number is hours; s, min, h, d are accepted\n"
    "consistency  what the last finished preview repair (rkctl repair start KS --preview) of\n"
    "       KEYSPACE (each keyspace with a preview when omitted; with .TABLE the last that\n"
    "       compared TABLE) found: rows and ranges where a replica is behind.\n"
    "       -w, --warning RANGE   on the differing rows, default 0 (WARNING on any difference)\n"
    "       -c, --critical RANGE  default 1000 (CRITICAL above 1,000 rows)\n"
    "       --ranges-warning RANGE   on the differing ranges, default 0\n"
    "       --ranges-critical RANGE  default 100\n"
    "       --max-age DURATION    default 8d: UNKNOWN when the last preview finished longer ago\n"
    "                             (a plain number is hours); UNKNOWN too when there is none\n"
    "\n"
    "common options:\n"
    "  --path DIR            the node's data directory (default /var/lib/ringkeeper)\n"
    "  --agent URL           the agent's ops API, e.g. http://127.0.0.1:7100 (disk, await, node)\n"
    "  --max-age SECONDS     with --agent: UNKNOWN when the agent's sample is older (default 60)\n"
    "  --scheduler URL       the scheduler (repair, backup, consistency; default\n"
    "                        http://127.0.0.1:7400)\n"
    "  --ca-file FILE        CA for https:// agents and schedulers (default: $RK_CA_FILE)\n"
    "  -t, --timeout SECONDS give up after this long with UNKNOWN (default 10, like check_nrpe;\n"
    "                        for await it must exceed --interval)\n"
    "  -h, --help            show this text (exit 3, as the plugin guidelines ask)\n"
    "\n"
    "RANGE is the plugin guidelines' syntax, [@][start:][end], both ends inclusive:\n"
    "  10      alert if < 0 or > 10          10:     alert if < 10\n"
    "  ~:10    alert if > 10                 10:20   alert if < 10 or > 20\n"
    "  @10:20  alert if >= 10 and <= 20\n"
    "Units: % ; B, KB, MB, GB, TB, PB (powers of 1000), KiB, MiB, GiB, TiB, PiB (powers of\n"
    "1024) ; s, ms, us, min, h, d. Both ends of a range use the same unit.\n"
    "\n"
    "examples:\n"
    "  rkctl check disk --path /var/lib/ringkeeper\n"
    "    DISK OK - 74% free (182.3GiB of 251.9GiB) on /var/lib/ringkeeper, data 12.1GiB within\n"
    "    budget 350.0GiB | 'free'=74%;60:;50:;0;100 ...\n"
    "  rkctl check disk --path /data -w 200GiB: -c 100GiB: --budget 300GiB\n"
    "  rkctl check disk --agent http://127.0.0.1:7100 -w 70: -c 60:   (plain numbers are %)\n"
    "  rkctl check await --path /var/lib/ringkeeper --interval 5 -w 20 -c 100\n"
    "    AWAIT OK - await 1.41 ms on vda (r 0.59 ms, w 1.84 ms, 2.3% util) over 5.00 s for\n"
    "    /var/lib/ringkeeper | 'vda_await'=1.41ms;20;100;0 ...\n"
    "  rkctl check await --agent http://127.0.0.1:7100 -w 50ms -c 1s\n"
    "  rkctl check node --agent http://127.0.0.1:7100 --tombstones-warning 0.3\n"
    "    NODE OK - compaction headroom 4.10x (41.0GiB free, largest compaction 10.0GiB),\n"
    "    tombstones 1.2% in shop.orders, 212 SSTs, 0 compaction(s) pending, 1 running | ...\n"
    "  rkctl check repair --scheduler http://scheduler:7400 -w 2d: -c 0s:\n"
    "    REPAIR WARNING - shop.orders AT_RISK (1.5 d left); 11 of 12 tables OK | ...\n"
    "  rkctl check backup --scheduler http://scheduler:7400 -w 26h -c 50h\n"
    "    BACKUP OK - last complete backup 'daily-20261122' 5.0 h ago (12.3GiB, 3 nodes,\n"
    "    412 files) | 'age'=18000s;93600;180000;0 ...\n"
    "  rkctl check consistency shop --scheduler http://scheduler:7400\n"
    "    CONSISTENCY WARNING - shop.orders: 12 rows (3.1KiB) differ in 4 ranges, behind: 0b9d...\n"
    "    (last preview: shop run 42, 2.0 h ago) | 'rows'=12;0;1000;0 'ranges'=4;0;100;0 ...\n";

namespace {

struct Parsed {
  std::string path = "/var/lib/ringkeeper";
  std::optional<std::string> warning, critical, budget, interval, timeout;
  std::optional<std::string> agent;          // --agent URL: read the agent's cached samples
  std::map<std::string, std::string> other;  // the check's own long options, by name
  bool help = false;

  const std::string* option(const std::string& name) const {
    auto it = other.find(name);
    return it == other.end() ? nullptr : &it->second;
  }
};

// Reads options common to the checks; `allowed` lists the long options of this check.
Result<Parsed> parse_options(const std::vector<std::string>& args,
                             const std::vector<std::string_view>& allowed) {
  Parsed p;
  auto is_allowed = [&](std::string_view name) {
    for (auto a : allowed) {
      if (a == name) return true;
    }
    return false;
  };
  // --help overrides every other option, even malformed ones (plugin guidelines).
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      p.help = true;
      return p;
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (name.rfind("--", 0) == 0) {
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
    } else if (name == "-w") {
      name = "--warning";
    } else if (name == "-c") {
      name = "--critical";
    } else if (name == "-t") {
      name = "--timeout";
    } else if (name.size() > 2 && (name.rfind("-w", 0) == 0 || name.rfind("-c", 0) == 0)) {
      value = name.substr(2);  // -w60%:
      name = name[1] == 'w' ? "--warning" : "--critical";
    }
    if (!is_allowed(name)) {
      return Status::InvalidArgument(fmt::format("unknown option '{}' (see --help)", args[i]));
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return Status::InvalidArgument(fmt::format("option '{}' needs a value", args[i]));
      }
      value = args[++i];
    }
    if (name == "--path") p.path = *value;
    if (name == "--warning") p.warning = *value;
    if (name == "--critical") p.critical = *value;
    if (name == "--budget") p.budget = *value;
    if (name == "--interval") p.interval = *value;
    if (name == "--timeout") p.timeout = *value;
    if (name == "--agent") {
      RK_RETURN_IF_ERROR(check_url_flag("--agent", *value));
      p.agent = *value;
    }
    if (name != "--path" && name != "--warning" && name != "--critical" && name != "--budget" &&
        name != "--interval" && name != "--timeout" && name != "--agent") {
      p.other[name] = *value;
    }
  }
  return p;
}

Result<monitor::Range> parse_threshold(const std::string& text, monitor::Unit unit, double factor) {
  RK_ASSIGN_OR_RETURN(monitor::Range r, monitor::parse_range(text));
  return r.with_default_unit(unit, factor);
}

// Overrides the defaults with -w/-c; a plain number is taken in `unit` times `factor`.
Status apply_thresholds(const Parsed& p, monitor::Unit unit, double factor,
                        monitor::Thresholds* t) {
  if (p.warning) {
    RK_ASSIGN_OR_RETURN(t->warning, parse_threshold(*p.warning, unit, factor));
  }
  if (p.critical) {
    RK_ASSIGN_OR_RETURN(t->critical, parse_threshold(*p.critical, unit, factor));
  }
  return Status::OK();
}

// A size like 350GiB (plain numbers are bytes).
Result<uint64_t> parse_size(const std::string& text) {
  auto r = monitor::parse_range(text);
  if (!r.ok() || r->inside || r->start != 0 || !std::isfinite(r->end) ||
      (r->unit != monitor::Unit::kBytes && r->unit != monitor::Unit::kNone)) {
    return Status::InvalidArgument(
        fmt::format("invalid size '{}' (e.g. 350GiB, 500GB, 0 for none)", text));
  }
  return static_cast<uint64_t>(std::llround(r->end));
}

Result<double> parse_seconds(const std::string& text) {
  double v = 0;
  auto [p, ec] =
      std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || p != text.data() + text.size() || !(v > 0) || v > 3600) {
    return Status::InvalidArgument(
        fmt::format("invalid interval '{}' (seconds, more than 0 and at most 3600)", text));
  }
  return v;
}

// Plugin guidelines, -t: a check still running at the deadline prints UNKNOWN and ends the
// process with exit 3. Exactly one line is printed either way: whoever comes first (finish() or
// the deadline) writes it under the lock.
class Deadline {
 public:
  Deadline(std::ostream& out, std::string label, std::string what, double seconds,
           TimeoutExit on_timeout)
      : out_(out),
        label_(std::move(label)),
        what_(std::move(what)),
        seconds_(seconds),
        on_timeout_(on_timeout) {
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(seconds_));
      if (cv_.wait_until(lock, deadline, [this] { return done_; })) return;
      fired_ = true;
      out_ << monitor::format_plugin_output(monitor::unknown_result(
          label_,
          fmt::format("timed out after {} s {}", monitor::format_perf_number(seconds_), what_)));
      out_.flush();
      on_timeout_(monitor::exit_code(State::kUnknown));
    });
  }
  ~Deadline() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Prints the result unless the deadline already printed UNKNOWN; returns the exit code.
  int finish(const PluginResult& r) {
    std::lock_guard lock(mu_);
    if (fired_) return monitor::exit_code(State::kUnknown);
    done_ = true;
    out_ << monitor::format_plugin_output(r);
    cv_.notify_all();
    return monitor::exit_code(r.state);
  }

 private:
  std::ostream& out_;
  std::string label_, what_;
  double seconds_;
  TimeoutExit on_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

Result<double> parse_timeout(const std::optional<std::string>& text) {
  if (!text) return 10.0;
  double v = 0;
  auto [p, ec] =
      std::from_chars(text->data(), text->data() + text->size(), v, std::chars_format::fixed);
  if (ec != std::errc() || p != text->data() + text->size() || !(v > 0) || v > 3600) {
    return Status::InvalidArgument(
        fmt::format("invalid timeout '{}' (seconds, more than 0 and at most 3600)", *text));
  }
  return v;
}

int emit(std::ostream& out, const PluginResult& r) {
  out << monitor::format_plugin_output(r);
  return monitor::exit_code(r.state);
}

int unknown(std::ostream& out, const std::string& label, const std::string& reason) {
  return emit(out, monitor::unknown_result(label, reason));
}

int help(std::ostream& out) {
  out << kCheckUsage;
  return monitor::exit_code(State::kUnknown);
}

// A threshold option of this check other than -w/-c (e.g. --tombstones-warning), if given.
Result<std::optional<monitor::Range>> extra_range(const Parsed& p, const std::string& name,
                                                  monitor::Unit unit, double factor) {
  const std::string* text = p.option(name);
  if (text == nullptr) return std::optional<monitor::Range>();
  RK_ASSIGN_OR_RETURN(monitor::Range r, parse_threshold(*text, unit, factor));
  return std::optional<monitor::Range>(r);
}

// --max-age SECONDS (default 60): how old the agent's cached sample may be.
Result<double> parse_max_age(const Parsed& p) {
  const std::string* text = p.option("--max-age");
  if (text == nullptr) return 60.0;
  double v = 0;
  auto [ptr, ec] =
      std::from_chars(text->data(), text->data() + text->size(), v, std::chars_format::fixed);
  if (ec != std::errc() || ptr != text->data() + text->size() || !(v > 0)) {
    return Status::InvalidArgument(
        fmt::format("invalid --max-age '{}' (seconds, more than 0)", *text));
  }
  return v;
}

// The agent's signals for --agent mode (or the default agent for `node`).
Result<nlohmann::json> agent_signals(const Parsed& p, const CheckEnv& env, double timeout,
                                     const std::string& default_url = "") {
  const std::string url = p.agent ? *p.agent : default_url;
  RK_ASSIGN_OR_RETURN(double max_age, parse_max_age(p));
  return fetch_signals(url, env.ca_file, timeout, max_age, env.clock->now_micros());
}

int check_disk(const std::vector<std::string>& args, std::ostream& out, const CheckEnv& env) {
  auto p = parse_options(
      args, {"--path", "--warning", "--critical", "--budget", "--timeout", "--agent", "--max-age"});
  if (p.ok() && p->help) return help(out);
  if (!p.ok()) return unknown(out, "DISK", p.status().message());
  monitor::DiskCheckOptions o;
  o.path = p->path;
  if (Status s = apply_thresholds(*p, monitor::Unit::kPercent, 1, &o.thresholds); !s.ok()) {
    return unknown(out, "DISK", s.message());
  }
  if (p->budget) {
    auto b = parse_size(*p->budget);
    if (!b.ok()) return unknown(out, "DISK", b.status().message());
    o.data_budget_bytes = *b;
  }
  auto timeout = parse_timeout(p->timeout);
  if (!timeout.ok()) return unknown(out, "DISK", timeout.status().message());
  if (p->agent) {
    if (Status s = monitor::validate_disk_thresholds(o.thresholds); !s.ok()) {
      return unknown(out, "DISK", s.message());
    }
    Deadline deadline(out, "DISK", "asking the agent at " + *p->agent, *timeout, env.on_timeout);
    auto signals = agent_signals(*p, env, *timeout);
    if (!signals.ok())
      return deadline.finish(monitor::unknown_result("DISK", signals.status().message()));
    auto facts = disk_facts_from_signals(*signals);
    if (!facts.ok())
      return deadline.finish(monitor::unknown_result("DISK", facts.status().message()));
    return deadline.finish(monitor::evaluate_disk(*facts, o));
  }
  Deadline deadline(out, "DISK", "checking " + o.path, *timeout, env.on_timeout);
  return deadline.finish(monitor::run_disk_check(o));
}

int check_await(const std::vector<std::string>& args, std::ostream& out, const CheckEnv& env) {
  auto p = parse_options(args, {"--path", "--warning", "--critical", "--interval", "--timeout",
                                "--agent", "--max-age"});
  if (p.ok() && p->help) return help(out);
  if (!p.ok()) return unknown(out, "AWAIT", p.status().message());
  monitor::AwaitCheckOptions o;
  o.path = p->path;
  if (Status s = apply_thresholds(*p, monitor::Unit::kSeconds, 1e-3, &o.thresholds); !s.ok()) {
    return unknown(out, "AWAIT", s.message());
  }
  if (p->interval) {
    auto s = parse_seconds(*p->interval);
    if (!s.ok()) return unknown(out, "AWAIT", s.status().message());
    o.interval_seconds = *s;
  }
  auto timeout = parse_timeout(p->timeout);
  if (!timeout.ok()) return unknown(out, "AWAIT", timeout.status().message());
  if (p->agent) {
    // The agent's last interval: no sampling here, the check returns at once.
    if (Status s = monitor::validate_await_thresholds(o.thresholds); !s.ok()) {
      return unknown(out, "AWAIT", s.message());
    }
    Deadline deadline(out, "AWAIT", "asking the agent at " + *p->agent, *timeout, env.on_timeout);
    auto signals = agent_signals(*p, env, *timeout);
    if (!signals.ok())
      return deadline.finish(monitor::unknown_result("AWAIT", signals.status().message()));
    auto sample = await_from_signals(*signals);
    if (!sample.ok())
      return deadline.finish(monitor::unknown_result("AWAIT", sample.status().message()));
    return deadline.finish(
        monitor::evaluate_await(sample->path, sample->devices, sample->interval_seconds, o));
  }
  Deadline deadline(out, "AWAIT",
                    fmt::format("checking {} (sampling for {} s)", o.path,
                                monitor::format_perf_number(o.interval_seconds)),
                    *timeout, env.on_timeout);
  return deadline.finish(monitor::run_await_check(o, *env.clock, [](double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }));
}

int check_node(const std::vector<std::string>& args, std::ostream& out, const CheckEnv& env) {
  auto p = parse_options(
      args, {"--warning", "--critical", "--timeout", "--agent", "--max-age", "--tombstones-warning",
             "--tombstones-critical", "--files-warning", "--files-critical"});
  if (p.ok() && p->help) return help(out);
  if (!p.ok()) return unknown(out, "NODE", p.status().message());
  monitor::NodeCheckOptions o;
  if (Status s = apply_thresholds(*p, monitor::Unit::kNone, 1, &o.headroom); !s.ok()) {
    return unknown(out, "NODE", s.message());
  }
  const std::pair<const char*, std::optional<monitor::Range>*> extra[] = {
      {"--tombstones-warning", &o.tombstones.warning},
      {"--tombstones-critical", &o.tombstones.critical},
      {"--files-warning", &o.files.warning},
      {"--files-critical", &o.files.critical}};
  for (const auto& [name, target] : extra) {
    auto r = extra_range(*p, name, monitor::Unit::kNone, 1);
    if (!r.ok()) return unknown(out, "NODE", r.status().message());
    if (*r) *target = *r;
  }
  for (const auto* t : {&o.headroom, &o.tombstones, &o.files}) {
    for (const auto* r : {&t->warning, &t->critical}) {
      if (*r && (*r)->unit != monitor::Unit::kNone) {
        return unknown(out, "NODE", "node thresholds are plain numbers (ratios and counts)");
      }
    }
  }
  auto timeout = parse_timeout(p->timeout);
  if (!timeout.ok()) return unknown(out, "NODE", timeout.status().message());
  const std::string url = p->agent ? *p->agent : "http://127.0.0.1:7100";
  Deadline deadline(out, "NODE", "asking the agent at " + url, *timeout, env.on_timeout);
  auto signals = agent_signals(*p, env, *timeout, url);
  if (!signals.ok())
    return deadline.finish(monitor::unknown_result("NODE", signals.status().message()));
  auto sample = node_from_signals(*signals);
  if (!sample.ok())
    return deadline.finish(monitor::unknown_result("NODE", sample.status().message()));
  return deadline.finish(monitor::evaluate_node(sample->facts, sample->free_bytes, o));
}

// The scheduler's JSON at `path`, parsed by `parse` and judged by `evaluate`, within `timeout`
// seconds. Any failure is UNKNOWN.
template <class Parse, class Evaluate>
int ask_scheduler(std::ostream& out, const CheckEnv& env, const char* label, double timeout,
                  const std::string& path, Parse parse, Evaluate evaluate) {
  if (Status s = check_url_flag("--scheduler", env.scheduler); !s.ok()) {
    return unknown(out, label, s.message());
  }
  Deadline deadline(out, label, "asking the scheduler at " + env.scheduler, timeout,
                    env.on_timeout);
  auto body = fetch_json(env.scheduler + path, env.ca_file, timeout);
  if (!body.ok()) return deadline.finish(monitor::unknown_result(label, body.status().message()));
  auto parsed = parse(*body);
  if (!parsed.ok()) {
    return deadline.finish(monitor::unknown_result(label, parsed.status().message()));
  }
  return deadline.finish(evaluate(*parsed, env.clock->now_micros()));
}

// repair and backup: -w/-c are durations (a plain number is hours); the scheduler's JSON at
// `path` is parsed by `parse` and judged by `evaluate`. Any failure is UNKNOWN.
template <class Parse, class Evaluate>
int scheduler_check(const std::vector<std::string>& args, std::ostream& out, const CheckEnv& env,
                    const char* label, const std::string& path, const char* units_hint,
                    monitor::Thresholds* thresholds, Parse parse, Evaluate evaluate) {
  auto p = parse_options(args, {"--warning", "--critical", "--timeout"});
  if (p.ok() && p->help) return help(out);
  if (!p.ok()) return unknown(out, label, p.status().message());
  if (Status s = apply_thresholds(*p, monitor::Unit::kSeconds, 3600, thresholds); !s.ok()) {
    return unknown(out, label, s.message());
  }
  for (const auto* r : {&thresholds->warning, &thresholds->critical}) {
    if (*r && (*r)->unit != monitor::Unit::kSeconds) return unknown(out, label, units_hint);
  }
  auto timeout = parse_timeout(p->timeout);
  if (!timeout.ok()) return unknown(out, label, timeout.status().message());
  return ask_scheduler(out, env, label, *timeout, path, parse, evaluate);
}

int check_repair(const std::vector<std::string>& args, std::ostream& out, const CheckEnv& env) {
  monitor::RepairCheckOptions o;
  return scheduler_check(args, out, env, "REPAIR", "/api/v1/repair/deadlines",
                         "repair thresholds are times left (e.g. 2d:, 12h:)", &o.time_left,
                         deadlines_from_json,
                         [&o](const std::vector<monitor::TableDeadline>& tables, int64_t now) {
                           return monitor::evaluate_repair(tables, now, o);
                         });
}

int check_backup(const std::vector<std::string>& args, std::ostream& out, const CheckEnv& env) {
  monitor::BackupCheckOptions o;
  return scheduler_check(args, out, env, "BACKUP", "/api/v1/backups",
                         "backup thresholds are ages (e.g. 36h, 2d)", &o.age, backups_from_json,
                         [&o](const std::vector<monitor::BackupRun>& backups, int64_t now) {
                           return monitor::evaluate_backup(backups, now, o);
                         });
}

int check_consistency(const std::vector<std::string>& args, std::ostream& out,
                      const CheckEnv& env) {
  const char* label = "CONSISTENCY";
  monitor::ConsistencyCheckOptions o;
  std::vector<std::string> options = args;
  if (!options.empty() && !options[0].starts_with("-")) {
    const std::string scope = options[0];
    options.erase(options.begin());
    const size_t dot = scope.find('.');
    o.keyspace = scope.substr(0, dot);
    if (dot != std::string::npos) o.table = scope.substr(dot + 1);
    if (o.keyspace.empty() || (dot != std::string::npos && o.table.empty())) {
      return unknown(out, label, fmt::format("'{}' is not KEYSPACE or KEYSPACE.TABLE", scope));
    }
  }
  auto p = parse_options(options, {"--warning", "--critical", "--timeout", "--ranges-warning",
                                   "--ranges-critical", "--max-age"});
  if (p.ok() && p->help) return help(out);
  if (!p.ok()) return unknown(out, label, p.status().message());
  if (Status s = apply_thresholds(*p, monitor::Unit::kNone, 1, &o.rows); !s.ok()) {
    return unknown(out, label, s.message());
  }
  const std::pair<const char*, std::optional<monitor::Range>*> extra[] = {
      {"--ranges-warning", &o.ranges.warning}, {"--ranges-critical", &o.ranges.critical}};
  for (const auto& [name, target] : extra) {
    auto r = extra_range(*p, name, monitor::Unit::kNone, 1);
    if (!r.ok()) return unknown(out, label, r.status().message());
    if (*r) *target = *r;
  }
  for (const auto* t : {&o.rows, &o.ranges}) {
    for (const auto* r : {&t->warning, &t->critical}) {
      if (*r && (*r)->unit != monitor::Unit::kNone) {
        return unknown(out, label, "consistency thresholds are plain numbers (rows, ranges)");
      }
    }
  }
  if (const std::string* text = p->option("--max-age")) {
    auto r = parse_threshold(*text, monitor::Unit::kSeconds, 3600);
    if (!r.ok() || r->inside || r->start != 0 || !std::isfinite(r->end) || !(r->end > 0) ||
        r->unit != monitor::Unit::kSeconds) {
      return unknown(out, label, fmt::format("invalid --max-age '{}' (e.g. 8d, 36h)", *text));
    }
    o.max_age_us = static_cast<int64_t>(std::min(r->end, 1e12) * 1e6);
  }
  auto timeout = parse_timeout(p->timeout);
  if (!timeout.ok()) return unknown(out, label, timeout.status().message());
  std::string path = "/api/v1/repair/runs?preview=true&state=DONE&limit=1000";
  if (!o.keyspace.empty()) path += "&keyspace=" + o.keyspace;
  return ask_scheduler(out, env, label, *timeout, path, previews_from_json,
                       [&o](const std::vector<monitor::PreviewRun>& runs, int64_t now) {
                         return monitor::evaluate_consistency(runs, now, o);
                       });
}

}  // namespace

int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  (void)err;  // plugins speak on stdout only
  return check_command_with_timeout_exit(args, out, [](int code) { std::_Exit(code); });
}

int check_cluster_command(Context& ctx, const std::vector<std::string>& args) {
  CheckEnv env;
  env.scheduler = ctx.scheduler;
  env.ca_file = ctx.ca_file;
  return check_command_with_env(args, *ctx.out, env);
}

int check_command_with_timeout_exit(const std::vector<std::string>& args, std::ostream& out,
                                    TimeoutExit on_timeout) {
  CheckEnv env;
  env.on_timeout = on_timeout;
  return check_command_with_env(args, out, env);
}

int check_command_with_env(const std::vector<std::string>& args, std::ostream& out,
                           const CheckEnv& given) {
  CheckEnv env = given;
  if (env.clock == nullptr) env.clock = &SystemClock::instance();
  while (!env.scheduler.empty() && env.scheduler.back() == '/') env.scheduler.pop_back();
  if (args.empty()) {
    return unknown(out, "CHECK",
                   "which check? disk, await, node, repair, backup or consistency (see --help)");
  }
  const std::string& which = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (which == "-h" || which == "--help") return help(out);
  if (which == "disk") return check_disk(rest, out, env);
  if (which == "await") return check_await(rest, out, env);
  if (which == "node") return check_node(rest, out, env);
  if (which == "repair") return check_repair(rest, out, env);
  if (which == "backup") return check_backup(rest, out, env);
  if (which == "consistency") return check_consistency(rest, out, env);
  return unknown(
      out, "CHECK",
      fmt::format("unknown check '{}' (disk, await, node, repair, backup or consistency)", which));
}

}  // namespace rk::cli
