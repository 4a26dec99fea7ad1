#pragma once

// Status and StatusOr<T>: the error type of every logstack module.
//
// A Status is either OK or carries a code and a message a user can act on.
// Errors are returned, never thrown across module boundaries. Third-party
// exceptions are caught in the adapter that calls the library and turned into
// a Status there.
//
// Thread safety: values; safe to copy and move between threads.

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace logstack {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad query, bad push body)
  kNotFound,
  kAlreadyExists,
  kConflict,            // optimistic concurrency failure
  kFailedPrecondition,  // the system is not in a state to do this
  kResourceExhausted,   // a limit was hit (rate, streams, size)
  kUnauthenticated,
  kPermissionDenied,
  kCorruption,          // bytes read back from disk or the wire do not check out
  kIOError,             // the operating system said no
  kUnavailable,         // try again later (shutting down, not ready, connection lost)
  kDeadlineExceeded,
  kOutOfRange,
  kUnimplemented,
  kCancelled,
  kInternal,            // a bug: an invariant did not hold
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "Code: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message". OK stays OK.
  Status Annotate(std::string_view context) const;

  bool operator==(const Status& other) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
inline Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
inline Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
inline Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
inline Status FailedPrecondition(std::string msg) {
  return {StatusCode::kFailedPrecondition, std::move(msg)};
}
inline Status ResourceExhausted(std::string msg) {
  return {StatusCode::kResourceExhausted, std::move(msg)};
}
inline Status Unauthenticated(std::string msg) { return {StatusCode::kUnauthenticated, std::move(msg)}; }
inline Status PermissionDenied(std::string msg) {
  return {StatusCode::kPermissionDenied, std::move(msg)};
}
inline Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
inline Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
inline Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
inline Status DeadlineExceeded(std::string msg) {
  return {StatusCode::kDeadlineExceeded, std::move(msg)};
}
inline Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
inline Status Unimplemented(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }
inline Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
inline Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

// IOError from errno, e.g. ErrnoError("open /data/wal/00001.log", errno).
Status ErrnoError(std::string_view context, int err);

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "StatusOr built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace logstack

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define LOGSTACK_RETURN_IF_ERROR(expr)          \
  do {                                          \
    ::logstack::Status _st = (expr);            \
    if (!_st.ok()) return _st;                  \
  } while (0)

#define LOGSTACK_CONCAT_INNER(a, b) a##b
#define LOGSTACK_CONCAT(a, b) LOGSTACK_CONCAT_INNER(a, b)

// Declares `lhs` from a StatusOr expression, returning its Status on error.
#define LOGSTACK_ASSIGN_OR_RETURN(lhs, expr) \
  LOGSTACK_ASSIGN_OR_RETURN_IMPL(LOGSTACK_CONCAT(_statusor_, __LINE__), lhs, expr)
#define LOGSTACK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
