// Node manifests: round trip, and strict parsing of untrusted manifests.
#include "ringkeeper/backup/node_manifest.h"

#include <gtest/gtest.h>

namespace rk::backup {
namespace {

NodeManifest sample() {
  NodeManifest m;
  m.tag = "daily-20261123";
  m.cluster = "ringkeeper";
  m.host_id = "host-1";
  m.datacenter = "dc1";
  m.rack = "r1";
  m.tokens = {-9223372036854775807LL - 1, 42};
  m.created_at_us = 1700000000000000;
  m.schema = {{"version", 3}};
  m.files = {{"data/000012.sst", 1234, std::string(64, 'a')},
             {"schema.json", 10, std::string(64, 'b')}};
  return m;
}

std::string with_path(const std::string& path) {
  auto j = manifest_to_json(sample());
  j["files"][0]["path"] = path;
  return j.dump();
}

TEST(NodeManifest, RoundTripsThroughText) {
  auto parsed = manifest_from_text(manifest_to_text(sample()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->tokens, sample().tokens);
  EXPECT_EQ(parsed->files.size(), 2u);
  EXPECT_EQ(parsed->files[0].path, "data/000012.sst");
  EXPECT_EQ(parsed->total_bytes(), 1244u);
  EXPECT_EQ(parsed->schema["version"], 3);
}

TEST(NodeManifest, PathsThatLeaveTheRestoreDirectoryAreCorruption) {
  for (const char* p : {"../etc/passwd", "/etc/passwd", "data/../../x", "data//x", "./x", "data/",
                        "", "a\\b", "data/x y"}) {
    auto parsed = manifest_from_text(with_path(p));
    ASSERT_FALSE(parsed.ok()) << p;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kCorruption) << p;
  }
  EXPECT_TRUE(manifest_from_text(with_path("data/OPTIONS-000007")).ok());
}

TEST(NodeManifest, BadChecksumsTagsAndDuplicatesAreCorruption) {
  auto j = manifest_to_json(sample());
  j["files"][0]["sha256"] = std::string(64, 'A');
  EXPECT_FALSE(manifest_from_text(j.dump()).ok());
  j = manifest_to_json(sample());
  j["tag"] = "a/b";
  EXPECT_FALSE(manifest_from_text(j.dump()).ok());
  j = manifest_to_json(sample());
  j["host_id"] = "..";
  EXPECT_FALSE(manifest_from_text(j.dump()).ok());
  j = manifest_to_json(sample());
  j["files"][1]["path"] = "data/000012.sst";
  EXPECT_FALSE(manifest_from_text(j.dump()).ok());
  j = manifest_to_json(sample());
  j["files"][0]["size"] = -1;
  EXPECT_FALSE(manifest_from_text(j.dump()).ok());
  EXPECT_FALSE(manifest_from_text("{not json").ok());
  EXPECT_FALSE(manifest_from_text(R"({"format": 2})").ok());
}

TEST(NodeManifest, KeysFollowTheLayout) {
  EXPECT_EQ(data_key("ab"), "data/ab");
  EXPECT_EQ(manifest_key("t1", "h1"), "meta/t1/h1.json");
  auto k = parse_manifest_key("meta/t1/h1.json");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->tag, "t1");
  EXPECT_EQ(k->host_id, "h1");
  EXPECT_FALSE(parse_manifest_key("meta/t1/backup.json").ok());
  EXPECT_FALSE(parse_manifest_key("meta/t1/x/h1.json").ok());
  EXPECT_FALSE(parse_manifest_key("data/abc").ok());
}

TEST(NodeManifest, WalManifestKeysListInTimeOrder) {
  EXPECT_EQ(wal_manifest_key("h1", 42), "wal/h1/00000000000000000042.json");
  EXPECT_LT(wal_manifest_key("h1", 999), wal_manifest_key("h1", 1000));
  auto k = parse_wal_manifest_key(wal_manifest_key("h1", 1700000000000000));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->host_id, "h1");
  EXPECT_EQ(k->created_at_us, 1700000000000000);
  EXPECT_FALSE(parse_wal_manifest_key("wal/h1/x12.json").ok());
  EXPECT_FALSE(parse_wal_manifest_key("wal/../12.json").ok());
  EXPECT_FALSE(parse_wal_manifest_key("meta/h1/12.json").ok());
  EXPECT_EQ(*incremental_tag_time("inc-1700000000000000"), 1700000000000000);
  EXPECT_FALSE(incremental_tag_time("daily-1").ok());
  EXPECT_EQ(*engine_file_number("data/000123.sst"), 123u);
  EXPECT_EQ(*engine_file_number("000045.log"), 45u);
  EXPECT_FALSE(engine_file_number("data/MANIFEST-000004").ok());
}

TEST(NodeManifest, SequenceRoundTripsAndMayBeAbsent) {
  NodeManifest m = sample();
  m.sequence = 12345;
  EXPECT_EQ(manifest_from_text(manifest_to_text(m))->sequence, 12345u);
  auto j = manifest_to_json(sample());
  j.erase("sequence");  // a manifest from before sequences were recorded
  auto old = manifest_from_text(j.dump());
  ASSERT_TRUE(old.ok()) << old.status().to_string();
  EXPECT_EQ(old->sequence, 0u);
  j["sequence"] = -1;
  EXPECT_FALSE(manifest_from_text(j.dump()).ok());
  j = manifest_to_json(sample());
  j["kind"] = "wal";
  EXPECT_TRUE(manifest_from_text(j.dump()).ok());
}

}  // namespace
}  // namespace rk::backup
