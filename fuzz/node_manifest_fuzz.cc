// Feeds backup/node_manifest.h: a node's backup manifest (meta/<tag>/<host_id>.json, read from
// the object store before anything is restored) and the store keys that name manifests
// (meta/<tag>/<host>.json, wal/<host>/<µs>.json, inc-<µs> tags, engine file names). The store is
// untrusted: a manifest that parses must name only safe relative paths and print back to text
// that parses to the same manifest.
#include "fuzz_check.h"
#include "ringkeeper/backup/node_manifest.h"

namespace {

bool same(const rk::backup::NodeManifest& a, const rk::backup::NodeManifest& b) {
  if (a.files.size() != b.files.size()) return false;
  for (size_t i = 0; i < a.files.size(); ++i) {
    if (a.files[i].path != b.files[i].path || a.files[i].size != b.files[i].size ||
        a.files[i].sha256 != b.files[i].sha256)
      return false;
  }
  return a.format == b.format && a.tag == b.tag && a.cluster == b.cluster &&
         a.host_id == b.host_id && a.datacenter == b.datacenter && a.rack == b.rack &&
         a.tokens == b.tokens && a.created_at_us == b.created_at_us && a.kind == b.kind &&
         a.sequence == b.sequence && a.encryption_key_id == b.encryption_key_id &&
         a.schema == b.schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz_text(data, size);
  namespace backup = rk::backup;

  auto manifest = backup::manifest_from_text(text);
  if (manifest.ok()) {
    for (const auto& file : manifest->files) {
      RK_FUZZ_CHECK(backup::validate_relative_path(file.path).ok(), "only safe paths pass");
      RK_FUZZ_CHECK(backup::validate_sha256(file.sha256).ok(), "only checksums pass");
    }
    auto again = backup::manifest_from_text(backup::manifest_to_text(*manifest));
    RK_FUZZ_CHECK(again.ok() && same(*again, *manifest), "a manifest prints back to itself");
    (void)manifest->total_bytes();
  }

  // The same bytes as store keys.
  if (auto key = backup::parse_manifest_key(text); key.ok()) {
    RK_FUZZ_CHECK(backup::manifest_key(key->tag, key->host_id) == text,
                  "a manifest key is rebuilt from its parts");
  }
  if (auto key = backup::parse_wal_manifest_key(text); key.ok()) {
    RK_FUZZ_CHECK(backup::validate_host_id(key->host_id).ok(), "WAL keys name valid hosts");
  }
  (void)backup::incremental_tag_time(text);
  (void)backup::engine_file_number(text);
  return 0;
}
