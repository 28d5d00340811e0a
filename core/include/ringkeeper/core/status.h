// Errors as values. Every function that can fail returns a Status or a Result<T>; exceptions
// never cross a module boundary. The code says what kind of failure it is (so the HTTP edge can
// map it to a status code), the message says what happened in words an operator understands.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace rk {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; nothing was changed
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // creating something that is already there
  kFailedPrecondition,  // the request is valid but the system is not in a state to do it
  kPermissionDenied,    // missing or wrong credentials
  kResourceExhausted,   // a limit was hit (body size, disk, queue)
  kUnavailable,         // a peer or resource is down; retrying later may help
  kTimeout,             // a deadline passed
  kCancelled,           // the operation was cancelled on request
  kCorruption,          // stored data failed a check
  kIOError,             // the operating system refused a file or network operation
  kInternal,            // a bug: an invariant did not hold
};

// Short stable name of a code, e.g. "invalid_argument".
std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {ErrorCode::kFailedPrecondition, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {ErrorCode::kPermissionDenied, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {ErrorCode::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {ErrorCode::kTimeout, std::move(m)}; }
  static Status Cancelled(std::string m) { return {ErrorCode::kCancelled, std::move(m)}; }
  static Status Corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {ErrorCode::kIOError, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: <message>", or "ok".
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>"; keeps the code.
  Status with_context(std::string_view context) const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status saying why there is none. Constructing from an OK Status is a bug.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // The error; Status::OK() when there is a value.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace rk

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define RK_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::rk::Status rk_status_ = (expr);         \
    if (!rk_status_.ok()) return rk_status_;  \
  } while (0)

#define RK_CONCAT_INNER_(a, b) a##b
#define RK_CONCAT_(a, b) RK_CONCAT_INNER_(a, b)
// `RK_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the error.
#define RK_ASSIGN_OR_RETURN(decl, expr)                                 \
  auto RK_CONCAT_(rk_result_, __LINE__) = (expr);                       \
  if (!RK_CONCAT_(rk_result_, __LINE__).ok())                           \
    return RK_CONCAT_(rk_result_, __LINE__).status();                   \
  decl = std::move(RK_CONCAT_(rk_result_, __LINE__)).value()
