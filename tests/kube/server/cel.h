#pragma once

// A small evaluator of CEL (the Common Expression Language) for the
// `x-kubernetes-validations` rules of CustomResourceDefinitions, as a real API
// server evaluates them: each rule sits on a schema node and is evaluated with
// `self` bound to that node's value (after defaulting and pruning) and, for
// transition rules on update, `oldSelf` bound to the old value at the same path.
//
// The subset (what CRD rules use in practice):
//   literals      int (decimal, 0x hex), double, string ('..', "..", '''..''',
//                 r'..', escapes), true, false, null, lists [..], maps {'k': v}
//   variables     self, oldSelf, and comprehension variables
//   operators     . [] ! - * / % + - < <= > >= == != in && || ?:
//                 with CEL's semantics: && and || absorb errors (false && error
//                 is false, error || true is true), ints are 64-bit and
//                 overflow is an error, int and double compare across types,
//                 == between different types is false.
//   macros        has(e.f), e.all(x, p), e.exists(x, p), e.exists_one(x, p),
//                 e.map(x, t), e.map(x, p, t), e.filter(x, p)
//   functions     size (strings in code points, lists, maps), startsWith,
//                 endsWith, contains, matches (RE2, unanchored), lowerAscii,
//                 upperAscii, trim, int(), double(), string(), and the
//                 Kubernetes quantity library: isQuantity, quantity,
//                 compareTo, isGreaterThan, isLessThan, asApproximateFloat
//                 (values compared as long double: exact for every quantity
//                 a LogStack uses, not for 30-digit ones).
// Anything else (bytes, uint, timestamps, durations, optional types, other
// extension libraries) fails Compile with an error naming it, so a rule
// outside the subset makes CRD creation fail instead of passing silently.
//
// Compile also checks field names against the schema the rule sits on: a rule
// that selects a field the schema does not define is rejected, as the real
// type checker does. Runtime costs are bounded by a step budget.
//
// Thread safety: a Program is immutable after Compile and may be evaluated
// concurrently. The free functions are pure.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tests/kube/server/schema.h"

namespace logstack::kubetest::cel {

struct Node;

// A compiled expression.
class Program {
 public:
  ~Program();
  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;

  // Evaluates with `self` (and `old_self` when not null) bound. Values of
  // schema type `number` must already be doubles (see ToCelJson). Returns the
  // result as JSON (a quantity as its string form), or the CEL runtime error
  // ("no such key: x", "division by zero", ...) as InvalidArgument.
  StatusOr<nlohmann::json> Evaluate(const nlohmann::json& self,
                                    const nlohmann::json* old_self = nullptr) const;

  // True iff the expression refers to oldSelf (a transition rule).
  bool UsesOldSelf() const { return uses_old_self_; }

 private:
  friend StatusOr<Program> Compile(std::string_view, const nlohmann::json*);
  Program();
  std::unique_ptr<Node> root_;
  bool uses_old_self_ = false;
};

// Parses and checks `source`. `schema` is the node the rule sits on (null: no
// field checks). Returns InvalidArgument with "<input>:1:COL: what" on a
// syntax error, an unknown function or macro, an undeclared variable, an
// undefined field, or a construct outside the subset.
StatusOr<Program> Compile(std::string_view source, const nlohmann::json* schema = nullptr);

// Returns a copy of `value` in which the values of schema type `number` are
// doubles and those of type `integer` are ints, as CEL sees them.
nlohmann::json ToCelJson(const nlohmann::json& schema, const nlohmann::json& value);

// Evaluates every x-kubernetes-validations rule of `schema` against `object`
// (a whole custom resource, defaulted and pruned); `old_object` is the stored
// object on update (null on create), for transition rules. Returns one cause a
// failing rule (or a rule whose evaluation failed), with the rule's
// fieldPath, reason and message (or messageExpression) as a real server does.
std::vector<FieldCause> ValidateRules(const nlohmann::json& schema, const nlohmann::json& object,
                                      const nlohmann::json* old_object);

// The CRD-creation checks of the rules in a CustomResourceDefinition's spec:
// every rule compiles, messageExpression compiles, reason is one of the four
// allowed, fieldPath names a field of the schema, message has no line breaks.
// Returns the causes (empty when the rules are fine).
std::vector<FieldCause> CheckCrdRules(const nlohmann::json& crd_spec);

}  // namespace logstack::kubetest::cel
