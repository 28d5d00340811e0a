// Keyspace/table name and snapshot/backup tag rules; see names.h.
#include "ringkeeper/core/names.h"

#include <cstdio>
#include <string>

namespace rk {

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_tag_char(char c) { return is_word_char(c) || c == '-' || c == '.'; }

// The name as it may safely appear in a one-line message: control and non-ASCII bytes escaped,
// long names shortened.
std::string printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f) return printable(std::string_view(&c, 1));
  if (c == ' ') return "a space";
  return "'" + std::string(1, c) + "'";
}

Status validate_schema_name(std::string_view kind, std::string_view name) {
  if (name.empty()) return Status::InvalidArgument(std::string(kind) + " name must not be empty");
  if (name.size() > kMaxSchemaNameLength) {
    return Status::InvalidArgument(std::string(kind) + " name '" + printable(name) + "' is " +
                                   std::to_string(name.size()) + " characters long; at most " +
                                   std::to_string(kMaxSchemaNameLength) + " are allowed");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!is_word_char(name[i])) {
      return Status::InvalidArgument(
          std::string(kind) + " name '" + printable(name) + "' contains " + describe_char(name[i]) +
          " at position " + std::to_string(i + 1) + "; only letters, digits and '_' are allowed");
    }
  }
  return Status::OK();
}

Status validate_tag(std::string_view kind, std::string_view tag) {
  if (tag.empty()) return Status::InvalidArgument(std::string(kind) + " tag must not be empty");
  if (tag.size() > kMaxTagLength) {
    return Status::InvalidArgument(std::string(kind) + " tag '" + printable(tag) + "' is " +
                                   std::to_string(tag.size()) + " characters long; at most " +
                                   std::to_string(kMaxTagLength) + " are allowed");
  }
  if (tag.front() == '.' || tag.front() == '-') {
    return Status::InvalidArgument(std::string(kind) + " tag '" + printable(tag) +
                                   "' must not start with '" + std::string(1, tag.front()) + "'");
  }
  for (size_t i = 0; i < tag.size(); ++i) {
    if (!is_tag_char(tag[i])) {
      return Status::InvalidArgument(std::string(kind) + " tag '" + printable(tag) + "' contains " +
                                     describe_char(tag[i]) + " at position " +
                                     std::to_string(i + 1) +
                                     "; only letters, digits, '_', '-' and '.' are allowed");
    }
  }
  return Status::OK();
}

}  // namespace

Status validate_keyspace_name(std::string_view name) {
  return validate_schema_name("keyspace", name);
}

Status validate_table_name(std::string_view name) { return validate_schema_name("table", name); }

Status validate_snapshot_tag(std::string_view tag) { return validate_tag("snapshot", tag); }

Status validate_backup_tag(std::string_view tag) { return validate_tag("backup", tag); }

}  // namespace rk
