// Part sizes stay within S3's 10,000-part limit.
#include "multipart.h"

#include <gtest/gtest.h>

namespace rk::backup {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

TEST(Multipart, TheConfiguredPartSizeIsKeptWhileItFits) {
  EXPECT_EQ(multipart_part_size(100 * kMiB, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(multipart_part_count(100 * kMiB, 8 * kMiB), 13);
  EXPECT_EQ(multipart_part_size(78 * kGiB, 8 * kMiB), 8 * kMiB);  // 9,984 parts
}

TEST(Multipart, PartsGrowToStayUnderTenThousand) {
  for (int64_t size : {80 * kGiB, 100 * kGiB, 1024 * kGiB, 5 * 1024 * kGiB}) {
    int64_t part = multipart_part_size(size, 8 * kMiB);
    EXPECT_LE(multipart_part_count(size, part), kMaxMultipartParts) << size;
    EXPECT_EQ(part % kMiB, 0) << size;
    EXPECT_GT(part, 8 * kMiB) << size;
  }
  EXPECT_EQ(multipart_part_size(100 * kGiB, 8 * kMiB), 11 * kMiB);  // 10.24 MiB rounded up
}

}  // namespace
}  // namespace rk::backup
