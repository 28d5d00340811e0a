// Snapshots (hard links + manifest + schema), incremental backups, and node facts.
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.h"

namespace rk::storage {
namespace {

namespace fs = std::filesystem;
using testing::NodeTest;

std::vector<std::string> ssts_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".sst") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(NodeTest, SnapshotHardLinksTheLiveSstsAndListsThemInItsManifest) {
  ASSERT_TRUE(put("p", "c", "v", "x", 1).ok());
  auto snap = node_->snapshot("s1");
  ASSERT_TRUE(snap.ok()) << snap.status().to_string();
  fs::path dir = fs::path(dir_.path()) / "snapshots" / "s1";
  EXPECT_EQ(snap->directory, dir.string());
  auto ssts = ssts_in(dir / "data");
  ASSERT_FALSE(ssts.empty());
  for (const auto& name : ssts) {
    struct stat a {
    }, b{};
    ASSERT_EQ(stat((dir / "data" / name).c_str(), &a), 0);
    ASSERT_EQ(stat((fs::path(dir_.path()) / "data" / name).c_str(), &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino) << name << " is not a hard link";
  }
  bool listed_sst = false, listed_schema = false;
  for (const auto& f : snap->files) {
    EXPECT_EQ(f.size, fs::file_size(dir / f.path)) << f.path;
    EXPECT_EQ(f.sha256.size(), 64u);
    listed_sst |= f.path == "data/" + ssts[0];
    listed_schema |= f.path == "schema.json";
  }
  EXPECT_TRUE(listed_sst);
  EXPECT_TRUE(listed_schema);
  EXPECT_TRUE(fs::exists(dir / "manifest.json"));
}

TEST_F(NodeTest, SnapshotOpensAsANodeWithTheDataAndSchemaOfThatMoment) {
  ASSERT_TRUE(put("p", "c", "v", "before", 1).ok());
  ASSERT_TRUE(node_->snapshot("s1").ok());
  ASSERT_TRUE(put("p", "c", "v", "after", 2).ok());
  testing::TempDir copy;
  fs::copy(fs::path(dir_.path()) / "snapshots" / "s1", copy.path(), fs::copy_options::recursive);
  Options o = options();
  o.data_dir = copy.path();
  auto restored = Node::open(o, clock_);
  ASSERT_TRUE(restored.ok()) << restored.status().to_string();
  auto row = (*restored)->read_row("ks", "t", "p", "c");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->cells.at("v").value, "before");
}

// A snapshot is taken while clients write and a repair moves keys into the repaired set, so
// the snapshot's WAL tail holds merges: every snapshot must still open (replayed without the
// node's merge operator, RocksDB refused them with "SST file is ahead of WALs in CF repaired").
TEST_F(NodeTest, SnapshotsTakenDuringWritesAndRepairsAllOpen) {
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i)
      if (!put("p" + std::to_string(i % 500), "c", "v", std::string(200, 'x'), i + 1).ok())
        ++failures;
  });
  std::thread mover([&] {
    for (int64_t at = 1; !stop; ++at)
      if (!node_->mark_repaired("ks", "t", TokenRange::full_ring(), at).ok()) ++failures;
  });
  for (int i = 0; i < 12; ++i) {
    auto snap = node_->snapshot("s" + std::to_string(i));
    EXPECT_TRUE(snap.ok()) << "snapshot " << i << ": " << snap.status().to_string();
    if (!snap.ok()) break;
  }
  stop = true;
  writer.join();
  mover.join();
  EXPECT_EQ(failures.load(), 0);
  testing::TempDir copy;
  fs::copy(fs::path(dir_.path()) / "snapshots" / "s11", copy.path(), fs::copy_options::recursive);
  Options o = options();
  o.data_dir = copy.path();
  auto restored = Node::open(o, clock_);
  EXPECT_TRUE(restored.ok()) << restored.status().to_string();
}

TEST_F(NodeTest, SnapshotTagThatWouldEscapeTheDirectoryIsInvalid) {
  for (const char* tag : {"..", "../x", "a/b", "", ".hidden", "-opt"}) {
    EXPECT_EQ(node_->snapshot(tag).status().code(), ErrorCode::kInvalidArgument) << tag;
    EXPECT_EQ(node_->clear_snapshot(tag).code(), ErrorCode::kInvalidArgument) << tag;
  }
  EXPECT_FALSE(fs::exists(fs::path(dir_.path()) / "x"));
  auto list = node_->list_snapshots();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST_F(NodeTest, SnapshotTagThatExistsIsAlreadyExists) {
  ASSERT_TRUE(node_->snapshot("s1").ok());
  EXPECT_EQ(node_->snapshot("s1").status().code(), ErrorCode::kAlreadyExists);
}

TEST_F(NodeTest, SnapshotsAreListedAndCleared) {
  ASSERT_TRUE(node_->snapshot("b").ok());
  ASSERT_TRUE(node_->snapshot("a").ok());
  auto list = node_->list_snapshots();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].tag, "a");
  EXPECT_FALSE((*list)[0].files.empty());
  ASSERT_TRUE(node_->clear_snapshot("a").ok());
  EXPECT_EQ(node_->clear_snapshot("a").code(), ErrorCode::kNotFound);
  list = node_->list_snapshots();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].tag, "b");
}

class IncrementalBackupTest : public NodeTest {
 protected:
  Options options() override {
    Options o = NodeTest::options();
    o.incremental_backups = true;
    return o;
  }
  fs::path backups() const { return fs::path(dir_.path()) / "backups"; }
};

TEST_F(IncrementalBackupTest, FlushedSstIsHardLinkedUnderBackups) {
  ASSERT_TRUE(put("p", "c", "v", "x", 1).ok());
  ASSERT_TRUE(node_->flush().ok());
  auto linked = ssts_in(backups());
  ASSERT_EQ(linked.size(), 1u);
  EXPECT_TRUE(fs::equivalent(backups() / linked[0], fs::path(dir_.path()) / "data" / linked[0]));
}

TEST_F(IncrementalBackupTest, CompactionOutputIsHardLinkedToo) {
  ASSERT_TRUE(put("p", "c", "v", "x", 1).ok());
  ASSERT_TRUE(node_->flush().ok());
  ASSERT_TRUE(put("p", "c", "v", "y", 2).ok());
  ASSERT_TRUE(node_->compact().ok());
  auto live = ssts_in(fs::path(dir_.path()) / "data");
  auto linked = ssts_in(backups());
  for (const auto& name : live)
    EXPECT_TRUE(std::find(linked.begin(), linked.end(), name) != linked.end()) << name;
  EXPECT_GE(linked.size(), 3u);
}

TEST_F(IncrementalBackupTest, SstWrittenByWalReplayAfterRestartIsHardLinked) {
  ASSERT_TRUE(put("p", "c", "v", "x", 1).ok());
  reopen();  // closing does not flush: reopening replays the WAL into a new SST
  auto live = ssts_in(fs::path(dir_.path()) / "data");
  ASSERT_FALSE(live.empty());
  auto linked = ssts_in(backups());
  for (const auto& name : live)
    EXPECT_TRUE(std::find(linked.begin(), linked.end(), name) != linked.end()) << name;
}

TEST_F(NodeTest, FactsCountFilesTombstonesAndBytesPerSet) {
  ASSERT_TRUE(put("a", "c", "v", std::string(1000, 'x'), 1).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "b").delete_partition(5)).ok());
  ASSERT_TRUE(node_->apply(Mutation("ks", "t", "b").delete_cell("c", "v", 6)).ok());
  ASSERT_TRUE(node_->flush().ok());
  auto facts = node_->facts();
  ASSERT_TRUE(facts.ok()) << facts.status().to_string();
  ASSERT_EQ(facts->tables.size(), 1u);
  const TableFacts& t = facts->tables[0];
  EXPECT_EQ(t.table, "t");
  EXPECT_EQ(t.unrepaired.files, 1u);
  EXPECT_EQ(t.unrepaired.tombstones, 2u);
  EXPECT_GE(t.unrepaired.entries, 3u);  // the cell and both tombstones (row markers may add)
  EXPECT_GT(t.unrepaired.bytes_on_disk, 1000u);
  EXPECT_EQ(t.repaired.files, 0u);
  EXPECT_EQ(facts->sst_files, 1u);
}

TEST_F(NodeTest, FactsReportRepairedAtBounds) {
  ASSERT_TRUE(put("a", "c", "v", "x", 1).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange(0, 100), 5000).ok());
  ASSERT_TRUE(node_->mark_repaired("ks", "t", TokenRange(100, 200), 7000).ok());
  auto facts = node_->facts();
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->tables[0].min_repaired_at, 5000);
  EXPECT_EQ(facts->tables[0].max_repaired_at, 7000);
}

}  // namespace
}  // namespace rk::storage
