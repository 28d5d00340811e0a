// The start-up flags every ringkeeper process shares, handled in one place so that rk-agent and
// rk-scheduler behave alike (DESIGN.md: every process takes --config FILE and prints --help;
// every key is documented in docs/configuration.md):
//
//   PROGRAM [--config FILE] [--print-config] [--config-doc] [-h|--help]
//
//   --config FILE    YAML settings (default: none, every key at its default)
//   --print-config   load, print the effective settings as YAML (secrets redacted), exit 0
//   --config-doc     print the Markdown table of all keys (for docs/configuration.md), exit 0
//   -h, --help       usage, exit 0
//
// A main.cpp stays thin:
//
//   int main(int argc, char** argv) {
//     return rk::run_with_config<rk::agent::AgentOptions>(
//         {argv, argv + argc}, rk::agent::agent_options_schema(),
//         {"rk-agent", "the node sidecar: hosts a storage node and runs its repairs"},
//         [](const rk::agent::AgentOptions& options) { return rk::agent::run(options); });
//   }
//
// Exit codes: a bad flag or a config error prints one line "PROGRAM: ..." on stderr and returns 2
// without calling the body; otherwise the body's return value.
#pragma once

#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "ringkeeper/core/config.h"
#include "ringkeeper/core/status.h"

namespace rk {

struct ProgramInfo {
  std::string name;     // "rk-agent"
  std::string summary;  // one line for --help
};

struct ConfigArgs {
  std::string config_path;  // empty: no file, all defaults
  bool print_config = false;
  bool config_doc = false;
  bool help = false;
};

// Parses the flags above from args[1..] (args[0] is the program). InvalidArgument for an unknown
// flag, a positional argument or --config without a file.
Result<ConfigArgs> parse_config_args(const std::vector<std::string>& args);

// The --help text for `info`.
std::string config_args_usage(const ProgramInfo& info);

// Handles the shared flags, loads the options and calls `body` with them (see the top).
template <class T>
int run_with_config(const std::vector<std::string>& args, const ConfigSchema<T>& schema,
                    const ProgramInfo& info, const std::function<int(const T&)>& body,
                    std::ostream& out = std::cout, std::ostream& err = std::cerr) {
  auto parsed = parse_config_args(args);
  if (!parsed.ok()) {
    err << info.name << ": " << parsed.status().message() << " (try '" << info.name
        << " --help')\n";
    return 2;
  }
  if (parsed->help) {
    out << config_args_usage(info);
    return 0;
  }
  if (parsed->config_doc) {
    out << schema.markdown_table();
    return 0;
  }
  Result<T> options = parsed->config_path.empty() ? load_config_string("", schema, "<defaults>")
                                                  : load_config_file(parsed->config_path, schema);
  if (!options.ok()) {
    err << info.name << ": " << options.status().message() << "\n";
    return 2;
  }
  if (parsed->print_config) {
    out << schema.effective_yaml(*options);
    return 0;
  }
  return body(*options);
}

// For tests that keep docs/configuration.md in sync with a schema: OK if the file's generated
// block `name` equals `content`; FailedPrecondition otherwise, saying how to regenerate it.
Status check_doc_block(const std::string& doc_path, std::string_view name,
                       std::string_view content);
// Rewrites the file's generated block `name` with `content`.
Status update_doc_block(const std::string& doc_path, std::string_view name,
                        std::string_view content);

}  // namespace rk
