// SigV4 against AWS's published signatures:
//  - the S3 examples in "Authenticating Requests: Using the Authorization Header (AWS Signature
//    Version 4)" / "Examples: Signature Calculations" of the Amazon S3 API reference
//    (examplebucket, AKIAIOSFODNN7EXAMPLE, 20130524T000000Z);
//  - vectors from AWS's Signature Version 4 test suite (aws-sig-v4-test-suite: service
//    "service", AKIDEXAMPLE, 20150830T123600Z), as collected in the saibotsivad/aws-sig-v4-test-
//    suite repository's index.json.
#include "sigv4.h"

#include <gtest/gtest.h>

namespace rk::backup {
namespace {

const AwsCredentials kS3Example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                ""};
const AwsCredentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kEmptySha =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigningInput s3_example(std::string method, std::string path, HeaderList query,
                        HeaderList extra_headers, std::string payload) {
  SigningInput in;
  in.method = std::move(method);
  in.path = std::move(path);
  in.query = std::move(query);
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", payload}};
  for (auto& h : extra_headers) in.headers.push_back(h);
  in.payload_sha256 = payload;
  in.amz_date = "20130524T000000Z";
  return in;
}

SigningInput suite(std::string method, std::string path, HeaderList query,
                   HeaderList extra_headers = {}) {
  SigningInput in;
  in.method = std::move(method);
  in.path = std::move(path);
  in.query = std::move(query);
  in.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  for (auto& h : extra_headers) in.headers.push_back(h);
  in.payload_sha256 = kEmptySha;
  in.amz_date = "20150830T123600Z";
  in.service = "service";
  return in;
}

TEST(SigV4, S3ExampleGetObject) {
  auto s =
      sign_v4(s3_example("GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, kEmptySha), kS3Example);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha) +
                "\nx-amz-date:20130524T000000Z\n\n"
                "host;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha);
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3ExamplePutObjectEncodesThePath) {
  auto s = sign_v4(s3_example("PUT", "/test$file.text", {},
                              {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                               {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                              "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
                   kS3Example);
  EXPECT_EQ(s.encoded_path, "/test%24file.text");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, S3ExampleValuelessQueryParameterIsSignedWithAnEqualsSign) {
  auto s = sign_v4(s3_example("GET", "/", {{"lifecycle", ""}}, {}, kEmptySha), kS3Example);
  EXPECT_EQ(s.encoded_query, "lifecycle=");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, S3ExampleListObjectsSortsTheQuery) {
  auto s = sign_v4(s3_example("GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {}, kEmptySha),
                   kS3Example);
  EXPECT_EQ(s.encoded_query, "max-keys=2&prefix=J");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, SuiteGetVanilla) {
  EXPECT_EQ(sign_v4(suite("GET", "/", {}), kSuite).authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, SuiteQueryOrderByKeyThenValue) {
  EXPECT_EQ(
      sign_v4(suite("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}), kSuite).signature,
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  EXPECT_EQ(
      sign_v4(suite("GET", "/", {{"Param1", "value2"}, {"Param1", "value1"}}), kSuite).signature,
      "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694");
  EXPECT_EQ(
      sign_v4(suite("GET", "/", {{"Param1", "value2"}, {"Param1", "Value1"}}), kSuite).signature,
      "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1");
}

TEST(SigV4, SuiteUnreservedAndUtf8Characters) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(sign_v4(suite("GET", "/" + unreserved, {}), kSuite).signature,
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
  EXPECT_EQ(sign_v4(suite("GET", "/", {{unreserved, unreserved}}), kSuite).signature,
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
  auto utf8 = sign_v4(suite("GET", "/", {{"\xe1\x88\xb4", "bar"}}), kSuite);
  EXPECT_EQ(utf8.encoded_query, "%E1%88%B4=bar");
  EXPECT_EQ(utf8.signature, "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TEST(SigV4, SuiteHeaderValuesAreTrimmedAndRepeatedNamesJoinedInOrder) {
  EXPECT_EQ(
      sign_v4(suite("GET", "/", {}, {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}}),
              kSuite)
          .signature,
      "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
  EXPECT_EQ(sign_v4(suite("GET", "/", {},
                          {{"My-Header1", "value4"},
                           {"My-Header1", "value1"},
                           {"My-Header1", "value3"},
                           {"My-Header1", "value2"}}),
                    kSuite)
                .signature,
            "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01");
}

TEST(SigV4, SuitePostVanillaQuery) {
  EXPECT_EQ(sign_v4(suite("POST", "/", {{"Param1", "value1"}}), kSuite).signature,
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11");
}

}  // namespace
}  // namespace rk::backup
