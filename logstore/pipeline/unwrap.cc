#include "logstore/pipeline/unwrap.h"

#include <string>

#include "common/go/humanize.h"
#include "common/go/strconv.h"
#include "common/go/time.h"
#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {

StatusOr<double> ConvertUnwrapValue(logql::Unwrap::Conv conv, std::string_view value) {
  switch (conv) {
    case logql::Unwrap::Conv::kNone:
      return go::ParseFloat(value);
    case logql::Unwrap::Conv::kBytes: {
      auto b = go::ParseBytes(value);
      if (!b.ok()) return b.status();
      return static_cast<double>(*b);
    }
    case logql::Unwrap::Conv::kDuration:
    case logql::Unwrap::Conv::kDurationSeconds: {
      auto d = go::ParseDuration(value);
      if (!d.ok()) return d.status();
      return static_cast<double>(*d) / 1e9;
    }
  }
  return InvalidArgument("unknown unwrap conversion");
}

UnwrapResult ExtractUnwrapped(const logql::Unwrap& u, LabelsBuilder* lbs, double* value) {
  auto v = lbs->Get(u.label);
  if (!v || v->empty()) return UnwrapResult::kSkip;
  auto r = ConvertUnwrapValue(u.conv, *v);
  if (!r.ok()) {
    lbs->SetError(kSampleExtractionErr, r.status().message());
    return UnwrapResult::kError;
  }
  *value = *r;
  std::string name = u.label;
  lbs->Del(name);
  return UnwrapResult::kSample;
}

}  // namespace logstack::logstore::pipeline
