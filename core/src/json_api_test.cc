// The JSON conventions: error shape, status mapping, strict request bodies.
#include "ringkeeper/core/json_api.h"

#include <gtest/gtest.h>

namespace rk::api {
namespace {

using nlohmann::json;

const Spec kReplication = {
    {"class", Type::kString, kRequired},
    {"replication_factor", Type::kInteger},
};
const Spec kWrite = {
    {"key", Type::kString, kRequired},
    {"value", Type::kString},
};
const Spec kKeyspace = {
    {"name", Type::kString, kRequired},
    {"replication", Type::kObject, kRequired, &kReplication},
    {"durable_writes", Type::kBool},
    {"weight", Type::kNumber},
    {"writes", Type::kArray, false, &kWrite},
    {"extra", Type::kAny},
};

http::Request with_body(std::string body) {
  http::Request r;
  r.method = "POST";
  r.body = std::move(body);
  return r;
}

std::string detail_of(const Result<json>& r) { return r.status().message(); }

TEST(JsonApi, ErrorCodesMapToHttpStatuses) {
  EXPECT_EQ(http_status_for(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status_for(ErrorCode::kNotFound), 404);
  EXPECT_EQ(http_status_for(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status_for(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status_for(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(http_status_for(ErrorCode::kFailedPrecondition), 409);
  EXPECT_EQ(http_status_for(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(http_status_for(ErrorCode::kTimeout), 504);
  EXPECT_EQ(http_status_for(ErrorCode::kInternal), 500);
}

TEST(JsonApi, ErrorResponseHasTheOneShape) {
  http::Response r = error_response(Status::AlreadyExists("keyspace ks1 exists"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(json::parse(r.body),
            json({{"error", "already_exists"}, {"detail", "keyspace ks1 exists"}}));
}

TEST(JsonApi, ClientRecoversTheErrorCodeFromTheBody) {
  Status s = status_from_response(error_response(Status::FailedPrecondition("node is DOWN")));
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "HTTP 409: node is DOWN");
}

TEST(JsonApi, ClientFallsBackToTheHttpStatus) {
  http::Response r;
  r.status = 502;
  r.body = "<html>bad gateway</html>";
  EXPECT_EQ(status_from_response(r).code(), ErrorCode::kUnavailable);
  r.status = 413;
  r.body = R"({"error": "payload_too_large", "detail": "too big"})";
  Status s = status_from_response(r);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "HTTP 413: too big");
}

TEST(JsonApi, ParseResponseGivesTheBodyOfA2xx) {
  auto ok = parse_response(json_ok({{"a", 1}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"], 1);
  EXPECT_EQ(parse_response(error_response(Status::NotFound("x"))).status().code(),
            ErrorCode::kNotFound);
}

TEST(JsonApi, AcceptsAValidBody) {
  auto r = read_body(with_body(R"({"name": "ks", "replication": {"class": "SimpleStrategy",
      "replication_factor": 3}, "durable_writes": true, "weight": 1.5,
      "writes": [{"key": "k", "value": "v"}], "extra": null})"),
                     kKeyspace);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)["replication"]["replication_factor"], 3);
}

TEST(JsonApi, RejectsMalformedJsonWithTheOffset) {
  auto r = read_body(with_body(R"({"name": )"), kKeyspace);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(detail_of(r).find("malformed JSON at byte"), std::string::npos);
}

TEST(JsonApi, RejectsEmptyAndNonObjectBodies) {
  EXPECT_NE(detail_of(read_body(with_body(""), kKeyspace)).find("empty"), std::string::npos);
  EXPECT_NE(detail_of(read_body(with_body("[1]"), kKeyspace)).find("expected an object"),
            std::string::npos);
}

TEST(JsonApi, RejectsUnknownFieldsNamingThem) {
  auto r = read_body(with_body(R"({"name": "ks", "replication": {"class": "S"}, "nmae": 1})"),
                     kKeyspace);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(detail_of(r).find("unknown field 'nmae'"), std::string::npos) << detail_of(r);
}

TEST(JsonApi, RejectsUnknownNestedFieldsWithTheirPath) {
  auto r =
      read_body(with_body(R"({"name": "ks", "replication": {"class": "S", "rf": 3}})"), kKeyspace);
  EXPECT_NE(detail_of(r).find("'replication.rf'"), std::string::npos) << detail_of(r);
  r = read_body(with_body(R"({"name": "ks", "replication": {"class": "S"},
                              "writes": [{"key": "a"}, {"key": "b", "ttl": 1}]})"),
                kKeyspace);
  EXPECT_NE(detail_of(r).find("'writes[1].ttl'"), std::string::npos) << detail_of(r);
}

TEST(JsonApi, RejectsMissingRequiredFields) {
  auto r = read_body(with_body(R"({"replication": {"class": "S"}})"), kKeyspace);
  EXPECT_NE(detail_of(r).find("missing required field 'name'"), std::string::npos);
  r = read_body(with_body(R"({"name": "ks", "replication": {}})"), kKeyspace);
  EXPECT_NE(detail_of(r).find("'replication.class'"), std::string::npos);
}

TEST(JsonApi, RejectsWrongTypes) {
  auto r = read_body(with_body(R"({"name": 7, "replication": {"class": "S"}})"), kKeyspace);
  EXPECT_EQ(detail_of(r), "field 'name' must be a string, got integer");
  r = read_body(with_body(R"({"name": "ks", "replication": {"class": "S",
                              "replication_factor": 2.5}})"),
                kKeyspace);
  EXPECT_EQ(detail_of(r), "field 'replication.replication_factor' must be an integer, got number");
  r = read_body(with_body(R"({"name": null, "replication": {"class": "S"}})"), kKeyspace);
  EXPECT_EQ(detail_of(r), "field 'name' must be a string, got null");
}

}  // namespace
}  // namespace rk::api
