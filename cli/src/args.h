// Command-line parsing shared by rkctl's cluster commands: flags with values (`--cl QUORUM` or
// `--cl=QUORUM`), switches (`--json`), positionals, `--` to end options, and the global options
// every command accepts (--scheduler, --token, --json).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk::cli {

struct ParsedArgs {
  std::vector<std::string> positionals;
  std::map<std::string, std::string> values;  // flag -> last value given
  std::set<std::string> switches;
  bool help = false;

  bool has(const std::string& flag) const { return switches.count(flag) || values.count(flag); }
  const std::string* value(const std::string& flag) const {
    auto it = values.find(flag);
    return it == values.end() ? nullptr : &it->second;
  }
};

// `value_flags` take a value, `switch_flags` do not (both spelled with their dashes). -h/--help
// sets help. InvalidArgument for an unknown option or a missing value.
Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::set<std::string>& value_flags,
                              const std::set<std::string>& switch_flags);

// Integer value of a flag within [min, max]; `fallback` when absent.
Result<int64_t> int_flag(const ParsedArgs& args, const std::string& flag, int64_t fallback,
                         int64_t min, int64_t max);
// Number (may have a fraction) within [min, max].
Result<double> number_flag(const ParsedArgs& args, const std::string& flag, double fallback,
                           double min, double max);

// A duration on rkctl's command line: the config files' syntax (core's parse_duration: "500ms",
// "30s", "15m", "12h", "7d"), a plain number of seconds ("90"), and, as rkctl has always taken
// them, leading blanks and a '+'. Whole milliseconds; InvalidArgument for a negative or finer one.
Result<std::chrono::milliseconds> parse_duration_arg(std::string_view text);

// InvalidArgument naming `flag` unless `url` is an absolute http(s) URL with a host and, if it
// gives one, a port from 1 to 65535 (http::parse_url's rules, which the client applies too).
Status check_url_flag(const std::string& flag, const std::string& url);
// The same for a flag taking HOST:PORT (a full URL is accepted too).
Status check_address_flag(const std::string& flag, const std::string& address);

}  // namespace rk::cli
