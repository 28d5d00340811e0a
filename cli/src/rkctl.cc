// rkctl's command dispatch: parses the command word and hands over to the command's function.
#include "ringkeeper/cli/rkctl.h"

#include <iostream>

namespace rk::cli {

namespace {
constexpr const char* kUsage =
    "usage: rkctl <command> [options]\n"
    "\n"
    "commands:\n"
    "  help                 show this text\n";
}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() < 2 || args[1] == "help" || args[1] == "--help" || args[1] == "-h") {
    out << kUsage;
    return args.size() < 2 ? 2 : 0;
  }
  err << "rkctl: unknown command '" << args[1] << "' (try 'rkctl help')\n";
  return 2;
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return run(args, std::cout, std::cerr);
}

}  // namespace rk::cli
