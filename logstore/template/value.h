#pragma once

// Value: what a Go text/template expression evaluates to, reduced to the types
// Loki's templates meet: nil, bool, the integer types int/int64/uint64,
// float64, string, time.Time, and the template's data (a map of labels).
//
// A string value either owns its bytes or borrows them (a label value or the
// log line, valid for one Execute call); borrowing is what lets `{{.a}}` run
// without allocating. Copying a borrowed Value copies the view, not the bytes.
//
// Thread safety: a value type; not synchronised.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/go/time_format.h"

namespace logstack::logstore::tmpl {

class Value {
 public:
  // kInt, kInt64 and kUint64 are Go's int, int64 and uint64: the same numbers,
  // told apart because Go's reflection does (a function taking int rejects an
  // int64, and printf says "%!s(int64=5)").
  enum class Kind { kNil, kBool, kInt, kInt64, kUint64, kFloat, kString, kTime, kMap };

  Value() = default;
  static Value Nil() { return Value(); }
  static Value Bool(bool b);
  static Value Int(int64_t i);    // Go int
  static Value Int64(int64_t i);  // Go int64
  static Value Uint64(uint64_t u);
  static Value Float(double f);
  static Value String(std::string s);
  // REQUIRES: `s` outlives every use of the value.
  static Value Borrowed(std::string_view s);
  static Value Time(go::Time t);
  static Value Map();  // the template's data: the labels

  Kind kind() const { return kind_; }
  bool IsNil() const { return kind_ == Kind::kNil; }
  bool IsString() const { return kind_ == Kind::kString; }
  bool IsIntegral() const {
    return kind_ == Kind::kInt || kind_ == Kind::kInt64 || kind_ == Kind::kUint64;
  }

  // REQUIRES: the matching kind.
  bool bool_value() const { return b_; }
  int64_t int_value() const { return i_; }  // kInt, kInt64
  uint64_t uint_value() const { return static_cast<uint64_t>(i_); }
  double float_value() const { return f_; }
  std::string_view str() const { return borrowed_ ? view_ : std::string_view(owned_); }
  go::Time time() const { return go::Time{i_, static_cast<int32_t>(f_)}; }

  // Go's name for the type: "string", "int64", "time.Time", ...
  std::string_view TypeName() const;

 private:
  Kind kind_ = Kind::kNil;
  bool b_ = false;
  bool borrowed_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string_view view_;
  std::string owned_;
};

// Go text/template's truth: false, 0, "", nil are false; everything else
// (a time, the data map) is true.
bool IsTrue(const Value& v);

// sprig's `empty`: like !IsTrue, except that a zero time is empty too.
bool IsEmpty(const Value& v);

// Appends `v` as Go's fmt prints it with %v, except that nil is
// "<no value>" when `template_print` (text/template's rule for printing an
// action's value) and "<nil>" otherwise.
void AppendValue(const Value& v, bool template_print, std::string* out);

}  // namespace logstack::logstore::tmpl
