// rkctl's command dispatch: parses the command word and hands over to the command's function.
#include "ringkeeper/cli/rkctl.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "args.h"
#include "check_command.h"
#include "cluster_client.h"
#include "commands.h"

namespace rk::cli {

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `rkctl --help`
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
  const char* const* usage;  // the command's --help text
  // Commands that talk to the cluster take the global options instead (run is then null).
  int (*run_cluster)(Context& ctx, const std::vector<std::string>& args) = nullptr;
};

// One row per command, in the order `rkctl --help` lists them.
const Command kCommands[] = {
    {"status", "nodes by datacenter: state, address, load, tokens, owns %", nullptr, &kStatusUsage,
     status_command},
    {"ring", "every token of the ring with its node", nullptr, &kRingUsage, ring_command},
    {"node", "rebuild a quarantined node, or release it accepting the risk", nullptr,
     &kNodeUsage, node_command},
    {"keyspace", "create, describe or list keyspaces", nullptr, &kKeyspaceUsage, keyspace_command},
    {"table", "create, alter or describe a table", nullptr, &kTableUsage, table_command},
    {"write", "write cells of one row through a node", nullptr, &kWriteUsage, write_command},
    {"read", "read one partition through a node", nullptr, &kReadUsage, read_command},
    {"delete", "delete a partition, row or cell", nullptr, &kDeleteUsage, delete_command},
    {"load", "bulk-load generated rows with a progress bar", nullptr, &kLoadUsage, load_command},
    {"repair", "start, watch, pause, resume or abort repair runs", nullptr, &kRepairUsage,
     repair_command},
    {"schedule", "add, list or remove recurring repair schedules", nullptr, &kScheduleUsage,
     schedule_command},
    {"backup", "back up the cluster; list, show, verify, purge backups; schedules", nullptr,
     &kBackupUsage, backup_command},
    {"restore", "restore a node from a backup (through its agent)", nullptr, &kRestoreUsage,
     restore_command},
    {"token", "print the Murmur3 token of partition keys", token_command, &kTokenUsage},
    {"check", "Nagios checks: disk, await, node, repair deadlines, backup age", check_command,
     &kCheckUsage, check_cluster_command},
};

void print_usage(std::ostream& out) {
  out << "usage: rkctl <command> [options]\n"
         "\n"
         "global options (before or after the command word):\n"
         "  --scheduler URL      the scheduler's REST API (default http://127.0.0.1:7400)\n"
         "  --token TOKEN        bearer token for mutating calls (default: $RK_TOKEN)\n"
         "  --ca-file FILE       CA for https:// schedulers and agents (default: $RK_CA_FILE)\n"
         "  --json               JSON output for scripts\n"
         "\n"
         "commands:\n";
  for (const auto& c : kCommands) {
    std::string name(c.name);
    name.resize(20, ' ');
    out << "  " << name << " " << c.summary << "\n";
  }
  out << "  help [COMMAND]       show this text, or a command's options\n"
         "\n"
         "Every command takes --help. Exit codes: 0 success, 1 the command failed, 2 usage "
         "error.\n";
}

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

int run(const std::vector<std::string>& all_args, std::ostream& out, std::ostream& err) {
  // Global options may come before or after the command word; cluster commands take them from
  // the Context, `token` keeps its own --json.
  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  ctx.tty = &out == &std::cout && isatty(STDOUT_FILENO) == 1;
  if (const char* token = std::getenv("RK_TOKEN")) ctx.token = token;
  if (const char* ca = std::getenv("RK_CA_FILE")) ctx.ca_file = ca;
  std::vector<std::string> args;
  bool seen_word = false;
  bool json_before_word = false;
  for (size_t i = 0; i < all_args.size(); ++i) {
    const std::string& a = all_args[i];
    if (a == "--") {
      args.insert(args.end(), all_args.begin() + static_cast<std::ptrdiff_t>(i), all_args.end());
      break;
    }
    std::string* global = nullptr;
    for (auto [flag, target] :
         {std::pair{"--scheduler", &ctx.scheduler}, std::pair{"--token", &ctx.token},
          std::pair{"--ca-file", &ctx.ca_file}}) {
      if (a == flag || a.starts_with(std::string(flag) + "=")) global = target;
    }
    if (i > 0 && global != nullptr) {
      if (const auto eq = a.find('='); eq != std::string::npos) {
        *global = a.substr(eq + 1);
      } else if (i + 1 < all_args.size()) {
        *global = all_args[++i];
      } else {
        err << "rkctl: " << a << " needs a value\n";
        return kExitUsage;
      }
      continue;
    }
    if (i > 0 && a == "--json") {
      ctx.json = true;
      if (!seen_word) json_before_word = true;
      if (seen_word) args.push_back(a);  // `token` reads its own --json
      continue;
    }
    if (i > 0 && !a.starts_with("-")) seen_word = true;
    args.push_back(a);
  }
  if (args.size() < 2) {
    print_usage(err);
    return kExitUsage;
  }
  const std::string& word = args[1];
  if (word == "help" || word == "--help" || word == "-h") {
    if (word == "help" && args.size() > 2) {
      const Command* c = find_command(args[2]);
      if (c == nullptr) {
        err << "rkctl: unknown command '" << args[2] << "' (try 'rkctl help')\n";
        return kExitUsage;
      }
      out << *c->usage;
      return kExitOk;
    }
    print_usage(out);
    return kExitOk;
  }
  const Command* c = find_command(word);
  if (c == nullptr) {
    err << "rkctl: unknown command '" << word << "' (try 'rkctl help')\n";
    return kExitUsage;
  }
  // `check` judges its own URLs, answering UNKNOWN like its other usage errors.
  if (word != "check") {
    if (Status s = check_url_flag("--scheduler", ctx.scheduler); !s.ok()) {
      err << "rkctl: " << s.message() << "\n";
      return kExitUsage;
    }
  }
  std::vector<std::string> rest(args.begin() + 2, args.end());
  if (c->run_cluster != nullptr) {
    std::erase(rest, std::string("--json"));
    return c->run_cluster(ctx, rest);
  }
  if (json_before_word) rest.insert(rest.begin(), "--json");
  return c->run(rest, out, err);
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return run(args, std::cout, std::cerr);
}

}  // namespace rk::cli
