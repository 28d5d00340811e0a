// JSON conventions of ringkeeper's HTTP APIs; see json_api.h.
#include "ringkeeper/core/json_api.h"

#include <algorithm>
#include <charconv>

namespace rk::api {
namespace {

constexpr ErrorCode kAllCodes[] = {
    ErrorCode::kInvalidArgument,    ErrorCode::kNotFound,         ErrorCode::kAlreadyExists,
    ErrorCode::kFailedPrecondition, ErrorCode::kPermissionDenied, ErrorCode::kResourceExhausted,
    ErrorCode::kUnavailable,        ErrorCode::kTimeout,          ErrorCode::kCancelled,
    ErrorCode::kCorruption,         ErrorCode::kIOError,          ErrorCode::kInternal,
};

bool type_matches(const nlohmann::json& v, Type t) {
  switch (t) {
    case Type::kString:
      return v.is_string();
    case Type::kInteger:
      return v.is_number_integer();  // signed or unsigned, never a fraction
    case Type::kNumber:
      return v.is_number();
    case Type::kBool:
      return v.is_boolean();
    case Type::kObject:
      return v.is_object();
    case Type::kArray:
      return v.is_array();
    case Type::kAny:
      return true;
  }
  return false;
}

std::string json_type_of(const nlohmann::json& v) {
  if (v.is_number_float()) return "number";
  if (v.is_number()) return "integer";
  return v.type_name();
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

std::string range_text(int64_t min, int64_t max) {
  if (min == kMinInt && max == kMaxInt) return "within the 64-bit integer range";
  if (max == kMaxInt) return ">= " + std::to_string(min);
  if (min == kMinInt) return "<= " + std::to_string(max);
  return std::to_string(min) + ".." + std::to_string(max);
}

// A number `v` of an integer or number field against min..max. An unsigned integer above int64 is
// out of every range (the callers read fields as int64_t).
Status check_range(const nlohmann::json& v, int64_t min, int64_t max, const std::string& where) {
  bool in_range = true;
  if (v.is_number_unsigned()) {
    const uint64_t n = v.get<uint64_t>();
    in_range = n <= static_cast<uint64_t>(kMaxInt) && static_cast<int64_t>(n) >= min &&
               static_cast<int64_t>(n) <= max;
  } else if (v.is_number_integer()) {
    const int64_t n = v.get<int64_t>();
    in_range = n >= min && n <= max;
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    in_range = d >= static_cast<double>(min) && d <= static_cast<double>(max);
  }
  if (in_range) return Status::OK();
  return Status::InvalidArgument("field '" + where + "' must be " + range_text(min, max) +
                                 ", got " + v.dump());
}

// Builds the document like nlohmann's own DOM parser, but keeps where parsing failed: a number
// beyond a double's range is an out_of_range exception without a position when thrown, and
// would otherwise escape as a 500.
class PositionedSax {
 public:
  using json = nlohmann::json;
  explicit PositionedSax(json& root) : dom_(root, /*allow_exceptions=*/false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(json::string_t& v) { return dom_.key(v); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& e) {
    error_ = "malformed JSON at byte " + std::to_string(position);
    // 406: "number overflow parsing '1e400'".
    if (e.id == 406) error_ += ": number '" + last_token + "' is out of range";
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string error_;
};

Status check_at(const nlohmann::json& value, const Spec& spec, const std::string& path) {
  if (!value.is_object()) {
    return Status::InvalidArgument((path.empty() ? std::string("body") : path) +
                                   ": expected an object, got " + json_type_of(value));
  }
  for (const auto& [key, v] : value.items()) {
    auto it = std::find_if(spec.fields.begin(), spec.fields.end(),
                           [&name = key](const Field& f) { return f.name == name; });
    if (it == spec.fields.end()) {
      std::string allowed;
      for (const Field& f : spec.fields) allowed += (allowed.empty() ? "" : ", ") + f.name;
      return Status::InvalidArgument("unknown field '" + join(path, key) + "' (allowed: " +
                                     (allowed.empty() ? std::string("none") : allowed) + ")");
    }
    const Field& f = *it;
    const std::string where = join(path, key);
    if (!type_matches(v, f.type)) {
      return Status::InvalidArgument("field '" + where + "' must be " +
                                     std::string(type_name(f.type)) + ", got " + json_type_of(v));
    }
    // A kNumber field without a range takes any double; an integer is always read as int64.
    if (f.type == Type::kInteger ||
        (f.type == Type::kNumber && (f.min != kMinInt || f.max != kMaxInt))) {
      RK_RETURN_IF_ERROR(check_range(v, f.min, f.max, where));
    }
    if (f.fields != nullptr && f.type == Type::kObject) {
      RK_RETURN_IF_ERROR(check_at(v, *f.fields, where));
    } else if (f.fields != nullptr && f.type == Type::kArray) {
      for (size_t i = 0; i < v.size(); ++i) {
        RK_RETURN_IF_ERROR(check_at(v[i], *f.fields, where + "[" + std::to_string(i) + "]"));
      }
    }
  }
  for (const Field& f : spec.fields) {
    if (f.required && !value.contains(f.name)) {
      return Status::InvalidArgument("missing required field '" + join(path, f.name) + "'");
    }
  }
  return Status::OK();
}

}  // namespace

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kCancelled:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kCorruption:
    case ErrorCode::kIOError:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

ErrorCode error_code_for_http_status(int status) {
  if (status >= 200 && status < 300) return ErrorCode::kOk;
  switch (status) {
    case 401:
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 408:
      return ErrorCode::kTimeout;
    case 409:
      return ErrorCode::kFailedPrecondition;
    case 412:
      return ErrorCode::kFailedPrecondition;
    case 413:
    case 429:
      return ErrorCode::kResourceExhausted;
    case 502:
    case 503:
      return ErrorCode::kUnavailable;
    case 504:
      return ErrorCode::kTimeout;
    default:
      break;
  }
  if (status >= 400 && status < 500) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

http::Response json_response(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

http::Response error_response(int http_status, std::string_view error, std::string_view detail) {
  return json_response(http_status, {{"error", error}, {"detail", detail}});
}

http::Response error_response(const Status& status) {
  if (status.ok()) return error_response(500, "internal", "an error response was built from OK");
  return error_response(http_status_for(status.code()), error_code_name(status.code()),
                        status.message());
}

Status status_from_response(const http::Response& response) {
  if (response.ok()) return Status::OK();
  ErrorCode code = error_code_for_http_status(response.status);
  std::string detail;
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    auto err = body.find("error");
    if (err != body.end() && err->is_string()) {
      for (ErrorCode c : kAllCodes) {
        if (error_code_name(c) == err->get_ref<const std::string&>()) code = c;
      }
      detail = err->get<std::string>();
    }
    auto det = body.find("detail");
    if (det != body.end() && det->is_string()) detail = det->get<std::string>();
  } else {
    detail = response.body.substr(0, 200);
  }
  return Status(code, "HTTP " + std::to_string(response.status) +
                          (detail.empty() ? std::string() : ": " + detail));
}

Result<nlohmann::json> parse_response(const http::Response& response) {
  if (!response.ok()) return status_from_response(response);
  if (response.body.empty()) return nlohmann::json();
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded()) {
    return Status::Internal("HTTP " + std::to_string(response.status) +
                            " response is not JSON: " + response.body.substr(0, 200));
  }
  return body;
}

Result<nlohmann::json> call_json(http::Client& client, const std::string& method,
                                 const std::string& url, const nlohmann::json& body) {
  http::ClientRequest request;
  request.method = method;
  request.url = url;
  request.headers["Accept"] = "application/json";
  if (!body.is_null()) request.body = body.dump();
  RK_ASSIGN_OR_RETURN(http::Response response, client.request(request));
  return parse_response(response);
}

std::string_view type_name(Type type) {
  switch (type) {
    case Type::kString:
      return "a string";
    case Type::kInteger:
      return "an integer";
    case Type::kNumber:
      return "a number";
    case Type::kBool:
      return "a boolean";
    case Type::kObject:
      return "an object";
    case Type::kArray:
      return "an array";
    case Type::kAny:
      return "any value";
  }
  return "?";
}

Status check(const nlohmann::json& value, const Spec& spec) { return check_at(value, spec, ""); }

Result<nlohmann::json> parse_json(std::string_view text) {
  nlohmann::json out;
  PositionedSax sax(out);
  if (!nlohmann::json::sax_parse(text, &sax)) return Status::InvalidArgument(sax.error());
  return out;
}

Result<nlohmann::json> read_body(const http::Request& request, const Spec& spec) {
  if (request.body.empty()) {
    return Status::InvalidArgument("request body is empty; expected a JSON object");
  }
  RK_ASSIGN_OR_RETURN(nlohmann::json body, parse_json(request.body));
  RK_RETURN_IF_ERROR(check(body, spec));
  return body;
}

Result<int64_t> get_int(const nlohmann::json& object, std::string_view name, int64_t min,
                        int64_t max, int64_t fallback) {
  const std::string key(name);
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer()) {
    return Status::InvalidArgument("field '" + key + "' must be an integer " +
                                   range_text(min, max) + ", got " + it->dump());
  }
  RK_RETURN_IF_ERROR(check_range(*it, min, max, key));
  return it->get<int64_t>();
}

Status check_query(const http::Request& request, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : request.query) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string names;
      for (std::string_view k : known) {
        if (!names.empty()) names += ", ";
        names += k;
      }
      return Status::InvalidArgument("unknown query parameter '" + key + "' (known: " + names +
                                     ")");
    }
  }
  return Status::OK();
}

Result<int64_t> query_int(const http::Request& request, std::string_view name, int64_t min,
                          int64_t max) {
  const std::string* text = request.query_param(name);
  int64_t v = 0;
  auto [ptr, ec] = text == nullptr ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                   : std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size() || v < min || v > max) {
    return Status::InvalidArgument(
        "query parameter " + std::string(name) + " must be an integer " + range_text(min, max) +
        (text == nullptr ? std::string() : ", got '" + text->substr(0, 64) + "'"));
  }
  return v;
}

}  // namespace rk::api
