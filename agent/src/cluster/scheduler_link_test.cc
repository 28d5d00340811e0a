// <data_dir>/last_healthy as the scheduler link keeps it: every write reads back, and a heartbeat's
// write overwrites the file in place instead of creating one.
#include "cluster/scheduler_link.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace rk::agent {
namespace {

namespace fs = std::filesystem;

class LastHealthyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "rk-last-healthy-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  ino_t inode() const {
    struct stat st {};
    return ::stat((dir_ + "/last_healthy").c_str(), &st) == 0 ? st.st_ino : 0;
  }
  std::string dir_;
};

TEST_F(LastHealthyFileTest, EveryWriteReadsBack) {
  EXPECT_EQ(read_last_healthy(dir_), 0);
  LastHealthyFile file(dir_);
  for (int64_t at : {int64_t{1'700'000'000'000'000}, int64_t{1'700'000'000'000'001}, int64_t{42},
                     int64_t{1'700'000'000'500'000}}) {
    ASSERT_TRUE(file.write(at).ok());
    EXPECT_EQ(read_last_healthy(dir_), at);
  }
}

TEST_F(LastHealthyFileTest, AHeartbeatOverwritesTheFileInPlace) {
  LastHealthyFile file(dir_);
  ASSERT_TRUE(file.write(1'700'000'000'000'000).ok());
  const ino_t first = inode();
  ASSERT_NE(first, 0u);
  ASSERT_TRUE(file.write(1'700'000'001'000'000).ok());
  EXPECT_EQ(inode(), first);
  EXPECT_EQ(read_last_healthy(dir_), 1'700'000'001'000'000);
}

}  // namespace
}  // namespace rk::agent
