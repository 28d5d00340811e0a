// The request framing rules as plain values (the server applies them: http_edge_test.cc).
#include "request_framing.h"

#include <gtest/gtest.h>

namespace rk::http {
namespace {

RequestHead head_with_encoding(std::vector<std::string> encodings) {
  RequestHead h;
  h.host_lines = 1;
  h.transfer_encodings = std::move(encodings);
  return h;
}

int refusal_status(const RequestHead& h) {
  auto r = check_request_head(h);
  return r ? r->status : 0;
}

TEST(RequestFraming, ChunkedAloneIsTheOnlyTransferEncodingAccepted) {
  EXPECT_EQ(refusal_status(head_with_encoding({"chunked"})), 0);
  EXPECT_EQ(refusal_status(head_with_encoding({"Chunked"})), 0);
  EXPECT_EQ(refusal_status(head_with_encoding({" chunked "})), 0);
}

TEST(RequestFraming, OtherCodingsAreNotImplemented) {
  for (const char* te : {"gzip", "identity", "chunked, identity", "gzip, chunked", "br"}) {
    auto r = check_request_head(head_with_encoding({te}));
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->status, 501) << te;
    EXPECT_EQ(r->error, "not_implemented");
  }
  EXPECT_NE(check_request_head(head_with_encoding({"chunked, identity"}))->detail.find("identity"),
            std::string::npos);
}

TEST(RequestFraming, MalformedOrRepeatedListsAreBadRequests) {
  for (const char* te : {"", "chunked,", ", chunked", "chunked, chunked", "chunked;q=1",
                         "chunked identity", "gzip,,chunked"}) {
    EXPECT_EQ(refusal_status(head_with_encoding({te})), 400) << "'" << te << "'";
  }
  EXPECT_EQ(refusal_status(head_with_encoding({"chunked", "chunked"})), 400);
  EXPECT_EQ(refusal_status(head_with_encoding({"gzip", "chunked"})), 400);
}

TEST(RequestFraming, ContentLengthBesideTransferEncodingIsABadRequest) {
  RequestHead h = head_with_encoding({"chunked"});
  h.content_length_lines = 1;
  auto r = check_request_head(h);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->detail.find("both Content-Length and Transfer-Encoding"), std::string::npos);
  h.transfer_encodings = {"gzip"};  // not 501: the framing itself is ambiguous
  EXPECT_EQ(refusal_status(h), 400);
}

TEST(RequestFraming, Http10MayNotUseTransferEncoding) {
  RequestHead h = head_with_encoding({"chunked"});
  h.version = 10;
  EXPECT_EQ(refusal_status(h), 400);
}

TEST(RequestFraming, Http11NeedsExactlyOneHost) {
  RequestHead h;
  EXPECT_EQ(refusal_status(h), 400);
  h.host_lines = 1;
  EXPECT_EQ(refusal_status(h), 0);
  h.host_lines = 2;
  EXPECT_EQ(refusal_status(h), 400);
}

TEST(RequestFraming, Http10MayOmitHostButNotRepeatIt) {
  RequestHead h;
  h.version = 10;
  EXPECT_EQ(refusal_status(h), 0);
  h.host_lines = 2;
  EXPECT_EQ(refusal_status(h), 400);
}

TEST(RequestFraming, HeadEndIsTheFirstEmptyLine) {
  EXPECT_EQ(request_head_end("GET / HTTP/1.1\r\nHost: a\r\n"), std::string_view::npos);
  EXPECT_EQ(request_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody\r\n\r\n"), 27u);
}

TEST(RequestFraming, FoldedHeaderLinesAreFound) {
  EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX-A: b c\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nX-A: b\r\n\tc\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\n Host: a\r\n\r\n"));
}

}  // namespace
}  // namespace rk::http
