#pragma once

// Promtail's "extracted data": the name -> value map that parsing stages
// (cri, docker, json, logfmt, regex) fill and the action stages (labels,
// output, timestamp, tenant, structured_metadata, drop, template) read. A
// pipeline starts each entry's map with the entry's labels, as Promtail does.
//
// Values keep the JSON type they were extracted with, because Promtail's
// stages convert them to strings as Go's getString does: a number prints in
// strconv.FormatFloat(v, 'f', -1, 64) form ("3", "0.25", "12345678901234567000"),
// a boolean as "true"/"false", and a null does not convert at all (the stage
// that reads it then leaves the entry unchanged). Objects and arrays are stored
// as their compact JSON text, as Promtail's json stage marshals them.
//
// Thread safety: plain values.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace logstack::collector {

class ExtractedValue {
 public:
  enum class Kind { kString, kNumber, kBool, kNull };

  ExtractedValue() = default;
  static ExtractedValue String(std::string s) {
    ExtractedValue v;
    v.str_ = std::move(s);
    return v;
  }
  static ExtractedValue Number(double d) {
    ExtractedValue v;
    v.kind_ = Kind::kNumber;
    v.num_ = d;
    return v;
  }
  static ExtractedValue Bool(bool b) {
    ExtractedValue v;
    v.kind_ = Kind::kBool;
    v.num_ = b ? 1 : 0;
    return v;
  }
  static ExtractedValue Null() {
    ExtractedValue v;
    v.kind_ = Kind::kNull;
    return v;
  }

  Kind kind() const { return kind_; }
  // The string form (Go's getString); nullopt for a null.
  std::optional<std::string> AsString() const;
  // REQUIRES: kind() == kString.
  const std::string& str() const { return str_; }

  bool operator==(const ExtractedValue&) const = default;

 private:
  Kind kind_ = Kind::kString;
  std::string str_;
  double num_ = 0;
};

using Extracted = std::map<std::string, ExtractedValue, std::less<>>;

// The string form of extracted[name]; nullopt when absent or null.
std::optional<std::string> ExtractedString(const Extracted& extracted, std::string_view name);

}  // namespace logstack::collector
