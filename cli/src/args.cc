// rkctl's option parsing (see args.h).
#include "args.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "ringkeeper/core/duration_text.h"
#include "ringkeeper/core/http_client.h"

namespace rk::cli {

Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::set<std::string>& value_flags,
                              const std::set<std::string>& switch_flags) {
  ParsedArgs out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      out.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    std::string flag = a;
    std::optional<std::string> inline_value;
    if (const auto eq = a.find('='); eq != std::string::npos && a.starts_with("--")) {
      flag = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    if (value_flags.count(flag)) {
      if (inline_value) {
        out.values[flag] = *inline_value;
      } else if (i + 1 < args.size()) {
        out.values[flag] = args[++i];
      } else {
        return Status::InvalidArgument(fmt::format("option {} needs a value", flag));
      }
    } else if (switch_flags.count(flag) && !inline_value) {
      out.switches.insert(flag);
    } else if (a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) != 0)) {
      out.positionals.push_back(a);  // a negative number, e.g. a token
    } else {
      return Status::InvalidArgument(fmt::format("unknown option '{}'", a));
    }
  }
  return out;
}

Result<int64_t> int_flag(const ParsedArgs& args, const std::string& flag, int64_t fallback,
                         int64_t min, int64_t max) {
  const std::string* v = args.value(flag);
  if (v == nullptr) return fallback;
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    return Status::InvalidArgument(fmt::format("{} must be a whole number, got '{}'", flag, *v));
  }
  if (n < min || n > max) {
    return Status::InvalidArgument(
        fmt::format("{} must be between {} and {}, got {}", flag, min, max, n));
  }
  return n;
}

Result<std::chrono::milliseconds> parse_duration_arg(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (!t.empty() && t.front() == '-') {
    return Status::InvalidArgument("a duration must not be negative");
  }
  RK_ASSIGN_OR_RETURN(std::chrono::nanoseconds d,
                      parse_duration(t, {.plain_number_unit = std::chrono::seconds(1)}));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d);
  if (ms != d) {
    return Status::InvalidArgument(fmt::format("'{}' is not a whole number of milliseconds", text));
  }
  return ms;
}

Result<double> number_flag(const ParsedArgs& args, const std::string& flag, double fallback,
                           double min, double max) {
  const std::string* v = args.value(flag);
  if (v == nullptr) return fallback;
  double n = 0;
  try {
    size_t used = 0;
    n = std::stod(*v, &used);
    if (used != v->size()) throw std::invalid_argument(*v);
  } catch (const std::exception&) {
    return Status::InvalidArgument(fmt::format("{} must be a number, got '{}'", flag, *v));
  }
  if (n < min || n > max) {
    return Status::InvalidArgument(
        fmt::format("{} must be between {} and {}, got {}", flag, min, max, *v));
  }
  return n;
}

Status check_url_flag(const std::string& flag, const std::string& url) {
  Result<http::Url> parsed = http::parse_url(url);
  if (!parsed.ok()) return Status::InvalidArgument(flag + ": " + parsed.status().message());
  return Status::OK();
}

Status check_address_flag(const std::string& flag, const std::string& address) {
  if (address.find("://") != std::string::npos) return check_url_flag(flag, address);
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument(fmt::format("{} must be HOST:PORT, got '{}'", flag, address));
  }
  Result<http::Url> parsed = http::parse_url("http://" + address);
  if (!parsed.ok()) {
    // The URL's words without the scheme added here.
    const std::string_view why = parsed.status().message();
    const size_t quote = why.find("' ");
    return Status::InvalidArgument(fmt::format(
        "{} '{}' {}", flag, address, quote == std::string_view::npos ? why : why.substr(quote + 2)));
  }
  return Status::OK();
}

}  // namespace rk::cli
