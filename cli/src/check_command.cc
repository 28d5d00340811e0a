// `rkctl check disk` and `rkctl check await`: Nagios/Icinga plugins that read the local
// machine's files directly (statvfs, /proc/diskstats, /proc/self/mountinfo, /sys), so they run
// from NRPE or check_by_ssh on each node. The logic lives in rk_monitor; this file parses the
// command line and prints the plugin line. See docs/monitoring.md.
#include "check_command.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <thread>

#include "ringkeeper/core/clock.h"
#include "ringkeeper/monitor/await_check.h"
#include "ringkeeper/monitor/disk_check.h"
#include "ringkeeper/monitor/plugin_output.h"
#include "ringkeeper/monitor/threshold.h"

namespace rk::cli {

using monitor::PluginResult;
using monitor::State;

const char* const kCheckUsage =
    "usage: rkctl check disk  [--path DIR] [-w RANGE] [-c RANGE] [--budget SIZE]\n"
    "       rkctl check await [--path DIR] [--interval SECONDS] [-w RANGE] [-c RANGE]\n"
    "\n"
    "Nagios/Icinga plugins for a ringkeeper node, run on the node itself (NRPE, check_by_ssh):\n"
    "they read local files, not the agent. Output is one line,\n"
    "  LABEL STATE - text | 'label'=value[UOM];warn;crit;min;max ...\n"
    "and the exit code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Bad options, unreadable\n"
    "files and --help are UNKNOWN (3), with the reason on the line.\n"
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
    "       -w, --warning RANGE   default 20   (WARNING when await > 20 ms)\n"
    "       -c, --critical RANGE  default 100  (CRITICAL when await > 100 ms)\n"
    "                             a plain number is milliseconds; s, ms, us are accepted\n"
    "\n"
    "common options:\n"
    "  --path DIR            the node's data directory (default /var/lib/ringkeeper)\n"
    "  -t, --timeout SECONDS give up after this long with UNKNOWN (default 10, like check_nrpe;\n"
    "                        for await it must exceed --interval)\n"
    "  -h, --help            show this text (exit 3, as the plugin guidelines ask)\n"
    "\n"
    "RANGE is the plugin guidelines' syntax, [@][start:][end], both ends inclusive:\n"
    "  10      alert if < 0 or > 10          10:     alert if < 10\n"
    "  ~:10    alert if > 10                 10:20   alert if < 10 or > 20\n"
    "  @10:20  alert if >= 10 and <= 20\n"
    "Units: % ; B, KB, MB, GB, TB, PB (powers of 1000), KiB, MiB, GiB, TiB, PiB (powers of\n"
    "1024) ; s, ms, us. Both ends of a range use the same unit.\n"
    "\n"
    "examples:\n"
    "  rkctl check disk --path /var/lib/ringkeeper\n"
    "    DISK OK - 74% free (182.3GiB of 251.9GiB) on /var/lib/ringkeeper, data 12.1GiB within\n"
    "    budget 350.0GiB | 'free'=74%;60:;50:;0;100 ...\n"
    "  rkctl check disk --path /data -w 200GiB: -c 100GiB: --budget 300GiB\n"
    "  rkctl check disk --path /data -w 70: -c 60:      (plain numbers are percent free)\n"
    "  rkctl check await --path /var/lib/ringkeeper --interval 5 -w 20 -c 100\n"
    "    AWAIT OK - await 1.41 ms on vda (r 0.59 ms, w 1.84 ms, 2.3% util) over 5.00 s for\n"
    "    /var/lib/ringkeeper | 'vda_await'=1.41ms;20;100;0 ...\n"
    "  rkctl check await -w 50ms -c 1s\n";

namespace {

struct Parsed {
  std::string path = "/var/lib/ringkeeper";
  std::optional<std::string> warning, critical, budget, interval, timeout;
  bool help = false;
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

int check_disk(const std::vector<std::string>& args, std::ostream& out, TimeoutExit on_timeout) {
  auto p = parse_options(args, {"--path", "--warning", "--critical", "--budget", "--timeout"});
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
  Deadline deadline(out, "DISK", "checking " + o.path, *timeout, on_timeout);
  return deadline.finish(monitor::run_disk_check(o));
}

int check_await(const std::vector<std::string>& args, std::ostream& out, TimeoutExit on_timeout) {
  auto p = parse_options(args, {"--path", "--warning", "--critical", "--interval", "--timeout"});
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
  Deadline deadline(out, "AWAIT",
                    fmt::format("checking {} (sampling for {} s)", o.path,
                                monitor::format_perf_number(o.interval_seconds)),
                    *timeout, on_timeout);
  return deadline.finish(monitor::run_await_check(o, SystemClock::instance(), [](double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }));
}

}  // namespace

int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  (void)err;  // plugins speak on stdout only
  return check_command_with_timeout_exit(args, out, [](int code) { std::_Exit(code); });
}

int check_command_with_timeout_exit(const std::vector<std::string>& args, std::ostream& out,
                                    TimeoutExit on_timeout) {
  if (args.empty()) return unknown(out, "CHECK", "which check? disk or await (see --help)");
  const std::string& which = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (which == "-h" || which == "--help") return help(out);
  if (which == "disk") return check_disk(rest, out, on_timeout);
  if (which == "await") return check_await(rest, out, on_timeout);
  return unknown(out, "CHECK", fmt::format("unknown check '{}' (disk or await)", which));
}

}  // namespace rk::cli
