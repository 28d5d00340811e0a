// `rkctl load`: the bulk loader (bulk_loader.h) with a progress bar on a terminal, plain progress
// lines otherwise, and a summary with rows/s and batch latency.
#include <fmt/format.h>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/cli/bulk_loader.h"

namespace rk::cli {

const char* const kLoadUsage =
    "usage: rkctl load KEYSPACE.TABLE [--rows N] [--rate ROWS_PER_S] [--batch ROWS]\n"
    "                  [--columns N] [--value-size BYTES] [--rows-per-partition N]\n"
    "                  [--concurrency N] [--cl LEVEL] [--prefix KEY] [--first-row N]\n"
    "                  [--node HOST:PORT] [--json]\n"
    "\n"
    "Writes N generated rows (default 10000) through the agents' batch endpoint: row i goes to\n"
    "partition PREFIX-i (default prefix 'key'), clustering key c0, cells col0.. with\n"
    "--value-size bytes each (defaults: 3 columns, 16 bytes). --batch rows per request\n"
    "(default 100), --concurrency requests in flight (default 4), --rate caps rows per second\n"
    "(default: no cap), --cl the consistency level (default QUORUM). Batches go round-robin to\n"
    "every NORMAL node, or only to --node. Shows a progress bar on a terminal and progress\n"
    "lines otherwise, then a summary; exits 1 if any batch failed.\n";

int load_command(Context& ctx, const std::vector<std::string>& args) {
  auto parsed = parse_args(
      args,
      {"--rows", "--rate", "--batch", "--columns", "--value-size", "--rows-per-partition",
       "--concurrency", "--cl", "--prefix", "--first-row", "--node"},
      {});
  const auto usage = [&](const std::string& m) {
    *ctx.err << "rkctl load: " << m << " (try 'rkctl load --help')\n";
    return kExitUsage;
  };
  if (!parsed.ok()) return usage(parsed.status().message());
  if (parsed->help) {
    *ctx.out << kLoadUsage;
    return kExitOk;
  }
  if (parsed->positionals.size() != 1) return usage("give one KEYSPACE.TABLE");
  LoadOptions o;
  if (Status s = split_table(parsed->positionals[0], &o.keyspace, &o.table); !s.ok()) {
    return usage(s.message());
  }
  struct IntFlag {
    const char* flag;
    int64_t min, max;
    std::function<void(int64_t)> set;
  };
  const IntFlag ints[] = {
      {"--rows", 0, int64_t{1} << 40, [&](int64_t v) { o.rows = v; }},
      {"--first-row", 0, int64_t{1} << 40, [&](int64_t v) { o.first_row = v; }},
      {"--batch", 1, 10000, [&](int64_t v) { o.batch = static_cast<int>(v); }},
      {"--columns", 1, 1000, [&](int64_t v) { o.columns = static_cast<int>(v); }},
      {"--value-size", 0, 1 << 20, [&](int64_t v) { o.value_bytes = static_cast<int>(v); }},
      {"--rows-per-partition", 1, 1 << 20,
       [&](int64_t v) { o.rows_per_partition = static_cast<int>(v); }},
      {"--concurrency", 1, 256, [&](int64_t v) { o.concurrency = static_cast<int>(v); }},
  };
  for (const IntFlag& f : ints) {
    if (!parsed->value(f.flag)) continue;
    auto v = int_flag(*parsed, f.flag, 0, f.min, f.max);
    if (!v.ok()) return usage(v.status().message());
    f.set(*v);
  }
  auto rate = number_flag(*parsed, "--rate", 0, 0, 1e9);
  if (!rate.ok()) return usage(rate.status().message());
  o.rate = *rate;
  if (const std::string* cl = parsed->value("--cl")) o.consistency = *cl;
  if (const std::string* p = parsed->value("--prefix")) o.key_prefix = *p;

  ClusterClient api(ctx);
  o.ca_file = ctx.ca_file;
  if (const std::string* node = parsed->value("--node")) {
    o.nodes = {*node};
  } else {
    auto nodes = api.normal_nodes();
    if (!nodes.ok()) {
      *ctx.err << "rkctl load: " << nodes.status().message() << "\n";
      return kExitFailed;
    }
    o.nodes = std::move(*nodes);
  }
  if (ctx.scheduler.starts_with("https://")) {
    for (std::string& n : o.nodes) {
      if (n.find("://") == std::string::npos) n = "https://" + n;
    }
  }
  if (!ctx.json) {
    *ctx.out << fmt::format("loading {} rows into {}.{} at {} through {} node(s), {} rows/batch\n",
                            o.rows, o.keyspace, o.table, o.consistency, o.nodes.size(), o.batch);
    ctx.out->flush();
  }
  const bool tty = ctx.tty && !ctx.json;
  auto show = [&](const LoadProgress& p) {
    if (ctx.json) return;
    const double fraction = p.rows_total == 0 ? 1.0
                                              : static_cast<double>(p.rows_done + p.rows_failed) /
                                                    static_cast<double>(p.rows_total);
    const double rps =
        p.elapsed_seconds > 0 ? static_cast<double>(p.rows_done) / p.elapsed_seconds : 0;
    if (tty) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth);
      *ctx.out << fmt::format("\r[{}{}] {:3.0f}% {}/{} rows, {:.0f} rows/s{}",
                              std::string(static_cast<size_t>(filled), '#'),
                              std::string(static_cast<size_t>(kWidth - filled), ' '),
                              fraction * 100, p.rows_done, p.rows_total, rps,
                              p.rows_failed ? fmt::format(", {} failed", p.rows_failed) : "");
    } else {
      *ctx.out << fmt::format("progress: {}/{} rows ({:.0f}%), {:.0f} rows/s{}\n", p.rows_done,
                              p.rows_total, fraction * 100, rps,
                              p.rows_failed ? fmt::format(", {} failed", p.rows_failed) : "");
    }
    ctx.out->flush();
  };
  auto report = run_load(o, show, tty ? std::chrono::milliseconds(200) : std::chrono::seconds(1));
  if (tty) *ctx.out << "\n";
  if (!report.ok()) {
    *ctx.err << "rkctl load: " << report.status().message() << "\n";
    return kExitFailed;
  }
  const LoadReport& r = *report;
  if (ctx.json) {
    *ctx.out << nlohmann::json({{"rows", r.rows},
                                {"cells", r.cells},
                                {"batches", r.batches},
                                {"failed_batches", r.failed_batches},
                                {"batch_rows", o.batch},
                                {"consistency", o.consistency},
                                {"seconds", r.seconds},
                                {"rows_per_second", r.rows_per_second},
                                {"cells_per_second", r.cells_per_second},
                                {"p50_ms", r.p50_ms},
                                {"p99_ms", r.p99_ms},
                                {"max_ms", r.max_ms},
                                {"first_error", r.first_error}})
                    .dump()
             << "\n";
  } else {
    *ctx.out << fmt::format(
        "loaded {} rows ({} cells) in {:.2f} s: {:.0f} rows/s, {:.0f} cells/s; batch latency "
        "p50 {:.1f} ms, p99 {:.1f} ms\n",
        r.rows, r.cells, r.seconds, r.rows_per_second, r.cells_per_second, r.p50_ms, r.p99_ms);
  }
  if (r.failed_batches > 0) {
    *ctx.err << "rkctl load: " << r.failed_batches << " of " << r.batches
             << " batches failed; first: " << r.first_error << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace rk::cli
