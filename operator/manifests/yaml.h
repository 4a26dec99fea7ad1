#pragma once

// JSON <-> YAML for manifests and config files.
//
// ToYaml writes block-style YAML that reads back as the same JSON with any
// YAML 1.1 or 1.2 parser (yaml-cpp, go-yaml as kubectl uses it, js-yaml): a
// string that would otherwise read as a number, a boolean, null or a date is
// double-quoted, and so is anything with characters that plain scalars cannot
// hold. Multi-line strings (config files inside ConfigMaps) become literal
// blocks ("|") when that is exact, else double-quoted with escapes.
//
// ParseYamlDocuments reads a multi-document YAML stream into JSON the way
// kubectl does: quoted scalars stay strings; plain scalars resolve to null,
// booleans (YAML 1.1's true/false/yes/no/on/off, as go-yaml v2, which kubectl
// uses), integers, floats or strings.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "operator/api/logstack_types.h"

namespace logstack::op::manifests {

// One YAML document (no leading "---"), ending in a newline.
std::string ToYaml(const Json& value);

// Every non-empty document of `text`, in order. `origin` (a file name) names
// the input in errors, with the line: "logstack.yaml:3:7: ...".
StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view text, std::string_view origin);

}  // namespace logstack::op::manifests
