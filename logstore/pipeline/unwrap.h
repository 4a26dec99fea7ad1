#pragma once

// Sample extraction for `| unwrap x`, `| unwrap bytes(x)`,
// `| unwrap duration(x)` / `duration_seconds(x)` in range aggregations.
//
// Loki's rules, as the recorded answers show them:
// - a missing or empty label gives no sample and no error;
// - a value that does not convert sets __error__="SampleExtractionErr" with
//   Go's parse error as __error_details__, e.g.
//     strconv.ParseFloat: parsing "erin": invalid syntax
//   and the entry goes on to the post-unwrap label filters (an entry still
//   in error there fails the query, which is the engine's business);
// - on success the unwrapped label is removed from the sample's labels.
//
// Thread safety: pure functions.

#include <optional>
#include <string_view>

#include "common/status.h"
#include "logstore/logql/ast.h"
#include "logstore/pipeline/labels_builder.h"

namespace logstack::logstore::pipeline {

// Converts one value: a float (strconv.ParseFloat), bytes (go-humanize, to
// bytes) or a Go duration (to seconds).
StatusOr<double> ConvertUnwrapValue(logql::Unwrap::Conv conv, std::string_view value);

enum class UnwrapResult {
  kSample,  // *value is the sample; the label was removed from *lbs
  kSkip,    // the label is missing or empty: no sample
  kError,   // conversion failed: the error labels are set on *lbs
};

// Reads `u.label` from *lbs and converts it.
UnwrapResult ExtractUnwrapped(const logql::Unwrap& u, LabelsBuilder* lbs, double* value);

}  // namespace logstack::logstore::pipeline
