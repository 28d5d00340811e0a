// WAL archiving, snapshot sequence numbers, and replay of archived WAL files and backed-up SSTs on
// top of a restored snapshot (what point-in-time restore is built from).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "node_impl.h"
#include "ringkeeper/storage/range_stream.h"
#include "test_support.h"
#include "wal_archive.h"
#include "wal_file.h"

namespace rk::storage {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

// Files of `dir` with names "<digits><suffix>", by number.
std::vector<std::string> numbered_files(const fs::path& dir, std::string_view suffix) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!name.ends_with(suffix)) continue;
    std::string stem = name.substr(0, name.size() - suffix.size());
    if (stem.empty() || !std::all_of(stem.begin(), stem.end(), ::isdigit)) continue;
    found.emplace_back(std::stoll(stem), e.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, p] : found) out.push_back(p);
  return out;
}

// Everything a table holds (tombstones included), reconciled over both sets, as stream bytes.
std::string dump(Node& node, const std::string& table = "t") {
  std::string out;
  for (const std::string& chunk : testing::export_chunks(node, table)) out += chunk;
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class ReplayTest : public testing::NodeTest {
 protected:
  Options options() override {
    Options o = NodeTest::options();
    o.archive_wal = true;
    o.incremental_backups = true;
    return o;
  }
  fs::path archive_dir() const { return fs::path(dir_.path()) / "wal_archive"; }
  std::vector<std::string> archived() const { return numbered_files(archive_dir(), ".log"); }

  // A node opened from a copy of snapshot `info` (what restore does), in restored_dir_.
  std::unique_ptr<Node> restore(const SnapshotInfo& info) {
    fs::copy(info.directory, restored_dir_.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    Options o = NodeTest::options();
    o.data_dir = restored_dir_.path();
    auto n = Node::open(o, restored_clock_);
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    return n.ok() ? std::move(n).value() : nullptr;
  }

  // A node with no schema and no data, in restored_dir_.
  std::unique_ptr<Node> empty_node() {
    Options o = NodeTest::options();
    o.data_dir = restored_dir_.path();
    auto n = Node::open(o, restored_clock_);
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    return n.ok() ? std::move(n).value() : nullptr;
  }

  ReplayStats replay_archive(Node& node, uint64_t after_sequence, int64_t up_to_us = kForever) {
    ReplayStats total;
    for (const auto& f : archived()) {
      auto r = node.replay_wal_file(f, after_sequence, up_to_us);
      EXPECT_TRUE(r.ok()) << r.status().to_string();
      if (!r.ok()) continue;
      total.batches += r->batches;
      total.cells_applied += r->cells_applied;
      total.cells_skipped_after += r->cells_skipped_after;
      total.cells_skipped_before += r->cells_skipped_before;
      total.tables_created += r->tables_created;
      total.newest_applied_us = std::max(total.newest_applied_us, r->newest_applied_us);
    }
    return total;
  }

  TempDir restored_dir_;
  ManualClock restored_clock_;
};

// --- WAL archiving ---------------------------------------------------------------------------

TEST_F(ReplayTest, FlushedWalFilesAreArchivedAndTheLiveOneIsNot) {
  ASSERT_TRUE(put("p1", "c", "v", "a", 1).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(put("p2", "c", "v", "b", 2).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(put("p3", "c", "v", "c", 3).ok());
  auto files = archived();
  ASSERT_GE(files.size(), 2u);
  auto live = numbered_files(fs::path(dir_.path()) / "data", ".log");
  ASSERT_EQ(live.size(), 1u);
  for (const auto& f : files) {
    EXPECT_GE(fs::path(f).stem().string().size(), 6u) << f;
    EXPECT_NE(fs::path(f).filename(), fs::path(live[0]).filename());
    EXPECT_GT(fs::file_size(f), 0u);
    EXPECT_EQ(fs::hard_link_count(f), 1u) << "RocksDB still holds " << f;
  }
  // They stay until someone deletes them, across reopening too.
  reopen();
  EXPECT_GE(archived().size(), files.size() + 1) << "the live WAL, recovered at open, too";
}

TEST_F(ReplayTest, TheLiveWalOfACrashedNodeIsArchivedWhenItRestarts) {
  ASSERT_TRUE(put("p1", "c", "v", "a", 1).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(put("p2", "c", "v", "b", 2).ok());
  // A copy of the files as they are now is what kill -9 leaves behind (the WAL reaches the OS
  // before a write returns).
  TempDir crashed;
  fs::copy(fs::path(dir_.path()) / "data", fs::path(crashed.path()) / "data",
           fs::copy_options::recursive);
  auto live = numbered_files(fs::path(crashed.path()) / "data", ".log");
  ASSERT_EQ(live.size(), 1u);
  Options o = options();
  o.data_dir = crashed.path();
  auto restarted = Node::open(o, restored_clock_);
  ASSERT_TRUE(restarted.ok()) << restarted.status().to_string();
  const fs::path archived_copy =
      fs::path(crashed.path()) / "wal_archive" / fs::path(live[0]).filename();
  ASSERT_TRUE(fs::exists(archived_copy)) << "the WAL recovered at open is not archived";
  auto fresh = empty_node();
  ASSERT_NE(fresh, nullptr);
  auto r = fresh->replay_wal_file(archived_copy.string(), 0, kForever);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->cells_applied, 1u);
}

TEST_F(ReplayTest, AFileOfAnEarlierIncarnationIsReplacedByTheCurrentOne) {
  ASSERT_TRUE(put("p1", "c", "v", "a", 1).ok());
  auto live = numbered_files(fs::path(dir_.path()) / "data", ".log");
  ASSERT_EQ(live.size(), 1u);
  const fs::path stale = archive_dir() / fs::path(live[0]).filename();
  write_file(stale.string(), "an earlier database's WAL");
  ASSERT_TRUE(node_->flush().ok());
  EXPECT_NE(read_file(stale.string()), "an earlier database's WAL");
  auto r = node_->replay_wal_file(stale.string(), 0, kForever);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->cells_applied, 1u);
  for (const auto& e : fs::directory_iterator(archive_dir()))
    EXPECT_FALSE(e.path().string().ends_with(".tmp")) << e.path();
}

TEST_F(ReplayTest, WithoutArchiveWalNothingIsKept) {
  TempDir other;
  Options o = NodeTest::options();
  o.data_dir = other.path();
  auto node = Node::open(o, clock_);
  ASSERT_TRUE(node.ok());
  ASSERT_TRUE((*node)->flush().ok());
  EXPECT_FALSE(fs::exists(fs::path(other.path()) / "wal_archive"));
}

TEST(WalFileNumber, OnlyDigitsDotLog) {
  EXPECT_EQ(wal_file_number("000012.log"), 12);
  EXPECT_EQ(wal_file_number("12.log"), 12);
  EXPECT_EQ(wal_file_number("LOG"), -1);
  EXPECT_EQ(wal_file_number(".log"), -1);
  EXPECT_EQ(wal_file_number("x12.log"), -1);
  EXPECT_EQ(wal_file_number("000012.sst"), -1);
}

// --- snapshot sequence -----------------------------------------------------------------------

TEST_F(ReplayTest, SnapshotRecordsTheNewestSequenceItHolds) {
  ASSERT_TRUE(put("p1", "c", "v", "a", 1).ok());
  ASSERT_TRUE(put("p2", "c", "v", "b", 2).ok());
  const uint64_t latest = NodeInternals::of(*node_).db->GetLatestSequenceNumber();
  auto info = node_->snapshot("s1");
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->sequence, latest);
  auto manifest = nlohmann::json::parse(read_file(info->directory + "/manifest.json"));
  EXPECT_EQ(manifest.at("sequence").get<uint64_t>(), latest);
  auto listed = node_->list_snapshots();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].sequence, latest);
  EXPECT_FALSE(fs::exists(info->directory + "/data/LOG")) << "reading the sequence added a LOG";
  // A node restored from it starts exactly there.
  auto restored = restore(*info);
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(NodeInternals::of(*restored).db->GetLatestSequenceNumber(), latest);
}

// --- WAL replay ------------------------------------------------------------------------------

TEST_F(ReplayTest, ReplayingTheArchiveOnASnapshotReproducesTheLaterWrites) {
  ASSERT_TRUE(put("p1", "c", "v", "before", 10).ok());
  auto info = node_->snapshot("s1");
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(put("p1", "c", "v", "after", 20).ok());
  ASSERT_TRUE(put("p2", "c", "v", "new", 21).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p3").delete_row("c", 22)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p4").delete_partition(23)).ok());
  // Moves between the sets are WAL records too (Merge into repaired, Delete/Put in unrepaired).
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(put("p5", "c", "v", "late", 24).ok());
  ASSERT_TRUE(node_->flush().ok());

  auto restored = restore(*info);
  ASSERT_NE(restored, nullptr);
  EXPECT_NE(dump(*restored), dump(*node_));
  ReplayStats stats = replay_archive(*restored, info->sequence);
  EXPECT_EQ(dump(*restored), dump(*node_));
  EXPECT_GT(stats.cells_skipped_before, 0u) << "the write before the snapshot is in the archive";
  EXPECT_EQ(stats.newest_applied_us, 24);
  EXPECT_EQ(stats.cells_skipped_after, 0u);

  // Replaying again changes nothing.
  replay_archive(*restored, info->sequence);
  EXPECT_EQ(dump(*restored), dump(*node_));
}

TEST_F(ReplayTest, UpToCutsExactlyAtAWriteTimestamp) {
  ASSERT_TRUE(put("gone", "c", "v", "x", 5).ok());
  auto info = node_->snapshot("s1");
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(put("at", "c", "v", "kept", 100).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "gone").delete_cell("c", "v", 100)).ok());
  ASSERT_TRUE(put("after", "c", "v", "dropped", 101).ok());
  ASSERT_TRUE(put("at", "c", "v", "newer", 101).ok());
  ASSERT_TRUE(node_->flush().ok());

  auto restored = restore(*info);
  ASSERT_NE(restored, nullptr);
  ReplayStats stats = replay_archive(*restored, info->sequence, /*up_to_us=*/100);
  EXPECT_EQ(stats.cells_applied, 2u);
  EXPECT_EQ(stats.cells_skipped_after, 2u);
  EXPECT_EQ(stats.newest_applied_us, 100);
  auto row = restored->read_row("ks", "t", "at", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.at("v").value, "kept");
  row = restored->read_row("ks", "t", "after", "c");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
  row = restored->read_row("ks", "t", "gone", "c");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value()) << "the tombstone at up_to_us applies";
}

TEST_F(ReplayTest, AfterSequenceKeepsAPurgedDeletionFromComingBack) {
  ASSERT_TRUE(put("p", "c", "v", "old", 10).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p").delete_cell("c", "v", 20)).ok());
  ASSERT_TRUE(node_->compact().ok());  // folds the value into the tombstone
  clock_.advance_seconds(gc_grace_seconds_);
  ASSERT_TRUE(node_->compact().ok());  // purges the tombstone
  ASSERT_EQ(dump(*node_), "");
  auto info = node_->snapshot("s1");
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(put("q", "c", "v", "later", 30).ok());
  ASSERT_TRUE(node_->flush().ok());

  auto restored = restore(*info);
  ASSERT_NE(restored, nullptr);
  replay_archive(*restored, info->sequence);
  EXPECT_EQ(dump(*restored), dump(*node_));
  auto row = restored->read_row("ks", "t", "p", "c");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value()) << "the deleted value came back";

  // The first archived file holds the value, a later one its tombstone. Replayed alone without
  // the snapshot's sequence, the value comes back: that is what after_sequence is for.
  const std::string first = archived().front();
  auto r = restored->replay_wal_file(first, info->sequence, kForever);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cells_applied, 0u);
  r = restored->replay_wal_file(first, /*after_sequence=*/0, kForever);
  ASSERT_TRUE(r.ok());
  row = restored->read_row("ks", "t", "p", "c");
  ASSERT_TRUE(row.ok());
  EXPECT_TRUE(row->has_value());
}

TEST_F(ReplayTest, AFreshNodeLearnsTheSchemaFromTheLog) {
  ASSERT_TRUE(node_->create_table({"ks", "t2"}).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t2", "p").set("c", "v", "x", 7)).ok());
  ASSERT_TRUE(put("p", "c", "v", "y", 8).ok());
  ASSERT_TRUE(node_->flush().ok());

  auto fresh = empty_node();
  ASSERT_NE(fresh, nullptr);
  ReplayStats stats = replay_archive(*fresh, 0);
  EXPECT_EQ(stats.tables_created, 3u);  // ks, t, t2
  ASSERT_EQ(fresh->tables().size(), 2u);
  EXPECT_EQ(fresh->table("ks", "t2")->id, node_->table("ks", "t2")->id);
  EXPECT_EQ(dump(*fresh, "t"), dump(*node_, "t"));
  EXPECT_EQ(dump(*fresh, "t2"), dump(*node_, "t2"));
}

TEST_F(ReplayTest, ASchemaRecordOfAnotherNodeIsRefused) {
  ASSERT_TRUE(put("p", "c", "v", "y", 8).ok());
  ASSERT_TRUE(node_->flush().ok());
  auto other = empty_node();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->create_keyspace({"ks", {}}).ok());
  ASSERT_TRUE(other->create_table({"ks", "x"}).ok());  // id 1 is "x" there, "t" here
  auto r = other->replay_wal_file(archived().front(), 0, kForever);
  ASSERT_EQ(r.status().code(), ErrorCode::kFailedPrecondition) << r.status().to_string();
  EXPECT_NE(r.status().message().find("another node"), std::string::npos);
}

// One key per write batch, so each is one record of the WAL file.
class WalDamageTest : public ReplayTest {
 protected:
  void SetUp() override {
    ReplayTest::SetUp();
    info_ = node_->snapshot("s1").value();
    for (int i = 0; i < 40; ++i)
      ASSERT_TRUE(put("k" + std::to_string(i), "c", "v", "x", i + 1).ok());
    ASSERT_TRUE(node_->flush().ok());
    file_ = archived().back();
    ASSERT_TRUE(read_wal_file(file_, [&](uint64_t offset, std::string_view) {
                  offsets_.push_back(offset);
                  return Status::OK();
                }).ok());
    ASSERT_EQ(offsets_.size(), 40u);
  }
  std::vector<std::string> present(Node& node) {
    std::vector<std::string> out;
    for (int i = 0; i < 40; ++i) {
      auto row = node.read_row("ks", "t", "k" + std::to_string(i), "c");
      if (row.ok() && row->has_value()) out.push_back("k" + std::to_string(i));
    }
    return out;
  }
  SnapshotInfo info_;
  std::string file_;
  std::vector<uint64_t> offsets_;
};

TEST_F(WalDamageTest, ADamagedRecordIsCorruptionWithItsOffsetAndNothingAfterIsApplied) {
  std::string bytes = read_file(file_);
  bytes[offsets_[20] + 10] ^= 0x01;  // inside record 20's payload
  const std::string copy = restored_dir_.path() + "-damaged.log";
  write_file(copy, bytes);
  auto restored = restore(info_);
  ASSERT_NE(restored, nullptr);
  auto r = restored->replay_wal_file(copy, info_.sequence, kForever);
  fs::remove(copy);
  ASSERT_EQ(r.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.status().message().find(copy), std::string::npos) << r.status().to_string();
  EXPECT_NE(r.status().message().find("offset " + std::to_string(offsets_[20])), std::string::npos)
      << r.status().to_string();
  auto keys = present(*restored);
  EXPECT_EQ(keys.size(), 20u);
  for (int i = 0; i < 20; ++i)
    EXPECT_NE(std::find(keys.begin(), keys.end(), "k" + std::to_string(i)), keys.end());
}

TEST_F(WalDamageTest, ATornTailEndsTheFileQuietly) {
  std::string bytes = read_file(file_);
  const std::string copy = restored_dir_.path() + "-torn.log";
  write_file(copy, bytes.substr(0, offsets_[39] + 9));  // the header and 2 bytes of the last one
  auto restored = restore(info_);
  ASSERT_NE(restored, nullptr);
  auto r = restored->replay_wal_file(copy, info_.sequence, kForever);
  fs::remove(copy);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->batches, 39u);
  EXPECT_EQ(present(*restored).size(), 39u);
}

TEST_F(ReplayTest, BadPathsGiveClearErrors) {
  auto r = node_->replay_wal_file(dir_.path() + "/nope.log", 0, kForever);
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find("nope.log"), std::string::npos);
  r = node_->replay_wal_file(dir_.path(), 0, kForever);
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  r = node_->replay_data_file(dir_.path() + "/nope.sst", kForever);
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  const std::string junk = dir_.path() + "/junk";
  write_file(junk, std::string(70000, 'x'));
  r = node_->replay_data_file(junk, kForever);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().to_string();
  r = node_->replay_wal_file(junk, 0, kForever);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption) << r.status().to_string();
}

// --- data file (SST) replay -----------------------------------------------------------------

TEST_F(ReplayTest, ReplayingBackedUpSstsOnASnapshotGivesTheLiveData) {
  ASSERT_TRUE(put("p1", "c", "v", "before", 10).ok());
  auto info = node_->snapshot("s1");
  ASSERT_TRUE(info.ok());
  std::set<std::string> in_snapshot;
  for (const auto& f : info->files) in_snapshot.insert(fs::path(f.path).filename().string());

  ASSERT_TRUE(put("p1", "c", "v", "after", 20).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "p2").delete_row("c", 21)).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange::full_ring(), 1000).ok());
  ASSERT_TRUE(node_->create_table({"ks", "t2"}).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t2", "p").set("c", "v", "x", 22)).ok());
  ASSERT_TRUE(put("p3", "c", "v", "z", 23).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(node_->compact().ok());

  auto restored = restore(*info);
  ASSERT_NE(restored, nullptr);
  // Data files first, in number order: t2's cells arrive before its schema (a metadata SST).
  std::vector<std::string> data, meta;
  for (const auto& f : numbered_files(fs::path(dir_.path()) / "backups", ".sst")) {
    if (in_snapshot.count(fs::path(f).filename().string())) continue;
    auto r = restored->replay_data_file(f, kForever);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    (r->cells_applied > 0 ? data : meta).push_back(f);
  }
  ASSERT_FALSE(meta.empty());
  EXPECT_EQ(dump(*restored), dump(*node_));
  EXPECT_EQ(dump(*restored, "t2"), dump(*node_, "t2"));
  EXPECT_EQ(restored->table("ks", "t2")->id, node_->table("ks", "t2")->id);
  // Again: nothing changes.
  for (const auto& f : data) ASSERT_TRUE(restored->replay_data_file(f, kForever).ok());
  EXPECT_EQ(dump(*restored), dump(*node_));
}

TEST_F(ReplayTest, DataFileReplayCutsAtUpTo) {
  auto info = node_->snapshot("s1");
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(put("at", "c", "v", "kept", 100).ok());
  ASSERT_TRUE(put("after", "c", "v", "dropped", 101).ok());
  {
    // A pinned view keeps both versions of "both" apart in the flushed file.
    ASSERT_TRUE(put("both", "c", "v", "old", 90).ok());
    auto view = node_->pin();
    ASSERT_TRUE(put("both", "c", "v", "new", 110).ok());
    ASSERT_TRUE(node_->flush().ok());
  }
  auto restored = restore(*info);
  ASSERT_NE(restored, nullptr);
  uint64_t applied = 0, skipped = 0;
  for (const auto& f : numbered_files(fs::path(dir_.path()) / "backups", ".sst")) {
    auto r = restored->replay_data_file(f, 100);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    applied += r->cells_applied;
    skipped += r->cells_skipped_after;
  }
  EXPECT_EQ(applied, 2u);
  EXPECT_EQ(skipped, 1u);
  auto row = restored->read_row("ks", "t", "at", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  row = restored->read_row("ks", "t", "after", "c");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
  row = restored->read_row("ks", "t", "both", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.at("v").value, "old");
}

TEST(Crc32c, KnownValues) {
  // RFC 3720 (iSCSI), appendix B.4, and the common check value of "123456789".
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
}

}  // namespace
}  // namespace rk::storage
