// Validation of names that end up in paths, URLs and schema: keyspace and table names as
// Cassandra allows them, and snapshot/backup tags. Every check returns InvalidArgument with a
// message that says which rule was broken and where, so callers can pass it on unchanged.
#pragma once

#include <cstddef>
#include <string_view>

#include "ringkeeper/core/status.h"

namespace rk {

// Cassandra's limit for keyspace and table names (SchemaConstants.NAME_LENGTH).
inline constexpr size_t kMaxSchemaNameLength = 48;
// Our limit for snapshot and backup tags (they become directory and object-key components).
inline constexpr size_t kMaxTagLength = 128;

// Keyspace and table names follow Cassandra's SchemaConstants.isValidName: one to 48 characters,
// each an ASCII letter, digit or underscore (Java's \w+). A leading digit is allowed, as in
// Cassandra (such names need quoting in CQL). Case is kept: "Users" and "users" are different.
Status validate_keyspace_name(std::string_view name);
Status validate_table_name(std::string_view name);

// Snapshot and backup tags: one to kMaxTagLength characters from ASCII letters, digits, '_', '-'
// and '.', not starting with '.' (so never "." or "..", nor a hidden directory) or '-' (so never
// mistaken for a command-line option). No '/', so a tag cannot leave its directory.
Status validate_snapshot_tag(std::string_view tag);
Status validate_backup_tag(std::string_view tag);

}  // namespace rk
