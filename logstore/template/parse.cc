#include "logstore/template/parse.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "common/go/strconv.h"
#include "common/go/utf8.h"
#include "logstore/template/go_fmt.h"
#include "logstore/template/lex.h"

namespace logstack::logstore::tmpl {

using go::AppendRune;
using go::DecodeRune;
using go::kRuneError;
using go::RuneCount;
using go::RuneOffset;
namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: decodes one (possibly escaped) character of a literal
// quoted with `quote`. Returns false on a syntax error.
bool UnquoteChar(std::string_view* s, char quote, char32_t* r, bool* multibyte) {
  *multibyte = false;
  if (s->empty()) return false;
  char c = (*s)[0];
  if (c == quote && (quote == '\'' || quote == '"')) return false;
  if (static_cast<unsigned char>(c) >= 0x80) {
    size_t w;
    *r = DecodeRune(*s, &w);
    s->remove_prefix(w);
    *multibyte = true;
    return true;
  }
  if (c != '\\') {
    *r = static_cast<unsigned char>(c);
    s->remove_prefix(1);
    return true;
  }
  if (s->size() < 2) return false;
  char e = (*s)[1];
  s->remove_prefix(2);
  switch (e) {
    case 'a':
      *r = '\a';
      return true;
    case 'b':
      *r = '\b';
      return true;
    case 'f':
      *r = '\f';
      return true;
    case 'n':
      *r = '\n';
      return true;
    case 'r':
      *r = '\r';
      return true;
    case 't':
      *r = '\t';
      return true;
    case 'v':
      *r = '\v';
      return true;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
      if (s->size() < n) return false;
      char32_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        int h = HexVal((*s)[i]);
        if (h < 0) return false;
        v = v << 4 | h;
      }
      s->remove_prefix(n);
      if (e == 'x') {
        *r = v;  // a single byte
        return true;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
      *r = v;
      *multibyte = true;
      return true;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      char32_t v = e - '0';
      if (s->size() < 2) return false;
      for (int i = 0; i < 2; ++i) {
        char d = (*s)[i];
        if (d < '0' || d > '7') return false;
        v = v * 8 + (d - '0');
      }
      if (v > 255) return false;
      s->remove_prefix(2);
      *r = v;
      return true;
    }
    case '\\':
      *r = '\\';
      return true;
    case '\'':
    case '"':
      if (e != quote) return false;
      *r = static_cast<char32_t>(e);
      return true;
    default:
      return false;
  }
}

// strconv.Unquote for "..." and `...` literals.
bool Unquote(std::string_view lit, std::string* out) {
  if (lit.size() < 2) return false;
  char q = lit[0];
  std::string_view body = lit.substr(1, lit.size() - 2);
  if (q == '`') {
    for (char c : body) {
      if (c != '\r') out->push_back(c);
    }
    return true;
  }
  while (!body.empty()) {
    char32_t r;
    bool multibyte;
    if (!UnquoteChar(&body, q, &r, &multibyte)) return false;
    if (!multibyte && r < 0x100 && r >= 0x80) {
      out->push_back(static_cast<char>(r));  // \xNN or \NNN: a raw byte
    } else {
      AppendRune(r, out);
    }
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view name, std::string_view text)
      : name_(name), text_(text), toks_(Lex(text)) {
    vars_.push_back("$");
  }

  StatusOr<std::vector<Node>> Run() {
    std::vector<Node> root;
    while (Peek().type != TokenType::kEOF) {
      Node n;
      Item item = TextOrAction(&n);
      if (item == Item::kError) return err_;
      if (item == Item::kEnd || item == Item::kElse) {
        Fail(std::string("unexpected {{") + (item == Item::kEnd ? "end" : "else") + "}}");
        return err_;
      }
      root.push_back(std::move(n));
    }
    return root;
  }

 private:
  enum class Item { kNode, kEnd, kElse, kError };

  // Past the end, the last token (kEOF or kError) repeats; i_ still counts,
  // so that backing up stays exact.
  const Token& Next() {
    const Token& t = toks_[std::min(i_, toks_.size() - 1)];
    ++i_;
    last_ = &t;
    return t;
  }
  const Token& Peek() const { return toks_[std::min(i_, toks_.size() - 1)]; }
  const Token& NextNonSpace() {
    while (Peek().type == TokenType::kSpace) Next();
    return Next();
  }
  const Token& PeekNonSpace() {
    while (Peek().type == TokenType::kSpace) Next();
    return Peek();
  }

  bool Fail(const std::string& msg) {
    if (!err_.ok()) return false;
    int line = last_ != nullptr ? last_->line : 1;
    err_ = InvalidArgument("template: " + name_ + ":" + std::to_string(line) + ": " + msg);
    return false;
  }

  bool Unexpected(const Token& t, std::string_view context) {
    last_ = &t;
    if (t.type == TokenType::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != t.line) {
        extra = " in action started at " + name_ + ":" + std::to_string(action_line_);
        if (t.message.size() >= 7 && t.message.ends_with(" action")) extra = extra.substr(10);
      }
      return Fail(t.message + extra);
    }
    return Fail("unexpected " + DescribeToken(t) + " in " + std::string(context));
  }

  Item TextOrAction(Node* n) {
    const Token& t = NextNonSpace();
    switch (t.type) {
      case TokenType::kText:
        n->kind = Node::Kind::kText;
        n->text = std::string(t.text);
        n->pos = t.pos;
        return Item::kNode;
      case TokenType::kLeftDelim: {
        action_line_ = Peek().line;
        Item item = Action(n);
        action_line_ = 0;
        return item;
      }
      default:
        Unexpected(t, "input");
        return Item::kError;
    }
  }

  bool Expect(TokenType type, std::string_view context) {
    const Token& t = NextNonSpace();
    if (t.type != type) return Unexpected(t, context);
    return true;
  }

  Item Action(Node* n) {
    const Token& t = NextNonSpace();
    switch (t.type) {
      case TokenType::kBlock:
      case TokenType::kDefine:
      case TokenType::kTemplate:
        Fail("{{" + std::string(t.text) + "}} is not supported");
        return Item::kError;
      case TokenType::kBreak:
      case TokenType::kContinue: {
        bool is_break = t.type == TokenType::kBreak;
        if (range_depth_ == 0) {
          Fail(std::string("{{") + (is_break ? "break" : "continue") + "}} outside {{range}}");
          return Item::kError;
        }
        if (!Expect(TokenType::kRightDelim, is_break ? "{{break}}" : "{{continue}}")) {
          return Item::kError;
        }
        n->kind = is_break ? Node::Kind::kBreak : Node::Kind::kContinue;
        return Item::kNode;
      }
      case TokenType::kElse: {
        const Token& p = PeekNonSpace();
        if (p.type == TokenType::kIf || p.type == TokenType::kWith) return Item::kElse;
        return Expect(TokenType::kRightDelim, "else") ? Item::kElse : Item::kError;
      }
      case TokenType::kEnd:
        return Expect(TokenType::kRightDelim, "end") ? Item::kEnd : Item::kError;
      case TokenType::kIf:
        return Control(n, Node::Kind::kIf, "if") ? Item::kNode : Item::kError;
      case TokenType::kWith:
        return Control(n, Node::Kind::kWith, "with") ? Item::kNode : Item::kError;
      case TokenType::kRange:
        return Control(n, Node::Kind::kRange, "range") ? Item::kNode : Item::kError;
      default: {
        --i_;  // back up
        n->kind = Node::Kind::kAction;
        n->pos = t.pos;
        n->pipe = ParsePipeline("command", TokenType::kRightDelim);
        return n->pipe ? Item::kNode : Item::kError;
      }
    }
  }

  // Reads nodes up to {{end}} or {{else}}; *end_item says which.
  bool ItemList(std::vector<Node>* list, Item* end_item) {
    while (PeekNonSpace().type != TokenType::kEOF) {
      Node n;
      Item item = TextOrAction(&n);
      if (item == Item::kError) return false;
      if (item == Item::kEnd || item == Item::kElse) {
        *end_item = item;
        return true;
      }
      list->push_back(std::move(n));
    }
    last_ = &Peek();
    return Fail("unexpected EOF");
  }

  // Counts one level of nesting for as long as it lives; see
  // kMaxTemplateDepth.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser* p) : p_(p) { ++p_->depth_; }
    ~DepthGuard() { --p_->depth_; }
    // Fails the parse when the level is one too many.
    bool TooDeep() {
      if (p_->depth_ <= kMaxTemplateDepth) return false;
      p_->Fail("exceeded maximum template depth (" + std::to_string(kMaxTemplateDepth) + ")");
      return true;
    }

   private:
    Parser* p_;
  };

  bool Control(Node* n, Node::Kind kind, std::string_view context) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return false;
    size_t saved_vars = vars_.size();
    n->kind = kind;
    n->pos = last_->pos;
    n->pipe = ParsePipeline(context, TokenType::kRightDelim);
    if (!n->pipe) return false;
    if (kind == Node::Kind::kRange) ++range_depth_;
    Item next;
    bool ok = ItemList(&n->list, &next);
    if (kind == Node::Kind::kRange) --range_depth_;
    if (!ok) return false;
    if (next == Item::kElse) {
      TokenType chain = kind == Node::Kind::kIf ? TokenType::kIf : TokenType::kWith;
      if (kind != Node::Kind::kRange && Peek().type == chain) {
        // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} with one {{end}}.
        Next();
        Node inner;
        if (!Control(&inner, kind, context)) return false;
        n->else_list.push_back(std::move(inner));
      } else {
        if (!ItemList(&n->else_list, &next)) return false;
        if (next != Item::kEnd) return Fail("expected end; found {{else}}");
      }
    }
    vars_.resize(saved_vars);
    return true;
  }

  std::unique_ptr<Pipeline> ParsePipeline(std::string_view context, TokenType end) {
    DepthGuard guard(this);
    if (guard.TooDeep()) return nullptr;
    auto pipe = std::make_unique<Pipeline>();
    pipe->pos = PeekNonSpace().pos;
    if (PeekNonSpace().type == TokenType::kVariable) {
      size_t saved = i_;
      const Token& v = Next();
      const Token& next = PeekNonSpace();
      if (next.type == TokenType::kAssign || next.type == TokenType::kDeclare) {
        pipe->is_assign = next.type == TokenType::kAssign;
        NextNonSpace();
        pipe->decl.emplace_back(v.text);
        vars_.emplace_back(v.text);
      } else {
        i_ = saved;
      }
    }
    while (true) {
      const Token& t = NextNonSpace();
      if (t.type == end) {
        if (pipe->cmds.empty()) {
          Fail("missing value for " + std::string(context));
          return nullptr;
        }
        for (size_t k = 1; k < pipe->cmds.size(); ++k) {
          switch (pipe->cmds[k].args[0].kind) {
            case Arg::Kind::kBool:
            case Arg::Kind::kDot:
            case Arg::Kind::kNil:
            case Arg::Kind::kNumber:
            case Arg::Kind::kString:
              Fail("non executable command in pipeline stage " + std::to_string(k + 1));
              return nullptr;
            default:
              break;
          }
        }
        return pipe;
      }
      switch (t.type) {
        case TokenType::kBool:
        case TokenType::kCharConstant:
        case TokenType::kDot:
        case TokenType::kField:
        case TokenType::kIdentifier:
        case TokenType::kNumber:
        case TokenType::kNil:
        case TokenType::kRawString:
        case TokenType::kString:
        case TokenType::kVariable:
        case TokenType::kLeftParen: {
          --i_;
          Command cmd;
          if (!ParseCommand(&cmd)) return nullptr;
          pipe->cmds.push_back(std::move(cmd));
          break;
        }
        default:
          Unexpected(t, context);
          return nullptr;
      }
    }
  }

  bool ParseCommand(Command* cmd) {
    cmd->pos = PeekNonSpace().pos;
    while (true) {
      PeekNonSpace();
      Arg arg;
      bool got;
      if (!Operand(&arg, &got)) return false;
      if (got) cmd->args.push_back(std::move(arg));
      const Token& t = Next();
      if (t.type == TokenType::kSpace) continue;
      if (t.type == TokenType::kRightDelim || t.type == TokenType::kRightParen) {
        --i_;
      } else if (t.type != TokenType::kPipe) {
        return Unexpected(t, "operand");
      }
      break;
    }
    if (cmd->args.empty()) return Fail("empty command");
    return true;
  }

  bool Operand(Arg* arg, bool* got) {
    if (!Term(arg, got)) return false;
    if (!*got) return true;
    if (Peek().type != TokenType::kField) return true;
    switch (arg->kind) {
      case Arg::Kind::kBool:
      case Arg::Kind::kString:
      case Arg::Kind::kNumber:
      case Arg::Kind::kNil:
      case Arg::Kind::kDot:
        return Fail("unexpected . after term \"" + ArgString(*arg) + "\"");
      default:
        break;
    }
    while (Peek().type == TokenType::kField) {
      const Token& f = Next();
      arg->fields.emplace_back(f.text.substr(1));
      arg->text += f.text;
    }
    return true;
  }

  bool Term(Arg* arg, bool* got) {
    *got = true;
    const Token& t = NextNonSpace();
    arg->pos = t.pos;
    arg->text = std::string(t.text);
    switch (t.type) {
      case TokenType::kIdentifier:
        arg->kind = Arg::Kind::kFunc;
        arg->func = FindFunction(t.text);
        if (arg->func == nullptr) {
          return Fail("function \"" + std::string(t.text) + "\" not defined");
        }
        return true;
      case TokenType::kDot:
        arg->kind = Arg::Kind::kDot;
        return true;
      case TokenType::kNil:
        arg->kind = Arg::Kind::kNil;
        return true;
      case TokenType::kVariable:
        arg->kind = Arg::Kind::kVariable;
        arg->var = std::string(t.text);
        for (const std::string& v : vars_) {
          if (v == t.text) return true;
        }
        return Fail("undefined variable \"" + std::string(t.text) + "\"");
      case TokenType::kField:
        arg->kind = Arg::Kind::kField;
        arg->fields.emplace_back(t.text.substr(1));
        return true;
      case TokenType::kBool:
        arg->kind = Arg::Kind::kBool;
        arg->b = t.text == "true";
        return true;
      case TokenType::kNumber:
      case TokenType::kCharConstant:
        arg->kind = Arg::Kind::kNumber;
        return ParseNumber(t, &arg->num);
      case TokenType::kLeftParen:
        arg->kind = Arg::Kind::kPipeline;
        arg->pipe = ParsePipeline("parenthesized pipeline", TokenType::kRightParen);
        if (!arg->pipe) return false;
        arg->text = "(" + PipelineString(*arg->pipe) + ")";
        return true;
      case TokenType::kString:
      case TokenType::kRawString: {
        arg->kind = Arg::Kind::kString;
        std::string s;
        if (!Unquote(t.text, &s)) return Fail("invalid syntax");
        arg->text = std::string(t.text);
        arg->var = std::move(s);  // the value
        return true;
      }
      default:
        --i_;
        *got = false;
        return true;
    }
  }

  bool ParseNumber(const Token& t, Number* n) {
    std::string_view text = t.text;
    if (t.type == TokenType::kCharConstant) {
      std::string_view body = text.substr(1);
      char32_t r;
      bool mb;
      if (!UnquoteChar(&body, '\'', &r, &mb) || body != "'") {
        return Fail("malformed character constant: " + std::string(text));
      }
      n->is_char = n->is_int = n->is_uint = n->is_float = true;
      n->i = r, n->u = r, n->f = r;
      return true;
    }
    if (text.ends_with("i")) return Fail("complex numbers are not supported: " + std::string(text));
    if (std::optional<uint64_t> u = go::ParseUint(text)) n->is_uint = true, n->u = *u;
    if (std::optional<int64_t> i = go::ParseInt(text)) {
      n->is_int = true;
      n->i = *i;
      if (n->i == 0) n->is_uint = true, n->u = 0;
    }
    if (n->is_int) {
      n->is_float = true;
      n->f = static_cast<double>(n->i);
    } else if (n->is_uint) {
      n->is_float = true;
      n->f = static_cast<double>(n->u);
    } else {
      if (std::optional<double> parsed = go::ParseFloatLoose(text)) {
        const double f = *parsed;
        if (text.find_first_of(".eEpP") == std::string_view::npos) {
          return Fail("integer overflow: " + go::Quote(text, go::Printable::kControls));
        }
        n->is_float = true;
        n->f = f;
        if (std::trunc(f) == f && f >= -9.2233720368547758e18 && f < 9.2233720368547758e18) {
          n->is_int = true;
          n->i = static_cast<int64_t>(f);
        }
        if (std::trunc(f) == f && f >= 0 && f < 1.8446744073709552e19) {
          n->is_uint = true;
          n->u = static_cast<uint64_t>(f);
        }
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) {
      return Fail("illegal number syntax: " + go::Quote(text, go::Printable::kControls));
    }
    return true;
  }

  static std::string PipelineString(const Pipeline& p) {
    std::string s;
    if (!p.decl.empty()) {
      for (size_t i = 0; i < p.decl.size(); ++i) {
        if (i > 0) s += ", ";
        s += p.decl[i];
      }
      s += p.is_assign ? " = " : " := ";
    }
    for (size_t i = 0; i < p.cmds.size(); ++i) {
      if (i > 0) s += " | ";
      s += CommandString(p.cmds[i]);
    }
    return s;
  }

  std::string name_;
  std::string_view text_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  const Token* last_ = nullptr;
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  int depth_ = 0;  // see DepthGuard
  int action_line_ = 0;
  Status err_;
};

}  // namespace

StatusOr<std::vector<Node>> ParseTemplate(std::string_view name, std::string_view text) {
  return Parser(name, text).Run();
}

std::string ArgString(const Arg& arg) { return arg.text; }

std::string CommandString(const Command& cmd) {
  std::string s;
  for (size_t i = 0; i < cmd.args.size(); ++i) {
    if (i > 0) s += " ";
    s += ArgString(cmd.args[i]);
  }
  return s;
}

}  // namespace logstack::logstore::tmpl
