// The YAML side of config.h: walking a document against a schema, scalar parsers with located
// errors, and rendering a schema as a Markdown table or its values as YAML.
#include "ringkeeper/core/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "ringkeeper/core/duration_text.h"
#include "yaml_guard.h"

namespace rk {

namespace {

std::string describe_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "something else";
}

// The node's scalar text, or the error a field of type `what` gives for anything else.
Result<std::string> scalar_of(const YAML::Node& node, const ConfigContext& ctx,
                              std::string_view what) {
  if (node.IsNull()) {
    return ctx.error("has no value (give " + std::string(what) +
                     ", or remove the line to use the default)");
  }
  if (!node.IsScalar()) {
    return ctx.error("expected " + std::string(what) + ", got " + describe_kind(node));
  }
  return node.Scalar();
}

// "12" -> 12 with the rest of the text returned in *rest (for units).
bool split_number(std::string_view text, std::string_view* digits, std::string_view* rest) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return false;
  *digits = text.substr(0, i);
  *rest = text.substr(i);
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string join_path(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

ConfigContext context_at(const YAML::Node& node, std::string_view source, std::string_view key) {
  ConfigContext ctx;
  ctx.source = source;
  ctx.key = key;
  const YAML::Mark mark = node.Mark();
  if (mark.line >= 0) {
    ctx.line = mark.line + 1;
    ctx.column = mark.column + 1;
  }
  return ctx;
}

// "did you mean" for an unknown key: the closest sibling, or a key of the same name one level
// down (a key written at the wrong level).
std::string suggestion_for(std::string_view key, const std::deque<ConfigField>& fields,
                           const std::string& prefix) {
  const ConfigField* best = nullptr;
  size_t best_distance = 0;
  for (const auto& f : fields) {
    size_t d = edit_distance(lower(key), lower(f.key));
    if (best == nullptr || d < best_distance) {
      best = &f;
      best_distance = d;
    }
  }
  if (best != nullptr && (best_distance <= 2 || best_distance <= key.size() / 3)) {
    return " (did you mean '" + join_path(prefix, best->key) + "'?)";
  }
  for (const auto& f : fields) {
    if (!f.section) continue;
    for (const auto& inner : f.section->fields()) {
      if (inner.key == key) {
        return " (did you mean '" + join_path(join_path(prefix, f.key), inner.key) + "'?)";
      }
    }
  }
  if (!fields.empty() && fields.size() <= 12) {
    std::string known;
    for (const auto& f : fields) known += (known.empty() ? "" : ", ") + f.key;
    return " (known keys" + (prefix.empty() ? std::string() : " in '" + prefix + "'") + ": " +
           known + ")";
  }
  return "";
}

// A decimal integer of type I (an optional '+'; '-' only for signed I).
template <class I>
Result<I> parse_integer(const YAML::Node& node, const ConfigContext& ctx, std::string_view what) {
  auto s = scalar_of(node, ctx, what);
  if (!s.ok()) return s.status();
  std::string_view text = *s;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (std::is_unsigned_v<I> && !text.empty() && text.front() == '-') {
    return ctx.error("must not be negative, got '" + *s + "'");
  }
  I v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return ctx.error("'" + *s + "' is outside the 64-bit integer range");
  }
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return ctx.error("expected " + std::string(what) + ", got '" + *s + "'");
  }
  return v;
}

std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace

Status ConfigContext::error(std::string_view problem) const {
  std::string m(source);
  if (line > 0) m += ":" + std::to_string(line) + ":" + std::to_string(column);
  m += ": ";
  if (!key.empty()) m += "key '" + std::string(key) + "': ";
  m += problem;
  // One line whatever the document held (values are quoted into messages).
  std::string line;
  for (char c : m) {
    if (c == '\n')
      line += "\\n";
    else if (c == '\t')
      line += "\\t";
    else if (c == '\r')
      line += "\\r";
    else
      line += c;
  }
  return Status::InvalidArgument(std::move(line));
}

namespace config_detail {

Result<std::string> parse_string(const YAML::Node& node, const ConfigContext& ctx) {
  return scalar_of(node, ctx, "a string");
}

Result<bool> parse_bool(const YAML::Node& node, const ConfigContext& ctx) {
  auto s = scalar_of(node, ctx, "true or false");
  if (!s.ok()) return s.status();
  const std::string v = lower(*s);
  if (v == "true") return true;
  if (v == "false") return false;
  return ctx.error("expected true or false, got '" + *s + "'");
}

Result<int64_t> parse_int(const YAML::Node& node, const ConfigContext& ctx) {
  return parse_integer<int64_t>(node, ctx, "an integer");
}

Result<uint64_t> parse_uint(const YAML::Node& node, const ConfigContext& ctx) {
  return parse_integer<uint64_t>(node, ctx, "a non-negative integer");
}

Result<double> parse_double(const YAML::Node& node, const ConfigContext& ctx) {
  auto s = scalar_of(node, ctx, "a number");
  if (!s.ok()) return s.status();
  std::string_view text = *s;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::general);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
    return ctx.error("expected a number, got '" + *s + "'");
  }
  return v;
}

Result<std::chrono::nanoseconds> parse_duration(const YAML::Node& node, const ConfigContext& ctx) {
  auto s = scalar_of(node, ctx, kDurationHint);
  if (!s.ok()) return s.status();
  auto d = rk::parse_duration(*s);
  if (!d.ok()) return ctx.error(d.status().message());
  return *d;
}

Result<int64_t> parse_size(const YAML::Node& node, const ConfigContext& ctx) {
  static constexpr const char* kHint = "a size such as 4096, 64KiB, 512MiB or 1GiB";
  auto s = scalar_of(node, ctx, kHint);
  if (!s.ok()) return s.status();
  std::string_view digits, unit;
  if (!split_number(*s, &digits, &unit)) {
    return ctx.error("expected " + std::string(kHint) + ", got '" + *s + "'");
  }
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc()) return ctx.error("'" + *s + "' is too large a size");
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  const std::string u = lower(unit);
  int64_t mult = 0;
  if (u.empty() || u == "b")
    mult = 1;
  else if (u == "kib")
    mult = int64_t{1} << 10;
  else if (u == "mib")
    mult = int64_t{1} << 20;
  else if (u == "gib")
    mult = int64_t{1} << 30;
  else if (u == "tib")
    mult = int64_t{1} << 40;
  else if (u == "kb")
    mult = 1'000;
  else if (u == "mb")
    mult = 1'000'000;
  else if (u == "gb")
    mult = 1'000'000'000;
  else if (u == "tb")
    mult = 1'000'000'000'000;
  else {
    return ctx.error("unknown size unit '" + std::string(unit) + "' in '" + *s +
                     "' (use B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB for powers of 1000)");
  }
  if (n > std::numeric_limits<int64_t>::max() / mult) {
    return ctx.error("'" + *s + "' is too large a size");
  }
  return n * mult;
}

Result<std::vector<std::string>> parse_string_list(const YAML::Node& node,
                                                   const ConfigContext& ctx) {
  if (node.IsNull()) {
    return ctx.error("has no value (give a list such as [a, b], or [] for none)");
  }
  if (!node.IsSequence()) {
    return ctx.error("expected a list of strings, got " + describe_kind(node));
  }
  std::vector<std::string> out;
  size_t i = 0;
  for (const auto& item : node) {
    const std::string item_key = std::string(ctx.key) + "[" + std::to_string(i++) + "]";
    ConfigContext item_ctx = context_at(item, ctx.source, item_key);
    if (item_ctx.line == 0) item_ctx = ctx;
    auto s = scalar_of(item, item_ctx, "a string");
    if (!s.ok()) return s.status();
    out.push_back(*s);
  }
  return out;
}

std::string quote(std::string_view s) {
  static const std::set<std::string> kReserved = {"true", "false", "yes", "no", "on",
                                                  "off",  "null",  "~",   "y",  "n"};
  bool plain = !s.empty() && !kReserved.count(lower(s));
  for (char c : s) {
    const bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                      c == '/' || c == '-' || c == '@' || c == '+';
    if (!safe) plain = false;
  }
  if (plain) {
    // Text another YAML reader would take for a number (or .inf/.nan) is quoted.
    int64_t i = 0;
    double d = 0;
    const char* end = s.data() + s.size();
    const bool is_int = std::from_chars(s.data(), end, i).ptr == end;
    const bool is_double = std::from_chars(s.data(), end, d).ptr == end;
    if (is_int || is_double || s.front() == '.' || s.front() == '+') plain = false;
  }
  if (plain) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

std::string render_double(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, ec == std::errc() ? ptr : buf);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

std::string render_size(int64_t bytes) {
  if (bytes == 0) return "0B";
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {int64_t{1} << 40, "TiB"}, {int64_t{1} << 30, "GiB"},
      {int64_t{1} << 20, "MiB"}, {int64_t{1} << 10, "KiB"},
      {1'000'000'000'000, "TB"}, {1'000'000'000, "GB"},
      {1'000'000, "MB"},         {1'000, "KB"}};
  for (const auto& [unit, name] : kUnits) {
    if (bytes % unit == 0) return std::to_string(bytes / unit) + name;
  }
  return std::to_string(bytes) + "B";
}

std::string render_string_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote(v[i]);
  }
  return out + "]";
}

}  // namespace config_detail

ConfigField& ConfigSchemaBase::add_field(ConfigField f) {
  fields_.push_back(std::move(f));
  return fields_.back();
}

Status ConfigSchemaBase::apply_node(const YAML::Node& node, std::string_view source,
                                    const std::string& prefix, void* obj) const {
  const ConfigContext section_ctx = context_at(node, source, prefix);
  if (node.IsNull()) {
    // Nothing given: all defaults, but cross-field checks still hold.
  } else if (!node.IsMap()) {
    return section_ctx.error("expected a mapping of keys to values, got " + describe_kind(node));
  } else {
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const YAML::Node& key_node = entry.first;
      const YAML::Node& value = entry.second;
      if (!key_node.IsScalar()) {
        return context_at(key_node, source, prefix).error("keys must be plain words");
      }
      const std::string& key = key_node.Scalar();
      const std::string path = join_path(prefix, key);
      const ConfigContext key_ctx = context_at(key_node, source, path);
      if (!seen.insert(key).second) return key_ctx.error("is given twice");
      auto it = std::find_if(fields_.begin(), fields_.end(),
                             [&](const ConfigField& f) { return f.key == key; });
      if (it == fields_.end()) {
        return key_ctx.error("unknown key" + suggestion_for(key, fields_, prefix));
      }
      if (it->section) {
        if (!value.IsNull() && !value.IsMap()) {
          return key_ctx.error("is a section: expected a mapping of keys to values, got " +
                               describe_kind(value));
        }
        RK_RETURN_IF_ERROR(it->section->apply_node(value, source, path, it->section_of(obj)));
        continue;
      }
      ConfigContext value_ctx = context_at(value, source, path);
      if (value_ctx.line == 0 || value.IsNull()) value_ctx = key_ctx;
      RK_RETURN_IF_ERROR(it->apply(value, value_ctx, obj));
    }
  }
  // Sections the document left out still get their own cross-field checks.
  for (const auto& f : fields_) {
    if (f.section && (node.IsNull() || !node[f.key])) {
      YAML::Node absent;
      RK_RETURN_IF_ERROR(
          f.section->apply_node(absent, source, join_path(prefix, f.key), f.section_of(obj)));
    }
  }
  for (const auto& check : struct_checks_) RK_RETURN_IF_ERROR(check(obj, section_ctx));
  return Status::OK();
}

Status ConfigSchemaBase::apply_text(std::string_view yaml, std::string_view source,
                                    void* obj) const {
  std::vector<YAML::Node> docs;
  if (auto [line, column] = yaml_guard::first_unprintable(yaml); line > 0) {
    ConfigContext ctx;
    ctx.source = source;
    ctx.line = line;
    ctx.column = column;
    return ctx.error("malformed YAML: a control character or malformed UTF-8");
  }
  if (auto [line, column] = yaml_guard::first_block_comma(yaml); line > 0) {
    ConfigContext ctx;
    ctx.source = source;
    ctx.line = line;
    ctx.column = column;
    return ctx.error("malformed YAML: ',' outside [ ] or { } cannot start a value");
  }
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    ConfigContext ctx;
    ctx.source = source;
    if (e.mark.line >= 0) {
      ctx.line = e.mark.line + 1;
      ctx.column = e.mark.column + 1;
    }
    return ctx.error("malformed YAML: " + e.msg);
  }
  if (docs.size() > 1) {
    ConfigContext ctx;
    ctx.source = source;
    return ctx.error("holds " + std::to_string(docs.size()) +
                     " YAML documents; a config file is one document");
  }
  try {
    return apply_node(docs.empty() ? YAML::Node() : docs.front(), source, "", obj);
  } catch (const YAML::Exception& e) {
    // Not expected: the walk only inspects nodes. Report rather than crash.
    ConfigContext ctx;
    ctx.source = source;
    return ctx.error(std::string("could not read the document: ") + e.what());
  }
}

Status ConfigSchemaBase::apply_file(const std::string& path, void* obj) const {
  std::error_code dir_ec;
  if (std::filesystem::is_directory(path, dir_ec)) {
    // An ifstream opens a directory and reads nothing, which would pass for an empty file.
    return Status::InvalidArgument("config file '" + path + "' is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return Status::NotFound("config file '" + path + "' does not exist");
    }
    return Status::IOError("config file '" + path + "' cannot be opened");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("config file '" + path + "' could not be read");
  return apply_text(text.str(), path, obj);
}

void ConfigSchemaBase::collect_rows(const std::string& prefix, const void* defaults_obj,
                                    std::vector<std::vector<std::string>>* rows) const {
  for (const auto& f : fields_) {
    const std::string path = join_path(prefix, f.key);
    std::string doc = f.doc;
    if (!f.constraint.empty()) doc += " Allowed: " + f.constraint + ".";
    if (f.section) {
      rows->push_back({"`" + path + "`", "section", "", doc});
      f.section->collect_rows(path, f.section_of_const(defaults_obj), rows);
      continue;
    }
    std::string def = f.secret ? "(secret)" : "`" + f.render(defaults_obj) + "`";
    rows->push_back({"`" + path + "`", f.type, def, doc});
  }
}

std::string ConfigSchemaBase::markdown_table_of(const void* defaults_obj) const {
  std::vector<std::vector<std::string>> rows;
  collect_rows("", defaults_obj, &rows);
  std::string out = "| key | type | default | description |\n|---|---|---|---|\n";
  for (const auto& row : rows) {
    out += "|";
    for (const auto& cell : row) out += " " + escape_cell(cell) + " |";
    out += "\n";
  }
  return out;
}

void ConfigSchemaBase::collect_yaml(int indent, const void* obj, std::string* out) const {
  const std::string pad(static_cast<size_t>(indent), ' ');
  for (const auto& f : fields_) {
    if (f.section) {
      *out += pad + f.key + ":\n";
      f.section->collect_yaml(indent + 2, f.section_of_const(obj), out);
      continue;
    }
    *out += pad + f.key + ": " + (f.secret ? "<redacted>" : f.render(obj)) + "\n";
  }
}

std::string ConfigSchemaBase::effective_yaml_of(const void* obj) const {
  std::string out;
  collect_yaml(0, obj, &out);
  return out;
}

namespace {

std::string begin_marker(std::string_view name) {
  return "<!-- BEGIN GENERATED: " + std::string(name) + " -->";
}
std::string end_marker(std::string_view name) {
  return "<!-- END GENERATED: " + std::string(name) + " -->";
}

// [start of content, start of the END marker line) or NotFound.
Result<std::pair<size_t, size_t>> find_block(std::string_view doc, std::string_view name) {
  const std::string begin = begin_marker(name);
  const std::string end = end_marker(name);
  size_t b = doc.find(begin);
  if (b == std::string_view::npos) {
    return Status::NotFound("no '" + begin + "' marker");
  }
  size_t content = doc.find('\n', b);
  content = content == std::string_view::npos ? doc.size() : content + 1;
  size_t e = doc.find(end, content);
  if (e == std::string_view::npos) {
    return Status::NotFound("no '" + end + "' marker after '" + begin + "'");
  }
  return std::make_pair(content, e);
}

}  // namespace

Result<std::string> generated_block(std::string_view doc, std::string_view name) {
  auto span = find_block(doc, name);
  if (!span.ok()) return span.status();
  return std::string(doc.substr(span->first, span->second - span->first));
}

Result<std::string> replace_generated_block(std::string_view doc, std::string_view name,
                                            std::string_view content) {
  auto span = find_block(doc, name);
  if (!span.ok()) return span.status();
  std::string out(doc.substr(0, span->first));
  out += content;
  if (!content.empty() && content.back() != '\n') out += '\n';
  out += doc.substr(span->second);
  return out;
}

}  // namespace rk
