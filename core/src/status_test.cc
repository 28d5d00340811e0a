#include "ringkeeper/core/status.h"

#include <gtest/gtest.h>

namespace rk {
namespace {

Result<int> half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Status quarter(int x, int* out) {
  RK_ASSIGN_OR_RETURN(int h, half(x));
  RK_ASSIGN_OR_RETURN(int q, half(h));
  *out = q;
  return Status::OK();
}

TEST(Status, OkIsDefault) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().to_string(), "ok");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Status::NotFound("table ks.t").with_context("read");
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.to_string(), "not_found: read: table ks.t");
}

TEST(Result, PropagatesFirstError) {
  int out = 0;
  EXPECT_TRUE(quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = quarter(6, &out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rk
