// Template::Parse and the executor: walks the parse tree for one log entry,
// the way Go's text/template/exec.go does, appending to the caller's string.
// Values read from labels and the line are borrowed, so a template made of
// fields and text allocates nothing.

#include <array>
#include <cmath>

#include "common/go/time_format.h"
#include "logstore/template/go_fmt.h"
#include "logstore/template/parse.h"
#include "logstore/template/template.h"

namespace logstack::logstore::tmpl {
namespace {

// Nested parentheses and control structures. The parser already rejects a
// deeper template (it counts the same levels), so this is a backstop.
constexpr int kMaxDepth = kMaxTemplateDepth;
constexpr size_t kMaxArgs = 16;  // arguments of one function call, on the stack
// Range iterations in one Execute, nested ranges included: a template's
// work per entry stays bounded as its output is.
constexpr int64_t kMaxRange = 1 << 20;

std::string_view ParamTypeName(char p) {
  switch (p) {
    case 's':
      return "string";
    case 'i':
      return "int";
    case 'f':
      return "float64";
    case 'b':
      return "bool";
    case 't':
      return "time.Time";
    default:
      return "interface {}";
  }
}

class TemplateImpl final : public Template {
 public:
  TemplateImpl(std::string name, std::string text, std::vector<Node> root, TemplateOptions options)
      : name_(std::move(name)), text_(std::move(text)), root_(std::move(root)), options_(options) {}

  Status Execute(const TemplateData& data, std::string* out) const override;

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  const TemplateOptions& options() const { return options_; }

 private:
  std::string name_;
  std::string text_;
  std::vector<Node> root_;
  TemplateOptions options_;
};

class Executor {
 public:
  Executor(const TemplateImpl& t, const TemplateData& data, std::string* out)
      : t_(t),
        data_(data),
        out_(out),
        base_(out->size()),
        max_(t.options().max_output_bytes),
        ctx_{&data, t.options().max_output_bytes} {}

  Status Walk(const std::vector<Node>& list, const Value& dot) {
    for (const Node& n : list) {
      LOGSTACK_RETURN_IF_ERROR(WalkNode(n, dot));
      if (out_->size() - base_ > max_) return TooLong();
      if (ctrl_ != Ctrl::kNone) return Status::Ok();
    }
    return Status::Ok();
  }

 private:
  enum class Ctrl { kNone, kBreak, kContinue };

  Status Error(size_t pos, std::string_view at, std::string_view msg) {
    std::string_view text = t_.text();
    size_t line_start = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    int line = 1;
    for (size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n';
    size_t col = line_start == std::string_view::npos || pos == 0 ? pos : pos - line_start - 1;
    std::string s = "template: " + t_.name() + ":" + std::to_string(line) + ":" +
                    std::to_string(col) + ": executing \"" + t_.name() + "\" at <" +
                    std::string(at) + ">: " + std::string(msg);
    return InvalidArgument(std::move(s));
  }

  Status TooLong() const {
    return InvalidArgument("template: " + t_.name() +
                           ": output longer than the maximum line size (" + std::to_string(max_) +
                           " bytes)");
  }

  Status WalkNode(const Node& n, const Value& dot) {
    switch (n.kind) {
      case Node::Kind::kText:
        out_->append(n.text);
        return Status::Ok();
      case Node::Kind::kAction: {
        // The hot case, {{.label}}: the label's bytes straight to the output.
        const Pipeline& p = *n.pipe;
        if (p.decl.empty() && p.cmds.size() == 1 && p.cmds[0].args.size() == 1 &&
            p.cmds[0].args[0].kind == Arg::Kind::kField && p.cmds[0].args[0].fields.size() == 1 &&
            dot.kind() == Value::Kind::kMap) {
          std::optional<std::string_view> v = data_.Label(p.cmds[0].args[0].fields[0]);
          if (v) out_->append(*v);
          return Status::Ok();
        }
        Value v;
        LOGSTACK_RETURN_IF_ERROR(EvalPipeline(*n.pipe, dot, &v));
        if (n.pipe->decl.empty()) AppendValue(v, true, out_);
        return Status::Ok();
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        if (++depth_ > kMaxDepth) return Error(n.pos, "if", "exceeded maximum template depth");
        size_t mark = vars_.size();
        Value v;
        Status st = EvalPipeline(*n.pipe, dot, &v);
        if (st.ok()) {
          if (IsTrue(v)) {
            st = Walk(n.list, n.kind == Node::Kind::kWith ? v : dot);
          } else {
            st = Walk(n.else_list, dot);
          }
        }
        vars_.resize(mark);
        --depth_;
        return st;
      }
      case Node::Kind::kRange:
        return WalkRange(n, dot);
      case Node::Kind::kBreak:
        ctrl_ = Ctrl::kBreak;
        return Status::Ok();
      case Node::Kind::kContinue:
        ctrl_ = Ctrl::kContinue;
        return Status::Ok();
    }
    return Status::Ok();
  }

  // Go ranges over slices, maps, channels and integers; Loki's data has only
  // integers (Go 1.22+) to offer, and nil ranges zero times.
  Status WalkRange(const Node& n, const Value& dot) {
    if (++depth_ > kMaxDepth) return Error(n.pos, "range", "exceeded maximum template depth");
    size_t mark = vars_.size();
    Value v;
    // The declared variables take the elements, not the pipeline's value.
    const Pipeline& pipe = *n.pipe;
    Status st;
    st = EvalCommands(pipe, dot, &v);
    int64_t count = 0;
    if (st.ok()) {
      if (v.kind() == Value::Kind::kInt || v.kind() == Value::Kind::kInt64) {
        count = v.int_value();
      } else if (v.kind() == Value::Kind::kUint64) {
        count = static_cast<int64_t>(std::min<uint64_t>(v.uint_value(), kMaxRange + 1));
      } else if (!v.IsNil()) {
        std::string msg = "range can't iterate over ";
        AppendValue(v, false, &msg);
        st = Error(n.pos, "range", msg);
      }
      if (count > kMaxRange - iterations_) {
        st = Error(n.pos, "range", "range count too large");
      } else if (count > 0) {
        iterations_ += count;
      }
    }
    for (int64_t i = 0; st.ok() && i < count; ++i) {
      size_t inner = vars_.size();
      Value elem = v.kind() == Value::Kind::kUint64
                       ? Value::Uint64(i)
                       : (v.kind() == Value::Kind::kInt64 ? Value::Int64(i) : Value::Int(i));
      if (pipe.decl.size() == 1) {
        vars_.emplace_back(pipe.decl[0], elem);
      } else if (pipe.decl.size() == 2) {
        vars_.emplace_back(pipe.decl[0], elem);
        vars_.emplace_back(pipe.decl[1], elem);
      }
      st = Walk(n.list, elem);
      vars_.resize(inner);
      if (ctrl_ == Ctrl::kBreak) {
        ctrl_ = Ctrl::kNone;
        break;
      }
      ctrl_ = Ctrl::kNone;
    }
    if (st.ok() && count <= 0) st = Walk(n.else_list, dot);
    vars_.resize(mark);
    --depth_;
    return st;
  }

  Status EvalCommands(const Pipeline& p, const Value& dot, Value* out) {
    if (++depth_ > kMaxDepth) return Error(p.pos, "(", "exceeded maximum template depth");
    Value val;
    bool has_final = false;
    for (const Command& cmd : p.cmds) {
      Value next;
      Status st = EvalCommand(cmd, dot, has_final ? &val : nullptr, &next);
      if (!st.ok()) {
        --depth_;
        return st;
      }
      val = std::move(next);
      has_final = true;
    }
    --depth_;
    *out = std::move(val);
    return Status::Ok();
  }

  Status EvalPipeline(const Pipeline& p, const Value& dot, Value* out) {
    LOGSTACK_RETURN_IF_ERROR(EvalCommands(p, dot, out));
    for (const std::string& name : p.decl) {
      if (p.is_assign) {
        Value* var = FindVar(name);
        if (var == nullptr) return Error(p.pos, name, "undefined variable: " + name);
        *var = *out;
      } else {
        vars_.emplace_back(name, *out);
      }
    }
    return Status::Ok();
  }

  Value* FindVar(std::string_view name) {
    for (size_t i = vars_.size(); i > 0; --i) {
      if (vars_[i - 1].first == name) return &vars_[i - 1].second;
    }
    return nullptr;
  }

  Status LookupVar(const Arg& a, Value* out) {
    if (Value* v = FindVar(a.var)) {
      *out = *v;
      return Status::Ok();
    }
    if (a.var == "$") {
      *out = Value::Map();
      return Status::Ok();
    }
    return Error(a.pos, a.var, "undefined variable: " + a.var);
  }

  Status NotAFunction(const Command& cmd, const Value* final) {
    if (cmd.args.size() > 1 || final != nullptr) {
      return Error(cmd.pos, CommandString(cmd),
                   "can't give argument to non-function " + ArgString(cmd.args[0]));
    }
    return Status::Ok();
  }

  // Evaluates `.f` on `receiver`; `has_args` when the command gave it
  // arguments (a map field takes none).
  Status EvalField(const Value& receiver, const std::string& field, bool has_args, const Arg& at,
                   Value* out) {
    switch (receiver.kind()) {
      case Value::Kind::kMap: {
        if (has_args) {
          return Error(at.pos, at.text, field + " is not a method but has arguments");
        }
        // Loki hands Go a map[string]string: an absent label reads as "".
        std::optional<std::string_view> v = data_.Label(field);
        *out = Value::Borrowed(v ? *v : std::string_view());
        return Status::Ok();
      }
      case Value::Kind::kNil:
        *out = Value::Nil();
        return Status::Ok();
      case Value::Kind::kTime:
        if (!has_args && TimeMethod(receiver.time(), field, out)) return Status::Ok();
        break;
      default:
        break;
    }
    return Error(at.pos, at.text,
                 "can't evaluate field " + field + " in type " + std::string(receiver.TypeName()));
  }

  // The argument-less methods of time.Time that a template may call.
  static bool TimeMethod(go::Time t, std::string_view name, Value* out) {
    int64_t days = t.sec >= 0 ? t.sec / 86400 : -((-t.sec + 86399) / 86400);
    int64_t secs = t.sec - days * 86400;
    int64_t year;
    int month, day;
    go::CivilFromDays(days, &year, &month, &day);
    if (name == "Unix") {
      *out = Value::Int64(t.sec);
    } else if (name == "UnixMilli") {
      *out = Value::Int64(t.sec * 1000 + t.nsec / 1000000);
    } else if (name == "UnixMicro") {
      *out = Value::Int64(t.sec * 1000000 + t.nsec / 1000);
    } else if (name == "UnixNano") {
      *out = Value::Int64(t.sec * 1000000000 + t.nsec);
    } else if (name == "Year") {
      *out = Value::Int(year);
    } else if (name == "Day") {
      *out = Value::Int(day);
    } else if (name == "YearDay") {
      *out = Value::Int(days - go::DaysFromCivil(year, 1, 1) + 1);
    } else if (name == "Hour") {
      *out = Value::Int(secs / 3600);
    } else if (name == "Minute") {
      *out = Value::Int(secs / 60 % 60);
    } else if (name == "Second") {
      *out = Value::Int(secs % 60);
    } else if (name == "Nanosecond") {
      *out = Value::Int(t.nsec);
    } else if (name == "UTC" || name == "Local") {
      *out = Value::Time(t);
    } else if (name == "String") {
      std::string s;
      go::AppendTimeString(t, &s);
      *out = Value::String(std::move(s));
    } else {
      return false;
    }
    return true;
  }

  Status EvalFieldChain(Value receiver, const std::vector<std::string>& fields, bool has_args,
                        const Arg& at, Value* out) {
    for (size_t i = 0; i < fields.size(); ++i) {
      Value next;
      bool last = i + 1 == fields.size();
      LOGSTACK_RETURN_IF_ERROR(EvalField(receiver, fields[i], last && has_args, at, &next));
      receiver = std::move(next);
    }
    *out = std::move(receiver);
    return Status::Ok();
  }

  Status EvalCommand(const Command& cmd, const Value& dot, const Value* final, Value* out) {
    const Arg& first = cmd.args[0];
    bool has_args = cmd.args.size() > 1 || final != nullptr;
    switch (first.kind) {
      case Arg::Kind::kFunc:
        return EvalFunction(cmd, dot, final, out);
      case Arg::Kind::kField:
        return EvalFieldChain(dot, first.fields, has_args, first, out);
      case Arg::Kind::kVariable: {
        Value v;
        LOGSTACK_RETURN_IF_ERROR(LookupVar(first, &v));
        if (!first.fields.empty()) return EvalFieldChain(v, first.fields, has_args, first, out);
        LOGSTACK_RETURN_IF_ERROR(NotAFunction(cmd, final));
        *out = std::move(v);
        return Status::Ok();
      }
      case Arg::Kind::kPipeline: {
        Value v;
        LOGSTACK_RETURN_IF_ERROR(EvalPipeline(*first.pipe, dot, &v));
        if (!first.fields.empty()) return EvalFieldChain(v, first.fields, has_args, first, out);
        LOGSTACK_RETURN_IF_ERROR(NotAFunction(cmd, final));
        *out = std::move(v);
        return Status::Ok();
      }
      case Arg::Kind::kDot:
        LOGSTACK_RETURN_IF_ERROR(NotAFunction(cmd, final));
        *out = dot;
        return Status::Ok();
      case Arg::Kind::kNil:
        return Error(first.pos, "nil", "nil is not a command");
      case Arg::Kind::kString:
      case Arg::Kind::kNumber:
      case Arg::Kind::kBool:
        LOGSTACK_RETURN_IF_ERROR(NotAFunction(cmd, final));
        return EvalArg(first, 'a', dot, out);
    }
    return Status::Ok();
  }

  // Go's idealConstant: an untyped number given to an interface{} parameter.
  Status IdealConstant(const Arg& a, Value* out) {
    const Number& n = a.num;
    std::string_view text = a.text;
    bool hex_int = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
                   text.find_first_of("pP") == std::string_view::npos;
    if (n.is_float && !n.is_char && !hex_int && text.find_first_of(".eEpP") != text.npos) {
      *out = Value::Float(n.f);
    } else if (n.is_int) {
      *out = Value::Int(n.i);
    } else if (n.is_uint) {
      return Error(a.pos, a.text, std::string(text) + " overflows int");
    } else {
      *out = Value::Float(n.f);
    }
    return Status::Ok();
  }

  Status ValidateType(const Value& v, char p, const Arg& at, Value* out) {
    if (p == 'a') {
      *out = v;
      return Status::Ok();
    }
    if (v.IsNil()) {
      return Error(at.pos, at.text, "invalid value; expected " + std::string(ParamTypeName(p)));
    }
    bool ok = false;
    switch (p) {
      case 's':
        ok = v.kind() == Value::Kind::kString;
        break;
      case 'i':
        ok = v.kind() == Value::Kind::kInt;
        break;
      case 'f':
        ok = v.kind() == Value::Kind::kFloat;
        break;
      case 'b':
        ok = v.kind() == Value::Kind::kBool;
        break;
      case 't':
        ok = v.kind() == Value::Kind::kTime;
        break;
      default:
        break;
    }
    if (!ok) {
      return Error(at.pos, at.text,
                   "wrong type for value; expected " + std::string(ParamTypeName(p)) + "; got " +
                       std::string(v.TypeName()));
    }
    *out = v;
    return Status::Ok();
  }

  // Evaluates argument `a` for a parameter of type `p` (see FuncDef).
  Status EvalArg(const Arg& a, char p, const Value& dot, Value* out) {
    auto expected = [&](std::string_view what) {
      return Error(a.pos, a.text, "expected " + std::string(what) + "; found " + a.text);
    };
    switch (a.kind) {
      case Arg::Kind::kString:
        if (p == 's' || p == 'a') {
          *out = Value::Borrowed(a.var);
          return Status::Ok();
        }
        break;
      case Arg::Kind::kNumber:
        if (p == 'a') return IdealConstant(a, out);
        if (p == 'i') {
          if (!a.num.is_int) return expected("integer");
          *out = Value::Int(a.num.i);
          return Status::Ok();
        }
        if (p == 'f') {
          if (!a.num.is_float) return expected("float");
          *out = Value::Float(a.num.f);
          return Status::Ok();
        }
        break;
      case Arg::Kind::kBool:
        if (p == 'b' || p == 'a') {
          *out = Value::Bool(a.b);
          return Status::Ok();
        }
        break;
      case Arg::Kind::kNil:
        if (p == 'a') {
          *out = Value::Nil();
          return Status::Ok();
        }
        return Error(a.pos, a.text, "cannot assign nil to " + std::string(ParamTypeName(p)));
      case Arg::Kind::kDot:
        return ValidateType(dot, p, a, out);
      case Arg::Kind::kField: {
        Value v;
        LOGSTACK_RETURN_IF_ERROR(EvalFieldChain(dot, a.fields, false, a, &v));
        return ValidateType(v, p, a, out);
      }
      case Arg::Kind::kVariable: {
        Value v;
        LOGSTACK_RETURN_IF_ERROR(LookupVar(a, &v));
        if (!a.fields.empty()) {
          Value f;
          LOGSTACK_RETURN_IF_ERROR(EvalFieldChain(v, a.fields, false, a, &f));
          v = std::move(f);
        }
        return ValidateType(v, p, a, out);
      }
      case Arg::Kind::kPipeline: {
        Value v;
        LOGSTACK_RETURN_IF_ERROR(EvalPipeline(*a.pipe, dot, &v));
        if (!a.fields.empty()) {
          Value f;
          LOGSTACK_RETURN_IF_ERROR(EvalFieldChain(v, a.fields, false, a, &f));
          v = std::move(f);
        }
        return ValidateType(v, p, a, out);
      }
      case Arg::Kind::kFunc: {
        // A function named as an argument is called without arguments.
        Value v;
        LOGSTACK_RETURN_IF_ERROR(CallFunction(a, nullptr, 0, dot, nullptr, &v));
        return ValidateType(v, p, a, out);
      }
    }
    switch (p) {
      case 's':
        return expected("string");
      case 'i':
        return expected("integer");
      case 'f':
        return expected("float");
      case 'b':
        return expected("bool");
      default:
        return Error(
            a.pos, a.text,
            "can't handle " + a.text + " for arg of type " + std::string(ParamTypeName(p)));
    }
  }

  Status EvalFunction(const Command& cmd, const Value& dot, const Value* final, Value* out) {
    return CallFunction(cmd.args[0], cmd.args.data() + 1, cmd.args.size() - 1, dot, final, out);
  }

  // Calls fn with `nargs` argument nodes and, when non-null, the piped value
  // `final` as the last argument.
  Status CallFunction(const Arg& fn, const Arg* args, size_t nargs, const Value& dot,
                      const Value* final, Value* out) {
    const FuncDef& f = *fn.func;
    std::string_view params = f.params;
    bool variadic = !params.empty() && params.back() == '*';
    size_t fixed = variadic ? params.size() - 2 : params.size();
    size_t given = nargs + (final != nullptr ? 1 : 0);
    if (variadic ? given < fixed : given != fixed) {
      return Error(fn.pos, fn.text,
                   "wrong number of args for " + std::string(f.name) + ": want " +
                       (variadic ? "at least " : "") + std::to_string(fixed) + " got " +
                       std::to_string(given));
    }
    auto param = [&](size_t i) { return i < fixed ? params[i] : params[params.size() - 2]; };
    if (f.impl == nullptr) {  // and, or: lazy, returning the deciding operand
      bool is_or = f.name == "or";
      Value v;
      for (size_t i = 0; i < nargs; ++i) {
        LOGSTACK_RETURN_IF_ERROR(EvalArg(args[i], 'a', dot, &v));
        if (IsTrue(v) == is_or) {
          *out = std::move(v);
          return Status::Ok();
        }
      }
      if (final != nullptr) v = *final;
      *out = std::move(v);
      return Status::Ok();
    }
    if (given > kMaxArgs) {
      return Error(fn.pos, fn.text, "too many arguments for " + std::string(f.name));
    }
    std::array<Value, kMaxArgs> argv;
    for (size_t i = 0; i < nargs; ++i) {
      LOGSTACK_RETURN_IF_ERROR(EvalArg(args[i], param(i), dot, &argv[i]));
    }
    if (final != nullptr) {
      LOGSTACK_RETURN_IF_ERROR(ValidateType(*final, param(nargs), fn, &argv[nargs]));
    }
    Value result;
    Status st = f.impl(std::span<Value>(argv.data(), given), ctx_, &result);
    if (st.ok() && result.IsString() && result.str().size() > max_) st = TooLarge(ctx_);
    if (!st.ok()) {
      return Error(fn.pos, fn.text, "error calling " + std::string(f.name) + ": " + st.message());
    }
    if (!fn.fields.empty()) return EvalFieldChain(std::move(result), fn.fields, false, fn, out);
    *out = std::move(result);
    return Status::Ok();
  }

  const TemplateImpl& t_;
  const TemplateData& data_;
  std::string* out_;
  const size_t base_;  // out_'s size before this execution
  const size_t max_;   // bytes this execution may append, and the longest value
  CallContext ctx_;
  int64_t iterations_ = 0;  // range iterations so far, against kMaxRange
  std::vector<std::pair<std::string_view, Value>> vars_;
  int depth_ = 0;
  Ctrl ctrl_ = Ctrl::kNone;
};

Status TemplateImpl::Execute(const TemplateData& data, std::string* out) const {
  Executor ex(*this, data, out);
  return ex.Walk(root_, Value::Map());
}

}  // namespace

StatusOr<std::shared_ptr<const Template>> Template::Parse(std::string_view name,
                                                          std::string_view text,
                                                          const TemplateOptions& options) {
  auto parsed = ParseTemplate(name, text);
  if (!parsed.ok()) return parsed.status();
  return std::shared_ptr<const Template>(std::make_shared<TemplateImpl>(
      std::string(name), std::string(text), std::move(parsed).value(), options));
}

}  // namespace logstack::logstore::tmpl
