// AWS Signature Version 4 for S3 requests, with our own canonicalisation: the path and query are
// encoded and sorted here, and the caller sends exactly the strings this returns. (Debian 12's
// libcurl 7.88 signs query strings wrongly unless they arrive pre-sorted and pre-encoded, so
// nothing is left to the HTTP library.)
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rk::backup {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // sent as x-amz-security-token when set
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigningInput {
  std::string method = "GET";
  std::string path = "/";  // NOT encoded: "/bucket/a b.txt"; each segment is encoded here
  HeaderList query;        // NOT encoded; order irrelevant; a valueless parameter has value ""
  HeaderList headers;      // every header to sign, host included (names in any case)
  std::string payload_sha256 = "UNSIGNED-PAYLOAD";  // hex SHA-256 of the body, or a literal
  std::string amz_date;                             // "20130524T000000Z"
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct SignedRequest {
  std::string encoded_path;   // send this as the request path
  std::string encoded_query;  // and this as the query (sorted, encoded; "" when none)
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header's value
};

// RFC 3986 encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) kept,
// everything else %XX with upper-case hex; '/' kept only when `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash);

SignedRequest sign_v4(const SigningInput& input, const AwsCredentials& credentials);

}  // namespace rk::backup
