// rkctl: the operator's command line (DESIGN.md "Contracts": human tables by default, --json for
// scripts, exit 0 on success and non-zero with a one-line error otherwise).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace rk::cli {

// Runs rkctl with the given arguments (argv[0] is the program name). Returns the exit code.
int run(int argc, char** argv);

// The same, with explicit streams (for tests).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace rk::cli
