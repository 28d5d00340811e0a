// YAML configuration mapped onto defaulted Options structs, field by field.
//
// Every process (rk-agent, rk-scheduler, rkctl) keeps its settings in a plain struct whose members
// carry their defaults and a one-line comment (STYLE.md). A ConfigSchema<T> registers each member
// once with its YAML key, a one-line doc and, where it matters, an allowed range or set of values.
// From that one declaration come:
//   - loading:   load_config_file(path, schema) -> Result<T>, starting from T{} so that every key
//                the file leaves out keeps its default;
//   - errors:    rk::Status InvalidArgument "FILE:LINE:COL: key 'storage.data_dir': ..." for
//                unknown keys (with "did you mean"), wrong types, out-of-range values, duplicate
//                keys and malformed YAML;
//   - docs:      schema.markdown_table() renders | key | type | default | description |, which
//                docs/configuration.md embeds between generated-block markers (see
//                generated_block / replace_generated_block) and a test keeps in sync.
//
// Worked example (a module declares its options once, in its own header and .cc):
//
//   // storage/include/ringkeeper/storage/options.h
//   struct StorageOptions {
//     std::string data_dir = "data";                // where the node keeps its files
//     int64_t block_cache_bytes = 64 << 20;         // RocksDB block cache
//     std::chrono::seconds flush_interval{10};      // how often memtables are flushed
//   };
//   struct AgentOptions {
//     std::string listen_address = "127.0.0.1";     // address the ops API binds
//     int64_t ops_port = 7100;                      // ops API port; 0 picks a free one
//     std::string log_level = "info";               // see log.h
//     std::vector<std::string> seeds;               // peers to contact at start-up
//     StorageOptions storage;                       // the embedded node
//   };
//
//   // agent/src/options.cc
//   ConfigSchema<StorageOptions> storage_options_schema() {
//     ConfigSchema<StorageOptions> s;
//     s.field("data_dir", &StorageOptions::data_dir, "Directory for the node's files.")
//         .non_empty();
//     s.size("block_cache", &StorageOptions::block_cache_bytes, "RocksDB block cache.")
//         .range(1 << 20, int64_t{64} << 30);
//     s.field("flush_interval", &StorageOptions::flush_interval, "Memtable flush period.")
//         .range(std::chrono::seconds(1), std::chrono::hours(1));
//     return s;
//   }
//   ConfigSchema<AgentOptions> agent_options_schema() {
//     ConfigSchema<AgentOptions> s;
//     s.field("listen_address", &AgentOptions::listen_address, "Address the ops API binds.");
//     s.field("ops_port", &AgentOptions::ops_port, "Ops API port; 0 picks a free one.")
//         .range(0, 65535);
//     s.field("log_level", &AgentOptions::log_level, "Log verbosity.").one_of(log_level_names());
//     s.field("seeds", &AgentOptions::seeds, "Peers to contact at start-up.");
//     s.section("storage", &AgentOptions::storage, storage_options_schema(), "The node.");
//     return s;
//   }
//
//   // agent/main.cpp: --config FILE, --print-config, --config-doc and --help in one call
//   // (config_args.h); or by hand: load_config_file(path, agent_options_schema()).
//   return run_with_config<AgentOptions>({argv, argv + argc}, agent_options_schema(),
//                                        {"rk-agent", "the node sidecar"}, run_agent);
//
//   // agent/src/options_test.cc: docs/configuration.md stays in sync with the code.
//   EXPECT_TRUE(check_doc_block(docs_path, "rk-agent",
//                               agent_options_schema().markdown_table()).ok());
//
// which reads
//
//   listen_address: 0.0.0.0
//   storage:
//     data_dir: /var/lib/ringkeeper
//     block_cache: 512MiB
//
// Field types (the C++ member type picks the YAML type):
//   std::string                   any scalar; .one_of({...}) restricts it to a fixed set,
//                                 .non_empty() refuses ""
//   bool                          true / false
//   any integer type (int, int64_t, uint16_t, ...)
//                                 decimal integer; always checked against the type's limits,
//                                 .range(min, max) narrows it
//   double / float                decimal number, .range(min, max)
//   std::chrono::duration<...>    "250ms", "10s", "5m", "2h", "7d" (also "us", "ns"; "0" alone);
//                                 must be a whole number of the member's unit; .range(min, max)
//   std::vector<std::string>      a YAML sequence of scalars
//   an enum (via .enumeration())  one name from a fixed name -> value table
//   byte sizes (via .size())      int64_t member holding bytes; "512MiB", "1GiB", "64KiB",
//                                 "10MB" (powers of 1000), or a plain number of bytes
//   nested Options (.section())   a YAML mapping checked against the section's own schema
// Every field also takes .check(fn, "what it checks") for rules no type expresses (e.g. a
// keyspace name from names.h), and .secret() for values that must never be printed (tokens,
// keys): effective_yaml() shows them as <redacted> and the doc table shows no default.
//
// A `key:` with no value is an error for plain fields (remove the line to get the default); for a
// section it means "all defaults". An empty file means "all defaults".
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ringkeeper/core/duration_text.h"
#include "ringkeeper/core/status.h"

namespace YAML {
class Node;
}

namespace rk {

// Where a value came from, so that every error names file, line, column and the dotted key.
struct ConfigContext {
  std::string_view source;  // file name, or a label such as "<string>"
  int line = 0;             // 1-based; 0 if unknown
  int column = 0;           // 1-based; 0 if unknown
  std::string_view key;     // dotted path, e.g. "storage.data_dir"

  // InvalidArgument "SOURCE:LINE:COL: key 'KEY': PROBLEM".
  Status error(std::string_view problem) const;
};

namespace config_detail {

// Scalar parsers, implemented in config.cc (they need yaml-cpp, which this header avoids).
Result<std::string> parse_string(const YAML::Node& node, const ConfigContext& ctx);
Result<bool> parse_bool(const YAML::Node& node, const ConfigContext& ctx);
Result<int64_t> parse_int(const YAML::Node& node, const ConfigContext& ctx);
Result<uint64_t> parse_uint(const YAML::Node& node, const ConfigContext& ctx);
Result<double> parse_double(const YAML::Node& node, const ConfigContext& ctx);
Result<std::chrono::nanoseconds> parse_duration(const YAML::Node& node, const ConfigContext& ctx);
Result<int64_t> parse_size(const YAML::Node& node, const ConfigContext& ctx);
Result<std::vector<std::string>> parse_string_list(const YAML::Node& node,
                                                   const ConfigContext& ctx);

// Text renderers used for defaults in the doc table and for effective_yaml().
std::string quote(std::string_view s);  // YAML-safe scalar: plain when safe, else double-quoted
std::string render_double(double v);
std::string render_size(int64_t bytes);                             // "64MiB", "1000B"
std::string render_string_list(const std::vector<std::string>& v);  // ["a", "b"]

template <class>
inline constexpr bool kIsDuration = false;
template <class R, class P>
inline constexpr bool kIsDuration<std::chrono::duration<R, P>> = true;

// How a member type V maps onto YAML: its type name, parser and renderer.
template <class V, class = void>
struct Traits;

template <>
struct Traits<std::string> {
  static std::string type_name() { return "string"; }
  static Result<std::string> parse(const YAML::Node& n, const ConfigContext& c) {
    return parse_string(n, c);
  }
  static std::string render(const std::string& v) { return quote(v); }
};

template <>
struct Traits<bool> {
  static std::string type_name() { return "bool"; }
  static Result<bool> parse(const YAML::Node& n, const ConfigContext& c) {
    return parse_bool(n, c);
  }
  static std::string render(bool v) { return v ? "true" : "false"; }
};

template <class V>
struct Traits<V, std::enable_if_t<std::is_integral_v<V> && !std::is_same_v<V, bool>>> {
  static std::string type_name() { return "int"; }
  static Result<V> parse(const YAML::Node& n, const ConfigContext& c) {
    constexpr auto lo = std::numeric_limits<V>::min();
    constexpr auto hi = std::numeric_limits<V>::max();
    if constexpr (std::is_signed_v<V>) {
      auto r = parse_int(n, c);
      if (!r.ok()) return r.status();
      if (*r < static_cast<int64_t>(lo) || *r > static_cast<int64_t>(hi)) {
        return c.error("must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                       ", got " + std::to_string(*r));
      }
      return static_cast<V>(*r);
    } else {
      auto r = parse_uint(n, c);
      if (!r.ok()) return r.status();
      if (*r > static_cast<uint64_t>(hi)) {
        return c.error("must be between 0 and " + std::to_string(hi) + ", got " +
                       std::to_string(*r));
      }
      return static_cast<V>(*r);
    }
  }
  static std::string render(V v) { return std::to_string(v); }
};

template <class V>
struct Traits<V, std::enable_if_t<std::is_floating_point_v<V>>> {
  static std::string type_name() { return "float"; }
  static Result<V> parse(const YAML::Node& n, const ConfigContext& c) {
    auto r = parse_double(n, c);
    if (!r.ok()) return r.status();
    return static_cast<V>(*r);
  }
  static std::string render(V v) { return render_double(static_cast<double>(v)); }
};

template <class V>
struct Traits<V, std::enable_if_t<kIsDuration<V>>> {
  static std::string type_name() { return "duration"; }
  static Result<V> parse(const YAML::Node& n, const ConfigContext& c) {
    auto r = parse_duration(n, c);
    if (!r.ok()) return r.status();
    auto v = std::chrono::duration_cast<V>(*r);
    if (std::chrono::duration_cast<std::chrono::nanoseconds>(v) != *r) {
      return c.error("must be a whole number of " +
                     format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(V(1)),
                                     DurationStyle::kExact) +
                     ", got " + format_duration(*r, DurationStyle::kExact));
    }
    return v;
  }
  static std::string render(V v) {
    return format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(v),
                           DurationStyle::kExact);
  }
};

template <>
struct Traits<std::vector<std::string>> {
  static std::string type_name() { return "list of strings"; }
  static Result<std::vector<std::string>> parse(const YAML::Node& n, const ConfigContext& c) {
    return parse_string_list(n, c);
  }
  static std::string render(const std::vector<std::string>& v) { return render_string_list(v); }
};

// The checks a field carries. Shared between a field and the FieldRef that configures it.
template <class V>
struct Rules {
  std::vector<std::function<Status(const V&, const ConfigContext&)>> checks;
};

}  // namespace config_detail

// One registered key. Type-erased over the Options struct: `obj` points at the struct.
struct ConfigField {
  std::string key;
  std::string type;        // "int", "duration", "enum", "section", ...
  std::string doc;         // one line
  std::string constraint;  // "0 to 65535", "one of: a, b", "" if none
  bool secret = false;
  // Parses `value` into the member of *obj; `ctx` locates the value for errors.
  std::function<Status(const YAML::Node& value, const ConfigContext& ctx, void* obj)> apply;
  // The member's value as YAML text.
  std::function<std::string(const void* obj)> render;
  // For sections: the nested schema and the address of the nested struct inside *obj.
  std::shared_ptr<const class ConfigSchemaBase> section;
  std::function<void*(void* obj)> section_of;
  std::function<const void*(const void* obj)> section_of_const;
};

// The type-independent part of a schema: the walk over YAML, unknown keys, rendering.
class ConfigSchemaBase {
 public:
  virtual ~ConfigSchemaBase() = default;

  const std::deque<ConfigField>& fields() const { return fields_; }

  // Applies a parsed YAML mapping (or null) onto *obj. `prefix` is the dotted path of this
  // section ("" at the top).
  Status apply_node(const YAML::Node& node, std::string_view source, const std::string& prefix,
                    void* obj) const;
  // Applies YAML text onto *obj; `source` names it in errors.
  Status apply_text(std::string_view yaml, std::string_view source, void* obj) const;
  // Reads and applies a file; NotFound / IOError if it cannot be read.
  Status apply_file(const std::string& path, void* obj) const;

  // The Markdown table of all keys (sections flattened to dotted keys) with defaults taken from
  // *defaults_obj.
  std::string markdown_table_of(const void* defaults_obj) const;
  // The values of *obj as YAML, secrets redacted (for a start-up log line or `--print-config`).
  std::string effective_yaml_of(const void* obj) const;

 protected:
  ConfigField& add_field(ConfigField f);
  // Cross-field checks on the whole struct, run after all keys of this section were applied.
  std::vector<std::function<Status(const void* obj, const ConfigContext& ctx)>> struct_checks_;
  std::deque<ConfigField> fields_;

 private:
  void collect_rows(const std::string& prefix, const void* defaults_obj,
                    std::vector<std::vector<std::string>>* rows) const;
  void collect_yaml(int indent, const void* obj, std::string* out) const;
};

// Handle returned when registering a field, for chaining constraints. Valid until the schema is
// copied or destroyed; use it in the registering expression only.
template <class V>
class FieldRef {
 public:
  FieldRef(ConfigField* field, std::shared_ptr<config_detail::Rules<V>> rules)
      : field_(field), rules_(std::move(rules)) {}

  // Inclusive bounds (numbers, durations, sizes).
  FieldRef& range(V min, V max) {
    static_assert(!std::is_same_v<V, std::string> && !std::is_same_v<V, bool>,
                  "range() is for numbers and durations");
    auto render = render_fn();
    append_constraint(render(min) + " to " + render(max));
    rules_->checks.push_back([min, max, render](const V& v, const ConfigContext& ctx) {
      if (v < min || v > max) {
        return ctx.error("must be between " + render(min) + " and " + render(max) + ", got " +
                         render(v));
      }
      return Status::OK();
    });
    return *this;
  }
  FieldRef& min(V min) {
    auto render = render_fn();
    append_constraint("at least " + render(min));
    rules_->checks.push_back([min, render](const V& v, const ConfigContext& ctx) {
      if (v < min) return ctx.error("must be at least " + render(min) + ", got " + render(v));
      return Status::OK();
    });
    return *this;
  }

  // Only these values (strings).
  FieldRef& one_of(std::vector<std::string> allowed) {
    static_assert(std::is_same_v<V, std::string>, "one_of() is for string fields");
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    append_constraint("one of: " + list);
    rules_->checks.push_back([allowed, list](const V& v, const ConfigContext& ctx) {
      for (const auto& a : allowed) {
        if (a == v) return Status::OK();
      }
      return ctx.error("must be one of: " + list + " (got '" + v + "')");
    });
    return *this;
  }

  // Refuses the empty string / empty list.
  FieldRef& non_empty() {
    append_constraint("not empty");
    rules_->checks.push_back([](const V& v, const ConfigContext& ctx) {
      if (v.empty()) return ctx.error("must not be empty");
      return Status::OK();
    });
    return *this;
  }

  // Any other rule: `fn` returns OK or an error whose message says what is wrong (file, line and
  // key are added). `what` describes the rule for the docs ("a Cassandra keyspace name").
  FieldRef& check(std::function<Status(const V&)> fn, std::string what) {
    append_constraint(std::move(what));
    rules_->checks.push_back([fn = std::move(fn)](const V& v, const ConfigContext& ctx) {
      Status s = fn(v);
      return s.ok() ? s : ctx.error(s.message());
    });
    return *this;
  }

  // Never printed: effective_yaml() redacts it, the doc table shows no default.
  FieldRef& secret() {
    field_->secret = true;
    return *this;
  }

 private:
  void append_constraint(std::string c) {
    field_->constraint += (field_->constraint.empty() ? "" : "; ") + c;
  }
  std::function<std::string(const V&)> render_fn() const {
    if (field_->type == "size") {
      return [](const V& v) {
        if constexpr (std::is_integral_v<V>) {
          return config_detail::render_size(static_cast<int64_t>(v));
        } else {
          return std::string();
        }
      };
    }
    return [](const V& v) { return config_detail::Traits<V>::render(v); };
  }

  ConfigField* field_;
  std::shared_ptr<config_detail::Rules<V>> rules_;
};

template <class T>
class ConfigSchema : public ConfigSchemaBase {
 public:
  // A key whose YAML type follows the member's C++ type (see the table at the top).
  template <class V>
  FieldRef<V> field(std::string key, V T::*member, std::string doc) {
    using Tr = config_detail::Traits<V>;
    return add_typed<V>(
        std::move(key), Tr::type_name(), std::move(doc), member,
        [](const YAML::Node& n, const ConfigContext& c) { return Tr::parse(n, c); },
        [](const V& v) { return Tr::render(v); });
  }

  // A byte size held in an integer member ("512MiB", "1GiB", "4096").
  template <class V>
  FieldRef<V> size(std::string key, V T::*member, std::string doc) {
    static_assert(std::is_integral_v<V> && !std::is_same_v<V, bool>, "size() needs an integer");
    return add_typed<V>(
        std::move(key), "size", std::move(doc), member,
        [](const YAML::Node& n, const ConfigContext& c) -> Result<V> {
          auto r = config_detail::parse_size(n, c);
          if (!r.ok()) return r.status();
          if (static_cast<uint64_t>(*r) > static_cast<uint64_t>(std::numeric_limits<V>::max())) {
            return c.error("is too large for this setting");
          }
          return static_cast<V>(*r);
        },
        [](const V& v) { return config_detail::render_size(static_cast<int64_t>(v)); });
  }

  // An enum member with its YAML names: {{"one", Consistency::kOne}, {"quorum", ...}}.
  template <class E>
  FieldRef<E> enumeration(std::string key, E T::*member,
                          std::vector<std::pair<std::string, E>> names, std::string doc) {
    auto table = std::make_shared<std::vector<std::pair<std::string, E>>>(std::move(names));
    std::string list;
    for (const auto& [name, value] : *table) list += (list.empty() ? "" : ", ") + name;
    auto ref = add_typed<E>(
        std::move(key), "enum", std::move(doc), member,
        [table, list](const YAML::Node& n, const ConfigContext& c) -> Result<E> {
          auto s = config_detail::parse_string(n, c);
          if (!s.ok()) return s.status();
          for (const auto& [name, value] : *table) {
            if (name == *s) return value;
          }
          return c.error("must be one of: " + list + " (got '" + *s + "')");
        },
        [table](const E& v) -> std::string {
          for (const auto& [name, value] : *table) {
            if (value == v) return name;
          }
          return "?";
        });
    fields_.back().constraint = "one of: " + list;
    return ref;
  }

  // A nested mapping whose keys are those of `schema` (a copy is kept).
  template <class S>
  void section(std::string key, S T::*member, const ConfigSchema<S>& schema, std::string doc) {
    ConfigField f;
    f.key = std::move(key);
    f.type = "section";
    f.doc = std::move(doc);
    f.section = std::make_shared<ConfigSchema<S>>(schema);
    f.section_of = [member](void* obj) -> void* { return &(static_cast<T*>(obj)->*member); };
    f.section_of_const = [member](const void* obj) -> const void* {
      return &(static_cast<const T*>(obj)->*member);
    };
    add_field(std::move(f));
  }

  // A rule over several fields, checked after the section is loaded; `fn` returns OK or an error
  // message (the file and section are added).
  void check(std::function<Status(const T&)> fn) {
    struct_checks_.push_back([fn = std::move(fn)](const void* obj, const ConfigContext& ctx) {
      Status s = fn(*static_cast<const T*>(obj));
      return s.ok() ? s : ctx.error(s.message());
    });
  }

  // | key | type | default | description | for every key, defaults from T{}.
  std::string markdown_table() const {
    T defaults{};
    return markdown_table_of(&defaults);
  }
  // The effective values of `options` as YAML, secrets redacted.
  std::string effective_yaml(const T& options) const { return effective_yaml_of(&options); }

 private:
  template <class V, class Parse, class Render>
  FieldRef<V> add_typed(std::string key, std::string type, std::string doc, V T::*member,
                        Parse parse, Render render) {
    auto rules = std::make_shared<config_detail::Rules<V>>();
    ConfigField f;
    f.key = std::move(key);
    f.type = std::move(type);
    f.doc = std::move(doc);
    f.apply = [member, rules, parse](const YAML::Node& n, const ConfigContext& c,
                                     void* obj) -> Status {
      Result<V> v = parse(n, c);
      if (!v.ok()) return v.status();
      for (const auto& check : rules->checks) RK_RETURN_IF_ERROR(check(*v, c));
      static_cast<T*>(obj)->*member = std::move(*v);
      return Status::OK();
    };
    f.render = [member, render](const void* obj) {
      return render(static_cast<const T*>(obj)->*member);
    };
    ConfigField& stored = add_field(std::move(f));
    return FieldRef<V>(&stored, rules);
  }
};

// Loads YAML text onto T{} (every key left out keeps its default).
template <class T>
Result<T> load_config_string(std::string_view yaml, const ConfigSchema<T>& schema,
                             std::string_view source = "<string>") {
  T options{};
  RK_RETURN_IF_ERROR(schema.apply_text(yaml, source, &options));
  return options;
}

// Loads a YAML file onto T{}. NotFound if the file does not exist.
template <class T>
Result<T> load_config_file(const std::string& path, const ConfigSchema<T>& schema) {
  T options{};
  RK_RETURN_IF_ERROR(schema.apply_file(path, &options));
  return options;
}

// Generated blocks in docs: a block named NAME is the text between the lines
//   <!-- BEGIN GENERATED: NAME -->
//   <!-- END GENERATED: NAME -->
// generated_block returns the text between them (NotFound if the markers are missing);
// replace_generated_block returns `doc` with that text replaced by `content`.
Result<std::string> generated_block(std::string_view doc, std::string_view name);
Result<std::string> replace_generated_block(std::string_view doc, std::string_view name,
                                            std::string_view content);

}  // namespace rk
