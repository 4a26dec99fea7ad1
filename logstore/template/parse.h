#pragma once

// The parse tree of a template and the parser that builds it (Go's
// text/template/parse, for one template without define/block/template).
//
// Thread safety: the tree is immutable once built.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logstore/template/functions.h"

namespace logstack::logstore::tmpl {

struct Pipeline;

// A number constant as Go's parser keeps it: every reading that fits.
struct Number {
  bool is_int = false;
  bool is_uint = false;
  bool is_float = false;
  bool is_char = false;  // a character constant ('a')
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
};

// An operand: the first word of a command (a function or a value) or an
// argument.
struct Arg {
  enum class Kind { kFunc, kField, kVariable, kDot, kString, kNumber, kBool, kNil, kPipeline };
  Kind kind = Kind::kNil;
  std::string text;                 // source text (for messages); the value of a kString
  std::string var;                  // kVariable: "$" or "$name"
  std::vector<std::string> fields;  // field chain: .a.b, $x.a, (pipe).a
  Number num;
  bool b = false;
  const FuncDef* func = nullptr;
  std::unique_ptr<Pipeline> pipe;  // kPipeline
  size_t pos = 0;
};

struct Command {
  std::vector<Arg> args;
  size_t pos = 0;
};

struct Pipeline {
  bool is_assign = false;         // `$x = ...` rather than `$x := ...`
  std::vector<std::string> decl;  // declared variables
  std::vector<Command> cmds;
  size_t pos = 0;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kWith, kRange, kBreak, kContinue };
  Kind kind = Kind::kText;
  std::string text;  // kText
  std::unique_ptr<Pipeline> pipe;
  std::vector<Node> list;
  std::vector<Node> else_list;
  size_t pos = 0;
};

// The deepest nesting a template may have: control structures
// (if/with/range, each {{else if}} included), pipelines and parenthesized
// pipelines each count one level. The parser rejects deeper templates, so
// that neither parsing, executing nor destroying a tree recurses further;
// the executor counts the same levels the same way.
inline constexpr int kMaxTemplateDepth = 100;

// Parses `text`. Errors read as Go's: "template: NAME:LINE: message"; a
// template nested deeper than kMaxTemplateDepth fails with
// "template: NAME:LINE: exceeded maximum template depth (100)".
StatusOr<std::vector<Node>> ParseTemplate(std::string_view name, std::string_view text);

// Go's String() of a command, for "executing ... at <...>" messages.
std::string CommandString(const Command& cmd);
std::string ArgString(const Arg& arg);

}  // namespace logstack::logstore::tmpl
