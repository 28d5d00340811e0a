// Key rules and the behaviour every store shares, run against the file store (the S3 store runs
// the same checks against s3rver in s3_store_test.cc).
#include "ringkeeper/backup/object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ringkeeper/backup/store_factory.h"

namespace rk::backup {
namespace {

namespace fs = std::filesystem;

TEST(ObjectKey, AcceptsRelativeSlashSeparatedNames) {
  EXPECT_TRUE(validate_object_key("a").ok());
  EXPECT_TRUE(validate_object_key("meta/node-1/manifest.json").ok());
  EXPECT_TRUE(validate_object_key("sst/ks/t/nb-1-big-Data.db").ok());
  EXPECT_TRUE(validate_object_key("a/.hidden/b..c").ok());
}

TEST(ObjectKey, RejectsNamesThatCouldLeaveTheStore) {
  for (const std::string& bad :
       std::vector<std::string>{"", "/abs", "a/../b", "..", "a/..", "a//b", "a/./b", "a/", "a\\b",
                                std::string("a\0b", 3), "a\nb", ".rk-meta/x"}) {
    Status s = validate_object_key(bad);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << "key: " << bad;
  }
  EXPECT_EQ(validate_object_key(std::string(1025, 'a')).code(), ErrorCode::kInvalidArgument);
}

TEST(ObjectKey, PrefixesMayEndInAPartialSegment) {
  EXPECT_TRUE(validate_key_prefix("").ok());
  EXPECT_TRUE(validate_key_prefix("meta/").ok());
  EXPECT_TRUE(validate_key_prefix("meta/no").ok());
  EXPECT_FALSE(validate_key_prefix("../").ok());
  EXPECT_FALSE(validate_key_prefix("a/..").ok());
  EXPECT_FALSE(validate_key_prefix("/a").ok());
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rk-filestore-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    StoreOptions o;
    o.url = "file://" + dir_.string() + "/store";
    o.file.fsync = false;
    auto s = open_store(o);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(*s);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(FileStoreTest, PutThenGetReturnsTheBytesAndTheirChecksum) {
  auto put = store_->put("a/b.txt", *memory_source("hello"));
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  EXPECT_EQ(put->size, 5);
  EXPECT_EQ(put->sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  StringSink sink;
  auto got = store_->get("a/b.txt", sink);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(sink.data, "hello");
  EXPECT_EQ(got->sha256, put->sha256);
  // The object is a plain file under the root.
  EXPECT_EQ(read(dir_ / "store/a/b.txt"), "hello");
}

TEST_F(FileStoreTest, HeadReportsSizeChecksumAndMetadata) {
  PutOptions o;
  o.metadata["node"] = "n1";
  ASSERT_TRUE(store_->put("x", *memory_source("abc"), o).ok());
  auto h = store_->head("x");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->size, 3);
  EXPECT_EQ(h->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(h->metadata.at("node"), "n1");
  EXPECT_GT(h->modified_us, 0);
  EXPECT_EQ(store_->head("missing").status().code(), ErrorCode::kNotFound);
}

TEST_F(FileStoreTest, AWrongExpectedChecksumFailsThePutAndStoresNothing) {
  PutOptions o;
  o.sha256 = std::string(64, '0');
  EXPECT_EQ(store_->put("x", *memory_source("abc"), o).status().code(), ErrorCode::kCorruption);
  EXPECT_EQ(store_->head("x").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(dir_ / "store/.rk-tmp"));
}

TEST_F(FileStoreTest, ADamagedObjectIsReportedAsCorruption) {
  ASSERT_TRUE(store_->put("x", *memory_source("abcdef")).ok());
  {
    std::ofstream out(dir_ / "store/x", std::ios::binary | std::ios::in);
    out.seekp(2);
    out << 'Z';
  }
  StringSink sink;
  EXPECT_EQ(store_->get("x", sink).status().code(), ErrorCode::kCorruption);
  // A download to a file leaves nothing behind.
  auto target = (dir_ / "out").string();
  EXPECT_EQ(store_->get_file("x", target).status().code(), ErrorCode::kCorruption);
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(FileStoreTest, ListIsSortedFilteredByPrefixAndHidesBookkeeping) {
  for (std::string k : {"meta/n2/m.json", "meta/n1/m.json", "sst/a", "sst/b/c", "metadata"}) {
    ASSERT_TRUE(store_->put(k, *memory_source(k)).ok());
  }
  std::vector<std::string> keys;
  auto collect = [&](const ObjectInfo& i) {
    keys.push_back(i.key);
    return Status::OK();
  };
  ASSERT_TRUE(store_->list("", collect).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"meta/n1/m.json", "meta/n2/m.json", "metadata", "sst/a",
                                            "sst/b/c"}));
  keys.clear();
  ASSERT_TRUE(store_->list("meta/", collect).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"meta/n1/m.json", "meta/n2/m.json"}));
  keys.clear();
  ASSERT_TRUE(store_->list("meta", collect).ok());
  EXPECT_EQ(keys.size(), 3u);
  keys.clear();
  ASSERT_TRUE(store_->list("sst/b/", collect).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"sst/b/c"}));
  EXPECT_FALSE(store_->list("../", collect).ok());
}

TEST_F(FileStoreTest, ListOrderIsByteOrderOfWholeKeysAcrossDirectories) {
  // '-' < '/' < '0': a directory's keys sort between its siblings, not before them.
  for (std::string k : {"a0", "a/b", "a-c", "a/a/z", "b"}) {
    ASSERT_TRUE(store_->put(k, *memory_source(k)).ok());
  }
  std::vector<std::string> keys;
  ASSERT_TRUE(store_
                  ->list("",
                         [&](const ObjectInfo& i) {
                           keys.push_back(i.key);
                           return Status::OK();
                         })
                  .ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a-c", "a/a/z", "a/b", "a0", "b"}));
}

TEST_F(FileStoreTest, ListStopsWhenTheCallbackFails) {
  ASSERT_TRUE(store_->put("a", *memory_source("1")).ok());
  ASSERT_TRUE(store_->put("b", *memory_source("2")).ok());
  int calls = 0;
  Status s = store_->list("", [&](const ObjectInfo&) {
    ++calls;
    return Status::Cancelled("enough");
  });
  EXPECT_EQ(s.code(), ErrorCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(FileStoreTest, RemoveDeletesAndIsIdempotent) {
  ASSERT_TRUE(store_->put("d/e/f", *memory_source("1")).ok());
  ASSERT_TRUE(store_->remove("d/e/f").ok());
  EXPECT_EQ(store_->head("d/e/f").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->remove("d/e/f").ok());
  EXPECT_FALSE(fs::exists(dir_ / "store/d"));  // empty directories go too
}

TEST_F(FileStoreTest, BadKeysAreRefusedByEveryMethod) {
  StringSink sink;
  EXPECT_EQ(store_->put("../x", *memory_source("1")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->get("a/../../x", sink).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->head("/etc/passwd").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->remove("..").code(), ErrorCode::kInvalidArgument);
}

TEST_F(FileStoreTest, FilesGoInAndOutThroughTheConveniences) {
  std::string src = (dir_ / "src.bin").string();
  std::string payload(3 << 20, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 + i / 4096);
  { std::ofstream(src, std::ios::binary) << payload; }
  ASSERT_TRUE(store_->put_file("big", src).ok());
  std::string dst = (dir_ / "dst.bin").string();
  auto got = store_->get_file("big", dst);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(read(dst), payload);
  EXPECT_EQ(store_->put_file("k", (dir_ / "nope").string()).status().code(), ErrorCode::kNotFound);
}

TEST(StoreFactory, RejectsUnknownSchemesAndRelativeFileUrls) {
  StoreOptions o;
  o.url = "ftp://x";
  EXPECT_EQ(open_store(o).status().code(), ErrorCode::kInvalidArgument);
  o.url = "file://relative/dir";
  EXPECT_EQ(open_store(o).status().code(), ErrorCode::kInvalidArgument);
  o.url = "s3:///prefix";
  EXPECT_EQ(open_store(o).status().code(), ErrorCode::kInvalidArgument);
  o.url = "s3://bucket/../x";
  EXPECT_EQ(open_store(o).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk::backup
