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
    {.name = "ttl_seconds", .type = Type::kInteger, .min = 0, .max = 630720000},
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

// The bad numbers of every kind, each with the words its 400 must contain.
struct BadNumber {
  std::string body;
  std::string detail;
};

TEST(JsonApi, RejectsEveryKindOfBadNumberNamingTheField) {
  const std::vector<BadNumber> cases = {
      // Beyond a double: malformed JSON with the offset, never an exception.
      {R"({"name": "ks", "replication": {"class": "S"}, "weight": 1e400})",
       "malformed JSON at byte"},
      {R"({"name": "ks", "replication": {"class": "S"}, "weight": -1e400})", "out of range"},
      // Beyond int64 (parsed as a double by the JSON reader): not an integer.
      {R"({"name": "ks", "replication": {"class": "S", "replication_factor": 1e30}})",
       "'replication.replication_factor' must be an integer"},
      {R"({"name": "ks", "replication": {"class": "S",
          "replication_factor": 99999999999999999999999}})",
       "'replication.replication_factor' must be an integer"},
      // Beyond int64 but within uint64.
      {R"({"name": "ks", "replication": {"class": "S",
          "replication_factor": 18446744073709551615}})",
       "'replication.replication_factor' must be within the 64-bit integer range"},
      // A fraction, even a whole one.
      {R"({"name": "ks", "replication": {"class": "S", "replication_factor": 3.0}})",
       "'replication.replication_factor' must be an integer"},
      // A string where a number belongs.
      {R"({"name": "ks", "replication": {"class": "S", "replication_factor": "3"}})",
       "'replication.replication_factor' must be an integer, got string"},
      // Negative where the range starts at 0, and above the range.
      {R"({"name": "ks", "replication": {"class": "S"}, "writes": [{"key": "k", "ttl_seconds": -1}]})",
       "field 'writes[0].ttl_seconds' must be 0..630720000, got -1"},
      {R"({"name": "ks", "replication": {"class": "S"},
          "writes": [{"key": "k", "ttl_seconds": 630720001}]})",
       "field 'writes[0].ttl_seconds' must be 0..630720000, got 630720001"},
  };
  for (const BadNumber& c : cases) {
    auto r = read_body(with_body(c.body), kKeyspace);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.body;
    EXPECT_NE(detail_of(r).find(c.detail), std::string::npos) << c.body << " -> " << detail_of(r);
  }
}

TEST(JsonApi, AcceptsNumbersAtTheEdgesOfTheirRange) {
  auto r = read_body(with_body(R"({"name": "ks", "replication": {"class": "S"},
      "weight": 1e300, "writes": [{"key": "a", "ttl_seconds": 0}, {"key": "b", "ttl_seconds": 630720000}]})"),
                     kKeyspace);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)["writes"][1]["ttl_seconds"].get<int64_t>(), 630720000);
}

TEST(JsonApi, OverflowReportsTheOffsetOfTheNumber) {
  EXPECT_EQ(parse_json(R"({"a": 1e400})").status().message(),
            "malformed JSON at byte 11: number '1e400' is out of range");
}

TEST(JsonApi, GetIntChecksTypeAndRange) {
  const json j = json::parse(R"({"dc1": 3, "dc2": "3", "dc3": 2.5, "dc4": -1})");
  EXPECT_EQ(*get_int(j, "dc1", 0, 100, 7), 3);
  EXPECT_EQ(*get_int(j, "absent", 0, 100, 7), 7);
  EXPECT_EQ(get_int(j, "dc2", 0, 100, 7).status().message(),
            "field 'dc2' must be an integer 0..100, got \"3\"");
  EXPECT_FALSE(get_int(j, "dc3", 0, 100, 7).ok());
  EXPECT_EQ(get_int(j, "dc4", 0, 100, 7).status().message(), "field 'dc4' must be 0..100, got -1");
}

TEST(JsonApi, QueryIntChecksRangeAndOverflow) {
  http::Request r;
  r.query = {{"limit", "50"}, {"big", "99999999999999999999"}, {"neg", "-1"}, {"frac", "1.5"}};
  EXPECT_EQ(*query_int(r, "limit", 1, 1000), 50);
  EXPECT_EQ(query_int(r, "big").status().message(),
            "query parameter big must be an integer within the 64-bit integer range, got "
            "'99999999999999999999'");
  EXPECT_EQ(query_int(r, "neg", 0, 10).status().message(),
            "query parameter neg must be an integer 0..10, got '-1'");
  EXPECT_FALSE(query_int(r, "frac").ok());
}

}  // namespace
}  // namespace rk::api
