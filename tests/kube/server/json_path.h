#pragma once

// The subset of JSONPath that CRDs use in additionalPrinterColumns and the
// scale subresource: ".a.b", ".a[0].b", ".a[?(@.type==\"Ready\")].status".
//
// Thread safety: pure functions.

#include <nlohmann/json.hpp>
#include <string_view>

namespace logstack::kubetest {

// Returns the value at `path` in `root`, or nullptr when absent (a filter
// yields its first match).
const nlohmann::json* EvalJsonPath(const nlohmann::json& root, std::string_view path);

// Sets the value at a plain dotted path (".spec.replicas"), creating objects
// on the way. Returns false for paths it cannot write (indexes, filters).
bool SetJsonPath(nlohmann::json& root, std::string_view path, nlohmann::json value);

}  // namespace logstack::kubetest
