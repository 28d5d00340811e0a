// JSON conventions of every ringkeeper HTTP API: one error shape, one mapping between rk::Status
// and HTTP status codes, and a strict reader for request bodies.
//
// Errors are `{"error": "<code>", "detail": "<what happened, for an operator>"}`. `error` is a
// stable machine-readable word: an ErrorCode name ("not_found", "invalid_argument", ...) or one of
// the HTTP-level words "unauthenticated", "method_not_allowed", "payload_too_large".
//
// Request bodies are read strictly: malformed JSON, a field the endpoint does not know, a missing
// required field and a field of the wrong type are all 400 with the field named, so typos in
// scripts fail loudly instead of being ignored. Numbers are strict too: a number too large for a
// double (1e400) is malformed JSON, an integer field takes no fraction (3.0 included) and no
// string ("3"), and is checked against its range (int64 when the field names none; a negative
// value where the range starts at 0). Once checked, `body["x"].get<int64_t>()` is safe. Declaring
// what an endpoint accepts is one line per field:
//
//   static const rk::api::Spec kCreateTable = {
//       {"name", rk::api::Type::kString, rk::api::kRequired},
//       {.name = "gc_grace_seconds", .type = rk::api::Type::kInteger,
//        .min = 0, .max = rk::kMaxGcGraceSeconds},
//       {"options", rk::api::Type::kObject, false, &kOptions},
//   };
//   RK_ASSIGN_OR_RETURN(nlohmann::json body, rk::api::read_body(request, kCreateTable));
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/status.h"

namespace rk::api {

// The HTTP status for an error code: invalid_argument 400, permission_denied 403 (401 is sent by
// the authentication layer itself), not_found 404, already_exists and failed_precondition 409,
// cancelled 409, resource_exhausted 429 (413 is sent for bodies over the limit), unavailable 503,
// timeout 504, corruption/io_error/internal 500; ok 200.
int http_status_for(ErrorCode code);

// The error code a client should see for an HTTP error status (the inverse of the above, with
// 401/403 → permission_denied, 413/429 → resource_exhausted, other 4xx → invalid_argument,
// 502/503 → unavailable, 504 → timeout, other 5xx → internal).
ErrorCode error_code_for_http_status(int status);

// A JSON response with `status` and `body` serialised compactly.
http::Response json_response(int status, const nlohmann::json& body);
inline http::Response json_ok(const nlohmann::json& body) { return json_response(200, body); }

// The error shape for a Status (which must not be OK): status from http_status_for, "error" the
// code's name, "detail" the message.
http::Response error_response(const Status& status);
// The error shape with an explicit HTTP status and error word.
http::Response error_response(int http_status, std::string_view error, std::string_view detail);

// The Status a client should return for a non-2xx response: the code named by the body's "error"
// when it is an ErrorCode name, otherwise error_code_for_http_status; the message is the body's
// "detail" (or the raw body, shortened) prefixed with the HTTP status. OK for 2xx.
Status status_from_response(const http::Response& response);

// A 2xx response's body parsed as JSON (an empty body is null); otherwise the Status from
// status_from_response. A 2xx body that is not JSON is Internal.
Result<nlohmann::json> parse_response(const http::Response& response);

// One JSON call through `client`: sends `body` as JSON (nothing when null), and returns the 2xx
// response's JSON or a Status: the transport failure, or the server's error mapped back by
// status_from_response (so a 404 {"error": "not_found"} is ErrorCode::kNotFound).
Result<nlohmann::json> call_json(http::Client& client, const std::string& method,
                                 const std::string& url, const nlohmann::json& body = nullptr);

// ---- Strict request bodies ----

enum class Type {
  kString,
  kInteger,  // a JSON number without fraction (signed or unsigned)
  kNumber,   // any JSON number
  kBool,
  kObject,
  kArray,
  kAny,  // anything, including null
};
std::string_view type_name(Type type);

inline constexpr bool kRequired = true;

struct Spec;

// One allowed field of an object.
struct Field {
  std::string name;
  Type type = Type::kAny;
  bool required = false;
  // For kObject: the fields of that object (checked the same way). For kArray: every element must
  // be an object with these fields. Null: the contents are not checked.
  const Spec* fields = nullptr;
  // For kInteger and kNumber: the inclusive range of allowed values (a kNumber field with the
  // default range takes any finite double).
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};

// The fields an object may have; anything else is rejected.
struct Spec {
  Spec(std::initializer_list<Field> f) : fields(f) {}
  std::vector<Field> fields;
};

// Checks `value` (which must be an object) against `spec`. InvalidArgument naming the field by
// its path ("replication.class", "writes[3].key") for an unknown field, a missing required field,
// a wrong type or a number outside the field's range. A null value is a type error unless the
// field is kAny.
Status check(const nlohmann::json& value, const Spec& spec);

// Parses `request.body` as JSON and checks it against `spec`. InvalidArgument (→ 400) for an
// empty body, malformed JSON or a number beyond a double's range (with the byte offset), a body
// that is not an object, or a failed check().
Result<nlohmann::json> read_body(const http::Request& request, const Spec& spec);

// Parses `text` as JSON: InvalidArgument "malformed JSON at byte N" (what read_body reports) for
// malformed text or a number beyond a double's range; never throws.
Result<nlohmann::json> parse_json(std::string_view text);

// The integer `object[name]` within min..max, or `fallback` when the field is absent.
// InvalidArgument naming the field for a value that is not an integer (a fraction, a string,
// null) or is outside the range, with the range in the message. For values that no Spec checked
// (elements of a map whose keys are data, e.g. per-datacenter replication factors).
Result<int64_t> get_int(const nlohmann::json& object, std::string_view name, int64_t min,
                        int64_t max, int64_t fallback);

// ---- Strict query parameters ----

// InvalidArgument naming the first query parameter that is not in `known` (and listing those).
Status check_query(const http::Request& request, std::initializer_list<std::string_view> known);

// The query parameter `name` as a decimal integer within min..max; InvalidArgument naming the
// parameter (and the range) when it is not one, overflows or is out of range. Only call for a
// parameter that is present.
Result<int64_t> query_int(const http::Request& request, std::string_view name,
                          int64_t min = std::numeric_limits<int64_t>::min(),
                          int64_t max = std::numeric_limits<int64_t>::max());

}  // namespace rk::api
