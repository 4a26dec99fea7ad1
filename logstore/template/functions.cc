// The function table, and Go's text/template builtins.

#include "logstore/template/functions.h"

#include <cmath>
#include <string>
#include <unordered_map>

#include "common/go/strconv.h"
#include "logstore/template/go_fmt.h"

namespace logstack::logstore::tmpl {

Status CallError(std::string msg) { return InvalidArgument(std::move(msg)); }

Status TooLarge(const CallContext& ctx) {
  return CallError("result longer than the maximum line size (" + std::to_string(ctx.max_bytes) +
                   " bytes)");
}

int64_t ToInt64(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint64:
      return v.int_value();
    case Value::Kind::kFloat: {
      double f = v.float_value();
      if (std::isnan(f)) return INT64_MIN;
      if (f >= 9.2233720368547758e18 || f < -9.2233720368547758e18) return INT64_MIN;
      return static_cast<int64_t>(f);
    }
    case Value::Kind::kBool:
      return v.bool_value() ? 1 : 0;
    case Value::Kind::kString: {
      // spf13/cast: trailing ".0…" is dropped, then ParseInt with base 0.
      std::string_view s = v.str();
      bool zero = false;
      for (size_t i = s.size(); i > 0; --i) {
        char c = s[i - 1];
        if (c == '0') {
          zero = true;
        } else if (c == '.' && zero) {
          s = s.substr(0, i - 1);
          break;
        } else {
          break;
        }
      }
      return go::ParseInt(s).value_or(0);
    }
    default:
      return 0;
  }
}

double ToFloat64(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
      return static_cast<double>(v.int_value());
    case Value::Kind::kUint64:
      return static_cast<double>(v.uint_value());
    case Value::Kind::kFloat:
      return v.float_value();
    case Value::Kind::kBool:
      return v.bool_value() ? 1 : 0;
    case Value::Kind::kString: {
      return go::ParseFloatLoose(v.str()).value_or(0);
    }
    default:
      return 0;
  }
}

namespace {

// Go's basicKind classes for comparisons.
enum class BasicKind { kBool, kInt, kUint, kFloat, kString, kOther, kInvalid };

BasicKind KindOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      return BasicKind::kBool;
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
      return BasicKind::kInt;
    case Value::Kind::kUint64:
      return BasicKind::kUint;
    case Value::Kind::kFloat:
      return BasicKind::kFloat;
    case Value::Kind::kString:
      return BasicKind::kString;
    case Value::Kind::kNil:
      return BasicKind::kInvalid;
    default:
      return BasicKind::kOther;
  }
}

constexpr const char* kBadComparisonType = "invalid type for comparison";
constexpr const char* kBadComparison = "incompatible types for comparison";

// Go's eq for one pair; *eq set on success.
Status EqualPair(const Value& a, const Value& b, bool* eq) {
  BasicKind ka = KindOf(a), kb = KindOf(b);
  *eq = false;
  if (ka != kb) {
    if (ka == BasicKind::kInt && kb == BasicKind::kUint) {
      *eq = a.int_value() >= 0 && static_cast<uint64_t>(a.int_value()) == b.uint_value();
    } else if (ka == BasicKind::kUint && kb == BasicKind::kInt) {
      *eq = b.int_value() >= 0 && static_cast<uint64_t>(b.int_value()) == a.uint_value();
    } else if (ka != BasicKind::kInvalid && kb != BasicKind::kInvalid) {
      return CallError(kBadComparison);
    }
    return Status::Ok();
  }
  switch (ka) {
    case BasicKind::kBool:
      *eq = a.bool_value() == b.bool_value();
      break;
    case BasicKind::kInt:
    case BasicKind::kUint:
      *eq = a.int_value() == b.int_value();
      break;
    case BasicKind::kFloat:
      *eq = a.float_value() == b.float_value();
      break;
    case BasicKind::kString:
      *eq = a.str() == b.str();
      break;
    case BasicKind::kInvalid:
      *eq = true;
      break;
    case BasicKind::kOther:
      if (a.kind() != b.kind()) return CallError(kBadComparison);
      if (a.kind() == Value::Kind::kTime) {
        *eq = a.time().sec == b.time().sec && a.time().nsec == b.time().nsec;
      } else {
        return CallError("non-comparable type");
      }
      break;
  }
  return Status::Ok();
}

// Go's lt.
Status LessPair(const Value& a, const Value& b, bool* lt) {
  BasicKind ka = KindOf(a), kb = KindOf(b);
  if (ka != kb) {
    if (ka == BasicKind::kInt && kb == BasicKind::kUint) {
      *lt = a.int_value() < 0 || static_cast<uint64_t>(a.int_value()) < b.uint_value();
    } else if (ka == BasicKind::kUint && kb == BasicKind::kInt) {
      *lt = b.int_value() >= 0 && a.uint_value() < static_cast<uint64_t>(b.int_value());
    } else {
      return CallError(kBadComparison);
    }
    return Status::Ok();
  }
  switch (ka) {
    case BasicKind::kInt:
      *lt = a.int_value() < b.int_value();
      return Status::Ok();
    case BasicKind::kUint:
      *lt = a.uint_value() < b.uint_value();
      return Status::Ok();
    case BasicKind::kFloat:
      *lt = a.float_value() < b.float_value();
      return Status::Ok();
    case BasicKind::kString:
      *lt = a.str() < b.str();
      return Status::Ok();
    default:
      return CallError(kBadComparisonType);
  }
}

Status Eq(std::span<Value> a, const CallContext&, Value* out) {
  if (a.size() < 2) return CallError("missing argument for comparison");
  for (size_t i = 1; i < a.size(); ++i) {
    bool eq;
    LOGSTACK_RETURN_IF_ERROR(EqualPair(a[0], a[i], &eq));
    if (eq) {
      *out = Value::Bool(true);
      return Status::Ok();
    }
  }
  *out = Value::Bool(false);
  return Status::Ok();
}

Status Ne(std::span<Value> a, const CallContext&, Value* out) {
  bool eq;
  LOGSTACK_RETURN_IF_ERROR(EqualPair(a[0], a[1], &eq));
  *out = Value::Bool(!eq);
  return Status::Ok();
}

Status Lt(std::span<Value> a, const CallContext&, Value* out) {
  bool lt;
  LOGSTACK_RETURN_IF_ERROR(LessPair(a[0], a[1], &lt));
  *out = Value::Bool(lt);
  return Status::Ok();
}

Status Le(std::span<Value> a, const CallContext&, Value* out) {
  bool lt;
  LOGSTACK_RETURN_IF_ERROR(LessPair(a[0], a[1], &lt));
  if (!lt) {
    bool eq;
    LOGSTACK_RETURN_IF_ERROR(EqualPair(a[0], a[1], &eq));
    lt = eq;
  }
  *out = Value::Bool(lt);
  return Status::Ok();
}

Status Gt(std::span<Value> a, const CallContext& c, Value* out) {
  LOGSTACK_RETURN_IF_ERROR(Le(a, c, out));
  *out = Value::Bool(!out->bool_value());
  return Status::Ok();
}

Status Ge(std::span<Value> a, const CallContext& c, Value* out) {
  LOGSTACK_RETURN_IF_ERROR(Lt(a, c, out));
  *out = Value::Bool(!out->bool_value());
  return Status::Ok();
}

Status Not(std::span<Value> a, const CallContext&, Value* out) {
  *out = Value::Bool(!IsTrue(a[0]));
  return Status::Ok();
}

Status Len(std::span<Value> a, const CallContext&, Value* out) {
  switch (a[0].kind()) {
    case Value::Kind::kString:
      *out = Value::Int(static_cast<int64_t>(a[0].str().size()));
      return Status::Ok();
    case Value::Kind::kNil:
      return CallError("len of nil pointer");
    default:
      return CallError("len of type " + std::string(a[0].TypeName()));
  }
}

Status Index(std::span<Value> a, const CallContext& c, Value* out) {
  Value item = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    if (item.kind() == Value::Kind::kMap) {
      if (!a[i].IsString()) {
        return CallError("value has type " + std::string(a[i].TypeName()) + "; should be string");
      }
      std::optional<std::string_view> v = c.data->Label(a[i].str());
      item = Value::Borrowed(v ? *v : std::string_view());
    } else if (item.kind() == Value::Kind::kString) {
      if (!a[i].IsIntegral()) return CallError("cannot index slice/array with nil");
      int64_t x = a[i].int_value();
      if (x < 0 || static_cast<uint64_t>(x) >= item.str().size()) {
        return CallError("index out of range: " + std::to_string(x));
      }
      item = Value::Uint64(static_cast<unsigned char>(item.str()[x]));
    } else if (item.IsNil()) {
      return CallError("index of untyped nil");
    } else {
      return CallError("can't index item of type " + std::string(item.TypeName()));
    }
  }
  *out = std::move(item);
  return Status::Ok();
}

Status Slice(std::span<Value> a, const CallContext&, Value* out) {
  if (!a[0].IsString()) {
    if (a[0].IsNil()) return CallError("slice of untyped nil");
    return CallError("can't slice item of type " + std::string(a[0].TypeName()));
  }
  if (a.size() > 3) return CallError("too many slice indexes: " + std::to_string(a.size() - 1));
  std::string_view s = a[0].str();
  int64_t idx[2] = {0, static_cast<int64_t>(s.size())};
  for (size_t i = 1; i < a.size(); ++i) {
    if (!a[i].IsIntegral()) return CallError("cannot index slice/array with nil");
    idx[i - 1] = a[i].int_value();
    if (idx[i - 1] < 0 || idx[i - 1] > static_cast<int64_t>(s.size())) {
      return CallError("index out of range: " + std::to_string(idx[i - 1]));
    }
  }
  if (idx[0] > idx[1]) {
    return CallError("invalid slice index: " + std::to_string(idx[0]) + " > " +
                     std::to_string(idx[1]));
  }
  *out = Value::String(std::string(s.substr(idx[0], idx[1] - idx[0])));
  return Status::Ok();
}

Status Print(std::span<Value> a, const CallContext&, Value* out) {
  std::string s;
  GoSprint(a, &s);
  *out = Value::String(std::move(s));
  return Status::Ok();
}

Status Printf(std::span<Value> a, const CallContext& c, Value* out) {
  std::string s;
  if (!GoSprintf(a[0].str(), a.subspan(1), &s, c.max_bytes)) return TooLarge(c);
  *out = Value::String(std::move(s));
  return Status::Ok();
}

Status Println(std::span<Value> a, const CallContext&, Value* out) {
  std::string s;
  GoSprintln(a, &s);
  *out = Value::String(std::move(s));
  return Status::Ok();
}

// Go's evalArgs for html/js/urlquery: one string argument as is, else Sprint.
std::string ArgsString(std::span<Value> a) {
  if (a.size() == 1 && a[0].IsString()) return std::string(a[0].str());
  std::string s;
  GoSprint(a, &s);
  return s;
}

Status Html(std::span<Value> a, const CallContext&, Value* out) {
  std::string s;
  for (char c : ArgsString(a)) {
    switch (c) {
      case '"':
        s += "&#34;";
        break;
      case '\'':
        s += "&#39;";
        break;
      case '&':
        s += "&amp;";
        break;
      case '<':
        s += "&lt;";
        break;
      case '>':
        s += "&gt;";
        break;
      case '\0':
        s += "\xEF\xBF\xBD";
        break;
      default:
        s.push_back(c);
    }
  }
  *out = Value::String(std::move(s));
  return Status::Ok();
}

Status Js(std::span<Value> a, const CallContext&, Value* out) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string s;
  for (char ch : ArgsString(a)) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\':
        s += "\\\\";
        break;
      case '\'':
        s += "\\'";
        break;
      case '"':
        s += "\\\"";
        break;
      case '<':
        s += "\\u003C";
        break;
      case '>':
        s += "\\u003E";
        break;
      case '&':
        s += "\\u0026";
        break;
      case '=':
        s += "\\u003D";
        break;
      case '\n':
        s += "\\n";
        break;
      case '\r':
        s += "\\r";
        break;
      case '\t':
        s += "\\t";
        break;
      default:
        if (c < ' ') {
          s += "\\u00";
          s.push_back(kHex[c >> 4]);
          s.push_back(kHex[c & 15]);
        } else {
          s.push_back(ch);
        }
    }
  }
  *out = Value::String(std::move(s));
  return Status::Ok();
}

Status UrlQuery(std::span<Value> a, const CallContext&, Value* out) {
  *out = Value::String(QueryEscape(ArgsString(a)));
  return Status::Ok();
}

Status Call(std::span<Value> a, const CallContext&, Value*) {
  return CallError("non-function of type " + std::string(a[0].TypeName()));
}

Status Line(std::span<Value>, const CallContext& c, Value* out) {
  *out = Value::Borrowed(c.data->Line());
  return Status::Ok();
}

Status Timestamp(std::span<Value>, const CallContext& c, Value* out) {
  int64_t ns = c.data->TimestampNs();
  int64_t sec = ns / 1000000000;
  int64_t nsec = ns % 1000000000;
  if (nsec < 0) {
    nsec += 1000000000;
    --sec;
  }
  *out = Value::Time(go::Time{sec, static_cast<int32_t>(nsec)});
  return Status::Ok();
}

constexpr FuncDef kBuiltins[] = {
    {"and", "aa*", nullptr}, {"or", "aa*", nullptr},    {"not", "a", Not},
    {"eq", "aa*", Eq},       {"ne", "aa", Ne},          {"lt", "aa", Lt},
    {"le", "aa", Le},        {"gt", "aa", Gt},          {"ge", "aa", Ge},
    {"len", "a", Len},       {"index", "aa*", Index},   {"slice", "aa*", Slice},
    {"print", "a*", Print},  {"printf", "sa*", Printf}, {"println", "a*", Println},
    {"html", "a*", Html},    {"js", "a*", Js},          {"urlquery", "a*", UrlQuery},
    {"call", "aa*", Call},   {"__line__", "", Line},    {"__timestamp__", "", Timestamp},
};

}  // namespace

std::span<const FuncDef> BuiltinFunctions() { return kBuiltins; }

const FuncDef* FindFunction(std::string_view name) {
  static const std::unordered_map<std::string_view, const FuncDef*> table = [] {
    std::unordered_map<std::string_view, const FuncDef*> m;
    for (auto family : {StringFunctions(), MathFunctions(), TimeFunctions(), BuiltinFunctions()}) {
      for (const FuncDef& f : family) m[f.name] = &f;
    }
    return m;
  }();
  auto it = table.find(name);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace logstack::logstore::tmpl
