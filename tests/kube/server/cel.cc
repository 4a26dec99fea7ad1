#include "tests/kube/server/cel.h"

#include <re2/re2.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <utility>

namespace logstack::kubetest::cel {

using nlohmann::json;

// ---------------------------------------------------------------- values ---

namespace {

// A runtime value. Lists and maps stay JSON (shared, possibly pointing into a
// larger document through shared_ptr's aliasing constructor), so selecting a
// field never copies a subtree.
struct Value {
  enum class T { kNull, kBool, kInt, kDouble, kString, kList, kMap, kQuantity, kError };
  T t = T::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  long double q = 0;              // a quantity's value
  std::string s;                  // a string, a quantity's text, or an error's message
  std::shared_ptr<const json> j;  // a list or a map

  bool IsError() const { return t == T::kError; }
  bool IsNumber() const { return t == T::kInt || t == T::kDouble; }
  long double Num() const { return t == T::kInt ? static_cast<long double>(i) : d; }
};

Value Null() { return {}; }
Value Bool(bool b) {
  Value v;
  v.t = Value::T::kBool;
  v.b = b;
  return v;
}
Value Int(int64_t i) {
  Value v;
  v.t = Value::T::kInt;
  v.i = i;
  return v;
}
Value Double(double d) {
  Value v;
  v.t = Value::T::kDouble;
  v.d = d;
  return v;
}
Value Str(std::string s) {
  Value v;
  v.t = Value::T::kString;
  v.s = std::move(s);
  return v;
}
Value Err(std::string msg) {
  Value v;
  v.t = Value::T::kError;
  v.s = std::move(msg);
  return v;
}
Value Quant(long double q, std::string text) {
  Value v;
  v.t = Value::T::kQuantity;
  v.q = q;
  v.s = std::move(text);
  return v;
}

Value FromJson(std::shared_ptr<const json> p) {
  const json& j = *p;
  switch (j.type()) {
    case json::value_t::null:
      return Null();
    case json::value_t::boolean:
      return Bool(j.get<bool>());
    case json::value_t::number_integer:
      return Int(j.get<int64_t>());
    case json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Err("integer overflow: " + std::to_string(u));
      }
      return Int(static_cast<int64_t>(u));
    }
    case json::value_t::number_float:
      return Double(j.get<double>());
    case json::value_t::string:
      return Str(j.get<std::string>());
    case json::value_t::array: {
      Value v;
      v.t = Value::T::kList;
      v.j = std::move(p);
      return v;
    }
    case json::value_t::object: {
      Value v;
      v.t = Value::T::kMap;
      v.j = std::move(p);
      return v;
    }
    default:
      return Err("unsupported value");
  }
}

Value FromOwned(json j) { return FromJson(std::make_shared<const json>(std::move(j))); }

// The child of a list or map value, sharing ownership of the whole document.
Value Child(const Value& parent, const json& child) {
  return FromJson(std::shared_ptr<const json>(parent.j, &child));
}

std::string TypeName(const Value& v) {
  switch (v.t) {
    case Value::T::kNull:
      return "null_type";
    case Value::T::kBool:
      return "bool";
    case Value::T::kInt:
      return "int";
    case Value::T::kDouble:
      return "double";
    case Value::T::kString:
      return "string";
    case Value::T::kList:
      return "list";
    case Value::T::kMap:
      return "map";
    case Value::T::kQuantity:
      return "kubernetes.Quantity";
    case Value::T::kError:
      return "error";
  }
  return "?";
}

StatusOr<json> ToJson(const Value& v) {
  switch (v.t) {
    case Value::T::kNull:
      return json(nullptr);
    case Value::T::kBool:
      return json(v.b);
    case Value::T::kInt:
      return json(v.i);
    case Value::T::kDouble:
      return json(v.d);
    case Value::T::kString:
    case Value::T::kQuantity:
      return json(v.s);
    case Value::T::kList:
    case Value::T::kMap:
      return *v.j;
    case Value::T::kError:
      return InvalidArgument(v.s);
  }
  return Internal("unreachable");
}

Value NoOverload(const std::string& fn, const std::vector<const Value*>& args) {
  std::string types;
  for (const Value* a : args) types += (types.empty() ? "" : ", ") + TypeName(*a);
  return Err("no such overload: " + fn + "(" + types + ")");
}

// CEL's heterogeneous equality: numbers compare across int and double, other
// values of different types are unequal.
bool Equal(const Value& a, const Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.t == Value::T::kInt && b.t == Value::T::kInt) return a.i == b.i;
    return a.Num() == b.Num();
  }
  if (a.t != b.t) return false;
  switch (a.t) {
    case Value::T::kNull:
      return true;
    case Value::T::kBool:
      return a.b == b.b;
    case Value::T::kString:
      return a.s == b.s;
    case Value::T::kQuantity:
      return a.q == b.q;
    case Value::T::kList: {
      if (a.j->size() != b.j->size()) return false;
      for (size_t k = 0; k < a.j->size(); ++k) {
        if (!Equal(Child(a, (*a.j)[k]), Child(b, (*b.j)[k]))) return false;
      }
      return true;
    }
    case Value::T::kMap: {
      if (a.j->size() != b.j->size()) return false;
      for (const auto& [key, val] : a.j->items()) {
        auto it = b.j->find(key);
        if (it == b.j->end() || !Equal(Child(a, val), Child(b, *it))) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// -1, 0, 1; or an error for types without an ordering.
Value Compare(const Value& a, const Value& b, const std::string& op) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.t == Value::T::kInt && b.t == Value::T::kInt) return Int(a.i < b.i ? -1 : a.i > b.i);
    long double x = a.Num(), y = b.Num();
    if (std::isnan(x) || std::isnan(y)) return Err("nan");
    return Int(x < y ? -1 : x > y);
  }
  if (a.t == b.t && a.t == Value::T::kString) return Int(a.s < b.s ? -1 : a.s > b.s);
  if (a.t == b.t && a.t == Value::T::kBool) return Int(a.b < b.b ? -1 : a.b > b.b);
  return NoOverload(op, {&a, &b});
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A Kubernetes quantity ("500m", "1Gi", "1e3"), or nullopt.
std::optional<long double> ParseQuantity(const std::string& s) {
  static const RE2 re(
      R"(^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$)");
  std::string number, suffix;
  if (!RE2::FullMatch(s, re, &number, &suffix)) return std::nullopt;
  long double v = std::strtold(number.c_str(), nullptr);
  static const std::map<std::string, long double> kSuffix = {
      {"", 1},         {"n", 1e-9L},    {"u", 1e-6L},    {"m", 1e-3L},
      {"k", 1e3L},     {"M", 1e6L},     {"G", 1e9L},     {"T", 1e12L},
      {"P", 1e15L},    {"E", 1e18L},    {"Ki", 1024.0L}, {"Mi", 0x1p20L},
      {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L}};
  auto it = kSuffix.find(suffix);
  if (it != kSuffix.end()) return v * it->second;
  return v * std::pow(10.0L, std::strtold(suffix.c_str() + 1, nullptr));
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

// A static schema for the keys of a map (comprehension variables over maps).
const json& StringSchema() {
  static const json s = {{"type", "string"}};
  return s;
}

}  // namespace

// ------------------------------------------------------------------ AST ---

struct Node {
  enum class K {
    kLit,
    kIdent,
    kSelect,
    kHas,
    kIndex,
    kCall,
    kList,
    kMap,
    kNot,
    kNeg,
    kBin,
    kAnd,
    kOr,
    kCond,
    kComp
  };
  K k = K::kLit;
  int pos = 0;              // 1-based column, for messages
  Value lit;                // kLit
  std::string name;         // identifier, field, function, operator or macro
  std::string var;          // comprehension variable
  bool has_target = false;  // kCall: a method call, kids[0] is the receiver
  std::vector<std::unique_ptr<Node>> kids;
};

namespace {

using NodePtr = std::unique_ptr<Node>;

NodePtr MakeNode(Node::K k, int pos) {
  auto n = std::make_unique<Node>();
  n->k = k;
  n->pos = pos;
  return n;
}

// ---------------------------------------------------------------- lexer ---

struct Token {
  enum class K { kIdent, kInt, kUint, kDouble, kString, kBytes, kPunct, kEnd };
  K k = K::kEnd;
  std::string text;  // identifier, punctuation, or the decoded string
  uint64_t u = 0;    // an int literal's magnitude
  double d = 0;
  int pos = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Status Run(std::vector<Token>& out) {
    while (true) {
      SkipSpace();
      Token t;
      t.pos = static_cast<int>(i_) + 1;
      if (i_ >= src_.size()) {
        t.k = Token::K::kEnd;
        out.push_back(t);
        return Status::Ok();
      }
      char c = src_[i_];
      if (IsDigit(c) || (c == '.' && i_ + 1 < src_.size() && IsDigit(src_[i_ + 1]))) {
        LOGSTACK_RETURN_IF_ERROR(Number(t));
      } else if (IsIdentStart(c)) {
        size_t start = i_;
        while (i_ < src_.size() && (IsIdentStart(src_[i_]) || IsDigit(src_[i_]))) ++i_;
        std::string word(src_.substr(start, i_ - start));
        bool raw = false, bytes = false;
        // String prefixes: r, R, b, B and their pairs.
        if (i_ < src_.size() && (src_[i_] == '\'' || src_[i_] == '"') && word.size() <= 2) {
          bool prefix = true;
          for (char p : word) {
            if (p == 'r' || p == 'R') {
              raw = true;
            } else if (p == 'b' || p == 'B') {
              bytes = true;
            } else {
              prefix = false;
            }
          }
          if (prefix) {
            LOGSTACK_RETURN_IF_ERROR(String(t, raw));
            if (bytes) t.k = Token::K::kBytes;
            out.push_back(t);
            continue;
          }
        }
        t.k = Token::K::kIdent;
        t.text = word;
      } else if (c == '\'' || c == '"') {
        LOGSTACK_RETURN_IF_ERROR(String(t, false));
      } else {
        static const char* kTwo[] = {"&&", "||", "==", "!=", "<=", ">="};
        t.k = Token::K::kPunct;
        bool two = false;
        for (const char* op : kTwo) {
          if (src_.substr(i_, 2) == op) {
            t.text = op;
            i_ += 2;
            two = true;
            break;
          }
        }
        if (!two) {
          if (std::string_view("+-*/%!<>?:.,()[]{}").find(c) == std::string_view::npos) {
            return Error(t.pos,
                         std::string("Syntax error: token recognition error at: '") + c + "'");
          }
          t.text = std::string(1, c);
          ++i_;
        }
      }
      out.push_back(t);
    }
  }

  static Status Error(int pos, const std::string& what) {
    return InvalidArgument("<input>:1:" + std::to_string(pos) + ": " + what);
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  void SkipSpace() {
    while (i_ < src_.size()) {
      char c = src_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++i_;
      } else if (c == '/' && i_ + 1 < src_.size() && src_[i_ + 1] == '/') {
        while (i_ < src_.size() && src_[i_] != '\n') ++i_;
      } else {
        return;
      }
    }
  }

  Status Number(Token& t) {
    size_t start = i_;
    if (src_.substr(i_, 2) == "0x" || src_.substr(i_, 2) == "0X") {
      i_ += 2;
      size_t digits = i_;
      while (i_ < src_.size() && std::isxdigit(static_cast<unsigned char>(src_[i_]))) ++i_;
      if (i_ == digits) return Error(t.pos, "Syntax error: invalid hex literal");
      t.k = Token::K::kInt;
      errno = 0;
      t.u = std::strtoull(std::string(src_.substr(digits, i_ - digits)).c_str(), nullptr, 16);
      if (errno == ERANGE) return Error(t.pos, "invalid int literal");
    } else {
      bool is_double = false;
      while (i_ < src_.size() && IsDigit(src_[i_])) ++i_;
      if (i_ + 1 < src_.size() && src_[i_] == '.' && IsDigit(src_[i_ + 1])) {
        is_double = true;
        ++i_;
        while (i_ < src_.size() && IsDigit(src_[i_])) ++i_;
      }
      if (i_ < src_.size() && (src_[i_] == 'e' || src_[i_] == 'E')) {
        size_t save = i_++;
        if (i_ < src_.size() && (src_[i_] == '+' || src_[i_] == '-')) ++i_;
        if (i_ < src_.size() && IsDigit(src_[i_])) {
          is_double = true;
          while (i_ < src_.size() && IsDigit(src_[i_])) ++i_;
        } else {
          i_ = save;
        }
      }
      std::string text(src_.substr(start, i_ - start));
      if (is_double) {
        t.k = Token::K::kDouble;
        t.d = std::strtod(text.c_str(), nullptr);
      } else {
        t.k = Token::K::kInt;
        errno = 0;
        t.u = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE) return Error(t.pos, "invalid int literal");
      }
    }
    if (i_ < src_.size() && (src_[i_] == 'u' || src_[i_] == 'U')) {
      ++i_;
      if (t.k != Token::K::kInt) return Error(t.pos, "Syntax error: invalid uint literal");
      t.k = Token::K::kUint;
    }
    if (i_ < src_.size() && (IsIdentStart(src_[i_]) || IsDigit(src_[i_]))) {
      return Error(t.pos, "Syntax error: invalid number literal");
    }
    return Status::Ok();
  }

  Status String(Token& t, bool raw) {
    const char q = src_[i_];
    const bool triple = src_.substr(i_, 3) == std::string(3, q);
    i_ += triple ? 3 : 1;
    t.k = Token::K::kString;
    std::string out;
    while (true) {
      if (i_ >= src_.size()) return Error(t.pos, "Syntax error: unterminated string literal");
      char c = src_[i_];
      if (triple ? src_.substr(i_, 3) == std::string(3, q) : c == q) {
        i_ += triple ? 3 : 1;
        break;
      }
      if (!triple && (c == '\n' || c == '\r')) {
        return Error(t.pos, "Syntax error: newline in string literal");
      }
      if (c != '\\' || raw) {
        out += c;
        ++i_;
        continue;
      }
      if (i_ + 1 >= src_.size()) return Error(t.pos, "Syntax error: unterminated escape");
      char e = src_[i_ + 1];
      i_ += 2;
      switch (e) {
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case '`':
          out += '`';
          break;
        case '?':
          out += '?';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
        case 'X':
        case 'u':
        case 'U': {
          size_t n = (e == 'x' || e == 'X') ? 2 : e == 'u' ? 4 : 8;
          if (i_ + n > src_.size()) return Error(t.pos, "Syntax error: invalid escape");
          std::string hex(src_.substr(i_, n));
          for (char h : hex) {
            if (!std::isxdigit(static_cast<unsigned char>(h))) {
              return Error(t.pos, "Syntax error: invalid escape");
            }
          }
          uint32_t cp = static_cast<uint32_t>(std::strtoul(hex.c_str(), nullptr, 16));
          i_ += n;
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return Error(t.pos, "Syntax error: invalid unicode code point");
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '3' && i_ + 2 <= src_.size() && src_[i_] >= '0' && src_[i_] <= '7' &&
              src_[i_ + 1] >= '0' && src_[i_ + 1] <= '7') {
            uint32_t cp = (e - '0') * 64 + (src_[i_] - '0') * 8 + (src_[i_ + 1] - '0');
            i_ += 2;
            AppendUtf8(out, cp);
            break;
          }
          return Error(t.pos, std::string("Syntax error: invalid escape sequence '\\") + e + "'");
      }
    }
    t.text = std::move(out);
    return Status::Ok();
  }

  std::string_view src_;
  size_t i_ = 0;
};

// --------------------------------------------------------------- parser ---

const std::set<std::string>& Reserved() {
  static const std::set<std::string> r = {
      "as",  "break", "const",   "continue",  "else",   "for", "function", "if",   "import",
      "let", "loop",  "package", "namespace", "return", "var", "void",     "while"};
  return r;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  StatusOr<NodePtr> Parse() {
    auto e = Expr();
    if (!e.ok()) return e;
    if (Peek().k != Token::K::kEnd) return Unexpected();
    return e;
  }

 private:
  static constexpr int kMaxDepth = 100;

  const Token& Peek(size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  bool IsPunct(const char* p, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.k == Token::K::kPunct && t.text == p;
  }
  bool Accept(const char* p) {
    if (!IsPunct(p)) return false;
    ++pos_;
    return true;
  }
  Status Expect(const char* p) {
    if (Accept(p)) return Status::Ok();
    return Lexer::Error(Peek().pos,
                        std::string("Syntax error: missing '") + p + "' at " + Describe(Peek()));
  }
  static std::string Describe(const Token& t) {
    if (t.k == Token::K::kEnd) return "'<EOF>'";
    if (t.k == Token::K::kString) return "a string";
    if (t.k == Token::K::kInt || t.k == Token::K::kDouble) return "a number";
    return "'" + t.text + "'";
  }
  Status Unexpected() const {
    return Lexer::Error(Peek().pos, "Syntax error: mismatched input " + Describe(Peek()));
  }

  StatusOr<NodePtr> Expr() {
    if (++depth_ > kMaxDepth) return Lexer::Error(Peek().pos, "expression nested too deeply");
    auto cond = Or();
    if (!cond.ok()) return cond;
    NodePtr out = std::move(*cond);
    if (IsPunct("?")) {
      int pos = Peek().pos;
      ++pos_;
      auto a = Or();
      if (!a.ok()) return a;
      LOGSTACK_RETURN_IF_ERROR(Expect(":"));
      auto b = Expr();
      if (!b.ok()) return b;
      NodePtr n = MakeNode(Node::K::kCond, pos);
      n->kids.push_back(std::move(out));
      n->kids.push_back(std::move(*a));
      n->kids.push_back(std::move(*b));
      out = std::move(n);
    }
    --depth_;
    return out;
  }

  StatusOr<NodePtr> Or() { return Logical("||", Node::K::kOr, &Parser::And); }
  StatusOr<NodePtr> And() { return Logical("&&", Node::K::kAnd, &Parser::Relation); }

  StatusOr<NodePtr> Logical(const char* op, Node::K k, StatusOr<NodePtr> (Parser::*next)()) {
    auto lhs = (this->*next)();
    if (!lhs.ok()) return lhs;
    NodePtr out = std::move(*lhs);
    while (IsPunct(op)) {
      int pos = Peek().pos;
      ++pos_;
      auto rhs = (this->*next)();
      if (!rhs.ok()) return rhs;
      NodePtr n = MakeNode(k, pos);
      n->kids.push_back(std::move(out));
      n->kids.push_back(std::move(*rhs));
      out = std::move(n);
    }
    return out;
  }

  StatusOr<NodePtr> Relation() {
    auto lhs = Addition();
    if (!lhs.ok()) return lhs;
    NodePtr out = std::move(*lhs);
    while (true) {
      const Token& t = Peek();
      std::string op;
      if (t.k == Token::K::kPunct && (t.text == "<" || t.text == "<=" || t.text == ">" ||
                                      t.text == ">=" || t.text == "==" || t.text == "!=")) {
        op = t.text;
      } else if (t.k == Token::K::kIdent && t.text == "in") {
        op = "in";
      } else {
        break;
      }
      int pos = t.pos;
      ++pos_;
      auto rhs = Addition();
      if (!rhs.ok()) return rhs;
      out = Binary(op, pos, std::move(out), std::move(*rhs));
    }
    return out;
  }

  static NodePtr Binary(const std::string& op, int pos, NodePtr a, NodePtr b) {
    NodePtr n = MakeNode(Node::K::kBin, pos);
    n->name = op;
    n->kids.push_back(std::move(a));
    n->kids.push_back(std::move(b));
    return n;
  }

  StatusOr<NodePtr> Addition() {
    auto lhs = Multiplication();
    if (!lhs.ok()) return lhs;
    NodePtr out = std::move(*lhs);
    while (IsPunct("+") || IsPunct("-")) {
      std::string op = Peek().text;
      int pos = Peek().pos;
      ++pos_;
      auto rhs = Multiplication();
      if (!rhs.ok()) return rhs;
      out = Binary(op, pos, std::move(out), std::move(*rhs));
    }
    return out;
  }

  StatusOr<NodePtr> Multiplication() {
    auto lhs = Unary();
    if (!lhs.ok()) return lhs;
    NodePtr out = std::move(*lhs);
    while (IsPunct("*") || IsPunct("/") || IsPunct("%")) {
      std::string op = Peek().text;
      int pos = Peek().pos;
      ++pos_;
      auto rhs = Unary();
      if (!rhs.ok()) return rhs;
      out = Binary(op, pos, std::move(out), std::move(*rhs));
    }
    return out;
  }

  StatusOr<NodePtr> Unary() {
    if (IsPunct("!")) {
      int pos = Peek().pos;
      ++pos_;
      auto operand = Unary();
      if (!operand.ok()) return operand;
      NodePtr n = MakeNode(Node::K::kNot, pos);
      n->kids.push_back(std::move(*operand));
      return n;
    }
    if (IsPunct("-")) {
      int pos = Peek().pos;
      ++pos_;
      // A negative int literal, so that -9223372036854775808 is representable.
      if (Peek().k == Token::K::kInt && !IsPunct(".", 1) && !IsPunct("[", 1)) {
        const Token t = Peek();
        ++pos_;
        if (t.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
          return Lexer::Error(t.pos, "invalid int literal");
        }
        NodePtr n = MakeNode(Node::K::kLit, pos);
        n->lit = Int(static_cast<int64_t>(0 - t.u));
        return n;
      }
      auto operand = Unary();
      if (!operand.ok()) return operand;
      NodePtr n = MakeNode(Node::K::kNeg, pos);
      n->kids.push_back(std::move(*operand));
      return n;
    }
    return Member();
  }

  StatusOr<std::vector<NodePtr>> Args(const char* close) {
    std::vector<NodePtr> args;
    if (Accept(close)) return args;
    while (true) {
      auto a = Expr();
      if (!a.ok()) return a.status();
      args.push_back(std::move(*a));
      if (Accept(close)) return args;
      LOGSTACK_RETURN_IF_ERROR(Expect(","));
      if (Accept(close)) return args;  // trailing comma
    }
  }

  StatusOr<NodePtr> Member() {
    auto prim = Primary();
    if (!prim.ok()) return prim;
    NodePtr out = std::move(*prim);
    while (true) {
      if (IsPunct(".")) {
        ++pos_;
        const Token t = Peek();
        if (t.k != Token::K::kIdent) return Unexpected();
        ++pos_;
        if (IsPunct("(")) {
          ++pos_;
          auto args = Args(")");
          if (!args.ok()) return args.status();
          auto call = MethodCall(t, std::move(out), std::move(*args));
          if (!call.ok()) return call;
          out = std::move(*call);
        } else {
          NodePtr n = MakeNode(Node::K::kSelect, t.pos);
          n->name = t.text;
          n->kids.push_back(std::move(out));
          out = std::move(n);
        }
      } else if (IsPunct("[")) {
        int pos = Peek().pos;
        ++pos_;
        auto idx = Expr();
        if (!idx.ok()) return idx;
        LOGSTACK_RETURN_IF_ERROR(Expect("]"));
        NodePtr n = MakeNode(Node::K::kIndex, pos);
        n->kids.push_back(std::move(out));
        n->kids.push_back(std::move(*idx));
        out = std::move(n);
      } else {
        return out;
      }
    }
  }

  StatusOr<NodePtr> MethodCall(const Token& t, NodePtr target, std::vector<NodePtr> args) {
    static const std::set<std::string> kMacros = {"all", "exists", "exists_one", "map", "filter"};
    if (kMacros.count(t.text)) {
      const size_t want_min = 2, want_max = t.text == "map" ? 3 : 2;
      if (args.size() < want_min || args.size() > want_max) {
        return Lexer::Error(t.pos, "found no matching overload for '" + t.text + "' applied to " +
                                       std::to_string(args.size()) + " arguments");
      }
      if (args[0]->k != Node::K::kIdent) {
        return Lexer::Error(args[0]->pos, "argument is not an identifier");
      }
      NodePtr n = MakeNode(Node::K::kComp, t.pos);
      n->name = t.text;
      n->var = args[0]->name;
      n->kids.push_back(std::move(target));
      for (size_t k = 1; k < args.size(); ++k) n->kids.push_back(std::move(args[k]));
      return n;
    }
    NodePtr n = MakeNode(Node::K::kCall, t.pos);
    n->name = t.text;
    n->has_target = true;
    n->kids.push_back(std::move(target));
    for (auto& a : args) n->kids.push_back(std::move(a));
    return n;
  }

  StatusOr<NodePtr> Primary() {
    const Token t = Peek();
    switch (t.k) {
      case Token::K::kInt: {
        ++pos_;
        if (t.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return Lexer::Error(t.pos, "invalid int literal");
        }
        NodePtr n = MakeNode(Node::K::kLit, t.pos);
        n->lit = Int(static_cast<int64_t>(t.u));
        return n;
      }
      case Token::K::kUint:
        return Lexer::Error(t.pos, "uint literals are not supported by this evaluator");
      case Token::K::kBytes:
        return Lexer::Error(t.pos, "bytes literals are not supported by this evaluator");
      case Token::K::kDouble: {
        ++pos_;
        NodePtr n = MakeNode(Node::K::kLit, t.pos);
        n->lit = Double(t.d);
        return n;
      }
      case Token::K::kString: {
        ++pos_;
        NodePtr n = MakeNode(Node::K::kLit, t.pos);
        n->lit = Str(t.text);
        return n;
      }
      case Token::K::kIdent: {
        ++pos_;
        if (t.text == "true" || t.text == "false") {
          NodePtr n = MakeNode(Node::K::kLit, t.pos);
          n->lit = Bool(t.text == "true");
          return n;
        }
        if (t.text == "null") return MakeNode(Node::K::kLit, t.pos);
        if (t.text == "in" || Reserved().count(t.text)) {
          return Lexer::Error(t.pos, "reserved identifier: " + t.text);
        }
        if (IsPunct("(")) {
          ++pos_;
          auto args = Args(")");
          if (!args.ok()) return args.status();
          if (t.text == "has") {
            if (args->size() != 1 || (*args)[0]->k != Node::K::kSelect) {
              return Lexer::Error(t.pos, "invalid argument to has() macro");
            }
            NodePtr n = MakeNode(Node::K::kHas, (*args)[0]->pos);
            n->name = (*args)[0]->name;
            n->kids.push_back(std::move((*args)[0]->kids[0]));
            return n;
          }
          NodePtr n = MakeNode(Node::K::kCall, t.pos);
          n->name = t.text;
          for (auto& a : *args) n->kids.push_back(std::move(a));
          return n;
        }
        NodePtr n = MakeNode(Node::K::kIdent, t.pos);
        n->name = t.text;
        return n;
      }
      case Token::K::kPunct: {
        if (t.text == "(") {
          ++pos_;
          auto e = Expr();
          if (!e.ok()) return e;
          LOGSTACK_RETURN_IF_ERROR(Expect(")"));
          return e;
        }
        if (t.text == "[") {
          ++pos_;
          auto elems = Args("]");
          if (!elems.ok()) return elems.status();
          NodePtr n = MakeNode(Node::K::kList, t.pos);
          n->kids = std::move(*elems);
          return n;
        }
        if (t.text == "{") {
          ++pos_;
          NodePtr n = MakeNode(Node::K::kMap, t.pos);
          if (Accept("}")) return n;
          while (true) {
            auto k = Expr();
            if (!k.ok()) return k;
            LOGSTACK_RETURN_IF_ERROR(Expect(":"));
            auto v = Expr();
            if (!v.ok()) return v;
            n->kids.push_back(std::move(*k));
            n->kids.push_back(std::move(*v));
            if (Accept("}")) return n;
            LOGSTACK_RETURN_IF_ERROR(Expect(","));
            if (Accept("}")) return n;
          }
        }
        if (t.text == ".") {  // a leading dot: a name resolved from the root scope
          ++pos_;
          if (Peek().k != Token::K::kIdent) return Unexpected();
          return Primary();
        }
        return Unexpected();
      }
      case Token::K::kEnd:
        return Unexpected();
    }
    return Unexpected();
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// -------------------------------------------------------------- checker ---

// The functions of the subset: name -> (method?, accepted argument counts).
struct FunctionSpec {
  bool global;
  bool method;
  std::set<size_t> arity;  // arguments besides the receiver
};

const std::map<std::string, FunctionSpec>& Functions() {
  static const std::map<std::string, FunctionSpec> f = {
      {"size", {true, true, {0, 1}}},
      {"startsWith", {false, true, {1}}},
      {"endsWith", {false, true, {1}}},
      {"contains", {false, true, {1}}},
      {"matches", {true, true, {1, 2}}},
      {"lowerAscii", {false, true, {0}}},
      {"upperAscii", {false, true, {0}}},
      {"trim", {false, true, {0}}},
      {"int", {true, false, {1}}},
      {"double", {true, false, {1}}},
      {"string", {true, false, {1}}},
      {"isQuantity", {true, false, {1}}},
      {"quantity", {true, false, {1}}},
      {"compareTo", {false, true, {1}}},
      {"isGreaterThan", {false, true, {1}}},
      {"isLessThan", {false, true, {1}}},
      {"asApproximateFloat", {false, true, {0}}},
  };
  return f;
}

std::string SchemaType(const json* s) {
  if (!s || !s->is_object() || !s->contains("type") || !(*s)["type"].is_string()) return "";
  return (*s)["type"].get<std::string>();
}

class Checker {
 public:
  explicit Checker(const json* schema) : schema_(schema) {}

  // Returns the schema of `n`'s value when known (null: dynamic).
  StatusOr<const json*> Check(const Node& n) {
    switch (n.k) {
      case Node::K::kLit:
        return nullptr;
      case Node::K::kIdent: {
        for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
          if (it->first == n.name) return it->second;
        }
        if (n.name == "self") return schema_;
        if (n.name == "oldSelf") {
          uses_old_self = true;
          return schema_;
        }
        return Lexer::Error(n.pos, "undeclared reference to '" + n.name + "'");
      }
      case Node::K::kSelect:
      case Node::K::kHas: {
        auto operand = Check(*n.kids[0]);
        if (!operand.ok()) return operand;
        return Field(*operand, n.name, n.pos);
      }
      case Node::K::kIndex: {
        auto operand = Check(*n.kids[0]);
        if (!operand.ok()) return operand;
        LOGSTACK_RETURN_IF_ERROR(Check(*n.kids[1]).status());
        return Element(*operand);
      }
      case Node::K::kCall: {
        auto it = Functions().find(n.name);
        const size_t argc = n.kids.size() - (n.has_target ? 1 : 0);
        if (it == Functions().end() || (n.has_target ? !it->second.method : !it->second.global)) {
          return Lexer::Error(n.pos, (n.has_target ? "undeclared reference to '" + n.name +
                                                         "' (a method this evaluator lacks)"
                                                   : "undeclared reference to '" + n.name + "'"));
        }
        if (!it->second.arity.count(argc) || (n.name == "size" && argc != (n.has_target ? 0 : 1)) ||
            (n.name == "matches" && argc != (n.has_target ? 1 : 2))) {
          return Lexer::Error(n.pos, "found no matching overload for '" + n.name + "' applied to " +
                                         std::to_string(argc) + " arguments");
        }
        for (const auto& k : n.kids) LOGSTACK_RETURN_IF_ERROR(Check(*k).status());
        return nullptr;
      }
      case Node::K::kComp: {
        auto range = Check(*n.kids[0]);
        if (!range.ok()) return range;
        const json* elem = nullptr;
        if (*range && SchemaType(*range) == "array" && (*range)->contains("items")) {
          elem = &(**range)["items"];
        } else if (*range && SchemaType(*range) == "object") {
          elem = &StringSchema();  // maps iterate over their keys
        }
        scope_.emplace_back(n.var, elem);
        for (size_t k = 1; k < n.kids.size(); ++k) {
          auto st = Check(*n.kids[k]);
          if (!st.ok()) {
            scope_.pop_back();
            return st;
          }
        }
        scope_.pop_back();
        return nullptr;
      }
      default:
        for (const auto& k : n.kids) LOGSTACK_RETURN_IF_ERROR(Check(*k).status());
        return nullptr;
    }
  }

  bool uses_old_self = false;

 private:
  // The schema of field `name` of a value of schema `s`, or an error when `s`
  // is known and has no such field.
  static StatusOr<const json*> Field(const json* s, const std::string& name, int pos) {
    if (!s || !s->is_object()) return nullptr;
    if (s->value("x-kubernetes-preserve-unknown-fields", false) ||
        s->value("x-kubernetes-int-or-string", false)) {
      return nullptr;
    }
    const std::string type = SchemaType(s);
    if (!type.empty() && type != "object") {
      return Lexer::Error(pos, "type '" + type + "' does not support field selection");
    }
    if (s->contains("properties") && (*s)["properties"].contains(name)) {
      return &(*s)["properties"][name];
    }
    if (s->contains("additionalProperties")) {
      const json& ap = (*s)["additionalProperties"];
      return ap.is_object() ? &ap : nullptr;
    }
    if (s->contains("properties")) return Lexer::Error(pos, "undefined field '" + name + "'");
    return nullptr;
  }

  static const json* Element(const json* s) {
    if (!s || !s->is_object()) return nullptr;
    if (SchemaType(s) == "array" && s->contains("items")) return &(*s)["items"];
    if (s->contains("additionalProperties") && (*s)["additionalProperties"].is_object()) {
      return &(*s)["additionalProperties"];
    }
    return nullptr;
  }

  const json* schema_;
  std::vector<std::pair<std::string, const json*>> scope_;
};

// ------------------------------------------------------------ evaluator ---

constexpr int64_t kStepBudget = 1'000'000;

class Evaluator {
 public:
  Evaluator(const Value& self, const Value* old_self) : self_(self), old_self_(old_self) {}

  Value Eval(const Node& n) {
    if (++steps_ > kStepBudget) {
      return Err("operation cancelled: actual cost limit exceeded");
    }
    switch (n.k) {
      case Node::K::kLit:
        return n.lit;
      case Node::K::kIdent: {
        for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
          if (it->first == n.name) return it->second;
        }
        if (n.name == "self") return self_;
        if (n.name == "oldSelf") return old_self_ ? *old_self_ : Err("no such attribute: oldSelf");
        return Err("no such attribute: " + n.name);
      }
      case Node::K::kSelect: {
        Value v = Eval(*n.kids[0]);
        if (v.IsError()) return v;
        if (v.t != Value::T::kMap) {
          return Err("type '" + TypeName(v) + "' does not support field selection");
        }
        auto it = v.j->find(n.name);
        if (it == v.j->end()) return Err("no such key: " + n.name);
        return Child(v, *it);
      }
      case Node::K::kHas: {
        Value v = Eval(*n.kids[0]);
        if (v.IsError()) return v;
        if (v.t != Value::T::kMap) {
          return Err("invalid type for field selection: " + TypeName(v));
        }
        return Bool(v.j->contains(n.name));
      }
      case Node::K::kIndex:
        return Index(Eval(*n.kids[0]), Eval(*n.kids[1]));
      case Node::K::kList: {
        json out = json::array();
        for (const auto& k : n.kids) {
          Value v = Eval(*k);
          if (v.IsError()) return v;
          auto j = ToJson(v);
          if (!j.ok()) return Err(j.status().message());
          out.push_back(std::move(*j));
        }
        return FromOwned(std::move(out));
      }
      case Node::K::kMap: {
        json out = json::object();
        for (size_t k = 0; k < n.kids.size(); k += 2) {
          Value key = Eval(*n.kids[k]);
          if (key.IsError()) return key;
          if (key.t != Value::T::kString) {
            return Err("unsupported map key type: " + TypeName(key) + " (only strings)");
          }
          if (out.contains(key.s)) return Err("Failed with repeated key: " + key.s);
          Value v = Eval(*n.kids[k + 1]);
          if (v.IsError()) return v;
          auto j = ToJson(v);
          if (!j.ok()) return Err(j.status().message());
          out[key.s] = std::move(*j);
        }
        return FromOwned(std::move(out));
      }
      case Node::K::kNot: {
        Value v = Eval(*n.kids[0]);
        if (v.IsError()) return v;
        if (v.t != Value::T::kBool) return NoOverload("!_", {&v});
        return Bool(!v.b);
      }
      case Node::K::kNeg: {
        Value v = Eval(*n.kids[0]);
        if (v.IsError()) return v;
        if (v.t == Value::T::kInt) {
          if (v.i == std::numeric_limits<int64_t>::min()) return Err("integer overflow");
          return Int(-v.i);
        }
        if (v.t == Value::T::kDouble) return Double(-v.d);
        return NoOverload("-_", {&v});
      }
      case Node::K::kAnd:
      case Node::K::kOr:
        return Logical(n);
      case Node::K::kCond: {
        Value c = Eval(*n.kids[0]);
        if (c.IsError()) return c;
        if (c.t != Value::T::kBool) return NoOverload("_?_:_", {&c});
        return Eval(*n.kids[c.b ? 1 : 2]);
      }
      case Node::K::kBin:
        return BinaryOp(n.name, Eval(*n.kids[0]), Eval(*n.kids[1]));
      case Node::K::kCall:
        return Call(n);
      case Node::K::kComp:
        return Comprehension(n);
    }
    return Err("unreachable");
  }

 private:
  // && and || are commutative and absorb errors: false && error is false.
  Value Logical(const Node& n) {
    const bool is_and = n.k == Node::K::kAnd;
    Value a = Eval(*n.kids[0]);
    if (a.t == Value::T::kBool && a.b != is_and) return a;
    Value b = Eval(*n.kids[1]);
    if (b.t == Value::T::kBool && b.b != is_and) return b;
    if (a.IsError()) return a;
    if (b.IsError()) return b;
    if (a.t != Value::T::kBool || b.t != Value::T::kBool) {
      return NoOverload(is_and ? "_&&_" : "_||_", {&a, &b});
    }
    return Bool(is_and);
  }

  static Value Index(const Value& c, const Value& i) {
    if (c.IsError()) return c;
    if (i.IsError()) return i;
    if (c.t == Value::T::kList) {
      int64_t k;
      if (i.t == Value::T::kInt) {
        k = i.i;
      } else if (i.t == Value::T::kDouble && i.d == std::floor(i.d)) {
        k = static_cast<int64_t>(i.d);
      } else {
        return NoOverload("_[_]", {&c, &i});
      }
      if (k < 0 || k >= static_cast<int64_t>(c.j->size())) {
        return Err("index out of bounds: " + std::to_string(k));
      }
      return Child(c, (*c.j)[static_cast<size_t>(k)]);
    }
    if (c.t == Value::T::kMap) {
      if (i.t != Value::T::kString) return Err("no such key of type " + TypeName(i));
      auto it = c.j->find(i.s);
      if (it == c.j->end()) return Err("no such key: " + i.s);
      return Child(c, *it);
    }
    return NoOverload("_[_]", {&c, &i});
  }

  static Value BinaryOp(const std::string& op, const Value& a, const Value& b) {
    if (a.IsError()) return a;
    if (b.IsError()) return b;
    if (op == "==") return Bool(Equal(a, b));
    if (op == "!=") return Bool(!Equal(a, b));
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      Value c = Compare(a, b, "_" + op + "_");
      if (c.IsError()) {
        if (c.s == "nan") return Bool(false);
        return c;
      }
      if (op == "<") return Bool(c.i < 0);
      if (op == "<=") return Bool(c.i <= 0);
      if (op == ">") return Bool(c.i > 0);
      return Bool(c.i >= 0);
    }
    if (op == "in") {
      if (b.t == Value::T::kList) {
        for (const auto& e : *b.j) {
          if (Equal(a, Child(b, e))) return Bool(true);
        }
        return Bool(false);
      }
      if (b.t == Value::T::kMap) return Bool(a.t == Value::T::kString && b.j->contains(a.s));
      return NoOverload("@in", {&a, &b});
    }
    if (a.t == Value::T::kInt && b.t == Value::T::kInt) {
      int64_t r;
      if (op == "+" && !__builtin_add_overflow(a.i, b.i, &r)) return Int(r);
      if (op == "-" && !__builtin_sub_overflow(a.i, b.i, &r)) return Int(r);
      if (op == "*" && !__builtin_mul_overflow(a.i, b.i, &r)) return Int(r);
      if (op == "/" || op == "%") {
        if (b.i == 0) return Err(op == "/" ? "division by zero" : "modulus by zero");
        if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) {
          return Err("integer overflow");
        }
        return Int(op == "/" ? a.i / b.i : a.i % b.i);
      }
      return Err("integer overflow");
    }
    if (a.t == Value::T::kDouble && b.t == Value::T::kDouble && op != "%") {
      if (op == "+") return Double(a.d + b.d);
      if (op == "-") return Double(a.d - b.d);
      if (op == "*") return Double(a.d * b.d);
      return Double(a.d / b.d);
    }
    if (op == "+" && a.t == Value::T::kString && b.t == Value::T::kString) return Str(a.s + b.s);
    if (op == "+" && a.t == Value::T::kList && b.t == Value::T::kList) {
      json out = *a.j;
      for (const auto& e : *b.j) out.push_back(e);
      return FromOwned(std::move(out));
    }
    return NoOverload("_" + op + "_", {&a, &b});
  }

  Value Call(const Node& n) {
    std::vector<Value> args;
    for (const auto& k : n.kids) {
      args.push_back(Eval(*k));
      if (args.back().IsError()) return args.back();
    }
    std::vector<const Value*> ptrs;
    for (const auto& a : args) ptrs.push_back(&a);
    const std::string& f = n.name;
    const Value& x = args[0];
    if (f == "size") {
      if (x.t == Value::T::kString) return Int(static_cast<int64_t>(CodePoints(x.s)));
      if (x.t == Value::T::kList || x.t == Value::T::kMap) {
        return Int(static_cast<int64_t>(x.j->size()));
      }
      return NoOverload(f, ptrs);
    }
    if (f == "startsWith" || f == "endsWith" || f == "contains" || f == "matches") {
      if (x.t != Value::T::kString || args[1].t != Value::T::kString) return NoOverload(f, ptrs);
      const std::string& s = x.s;
      const std::string& p = args[1].s;
      if (f == "startsWith") return Bool(s.rfind(p, 0) == 0);
      if (f == "endsWith")
        return Bool(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
      if (f == "contains") return Bool(s.find(p) != std::string::npos);
      RE2 re(p, RE2::Quiet);
      if (!re.ok()) return Err("error parsing regexp: " + re.error());
      return Bool(RE2::PartialMatch(s, re));
    }
    if (f == "lowerAscii" || f == "upperAscii" || f == "trim") {
      if (x.t != Value::T::kString) return NoOverload(f, ptrs);
      std::string s = x.s;
      if (f == "trim") {
        const char* ws = " \t\n\v\f\r";
        size_t b = s.find_first_not_of(ws);
        if (b == std::string::npos) return Str("");
        return Str(s.substr(b, s.find_last_not_of(ws) - b + 1));
      }
      for (char& c : s) {
        if (f == "lowerAscii" && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (f == "upperAscii" && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      return Str(s);
    }
    if (f == "int") {
      if (x.t == Value::T::kInt) return x;
      if (x.t == Value::T::kDouble) {
        if (!(x.d > -9.2233720368547758e18 && x.d < 9.2233720368547758e18)) {
          return Err("double out of int range");
        }
        return Int(static_cast<int64_t>(x.d));
      }
      if (x.t == Value::T::kString) {
        errno = 0;
        char* end = nullptr;
        long long v = std::strtoll(x.s.c_str(), &end, 10);
        if (x.s.empty() || *end != '\0' || errno == ERANGE) {
          return Err("cannot convert '" + x.s + "' to int");
        }
        return Int(v);
      }
      return NoOverload(f, ptrs);
    }
    if (f == "double") {
      if (x.t == Value::T::kDouble) return x;
      if (x.t == Value::T::kInt) return Double(static_cast<double>(x.i));
      if (x.t == Value::T::kString) {
        char* end = nullptr;
        double v = std::strtod(x.s.c_str(), &end);
        if (x.s.empty() || *end != '\0') return Err("cannot convert '" + x.s + "' to double");
        return Double(v);
      }
      return NoOverload(f, ptrs);
    }
    if (f == "string") {
      switch (x.t) {
        case Value::T::kString:
          return x;
        case Value::T::kInt:
          return Str(std::to_string(x.i));
        case Value::T::kDouble:
          return Str(FormatDouble(x.d));
        case Value::T::kBool:
          return Str(x.b ? "true" : "false");
        default:
          return NoOverload(f, ptrs);
      }
    }
    if (f == "isQuantity") {
      if (x.t != Value::T::kString) return NoOverload(f, ptrs);
      return Bool(ParseQuantity(x.s).has_value());
    }
    if (f == "quantity") {
      if (x.t != Value::T::kString) return NoOverload(f, ptrs);
      auto q = ParseQuantity(x.s);
      if (!q)
        return Err("quantities must match the regular expression of a Kubernetes quantity: " + x.s);
      return Quant(*q, x.s);
    }
    if (f == "compareTo" || f == "isGreaterThan" || f == "isLessThan") {
      if (x.t != Value::T::kQuantity || args[1].t != Value::T::kQuantity) {
        return NoOverload(f, ptrs);
      }
      int c = x.q < args[1].q ? -1 : x.q > args[1].q;
      if (f == "compareTo") return Int(c);
      return Bool(f == "isGreaterThan" ? c > 0 : c < 0);
    }
    if (f == "asApproximateFloat") {
      if (x.t != Value::T::kQuantity) return NoOverload(f, ptrs);
      return Double(static_cast<double>(x.q));
    }
    return Err("undeclared function: " + f);
  }

  Value Comprehension(const Node& n) {
    Value range = Eval(*n.kids[0]);
    if (range.IsError()) return range;
    if (range.t != Value::T::kList && range.t != Value::T::kMap) {
      return Err("expression of type '" + TypeName(range) + "' cannot be range of a comprehension");
    }
    std::vector<Value> elems;
    if (range.t == Value::T::kList) {
      for (const auto& e : *range.j) elems.push_back(Child(range, e));
    } else {
      for (const auto& [k, v] : range.j->items()) elems.push_back(Str(k));
    }
    const std::string& m = n.name;
    std::optional<Value> error;
    int64_t count = 0;
    json out = json::array();
    for (const Value& e : elems) {
      scope_.emplace_back(n.var, e);
      Value p = Eval(*n.kids[1]);
      Value t;
      if (m == "map" && n.kids.size() == 3 && p.t == Value::T::kBool && p.b) t = Eval(*n.kids[2]);
      scope_.pop_back();
      if (m == "map" && n.kids.size() == 2) {  // map(x, transform)
        if (p.IsError()) return p;
        auto j = ToJson(p);
        if (!j.ok()) return Err(j.status().message());
        out.push_back(std::move(*j));
        continue;
      }
      if (p.IsError()) {
        if (m == "all" || m == "exists") {
          if (!error) error = p;
          continue;
        }
        return p;
      }
      if (p.t != Value::T::kBool) return NoOverload(m, {&p});
      if (m == "all" && !p.b) return Bool(false);
      if (m == "exists" && p.b) return Bool(true);
      if (m == "exists_one" && p.b) ++count;
      if (m == "filter" && p.b) {
        auto j = ToJson(e);
        if (!j.ok()) return Err(j.status().message());
        out.push_back(std::move(*j));
      }
      if (m == "map" && p.b) {
        if (t.IsError()) return t;
        auto j = ToJson(t);
        if (!j.ok()) return Err(j.status().message());
        out.push_back(std::move(*j));
      }
    }
    if (m == "all" || m == "exists") return error ? *error : Bool(m == "all");
    if (m == "exists_one") return Bool(count == 1);
    return FromOwned(std::move(out));
  }

  Value self_;
  const Value* old_self_;
  std::vector<std::pair<std::string, Value>> scope_;
  int64_t steps_ = 0;
};

}  // namespace

// -------------------------------------------------------------- Program ---

Program::Program() = default;
Program::~Program() = default;
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;

StatusOr<Program> Compile(std::string_view source, const json* schema) {
  std::vector<Token> toks;
  LOGSTACK_RETURN_IF_ERROR(Lexer(source).Run(toks));
  auto root = Parser(std::move(toks)).Parse();
  if (!root.ok()) return root.status();
  Checker checker(schema);
  LOGSTACK_RETURN_IF_ERROR(checker.Check(**root).status());
  Program p;
  p.root_ = std::move(*root);
  p.uses_old_self_ = checker.uses_old_self;
  return p;
}

StatusOr<json> Program::Evaluate(const json& self, const json* old_self) const {
  // The values are only read: alias them without copying.
  Value s = FromJson(std::shared_ptr<const json>(std::shared_ptr<const json>(), &self));
  std::optional<Value> old;
  if (old_self) {
    old = FromJson(std::shared_ptr<const json>(std::shared_ptr<const json>(), old_self));
  }
  Evaluator ev(s, old ? &*old : nullptr);
  return ToJson(ev.Eval(*root_));
}

// --------------------------------------------------------- the schema walk ---

json ToCelJson(const json& schema, const json& value) {
  if (!schema.is_object()) return value;
  const std::string type = SchemaType(&schema);
  if (type == "number" && value.is_number()) return json(value.get<double>());
  if (type == "integer" && value.is_number_float()) {
    double d = value.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 9.2e18) return json(static_cast<int64_t>(d));
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) {
      if (schema.contains("properties") && schema["properties"].contains(k)) {
        out[k] = ToCelJson(schema["properties"][k], v);
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"].is_object()) {
        out[k] = ToCelJson(schema["additionalProperties"], v);
      } else {
        out[k] = v;
      }
    }
    return out;
  }
  if (value.is_array() && schema.contains("items")) {
    json out = json::array();
    for (const auto& v : value) out.push_back(ToCelJson(schema["items"], v));
    return out;
  }
  return value;
}

namespace {

std::string JoinPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// Parses a rule's fieldPath (".a.b", ".a['b.c']", ".list[0]") into segments,
// checking each against `schema` when it is not null. Returns the path
// appended to `base`, or an error.
StatusOr<std::string> ResolveFieldPath(const std::string& field_path, const json* schema,
                                       const std::string& base) {
  std::string out = base;
  size_t i = 0;
  const json* s = schema;
  auto step = [&](const std::string& key, bool bracket) -> Status {
    if (s) {
      if (SchemaType(s) == "object" && s->contains("properties") &&
          (*s)["properties"].contains(key)) {
        s = &(*s)["properties"][key];
      } else if (s->contains("additionalProperties") && (*s)["additionalProperties"].is_object()) {
        s = &(*s)["additionalProperties"];
      } else if (s->value("x-kubernetes-preserve-unknown-fields", false)) {
        s = nullptr;
      } else {
        return InvalidArgument("fieldPath must be a valid path: no such field: " + key);
      }
    }
    out = bracket ? out + "[" + key + "]" : JoinPath(out, key);
    return Status::Ok();
  };
  if (field_path.empty()) return InvalidArgument("fieldPath must not be empty");
  while (i < field_path.size()) {
    if (field_path[i] == '.') {
      size_t start = ++i;
      while (i < field_path.size() && field_path[i] != '.' && field_path[i] != '[') ++i;
      if (i == start) return InvalidArgument("fieldPath must be a valid path: empty segment");
      LOGSTACK_RETURN_IF_ERROR(step(field_path.substr(start, i - start), false));
    } else if (field_path[i] == '[') {
      size_t close = field_path.find(']', i);
      if (close == std::string::npos) return InvalidArgument("fieldPath must be a valid path");
      std::string inner = field_path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inner.size() >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner.back() == inner[0]) {
        LOGSTACK_RETURN_IF_ERROR(step(inner.substr(1, inner.size() - 2), true));
      } else if (!inner.empty() && inner.find_first_not_of("0123456789") == std::string::npos) {
        if (s && SchemaType(s) != "array") {
          return InvalidArgument("fieldPath must be a valid path: not a list");
        }
        if (s) s = s->contains("items") ? &(*s)["items"] : nullptr;
        out += "[" + inner + "]";
      } else {
        return InvalidArgument("fieldPath must be a valid path: bad subscript [" + inner + "]");
      }
    } else {
      return InvalidArgument("fieldPath must be a valid path: must start with '.' or '['");
    }
  }
  return out;
}

FieldCause RuleCause(const json& rule, const std::string& type_name, const std::string& path,
                     const std::string& detail) {
  const std::string reason = rule.value("reason", "FieldValueInvalid");
  if (reason == "FieldValueForbidden") return {reason, "Forbidden: " + detail, path};
  if (reason == "FieldValueRequired") return {reason, "Required value: " + detail, path};
  if (reason == "FieldValueDuplicate") {
    return {reason, "Duplicate value: \"" + type_name + "\"", path};
  }
  return {"FieldValueInvalid", "Invalid value: \"" + type_name + "\": " + detail, path};
}

void WalkRules(const json& schema, const json& value, const json* old, const std::string& path,
               std::vector<FieldCause>& causes) {
  if (!schema.is_object() || value.is_null()) return;
  if (schema.contains("x-kubernetes-validations") &&
      schema["x-kubernetes-validations"].is_array()) {
    const std::string type_name = SchemaType(&schema);
    for (const json& rule : schema["x-kubernetes-validations"]) {
      if (!rule.is_object() || !rule.contains("rule") || !rule["rule"].is_string()) continue;
      const std::string source = rule["rule"].get<std::string>();
      std::string where = path;
      if (rule.contains("fieldPath") && rule["fieldPath"].is_string()) {
        auto resolved = ResolveFieldPath(rule["fieldPath"].get<std::string>(), &schema, path);
        if (resolved.ok()) where = *resolved;
      }
      auto program = Compile(source, &schema);
      if (!program.ok()) {
        causes.push_back(
            RuleCause(rule, type_name, where, "compilation failed: " + program.status().message()));
        continue;
      }
      if (program->UsesOldSelf() && !old) continue;  // transition rules need an old value
      auto result = program->Evaluate(value, old);
      if (result.ok() && result->is_boolean() && result->get<bool>()) continue;
      if (!result.ok()) {
        causes.push_back({"FieldValueInvalid",
                          "Invalid value: \"" + type_name +
                              "\": rule evaluation error: " + result.status().message(),
                          where});
        continue;
      }
      if (!result->is_boolean()) {
        causes.push_back({"FieldValueInvalid",
                          "Invalid value: \"" + type_name +
                              "\": rule did not evaluate to a bool: " + result->dump(),
                          where});
        continue;
      }
      std::string message = rule.value("message", "");
      if (rule.contains("messageExpression") && rule["messageExpression"].is_string()) {
        auto mp = Compile(rule["messageExpression"].get<std::string>(), &schema);
        if (mp.ok()) {
          auto m = mp->Evaluate(value, old);
          if (m.ok() && m->is_string() && !m->get<std::string>().empty()) message = *m;
        }
      }
      if (message.empty()) message = "failed rule: " + source;
      causes.push_back(RuleCause(rule, type_name, where, message));
    }
  }
  if (value.is_object()) {
    const bool has_props = schema.contains("properties") && schema["properties"].is_object();
    const json* ap =
        schema.contains("additionalProperties") && schema["additionalProperties"].is_object()
            ? &schema["additionalProperties"]
            : nullptr;
    for (const auto& [key, sub] : value.items()) {
      const json* old_sub = nullptr;
      if (old && old->is_object()) {
        auto it = old->find(key);
        if (it != old->end()) old_sub = &*it;
      }
      if (has_props && schema["properties"].contains(key)) {
        WalkRules(schema["properties"][key], sub, old_sub, JoinPath(path, key), causes);
      } else if (ap) {
        WalkRules(*ap, sub, old_sub, path + "[" + key + "]", causes);
      }
    }
  } else if (value.is_array() && schema.contains("items")) {
    // List items are not correlated with the old list (as for atomic lists on
    // a real server): transition rules below a list do not run.
    for (size_t i = 0; i < value.size(); ++i) {
      WalkRules(schema["items"], value[i], nullptr, path + "[" + std::to_string(i) + "]", causes);
    }
  }
}

void CheckSchemaNode(const json& schema, const std::string& path, std::vector<FieldCause>& causes) {
  if (!schema.is_object()) return;
  if (schema.contains("x-kubernetes-validations")) {
    const json& rules = schema["x-kubernetes-validations"];
    if (!rules.is_array()) {
      causes.push_back({"FieldValueInvalid", "Invalid value: must be a list of rules",
                        path + ".x-kubernetes-validations"});
    } else {
      for (size_t i = 0; i < rules.size(); ++i) {
        const json& r = rules[i];
        const std::string rp = path + ".x-kubernetes-validations[" + std::to_string(i) + "]";
        if (!r.is_object() || !r.contains("rule") || !r["rule"].is_string() ||
            r["rule"].get<std::string>().empty()) {
          causes.push_back({"FieldValueRequired", "Required value", rp + ".rule"});
          continue;
        }
        const std::string source = r["rule"].get<std::string>();
        auto p = Compile(source, &schema);
        if (!p.ok()) {
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: " + json(source).dump() +
                                ": compilation failed: ERROR: " + p.status().message(),
                            rp + ".rule"});
        }
        if (r.contains("reason")) {
          static const std::set<std::string> kReasons = {"FieldValueInvalid", "FieldValueForbidden",
                                                         "FieldValueRequired",
                                                         "FieldValueDuplicate"};
          if (!r["reason"].is_string() || !kReasons.count(r["reason"].get<std::string>())) {
            causes.push_back({"FieldValueNotSupported",
                              "Unsupported value: " + r["reason"].dump() +
                                  ": supported values: \"FieldValueDuplicate\", "
                                  "\"FieldValueForbidden\", \"FieldValueInvalid\", "
                                  "\"FieldValueRequired\"",
                              rp + ".reason"});
          }
        }
        if (r.contains("fieldPath")) {
          auto fp = r["fieldPath"].is_string()
                        ? ResolveFieldPath(r["fieldPath"].get<std::string>(), &schema, "")
                        : StatusOr<std::string>(InvalidArgument("fieldPath must be a string"));
          if (!fp.ok()) {
            causes.push_back(
                {"FieldValueInvalid",
                 "Invalid value: " + r["fieldPath"].dump() + ": " + fp.status().message(),
                 rp + ".fieldPath"});
          }
        }
        if (r.contains("message")) {
          const std::string m = r["message"].is_string() ? r["message"].get<std::string>() : "";
          if (m.find_first_of("\r\n") != std::string::npos) {
            causes.push_back(
                {"FieldValueInvalid",
                 "Invalid value: " + r["message"].dump() + ": message must not contain line breaks",
                 rp + ".message"});
          } else if (m.find_first_not_of(" \t") == std::string::npos) {
            causes.push_back({"FieldValueRequired",
                              "Required value: message must be non-empty if specified",
                              rp + ".message"});
          }
        }
        if (r.contains("messageExpression")) {
          const json& me = r["messageExpression"];
          auto mp = me.is_string() ? Compile(me.get<std::string>(), &schema)
                                   : StatusOr<Program>(InvalidArgument("must be a string"));
          if (!mp.ok()) {
            causes.push_back({"FieldValueInvalid",
                              "Invalid value: " + me.dump() +
                                  ": messageExpression compilation "
                                  "failed: ERROR: " +
                                  mp.status().message(),
                              rp + ".messageExpression"});
          }
        }
      }
    }
  }
  if (schema.contains("properties") && schema["properties"].is_object()) {
    for (const auto& [k, sub] : schema["properties"].items()) {
      CheckSchemaNode(sub, path + ".properties[" + k + "]", causes);
    }
  }
  if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
    CheckSchemaNode(schema["additionalProperties"], path + ".additionalProperties", causes);
  }
  if (schema.contains("items") && schema["items"].is_object()) {
    CheckSchemaNode(schema["items"], path + ".items", causes);
  }
}

}  // namespace

std::vector<FieldCause> ValidateRules(const json& schema, const json& object,
                                      const json* old_object) {
  std::vector<FieldCause> causes;
  if (!schema.is_object()) return causes;
  const json self = ToCelJson(schema, object);
  std::optional<json> old;
  if (old_object) old = ToCelJson(schema, *old_object);
  WalkRules(schema, self, old ? &*old : nullptr, "", causes);
  return causes;
}

std::vector<FieldCause> CheckCrdRules(const json& crd_spec) {
  std::vector<FieldCause> causes;
  if (!crd_spec.is_object() || !crd_spec.contains("versions") || !crd_spec["versions"].is_array()) {
    return causes;
  }
  const json& versions = crd_spec["versions"];
  for (size_t i = 0; i < versions.size(); ++i) {
    const json& v = versions[i];
    if (!v.is_object() || !v.contains("schema") || !v["schema"].is_object() ||
        !v["schema"].contains("openAPIV3Schema")) {
      continue;
    }
    CheckSchemaNode(v["schema"]["openAPIV3Schema"],
                    "spec.versions[" + std::to_string(i) + "].schema.openAPIV3Schema", causes);
  }
  return causes;
}

}  // namespace logstack::kubetest::cel
