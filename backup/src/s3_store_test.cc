// The S3 store against a real S3-compatible server (s3rver on loopback), through a fault proxy,
// and read back by the stock AWS CLI.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ringkeeper/backup/encryption.h"
#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/backup/testing/s3_server.h"
#include "ringkeeper/core/sha256.h"
#include "ringkeeper/core/testing/test_pki.h"

namespace rk::backup {
namespace {

namespace fs = std::filesystem;
using testing::FaultOptions;
using testing::FaultProxy;
using testing::S3rverProcess;

std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(seed + 1);
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>(x);
  }
  return s;
}

// One s3rver for the whole suite (start-up takes about a second); each test uses its own prefix.
class S3StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("rk-s3-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    auto s = S3rverProcess::start((*dir_ / "s3rver").string(), {"test"});
    if (S3rverProcess::must_skip(s.status())) return;  // SetUp() skips each test
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    server_ = s->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (server_ == nullptr && S3rverProcess::must_skip(S3rverProcess::installed())) {
      GTEST_SKIP() << S3rverProcess::installed().to_string();
    }
    ASSERT_NE(server_, nullptr);
    prefix_ = std::string("t/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    store_ = open(server_->s3_options());
  }

  std::unique_ptr<ObjectStore> open(const S3Options& o) {
    auto s = open_s3_store("test", prefix_, o);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::string write_file(const std::string& name, const std::string& bytes) {
    std::string path = (*dir_ / name).string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return path;
  }

  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Runs /usr/bin/aws against the server; returns its exit code.
  int aws(const std::string& args) {
    std::string cmd =
        "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION="
        "us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
        "/usr/bin/aws --endpoint-url " +
        server_->endpoint() + " " + args + " >" + (*dir_ / "aws.out").string() + " 2>&1";
    return std::system(cmd.c_str());
  }

  static inline fs::path* dir_ = nullptr;
  static inline S3rverProcess* server_ = nullptr;
  std::string prefix_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(S3StoreTest, PutGetHeadRemoveRoundTrip) {
  PutOptions o;
  o.metadata["node"] = "n1";
  auto put = store_->put("a/b.txt", *memory_source("hello"), o);
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  EXPECT_EQ(put->sha256, sha256_hex("hello"));
  auto head = store_->head("a/b.txt");
  ASSERT_TRUE(head.ok()) << head.status().to_string();
  EXPECT_EQ(head->size, 5);
  EXPECT_EQ(head->sha256, sha256_hex("hello"));
  EXPECT_EQ(head->metadata.at("node"), "n1");
  EXPECT_GT(head->modified_us, 0);
  StringSink sink;
  auto got = store_->get("a/b.txt", sink);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(sink.data, "hello");
  ASSERT_TRUE(store_->remove("a/b.txt").ok());
  EXPECT_EQ(store_->head("a/b.txt").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->get("a/b.txt", sink).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->remove("a/b.txt").ok());
}

TEST_F(S3StoreTest, EmptyObjectsRoundTrip) {
  auto put = store_->put("empty", *memory_source(""));
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  auto head = store_->head("empty");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 0);
  EXPECT_EQ(head->sha256, sha256_hex(""));
  StringSink sink;
  auto got = store_->get("empty", sink);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_TRUE(sink.data.empty());
}

TEST_F(S3StoreTest, KeysWithAwkwardCharactersSurviveSigningAndListing) {
  // (Not '&' or '\'': s3rver escapes them twice in listings; S3 does not.)
  const std::string key = "sst/ks 1/t+x/na=me,1;(2)~$@:%.db";
  ASSERT_TRUE(store_->put(key, *memory_source("x")).ok());
  StringSink sink;
  ASSERT_TRUE(store_->get(key, sink).ok());
  std::vector<std::string> keys;
  ASSERT_TRUE(store_
                  ->list("sst/",
                         [&](const ObjectInfo& i) {
                           keys.push_back(i.key);
                           return Status::OK();
                         })
                  .ok());
  EXPECT_EQ(keys, std::vector<std::string>{key});
}

TEST_F(S3StoreTest, ListFollowsContinuationTokensAcrossPages) {
  S3Options o = server_->s3_options();
  o.list_page_size = 3;
  auto store = open(o);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store->put("k/" + std::to_string(i), *memory_source(std::string(i, 'x'))).ok());
  }
  ASSERT_TRUE(store->put("other", *memory_source("o")).ok());
  std::vector<std::string> keys;
  int64_t bytes = 0;
  Status listed = store->list("k/", [&](const ObjectInfo& i) {
    keys.push_back(i.key);
    bytes += i.size;
    return Status::OK();
  });
  ASSERT_TRUE(listed.ok()) << listed.to_string();
  ASSERT_EQ(keys.size(), 10u) << ::testing::PrintToString(keys);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end())) << ::testing::PrintToString(keys);
  EXPECT_EQ(keys.front(), "k/0");
  EXPECT_EQ(bytes, 45);
}

TEST_F(S3StoreTest, LargeObjectsGoMultipartInParallelAndComeBackWhole) {
  S3Options o = server_->s3_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  o.parallel_parts = 3;
  auto store = open(o);
  const std::string payload = pattern((13 << 20) + 12345, 7);  // three parts, the last short
  std::string src = write_file("mp.bin", payload);
  auto put = store->put_file("big.bin", src);
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  EXPECT_EQ(put->size, static_cast<int64_t>(payload.size()));
  std::string dst = (*dir_ / "mp.out").string();
  auto got = store->get_file("big.bin", dst);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(got->sha256, sha256_hex(payload));
  EXPECT_TRUE(slurp(dst) == payload);
}

TEST_F(S3StoreTest, EncryptedObjectsRoundTripThroughS3) {
  std::string key_file = write_file("key", std::string(32, '\x42'));
  auto key = load_encryption_key(key_file);
  ASSERT_TRUE(key.ok());
  S3Options o = server_->s3_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  auto store = encrypted_store(open(o), *key);
  const std::string payload = pattern((6 << 20) + 3, 9);  // multipart once encrypted
  ASSERT_TRUE(store->put("enc", *memory_source(payload)).ok());
  StringSink sink;
  auto got = store->get("enc", sink);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_TRUE(sink.data == payload);
  EXPECT_EQ(got->sha256, sha256_hex(payload));
  // What S3 holds is ciphertext.
  StringSink raw;
  ASSERT_TRUE(store_->get("enc", raw).ok());
  EXPECT_EQ(raw.data.size(),
            static_cast<size_t>(encrypted_size(static_cast<int64_t>(payload.size()))));
  EXPECT_EQ(raw.data.find(payload.substr(1000, 64)), std::string::npos);
}

TEST_F(S3StoreTest, AWrongSecretKeyIsAClearPermissionError) {
  S3Options o = server_->s3_options();
  o.secret_access_key = "not-the-secret";
  auto store = open(o);
  Status s = store->put("x", *memory_source("1")).status();
  EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(s.message().find("SignatureDoesNotMatch"), std::string::npos) << s.to_string();
  EXPECT_NE(s.message().find("secret access key"), std::string::npos) << s.to_string();
}

TEST_F(S3StoreTest, MissingCredentialsAreRefusedAtOpen) {
  S3Options o = server_->s3_options();
  o.access_key_id.clear();
  o.secret_access_key.clear();
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(open_s3_store("test", "", o).status().code(), ErrorCode::kInvalidArgument);
  ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  auto store = open_s3_store("test", prefix_, o);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->put("env", *memory_source("1")).ok());
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

TEST_F(S3StoreTest, AnObjectDamagedOnTheServerIsDetected) {
  ASSERT_TRUE(store_->put("d", *memory_source("0123456789")).ok());
  // s3rver keeps each object as <bucket dir>/<key>._S3rver_object: damage it there.
  fs::path obj = fs::path(server_->bucket_dir("test")) / (prefix_ + "/d._S3rver_object");
  ASSERT_TRUE(fs::exists(obj)) << obj;
  {
    std::ofstream out(obj, std::ios::binary | std::ios::in);
    out.seekp(3);
    out << 'X';
  }
  StringSink sink;
  Status s = store_->get("d", sink).status();
  EXPECT_EQ(s.code(), ErrorCode::kCorruption) << s.to_string();
  std::string dst = (*dir_ / "damaged.out").string();
  EXPECT_EQ(store_->get_file("d", dst).status().code(), ErrorCode::kCorruption);
  EXPECT_FALSE(fs::exists(dst));
}

TEST_F(S3StoreTest, AWrongExpectedChecksumFailsThePut) {
  PutOptions o;
  o.sha256 = sha256_hex("something else");
  EXPECT_EQ(store_->put("c", *memory_source("abc"), o).status().code(), ErrorCode::kCorruption);
  EXPECT_EQ(store_->head("c").status().code(), ErrorCode::kNotFound);
}

TEST_F(S3StoreTest, TheAwsCliListsAndDownloadsWhatWeWrote) {
  if (::access("/usr/bin/aws", X_OK) != 0)
    GTEST_FAIL() << "/usr/bin/aws missing: run scripts/setup.sh";
  const std::string small = pattern(1000, 1);
  const std::string large = pattern((6 << 20) + 1, 2);
  S3Options o = server_->s3_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  auto store = open(o);
  ASSERT_TRUE(store->put("cli/small.bin", *memory_source(small)).ok());
  ASSERT_TRUE(store->put("cli/large.bin", *memory_source(large)).ok());
  ASSERT_EQ(aws("s3 ls --recursive s3://test/" + prefix_ + "/cli/"), 0)
      << slurp((*dir_ / "aws.out").string());
  std::string listing = slurp((*dir_ / "aws.out").string());
  EXPECT_NE(listing.find("cli/small.bin"), std::string::npos) << listing;
  EXPECT_NE(listing.find(std::to_string(large.size()) + " " + prefix_ + "/cli/large.bin"),
            std::string::npos)
      << listing;
  fs::path out = *dir_ / "cli-out";
  ASSERT_EQ(aws("s3 cp --recursive s3://test/" + prefix_ + "/cli/ " + out.string()), 0)
      << slurp((*dir_ / "aws.out").string());
  EXPECT_TRUE(slurp((out / "small.bin").string()) == small);
  EXPECT_TRUE(slurp((out / "large.bin").string()) == large);
  // And the other way: what the CLI wrote, we read (no recorded checksum: unchecked).
  std::string path = write_file("from-cli.txt", "from the cli");
  ASSERT_EQ(aws("s3 cp " + path + " s3://test/" + prefix_ + "/cli/from-cli.txt"), 0);
  StringSink sink;
  auto got = store->get("cli/from-cli.txt", sink);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(sink.data, "from the cli");
  EXPECT_TRUE(got->sha256.empty());
}

TEST_F(S3StoreTest, UploadsAndDownloadsCompleteThroughFaults) {
  FaultOptions f;
  f.fail_rate = 0.2;
  f.drop_rate = 0.2;
  f.stall_rate = 0.05;
  f.seed = 42;
  auto proxy = FaultProxy::start(server_->port(), f);
  ASSERT_TRUE(proxy.ok());
  S3Options o = server_->s3_options();
  o.endpoint = (*proxy)->endpoint();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  o.parallel_parts = 2;
  o.stall_timeout = std::chrono::milliseconds(1000);
  o.retry.max_attempts = 30;
  auto store = open(o);
  std::vector<std::string> payloads = {pattern(100, 1), pattern(300'000, 2),
                                       pattern((11 << 20) + 5, 3)};
  for (size_t i = 0; i < payloads.size(); ++i) {
    auto put = store->put("f/" + std::to_string(i), *memory_source(payloads[i]));
    ASSERT_TRUE(put.ok()) << put.status().to_string();
  }
  for (size_t i = 0; i < payloads.size(); ++i) {
    StringSink sink;
    auto got = store->get("f/" + std::to_string(i), sink);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_TRUE(sink.data == payloads[i]) << i;
  }
  int listed = 0;
  ASSERT_TRUE(store
                  ->list("f/",
                         [&](const ObjectInfo&) {
                           ++listed;
                           return Status::OK();
                         })
                  .ok());
  EXPECT_EQ(listed, 3);
  EXPECT_GT((*proxy)->faults(), 0);
  // Verified independently of the proxy.
  for (size_t i = 0; i < payloads.size(); ++i) {
    auto h = store_->head("f/" + std::to_string(i));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->sha256, sha256_hex(payloads[i]));
  }
}

TEST_F(S3StoreTest, AStalledRequestIsAbandonedAndRetried) {
  FaultOptions f;
  f.stall_rate = 0.5;
  f.seed = 7;
  auto proxy = FaultProxy::start(server_->port(), f);
  ASSERT_TRUE(proxy.ok());
  S3Options o = server_->s3_options();
  o.endpoint = (*proxy)->endpoint();
  o.stall_timeout = std::chrono::milliseconds(1000);
  o.retry.max_attempts = 20;
  auto store = open(o);
  for (int i = 0; i < 4 && (*proxy)->stalls() == 0; ++i) {
    ASSERT_TRUE(store->put("s/" + std::to_string(i), *memory_source("stalled?")).ok());
    store = open(o);  // a fresh connection pool: the next request opens a new connection
  }
  EXPECT_GT((*proxy)->stalls(), 0);
}

TEST_F(S3StoreTest, ADownloadCutMidwayResumesWhereItStopped) {
  const std::string payload = pattern(3 << 20, 11);
  ASSERT_TRUE(store_->put("cut", *memory_source(payload)).ok());
  FaultOptions f;
  f.drop_rate = 0.7;
  f.drop_after_max = 1 << 20;
  f.seed = 3;
  auto proxy = FaultProxy::start(server_->port(), f);
  ASSERT_TRUE(proxy.ok());
  S3Options o = server_->s3_options();
  o.endpoint = (*proxy)->endpoint();
  o.retry.max_attempts = 30;
  auto store = open(o);
  StringSink sink;
  auto got = store->get("cut", sink);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_TRUE(sink.data == payload);
  EXPECT_GT((*proxy)->drops(), 0);
}

TEST_F(S3StoreTest, BytesDamagedOnTheWayAreSentAgain) {
  FaultOptions f;
  f.corrupt_rate = 1.0;  // the first request body on every connection loses a bit
  auto proxy = FaultProxy::start(server_->port(), f);
  ASSERT_TRUE(proxy.ok());
  S3Options o = server_->s3_options();
  o.endpoint = (*proxy)->endpoint();
  const std::string payload = pattern(100'000, 4);
  auto put = open(o)->put("damaged-on-the-way", *memory_source(payload));
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  EXPECT_GT((*proxy)->corruptions(), 0);
  StringSink sink;
  ASSERT_TRUE(store_->get("damaged-on-the-way", sink).ok());
  EXPECT_TRUE(sink.data == payload);
  // With no retries left, the damage is the answer.
  o.retry.max_attempts = 1;
  Status s = open(o)->put("damaged-again", *memory_source(payload)).status();
  EXPECT_EQ(s.code(), ErrorCode::kCorruption) << s.to_string();
  EXPECT_NE(s.message().find("MD5"), std::string::npos) << s.to_string();
}

// A source that fails after `good` bytes (a disk error mid-file).
class FailingSource final : public ObjectSource {
 public:
  FailingSource(int64_t size, int64_t good) : size_(size), good_(good) {}
  int64_t size() const override { return size_; }
  Result<size_t> read_at(int64_t offset, char* buf, size_t n) const override {
    if (offset + static_cast<int64_t>(n) > good_) return Status::IOError("injected read error");
    std::memset(buf, 'x', n);
    return n;
  }

 private:
  int64_t size_, good_;
};

TEST_F(S3StoreTest, AFailedMultipartUploadIsAbortedAndLeavesNoObject) {
  S3Options o = server_->s3_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  auto store = open(o);
  // The SHA-256 pass reads everything first: fail only on the second read of part 2.
  struct SecondReadFails final : public ObjectSource {
    int64_t size() const override { return 12 << 20; }
    Result<size_t> read_at(int64_t offset, char* buf, size_t n) const override {
      if (offset >= (6 << 20) && reads_past_6mib++ > 6) return Status::IOError("injected");
      std::memset(buf, 'y', n);
      return std::min<size_t>(n, static_cast<size_t>(size() - offset));
    }
    mutable std::atomic<int> reads_past_6mib{0};
  } source;
  Status s = store->put("aborted", source).status();
  EXPECT_EQ(s.code(), ErrorCode::kIOError) << s.to_string();
  EXPECT_EQ(store->head("aborted").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->put("never", FailingSource(1000, 10)).status().code(), ErrorCode::kIOError);
}

// HTTPS with a throwaway CA: trusted through s3.ca_file, refused without it.
TEST(S3StoreTls, HttpsEndpointsAreVerifiedAgainstTheConfiguredCa) {
  const fs::path dir = fs::temp_directory_path() / ("rk-s3-tls-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto pki = rk::testing::make_test_pki((dir / "pki").string());
  ASSERT_TRUE(pki.ok()) << pki.status().to_string();
  auto server =
      S3rverProcess::start((dir / "s3rver").string(), {"tls"}, pki->server.cert, pki->server.key);
  if (S3rverProcess::must_skip(server.status())) {
    fs::remove_all(dir);
    GTEST_SKIP() << server.status().to_string();
  }
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  S3Options o = (*server)->s3_options();
  ASSERT_EQ(o.endpoint.rfind("https://", 0), 0u);
  o.ca_file = pki->ca.cert;
  auto store = open_s3_store("tls", "", o);
  ASSERT_TRUE(store.ok());
  auto put = (*store)->put("secure", *memory_source("over tls"));
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  StringSink sink;
  ASSERT_TRUE((*store)->get("secure", sink).ok());
  EXPECT_EQ(sink.data, "over tls");
  // The system's trust store does not know the throwaway CA.
  o.ca_file.clear();
  o.retry.max_attempts = 1;
  auto untrusted = open_s3_store("tls", "", o);
  ASSERT_TRUE(untrusted.ok());
  Status s = (*untrusted)->head("secure").status();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied) << s.to_string();
  server->reset();
  fs::remove_all(dir);
}

TEST_F(S3StoreTest, ABandwidthLimitSlowsTransfers) {
  S3Options o = server_->s3_options();
  o.bandwidth_limit = 2 << 20;  // 2 MiB/s, burst 256 KiB
  auto store = open(o);
  const std::string payload = pattern(1 << 20, 5);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store->put("slow", *memory_source(payload)).ok());
  auto took = std::chrono::steady_clock::now() - start;
  // 1 MiB minus the 256 KiB burst at 2 MiB/s: at least ~375 ms.
  EXPECT_GE(took, std::chrono::milliseconds(300));
}

}  // namespace
}  // namespace rk::backup
