#pragma once

// Range aggregations: entries become samples (1 per line, the line's bytes,
// or an unwrapped label's value) and each sample is folded into every step
// whose window (t - offset - range, t - offset] holds it. Memory is bounded
// by series x steps; only quantile_over_time and rate_counter keep the
// window's samples themselves.
//
// Thread safety: EvalSamples may run concurrently for different queries.

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "logstore/engine/matrix.h"
#include "logstore/engine/query.h"
#include "logstore/logql/ast.h"
#include "logstore/pipeline/stage.h"
#include "logstore/store/store.h"

namespace logstack::logstore::engine {

struct SampleQuery {
  const logql::RangeAggExpr* expr = nullptr;
  StepGrid grid;
  // Fail on samples that carry __error__ (Loki does when the range
  // aggregation is not under a vector aggregation).
  bool check_errors = true;
  // The labels a parent `sum by/without` keeps, applied while extracting.
  bool has_pushdown = false;
  logql::Grouping pushdown;
};

struct SampleEnv {
  Store* store = nullptr;
  std::string tenant;
  uint32_t max_series = 500;
  int parallelism = 1;
  pipeline::CompileOptions compile;  // the clock and line size templates use
  // Runs fn(0..n-1), possibly in parallel, and returns when all are done.
  std::function<void(size_t, const std::function<void(size_t)>&)> parallel_for;
  // Accounts read bytes and lines; false means stop (limit, timeout, error).
  std::function<bool(uint64_t bytes, uint64_t lines)> check;
  // Why check() said stop, or a failure reported by a worker.
  std::function<void(Status)> fail;
  std::function<Status()> error;
};

StatusOr<StepValue> EvalSamples(const SampleQuery& q, const SampleEnv& env, QueryStats* stats);

// A pipeline compile error as Loki reports it: a parse error, status 400.
inline StatusOr<pipeline::PipelinePtr> CompileForQuery(StatusOr<pipeline::PipelinePtr> p) {
  if (p.ok()) return p;
  return InvalidArgument("parse error : " + p.status().message());
}

// A block filter for the literals every line passing `stages` contains, or
// nullptr when there are none.
inline chunk::BlockFilterPtr MakeBlockFilter(const std::vector<logql::Stage>& stages) {
  std::vector<std::string> lits = pipeline::RequiredLiterals(stages);
  if (lits.empty()) return nullptr;
  auto f = std::make_shared<chunk::BlockFilter>();
  f->literals = std::move(lits);
  return f;
}

// Selects the streams of [from, to) split into `slices` equal time slices
// (in `dir` order: newest first going backward), so that workers can share
// out one stream's data too. Returns every (slice, stream) selection.
StatusOr<std::vector<StreamSelection>> SelectSliced(Store* store, const std::string& tenant,
                                                    const std::vector<index::Matcher>& matchers,
                                                    int64_t from, int64_t to, Direction dir,
                                                    chunk::BlockFilterPtr filter, size_t slices);

// Prometheus' quantile over unsorted values (linear interpolation; phi < 0
// is -Inf, phi > 1 is +Inf, no values is NaN).
double Quantile(double phi, std::vector<double> values);

}  // namespace logstack::logstore::engine
