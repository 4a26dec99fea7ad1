#include "logstore/template/value.h"

#include "common/go/strconv.h"
#include "common/go/time_format.h"
#include "logstore/template/go_fmt.h"

namespace logstack::logstore::tmpl {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::Int64(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt64;
  v.i_ = i;
  return v;
}

Value Value::Uint64(uint64_t u) {
  Value v;
  v.kind_ = Kind::kUint64;
  v.i_ = static_cast<int64_t>(u);
  return v;
}

Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.owned_ = std::move(s);
  return v;
}

Value Value::Borrowed(std::string_view s) {
  Value v;
  v.kind_ = Kind::kString;
  v.borrowed_ = true;
  v.view_ = s;
  return v;
}

Value Value::Time(go::Time t) {
  Value v;
  v.kind_ = Kind::kTime;
  v.i_ = t.sec;
  v.f_ = t.nsec;
  return v;
}

Value Value::Map() {
  Value v;
  v.kind_ = Kind::kMap;
  return v;
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kInt64:
      return "int64";
    case Kind::kUint64:
      return "uint64";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kTime:
      return "time.Time";
    case Kind::kMap:
      return "map[string]string";
  }
  return "";
}

bool IsTrue(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return false;
    case Value::Kind::kBool:
      return v.bool_value();
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint64:
      return v.int_value() != 0;
    case Value::Kind::kFloat:
      return v.float_value() != 0;
    case Value::Kind::kString:
      return !v.str().empty();
    case Value::Kind::kTime:
    case Value::Kind::kMap:
      return true;
  }
  return false;
}

bool IsEmpty(const Value& v) {
  if (v.kind() == Value::Kind::kTime) {
    go::Time t = v.time();
    return t.sec == go::kZeroTimeSec && t.nsec == 0;
  }
  return !IsTrue(v);
}

void AppendValue(const Value& v, bool template_print, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      out->append(template_print ? "<no value>" : "<nil>");
      return;
    case Value::Kind::kBool:
      out->append(v.bool_value() ? "true" : "false");
      return;
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
      out->append(std::to_string(v.int_value()));
      return;
    case Value::Kind::kUint64:
      out->append(std::to_string(v.uint_value()));
      return;
    case Value::Kind::kFloat:
      go::AppendFloat(v.float_value(), 'g', -1, out);
      return;
    case Value::Kind::kString:
      out->append(v.str());
      return;
    case Value::Kind::kTime:
      go::AppendTimeString(v.time(), out);
      return;
    case Value::Kind::kMap:
      // The labels cannot be listed through TemplateData; Go would print
      // them as map[k:v ...].
      out->append("map[]");
      return;
  }
}

}  // namespace logstack::logstore::tmpl
