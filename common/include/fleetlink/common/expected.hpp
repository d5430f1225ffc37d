#pragma once
// Expected<T>: a value or an Error with context, for I/O, parsing and storage results.
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace fleetlink {

struct Error {
  std::string message;

  // Prefixes context, e.g. Error{"disk full"}.context("could not write outbox") -> "could not write outbox: disk full".
  Error context(const std::string& what) const { return Error{what + ": " + message}; }
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
  Expected(Error error) : v_(std::move(error)) {}       // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    if (!ok()) throw std::runtime_error(error().message);
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!ok()) throw std::runtime_error(error().message);
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw std::runtime_error(error().message);
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Expected<void> equivalent.
struct Ok {};
using Status = Expected<Ok>;
inline Status okStatus() { return Ok{}; }

}  // namespace fleetlink
