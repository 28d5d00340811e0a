// Node manifests and the store's key layout (see node_manifest.h).
#include "ringkeeper/backup/node_manifest.h"

#include <cstdint>
#include <optional>
#include <set>

#include "ringkeeper/core/names.h"

namespace rk::backup {
namespace {

using nlohmann::json;

bool is_path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Status bad(const std::string& what) { return Status::Corruption("manifest: " + what); }

}  // namespace

uint64_t NodeManifest::total_bytes() const {
  uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

std::string data_key(std::string_view sha256) { return "data/" + std::string(sha256); }

std::string manifest_key(std::string_view tag, std::string_view host_id) {
  return tag_prefix(tag) + std::string(host_id) + ".json";
}

std::string tag_prefix(std::string_view tag) { return "meta/" + std::string(tag) + "/"; }

Result<ManifestKey> parse_manifest_key(std::string_view key) {
  if (!key.starts_with("meta/") || !key.ends_with(".json") || key.size() < 11)
    return Status::NotFound("not a manifest key");
  std::string_view rest = key.substr(5, key.size() - 5 - 5);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return Status::NotFound("not a manifest key");
  ManifestKey k{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
  if (!validate_backup_tag(k.tag).ok() || !validate_host_id(k.host_id).ok() ||
      k.host_id == "backup")
    return Status::NotFound("not a manifest key");
  return k;
}

std::string wal_prefix(std::string_view host_id) { return "wal/" + std::string(host_id) + "/"; }

std::string wal_manifest_key(std::string_view host_id, int64_t created_at_us) {
  std::string digits = std::to_string(created_at_us < 0 ? 0 : created_at_us);
  if (digits.size() < 20) digits.insert(0, 20 - digits.size(), '0');
  return wal_prefix(host_id) + digits + ".json";
}

namespace {
// A non-negative decimal integer of at most 19 digits with nothing else; nullopt otherwise.
std::optional<int64_t> decimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}
}  // namespace

Result<WalManifestKey> parse_wal_manifest_key(std::string_view key) {
  if (!key.starts_with("wal/") || !key.ends_with(".json")) return Status::NotFound("not a WAL key");
  std::string_view rest = key.substr(4, key.size() - 4 - 5);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return Status::NotFound("not a WAL manifest key");
  WalManifestKey k;
  k.host_id = std::string(rest.substr(0, slash));
  auto at = decimal(rest.substr(slash + 1));
  if (!at || !validate_host_id(k.host_id).ok()) return Status::NotFound("not a WAL manifest key");
  k.created_at_us = *at;
  return k;
}

Result<int64_t> incremental_tag_time(std::string_view tag) {
  if (!tag.starts_with("inc-")) return Status::NotFound("not an incremental tag");
  auto at = decimal(tag.substr(4));
  if (!at) return Status::NotFound("not an incremental tag");
  return *at;
}

Result<uint64_t> engine_file_number(std::string_view path) {
  const auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.find('.');
  auto n = decimal(name.substr(0, dot));
  if (!n) return Status::NotFound("'" + std::string(path) + "' is not a numbered engine file");
  return static_cast<uint64_t>(*n);
}

Status validate_relative_path(std::string_view path) {
  const std::string shown(path.substr(0, 80));
  if (path.empty()) return Status::InvalidArgument("empty file path");
  if (path.size() > 512) return Status::InvalidArgument("file path '" + shown + "...' is too long");
  if (path.front() == '/')
    return Status::InvalidArgument("file path '" + shown +
                                   "' is absolute: it would leave the restore directory");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return Status::InvalidArgument("file path '" + shown +
                                     "' has an empty, '.' or '..' component: it could leave the "
                                     "restore directory");
    for (char c : part) {
      if (!is_path_char(c))
        return Status::InvalidArgument("file path '" + shown +
                                       "' has a character outside [A-Za-z0-9._-]");
    }
    start = end + 1;
  }
  return Status::OK();
}

Status validate_sha256(std::string_view hex) {
  if (hex.size() != 64) return Status::InvalidArgument("checksum is not 64 hex digits");
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return Status::InvalidArgument("checksum is not lower-case hex");
  }
  return Status::OK();
}

Status validate_host_id(std::string_view host_id) {
  if (host_id.empty() || host_id.size() > 64)
    return Status::InvalidArgument("host id must have 1..64 characters");
  for (char c : host_id) {
    if (!is_path_char(c) || c == '.')
      return Status::InvalidArgument("host id '" + std::string(host_id) +
                                     "' has a character outside [A-Za-z0-9_-]");
  }
  return Status::OK();
}

json manifest_to_json(const NodeManifest& m) {
  json tokens = json::array();
  for (Token t : m.tokens) tokens.push_back(token_to_string(t));
  json files = json::array();
  for (const auto& f : m.files)
    files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  return {{"format", m.format},
          {"tag", m.tag},
          {"kind", m.kind},
          {"cluster", m.cluster},
          {"host_id", m.host_id},
          {"datacenter", m.datacenter},
          {"rack", m.rack},
          {"tokens", std::move(tokens)},
          {"created_at_us", m.created_at_us},
          {"sequence", m.sequence},
          {"encryption_key_id", m.encryption_key_id},
          {"schema", m.schema},
          {"files", std::move(files)}};
}

std::string manifest_to_text(const NodeManifest& m) { return manifest_to_json(m).dump(1); }

Result<NodeManifest> manifest_from_text(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  auto str = [&](const char* key, std::string* out) -> Status {
    if (!j.contains(key) || !j[key].is_string()) return bad(std::string(key) + " is not a string");
    *out = j[key].get<std::string>();
    return Status::OK();
  };
  NodeManifest m;
  if (!j.contains("format") || !j["format"].is_number_integer())
    return bad("format is not an integer");
  m.format = j["format"].get<int>();
  if (m.format != kManifestFormat)
    return bad("format " + std::to_string(m.format) + " is not known to this version");
  RK_RETURN_IF_ERROR(str("tag", &m.tag));
  RK_RETURN_IF_ERROR(str("kind", &m.kind));
  RK_RETURN_IF_ERROR(str("cluster", &m.cluster));
  RK_RETURN_IF_ERROR(str("host_id", &m.host_id));
  RK_RETURN_IF_ERROR(str("datacenter", &m.datacenter));
  RK_RETURN_IF_ERROR(str("rack", &m.rack));
  RK_RETURN_IF_ERROR(str("encryption_key_id", &m.encryption_key_id));
  if (Status s = validate_backup_tag(m.tag); !s.ok()) return bad(s.message());
  if (Status s = validate_host_id(m.host_id); !s.ok()) return bad(s.message());
  if (m.kind != "snapshot" && m.kind != "incremental" && m.kind != "wal")
    return bad("unknown kind '" + m.kind + "'");
  if (!j.contains("created_at_us") || !j["created_at_us"].is_number_integer())
    return bad("created_at_us is not an integer");
  m.created_at_us = j["created_at_us"].get<int64_t>();
  if (j.contains("sequence")) {  // absent in manifests written before it was recorded
    if (!j["sequence"].is_number_unsigned()) return bad("sequence is not an integer >= 0");
    m.sequence = j["sequence"].get<uint64_t>();
  }
  if (!j.contains("tokens") || !j["tokens"].is_array()) return bad("tokens is not a list");
  for (const json& t : j["tokens"]) {
    if (!t.is_string()) return bad("a token is not a string");
    auto token = parse_token(t.get<std::string>());
    if (!token.ok()) return bad("token: " + token.status().message());
    m.tokens.push_back(*token);
  }
  if (j.contains("schema")) {
    if (!j["schema"].is_object()) return bad("schema is not an object");
    m.schema = j["schema"];
  }
  if (!j.contains("files") || !j["files"].is_array()) return bad("files is not a list");
  std::set<std::string> seen;
  for (const json& f : j["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("size") ||
        !f["size"].is_number_unsigned() || !f.contains("sha256") || !f["sha256"].is_string())
      return bad("a file entry needs path (string), size (integer >= 0) and sha256 (string)");
    ManifestFile mf{f["path"].get<std::string>(), f["size"].get<uint64_t>(),
                    f["sha256"].get<std::string>()};
    if (Status s = validate_relative_path(mf.path); !s.ok()) return bad(s.message());
    if (Status s = validate_sha256(mf.sha256); !s.ok()) return bad(mf.path + ": " + s.message());
    if (!seen.insert(mf.path).second) return bad("file " + mf.path + " is listed twice");
    m.files.push_back(std::move(mf));
  }
  return m;
}

}  // namespace rk::backup
