#pragma once

// The engine's working form of metric results: every series evaluated on one
// grid of steps, with a presence flag per step (a step with no sample has no
// point). Vector aggregations, binary operations and label_replace are pure
// functions over these values, so they are tested without a store.
//
// Thread safety: plain values.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "logstore/logql/ast.h"
#include "logstore/model/types.h"

namespace logstack::logstore::engine {

// Steps start, start + step, ..., start + (n-1) * step. An instant query has
// n == 1 and step == 0.
struct StepGrid {
  int64_t start = 0;
  int64_t step = 0;
  size_t n = 1;
  int64_t At(size_t i) const { return start + static_cast<int64_t>(i) * step; }
};

struct StepSeries {
  Labels labels;
  std::vector<double> v;     // n values
  std::vector<uint8_t> has;  // n flags

  explicit StepSeries(size_t n = 0) : v(n, 0.0), has(n, 0) {}
  bool Empty() const;
};

// A metric value: a scalar (the same at every step) or a set of series.
struct StepValue {
  bool is_scalar = false;
  double scalar = 0;
  std::vector<StepSeries> series;
};

// sum/avg/min/max/count/stddev/stdvar/topk/bottomk/sort/sort_desc.
StatusOr<StepValue> VectorAggregate(const logql::VectorAggExpr& e, StepValue in,
                                    const StepGrid& grid);

// lhs op rhs with Loki's (Prometheus') matching rules. Errors: many-to-many
// matching and the like, as Loki words them.
StatusOr<StepValue> BinaryOperation(const logql::BinaryExpr& e, StepValue lhs, StepValue rhs,
                                    const StepGrid& grid);

StatusOr<StepValue> LabelReplace(const logql::LabelReplaceExpr& e, StepValue in);

// Labels without the named ones (for `without` and `ignoring`), or with only
// them (`by`, `on`).
Labels KeepLabels(const Labels& in, const std::vector<std::string>& names);
Labels DropLabels(const Labels& in, const std::vector<std::string>& names);

// Scalar arithmetic and comparison as Loki does it (x/0 and x%0 are NaN;
// comparisons give 1 or 0).
double ApplyBinary(logql::BinaryOp op, double a, double b);

}  // namespace logstack::logstore::engine
