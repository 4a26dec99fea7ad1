#pragma once

// A small JSON scanner with the semantics and error texts of
// github.com/buger/jsonparser, which Loki's `json` parser uses: it walks an
// object's members without building a tree, and stops at the first
// malformation with one of that library's messages, e.g.
//   Value looks like object, but can't find closing '}' symbol
//
// Thread safety: pure functions.

#include <functional>
#include <string>
#include <string_view>

namespace logstack::logstore::pipeline::json {

enum class Type { kNotExist, kString, kNumber, kObject, kArray, kBoolean, kNull, kUnknown };

inline constexpr std::string_view kMalformedObject =
    "Value looks like object, but can't find closing '}' symbol";
inline constexpr std::string_view kMalformedArray =
    "Value is array, but can't find closing ']' symbol";
inline constexpr std::string_view kMalformedString =
    "Value is string, but can't find closing '\"' symbol";
inline constexpr std::string_view kMalformedValue =
    "Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol";
inline constexpr std::string_view kMalformedJson = "Malformed JSON error";
inline constexpr std::string_view kUnknownValueType = "Unknown value type";
inline constexpr std::string_view kMalformedStringEscape =
    "Encountered an invalid escape sequence in a string";

// Called per member: the key (unescaped), the value (a string without its
// quotes, still escaped; other types as written) and its type. Returns an
// error text to stop, or empty to go on.
using MemberFn =
    std::function<std::string_view(std::string_view key, std::string_view value, Type type)>;

// jsonparser.ObjectEach: returns "" on success, else the error text.
std::string_view ObjectEach(std::string_view data, const MemberFn& fn);

// jsonparser.Get on one value at the start of `data` (after whitespace):
// its text (strings without quotes), type and the offset just past it.
// Returns an error text or "".
std::string_view GetValue(std::string_view data, std::string_view* value, Type* type, size_t* end);

// Unescapes a JSON string body into *out; false on an invalid escape.
bool Unescape(std::string_view in, std::string* out);

// Loki's unescapeJSONString: the unescaped value, "" on an invalid escape,
// invalid UTF-8 and U+FFFD removed.
void UnescapeForLabel(std::string_view in, std::string* out);

}  // namespace logstack::logstore::pipeline::json
