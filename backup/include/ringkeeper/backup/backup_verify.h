// Verify: every object a backup's manifests name is in the store with the right size and
// checksum (Priam's verification, made stricter). Reads object metadata only (HEAD), never the
// bytes; the restore checks the bytes themselves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/backup/node_manifest.h"
#include "ringkeeper/backup/object_store.h"

namespace rk::backup {

struct VerifyProblem {
  std::string host_id;
  std::string path;    // the file as the manifest names it ("" for a manifest problem)
  std::string key;     // the object key
  std::string reason;  // "missing", "size 10 != 12", "checksum ...", or the error
};

struct VerifyReport {
  std::string tag;
  std::vector<std::string> nodes;  // host ids whose manifests were checked
  uint64_t files_checked = 0;
  uint64_t bytes_checked = 0;
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty() && !nodes.empty(); }
};

// Checks one manifest's objects, adding to `report`.
void verify_manifest(ObjectStore& store, const NodeManifest& manifest, VerifyReport& report);

// Checks every node manifest under meta/<tag>/ (or only `host_id`'s when given). A manifest that
// does not parse is a problem of its own. NotFound when the tag has no manifest at all;
// InvalidArgument for a bad tag.
Result<VerifyReport> verify_backup(ObjectStore& store, const std::string& tag,
                                   const std::string& host_id = {});

// {"tag","ok","nodes":[...],"files_checked","bytes_checked","problems":[{"host_id","path","key",
//  "reason"}]}
nlohmann::json verify_report_to_json(const VerifyReport& report);

// Every node manifest under meta/<tag>/ (parsed; Corruption for one that does not parse).
Result<std::vector<NodeManifest>> read_manifests(ObjectStore& store, const std::string& tag);

}  // namespace rk::backup
