#pragma once

// `logstack-operator render -f logstack.yaml`: every manifest the operator
// would apply for the LogStacks in some files, printed as YAML documents
// without a cluster, as `helm template` does.
//
// This is the I/O layer around the pure builders (operator/manifests/): it
// reads files, parses and validates each LogStack with ParseLogStack, makes
// up what a cluster would provide (the Grafana admin password: random, from
// OpenSSL's RAND_bytes), and writes the objects.
//
// Thread safety: functions without shared state.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "operator/api/logstack_types.h"
#include "operator/manifests/build.h"

namespace logstack::op {

struct RenderOptions {
  OperatorDefaults defaults;
  // Images, cluster domain and grafana_operator_available; its `stack` and
  // `grafana_admin_password` are ignored (each LogStack brings its own).
  manifests::BuildOptions build;
  // The namespace of a LogStack whose metadata names none.
  std::string default_namespace = "default";
  // The Grafana admin password for LogStacks with grafana.deploy.enabled;
  // empty: a new random one for each (tests set it to get stable output).
  std::string grafana_admin_password;
  // Skip documents of other API groups instead of refusing them (files that
  // hold a LogStack with the apps it collects, as the two-teams sample). A
  // logstack.io document that is not a v1alpha1 LogStack is still an error.
  bool skip_other_kinds = false;
};

// Parses the YAML text of one file (several documents, "---" separated),
// checks that every document is a LogStack, parses each with ParseLogStack
// and builds its objects (BuildAll), in document order. `origin` names the
// file in errors. Returns InvalidArgument naming the document for YAML that
// does not parse, a document that is not a logstack.io/v1alpha1 LogStack
// (unless opts.skip_other_kinds), a spec ParseLogStack refuses, or the same
// LogStack twice.
struct RenderedStack {
  LogStack stack;
  std::vector<Json> objects;
};
StatusOr<std::vector<RenderedStack>> BuildFromYaml(std::string_view text, std::string_view origin,
                                                   const RenderOptions& opts);

// Reads every file ("-" is standard input), builds as above, and writes
// every object as a YAML document ("---", a "# Source:" comment naming the
// LogStack, the object) to `out`. Nothing is written unless every file and
// document is good. Returns the first error (NotFound/IOError for a file,
// InvalidArgument as above); InvalidArgument when `files` is empty.
Status Render(const std::vector<std::string>& files, const RenderOptions& opts, std::ostream& out);

// The documents Render writes for some objects of one LogStack.
std::string ToYamlDocuments(const LogStack& stack, const std::vector<Json>& objects);

// A random password of `length` characters from [A-Za-z0-9] (log2(62) =
// 5.95 bits each: 32 characters carry 190 bits), from OpenSSL's RAND_bytes.
// Returns Internal if the random generator fails.
StatusOr<std::string> GeneratePassword(size_t length = 32);

}  // namespace logstack::op
