// rkctl's command dispatch: parses the command word and hands over to the command's function.
#include "ringkeeper/cli/rkctl.h"

#include <iostream>
#include <string_view>

#include "check_command.h"
#include "commands.h"

namespace rk::cli {

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `rkctl --help`
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
  const char* const* usage;  // the command's --help text
};

// One row per command, in the order `rkctl --help` lists them.
const Command kCommands[] = {
    {"token", "print the Murmur3 token of partition keys", token_command, &kTokenUsage},
    {"check", "Nagios checks: disk headroom, I/O await", check_command, &kCheckUsage},
};

void print_usage(std::ostream& out) {
  out << "usage: rkctl <command> [options]\n"
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

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
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
  return c->run(std::vector<std::string>(args.begin() + 2, args.end()), out, err);
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return run(args, std::cout, std::cerr);
}

}  // namespace rk::cli
