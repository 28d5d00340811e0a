// Backup verification against object metadata (see backup_verify.h).
#include "ringkeeper/backup/backup_verify.h"

#include "ringkeeper/core/names.h"

namespace rk::backup {

void verify_manifest(ObjectStore& store, const NodeManifest& m, VerifyReport& report) {
  report.nodes.push_back(m.host_id);
  for (const auto& f : m.files) {
    const std::string key = data_key(f.sha256);
    report.files_checked++;
    report.bytes_checked += f.size;
    auto head = store.head(key);
    if (!head.ok()) {
      report.problems.push_back(
          {m.host_id, f.path, key,
           head.status().code() == ErrorCode::kNotFound ? "missing" : head.status().to_string()});
      continue;
    }
    if (head->size != static_cast<int64_t>(f.size)) {
      report.problems.push_back({m.host_id, f.path, key,
                                 "size " + std::to_string(head->size) +
                                     " != " + std::to_string(f.size) + " in the manifest"});
    } else if (!head->sha256.empty() && head->sha256 != f.sha256) {
      report.problems.push_back(
          {m.host_id, f.path, key, "checksum " + head->sha256 + " != " + f.sha256});
    }
  }
}

Result<std::vector<NodeManifest>> read_manifests(ObjectStore& store, const std::string& tag) {
  RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  std::vector<NodeManifest> out;
  RK_RETURN_IF_ERROR(store.list(tag_prefix(tag), [&](const ObjectInfo& o) -> Status {
    auto key = parse_manifest_key(o.key);
    if (!key.ok() || key->tag != tag) return Status::OK();
    StringSink sink;
    RK_RETURN_IF_ERROR(store.get(o.key, sink).status().with_context(o.key));
    RK_ASSIGN_OR_RETURN(NodeManifest m, manifest_from_text(sink.data));
    if (m.host_id != key->host_id || m.tag != tag)
      return Status::Corruption(o.key + " names tag " + m.tag + " and host " + m.host_id);
    out.push_back(std::move(m));
    return Status::OK();
  }));
  return out;
}

Result<VerifyReport> verify_backup(ObjectStore& store, const std::string& tag,
                                   const std::string& host_id) {
  RK_RETURN_IF_ERROR(validate_backup_tag(tag));
  if (!host_id.empty()) RK_RETURN_IF_ERROR(validate_host_id(host_id));
  VerifyReport report;
  report.tag = tag;
  bool any = false;
  RK_RETURN_IF_ERROR(store.list(tag_prefix(tag), [&](const ObjectInfo& o) -> Status {
    auto key = parse_manifest_key(o.key);
    if (!key.ok() || key->tag != tag) return Status::OK();
    if (!host_id.empty() && key->host_id != host_id) return Status::OK();
    any = true;
    StringSink sink;
    auto got = store.get(o.key, sink);
    if (!got.ok()) {
      report.problems.push_back({key->host_id, "", o.key, got.status().to_string()});
      return Status::OK();
    }
    auto m = manifest_from_text(sink.data);
    if (!m.ok()) {
      report.problems.push_back({key->host_id, "", o.key, m.status().message()});
      return Status::OK();
    }
    verify_manifest(store, *m, report);
    return Status::OK();
  }));
  if (!any)
    return Status::NotFound("backup " + tag + " has no manifest" +
                            (host_id.empty() ? "" : " of host " + host_id));
  return report;
}

nlohmann::json verify_report_to_json(const VerifyReport& r) {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : r.problems)
    problems.push_back(
        {{"host_id", p.host_id}, {"path", p.path}, {"key", p.key}, {"reason", p.reason}});
  return {{"tag", r.tag},
          {"ok", r.ok()},
          {"nodes", r.nodes},
          {"files_checked", r.files_checked},
          {"bytes_checked", r.bytes_checked},
          {"problems", std::move(problems)}};
}

}  // namespace rk::backup
