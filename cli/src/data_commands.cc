// `rkctl write|read|delete`: one partition through an agent's client data API. The coordinator is
// a NORMAL node from the scheduler's ring, or the node given with --node (its client address).
#include <fmt/format.h>

#include <set>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/core/schema_limits.h"

namespace rk::cli {

const char* const kWriteUsage =
    "usage: rkctl write KEYSPACE.TABLE PARTITION COLUMN=VALUE... [-c CLUSTERING]\n"
    "                   [--cl ONE|QUORUM|LOCAL_QUORUM|ALL] [--ttl SECONDS] [--timestamp US]\n"
    "                   [--node HOST:PORT] [--json]\n"
    "\n"
    "Sets cells of one row (clustering key CLUSTERING, default \"\") in one partition.\n"
    "--cl is the consistency level (default QUORUM); --node picks the coordinator (an agent's\n"
    "client address), otherwise a NORMAL node from the ring.\n";

const char* const kReadUsage =
    "usage: rkctl read KEYSPACE.TABLE PARTITION [--start C] [--end C]\n"
    "                  [--cl ONE|QUORUM|LOCAL_QUORUM|ALL] [--node HOST:PORT] [--json]\n"
    "\n"
    "Reads one partition (rows with clustering keys in [--start, --end] when given), reconciled\n"
    "by timestamp across the replicas the consistency level asks for (default QUORUM).\n";

const char* const kDeleteUsage =
    "usage: rkctl delete KEYSPACE.TABLE PARTITION [-c CLUSTERING [--column COLUMN]]\n"
    "                    [--cl ONE|QUORUM|LOCAL_QUORUM|ALL] [--timestamp US]\n"
    "                    [--node HOST:PORT] [--json]\n"
    "\n"
    "Deletes a whole partition, one row (-c) or one cell (-c and --column) with a tombstone.\n";

namespace {

const std::set<std::string> kLevels = {"ONE", "QUORUM", "LOCAL_QUORUM", "ALL"};

struct DataArgs {
  ParsedArgs parsed;
  std::string keyspace;
  std::string table;
  std::string partition;
  std::string consistency = "QUORUM";
};

// Parses the common part; returns an exit code to stop with, or -1 to go on.
int parse_data_args(Context& ctx, const std::string& cmd, const char* usage,
                    const std::vector<std::string>& args, const std::set<std::string>& extra,
                    DataArgs* out) {
  std::set<std::string> flags = {"--cl", "--node"};
  flags.insert(extra.begin(), extra.end());
  auto parsed = parse_args(args, flags, {});
  if (!parsed.ok()) {
    *ctx.err << "rkctl " << cmd << ": " << parsed.status().message() << " (try 'rkctl " << cmd
             << " --help')\n";
    return kExitUsage;
  }
  if (parsed->help) {
    *ctx.out << usage;
    return kExitOk;
  }
  out->parsed = std::move(*parsed);
  const auto& pos = out->parsed.positionals;
  if (pos.size() < 2) {
    *ctx.err << "rkctl " << cmd << ": give KEYSPACE.TABLE and PARTITION (try 'rkctl " << cmd
             << " --help')\n";
    return kExitUsage;
  }
  if (Status s = split_table(pos[0], &out->keyspace, &out->table); !s.ok()) {
    *ctx.err << "rkctl " << cmd << ": " << s.message() << "\n";
    return kExitUsage;
  }
  out->partition = pos[1];
  if (const std::string* cl = out->parsed.value("--cl")) {
    std::string upper = *cl;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!kLevels.count(upper)) {
      *ctx.err << "rkctl " << cmd << ": --cl must be ONE, QUORUM, LOCAL_QUORUM or ALL, got '" << *cl
               << "'\n";
      return kExitUsage;
    }
    out->consistency = upper;
  }
  if (const std::string* node = out->parsed.value("--node")) {
    if (Status s = check_address_flag("--node", *node); !s.ok()) {
      *ctx.err << "rkctl " << cmd << ": " << s.message() << "\n";
      return kExitUsage;
    }
  }
  return -1;
}

int send(Context& ctx, const std::string& cmd, const DataArgs& a, const std::string& path,
         const nlohmann::json& body, nlohmann::json* reply) {
  ClusterClient api(ctx);
  const std::string* node_flag = a.parsed.value("--node");
  auto node = api.pick_node(node_flag ? *node_flag : "");
  if (!node.ok()) {
    *ctx.err << "rkctl " << cmd << ": " << node.status().message() << "\n";
    return kExitFailed;
  }
  auto result = api.post_agent(*node, path, body);
  if (!result.ok()) {
    *ctx.err << "rkctl " << cmd << ": " << result.status().message() << "\n";
    return kExitFailed;
  }
  *reply = std::move(*result);
  return kExitOk;
}

void print_ack(Context& ctx, const std::string& what, const DataArgs& a,
               const nlohmann::json& reply) {
  if (ctx.json) {
    *ctx.out << reply.dump() << "\n";
    return;
  }
  *ctx.out << what << " (" << a.consistency << ": " << reply.value("acks", 0) << " of "
           << reply.value("replicas", 0) << " replicas acknowledged)\n";
}

}  // namespace

int write_command(Context& ctx, const std::vector<std::string>& args) {
  DataArgs a;
  if (int rc = parse_data_args(ctx, "write", kWriteUsage, args, {"-c", "--ttl", "--timestamp"}, &a);
      rc >= 0) {
    return rc;
  }
  const auto& pos = a.parsed.positionals;
  if (pos.size() < 3) {
    *ctx.err << "rkctl write: give at least one COLUMN=VALUE\n";
    return kExitUsage;
  }
  auto ttl = int_flag(a.parsed, "--ttl", 0, 0, kMaxTtlSeconds);
  auto ts = int_flag(a.parsed, "--timestamp", 0, 0, INT64_MAX);
  if (!ttl.ok() || !ts.ok()) {
    *ctx.err << "rkctl write: " << (!ttl.ok() ? ttl.status() : ts.status()).message() << "\n";
    return kExitUsage;
  }
  const std::string* clustering = a.parsed.value("-c");
  nlohmann::json ops = nlohmann::json::array();
  for (size_t i = 2; i < pos.size(); ++i) {
    const auto eq = pos[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      *ctx.err << "rkctl write: '" << pos[i] << "' is not COLUMN=VALUE\n";
      return kExitUsage;
    }
    nlohmann::json op = {{"op", "set"},
                         {"clustering", clustering ? *clustering : ""},
                         {"column", pos[i].substr(0, eq)},
                         {"value", pos[i].substr(eq + 1)}};
    if (*ttl > 0) op["ttl"] = *ttl;
    ops.push_back(std::move(op));
  }
  nlohmann::json body = {{"keyspace", a.keyspace},
                         {"table", a.table},
                         {"partition", a.partition},
                         {"consistency", a.consistency},
                         {"ops", std::move(ops)}};
  if (*ts > 0) body["timestamp"] = *ts;
  nlohmann::json reply;
  if (int rc = send(ctx, "write", a, "/v1/write", body, &reply); rc != kExitOk) return rc;
  print_ack(ctx, fmt::format("wrote {} cell(s)", pos.size() - 2), a, reply);
  return kExitOk;
}

int delete_command(Context& ctx, const std::vector<std::string>& args) {
  DataArgs a;
  if (int rc =
          parse_data_args(ctx, "delete", kDeleteUsage, args, {"-c", "--column", "--timestamp"}, &a);
      rc >= 0) {
    return rc;
  }
  if (a.parsed.positionals.size() != 2) {
    *ctx.err << "rkctl delete: unexpected argument '" << a.parsed.positionals[2] << "'\n";
    return kExitUsage;
  }
  auto ts = int_flag(a.parsed, "--timestamp", 0, 0, INT64_MAX);
  if (!ts.ok()) {
    *ctx.err << "rkctl delete: " << ts.status().message() << "\n";
    return kExitUsage;
  }
  const std::string* clustering = a.parsed.value("-c");
  const std::string* column = a.parsed.value("--column");
  nlohmann::json op;
  std::string what;
  if (column && !clustering) {
    *ctx.err << "rkctl delete: --column needs -c CLUSTERING\n";
    return kExitUsage;
  } else if (column) {
    op = {{"op", "delete_cell"}, {"clustering", *clustering}, {"column", *column}};
    what = "deleted cell";
  } else if (clustering) {
    op = {{"op", "delete_row"}, {"clustering", *clustering}};
    what = "deleted row";
  } else {
    op = {{"op", "delete_partition"}};
    what = "deleted partition";
  }
  nlohmann::json body = {{"keyspace", a.keyspace},
                         {"table", a.table},
                         {"partition", a.partition},
                         {"consistency", a.consistency},
                         {"ops", nlohmann::json::array({op})}};
  if (*ts > 0) body["timestamp"] = *ts;
  nlohmann::json reply;
  if (int rc = send(ctx, "delete", a, "/v1/write", body, &reply); rc != kExitOk) return rc;
  print_ack(ctx, what, a, reply);
  return kExitOk;
}

int read_command(Context& ctx, const std::vector<std::string>& args) {
  DataArgs a;
  if (int rc = parse_data_args(ctx, "read", kReadUsage, args, {"--start", "--end"}, &a); rc >= 0) {
    return rc;
  }
  if (a.parsed.positionals.size() != 2) {
    *ctx.err << "rkctl read: unexpected argument '" << a.parsed.positionals[2] << "'\n";
    return kExitUsage;
  }
  nlohmann::json body = {{"keyspace", a.keyspace},
                         {"table", a.table},
                         {"partition", a.partition},
                         {"consistency", a.consistency}};
  const std::string* start = a.parsed.value("--start");
  const std::string* end = a.parsed.value("--end");
  if (start || end) {
    nlohmann::json slice = nlohmann::json::object();
    if (start) slice["start"] = *start;
    if (end) slice["end"] = *end;
    body["slice"] = slice;
  }
  nlohmann::json reply;
  if (int rc = send(ctx, "read", a, "/v1/read", body, &reply); rc != kExitOk) return rc;
  if (ctx.json) {
    *ctx.out << reply.dump() << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : reply.value("rows", nlohmann::json::array())) {
    const nlohmann::json cells = row.value("cells", nlohmann::json::object());
    for (const auto& [column, cell] : cells.items()) {
      const auto& value = cell.contains("value") ? cell["value"] : nlohmann::json();
      rows.push_back({row.value("clustering", ""), column,
                      value.is_string() ? value.get<std::string>() : value.dump(),
                      cell.contains("timestamp") ? cell["timestamp"].dump() : ""});
    }
  }
  if (rows.empty()) {
    *ctx.out << "no rows in partition " << a.partition << " (" << a.consistency << ")\n";
    return kExitOk;
  }
  print_table(*ctx.out, {"Clustering", "Column", "Value", "Timestamp"}, rows);
  return kExitOk;
}

}  // namespace rk::cli
