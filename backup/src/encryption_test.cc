// The AES-256-GCM envelope over a file store: round trips of every size class, and each kind of
// damage (edited bytes, truncation, another key) caught with a clear error.
#include "ringkeeper/backup/encryption.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/core/sha256.h"

namespace rk::backup {
namespace {

namespace fs = std::filesystem;

std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) ^ (i >> 9));
  return s;
}

class EncryptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rk-enc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "key.hex") << std::string(64, 'a') << "\n";
    std::ofstream(dir_ / "other.hex") << std::string(64, 'b');
    auto key = load_encryption_key((dir_ / "key.hex").string());
    ASSERT_TRUE(key.ok()) << key.status().to_string();
    key_ = *key;
    store_ = encrypted_store(open_plain(), key_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<ObjectStore> open_plain() {
    FileStoreOptions o;
    o.fsync = false;
    auto s = open_file_store((dir_ / "store").string(), o);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }

  // Rewrites a stored object's bytes and its sidecar, as someone with write access to the
  // store could: only the GCM tags can notice.
  void rewrite_stored(const std::string& key, const std::string& bytes) {
    std::ofstream(dir_ / "store" / key, std::ios::binary | std::ios::trunc) << bytes;
    fs::path meta = dir_ / "store/.rk-meta" / (key + ".json");
    std::ifstream in(meta);
    auto j = nlohmann::json::parse(in);
    j["size"] = bytes.size();
    j["sha256"] = sha256_hex(bytes);
    std::ofstream(meta, std::ios::trunc) << j.dump();
  }

  std::string stored(const std::string& key) {
    std::ifstream in(dir_ / "store" / key, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
  EncryptionKey key_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(EncryptionTest, KeyFilesHoldRawOrHexKeysAndGetAFingerprintId) {
  EXPECT_EQ(key_.bytes, std::string(32, '\xaa'));
  EXPECT_EQ(key_.id.rfind("sha256:", 0), 0u);
  EXPECT_EQ(key_.id.size(), 7u + 16u);
  std::ofstream(dir_ / "raw", std::ios::binary) << std::string(32, '\x01');
  auto raw = load_encryption_key((dir_ / "raw").string(), "k1");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->id, "k1");
  std::ofstream(dir_ / "short") << "abcd";
  EXPECT_EQ(load_encryption_key((dir_ / "short").string()).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(load_encryption_key((dir_ / "none").string()).status().code(), ErrorCode::kNotFound);
}

TEST_F(EncryptionTest, RoundTripsEverySizeAndStoresNoPlaintext) {
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{300'000}}) {
    std::string plain = pattern(n, static_cast<int>(n));
    std::string key = "obj-" + std::to_string(n);
    auto put = store_->put(key, *memory_source(plain));
    ASSERT_TRUE(put.ok()) << put.status().to_string();
    EXPECT_EQ(put->size, static_cast<int64_t>(n));
    EXPECT_EQ(put->sha256, sha256_hex(plain));
    std::string raw = stored(key);
    EXPECT_EQ(static_cast<int64_t>(raw.size()), encrypted_size(static_cast<int64_t>(n)));
    if (n > 64) {
      EXPECT_EQ(raw.find(plain.substr(0, 64)), std::string::npos);
    }
    StringSink sink;
    auto got = store_->get(key, sink);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(sink.data, plain);
    auto head = store_->head(key);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->size, static_cast<int64_t>(n));
    EXPECT_EQ(head->sha256, sha256_hex(plain));
    EXPECT_EQ(head->metadata.at(std::string(kMetaKeyId)), key_.id);
  }
  // list() reports plaintext sizes too.
  std::map<std::string, int64_t> sizes;
  ASSERT_TRUE(store_
                  ->list("obj-",
                         [&](const ObjectInfo& i) {
                           sizes[i.key] = i.size;
                           return Status::OK();
                         })
                  .ok());
  EXPECT_EQ(sizes.at("obj-65537"), 65537);
  EXPECT_EQ(sizes.at("obj-0"), 0);
  EXPECT_EQ(sizes.at("obj-300000"), 300'000);
}

TEST_F(EncryptionTest, AnEditedByteFailsAuthentication) {
  std::string plain = pattern(200'000, 3);
  ASSERT_TRUE(store_->put("x", *memory_source(plain)).ok());
  std::string raw = stored("x");
  raw[100'000] ^= 1;
  rewrite_stored("x", raw);
  StringSink sink;
  Status s = store_->get("x", sink).status();
  EXPECT_EQ(s.code(), ErrorCode::kCorruption);
  EXPECT_NE(s.message().find("failed authentication"), std::string::npos) << s.to_string();
}

TEST_F(EncryptionTest, AnEditedHeaderFailsAuthentication) {
  ASSERT_TRUE(store_->put("x", *memory_source(pattern(1000, 1))).ok());
  std::string raw = stored("x");
  raw[14] ^= 1;  // the nonce prefix
  rewrite_stored("x", raw);
  StringSink sink;
  EXPECT_EQ(store_->get("x", sink).status().code(), ErrorCode::kCorruption);
}

TEST_F(EncryptionTest, ATruncatedObjectIsReported) {
  ASSERT_TRUE(store_->put("x", *memory_source(pattern(200'000, 2))).ok());
  std::string raw = stored("x");
  rewrite_stored("x", raw.substr(0, 32 + 2 * (65536 + 16)));  // two whole records of four
  StringSink sink;
  Status s = store_->get("x", sink).status();
  EXPECT_EQ(s.code(), ErrorCode::kCorruption);
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.to_string();
}

TEST_F(EncryptionTest, AnotherKeyIsRefusedByIdOrByTag) {
  ASSERT_TRUE(store_->put("x", *memory_source("secret")).ok());
  auto other = load_encryption_key((dir_ / "other.hex").string());
  ASSERT_TRUE(other.ok());
  auto wrong = encrypted_store(open_plain(), *other);
  StringSink sink;
  Status s = wrong->get("x", sink).status();
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(key_.id), std::string::npos) << s.to_string();
  // Same id, different key bytes (a misconfiguration): the tag catches it.
  other->id = key_.id;
  auto same_id = encrypted_store(open_plain(), *other);
  EXPECT_EQ(same_id->get("x", sink).status().code(), ErrorCode::kCorruption);
  EXPECT_TRUE(sink.data.empty());
}

TEST_F(EncryptionTest, PlainObjectsAreNotMistakenForEncryptedOnes) {
  ASSERT_TRUE(open_plain()->put("p", *memory_source("plain")).ok());
  StringSink sink;
  EXPECT_EQ(store_->get("p", sink).status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(EncryptionTest, OpenStoreWrapsWhenAKeyFileIsConfigured) {
  StoreOptions o;
  o.url = "file://" + (dir_ / "store").string();
  o.file.fsync = false;
  o.encryption_key_file = (dir_ / "key.hex").string();
  auto s = open_store(o);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  ASSERT_TRUE((*s)->put("y", *memory_source("hello")).ok());
  EXPECT_EQ(stored("y").size(), static_cast<size_t>(encrypted_size(5)));
  StringSink sink;
  ASSERT_TRUE((*s)->get("y", sink).ok());
  EXPECT_EQ(sink.data, "hello");
}

}  // namespace
}  // namespace rk::backup
