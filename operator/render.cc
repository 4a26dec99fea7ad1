#include "operator/render.h"

#include <openssl/rand.h>

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "operator/manifests/yaml.h"

namespace logstack::op {
namespace {

// "document 2 (apps/v1 Deployment web)" for errors.
std::string DescribeDocument(size_t index, const Json& doc) {
  std::string d = "document " + std::to_string(index + 1);
  if (!doc.is_object()) return d + " (not a mapping)";
  std::string api =
      doc.value("apiVersion", Json("")).is_string() ? doc.value("apiVersion", "") : "";
  std::string kind = doc.value("kind", Json("")).is_string() ? doc.value("kind", "") : "";
  std::string name;
  if (doc.contains("metadata") && doc["metadata"].is_object() &&
      doc["metadata"].value("name", Json("")).is_string()) {
    name = doc["metadata"].value("name", "");
  }
  std::string what = api;
  if (!kind.empty()) what += (what.empty() ? "" : " ") + kind;
  if (!name.empty()) what += (what.empty() ? "" : " ") + name;
  return what.empty() ? d : d + " (" + what + ")";
}

StatusOr<std::string> ReadInput(const std::string& file) {
  std::ostringstream ss;
  if (file == "-") {
    ss << std::cin.rdbuf();
    if (std::cin.bad()) return IOError("reading standard input failed");
    return ss.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFound("cannot open " + file);
  ss << in.rdbuf();
  if (in.bad()) return IOError("reading " + file + " failed");
  return ss.str();
}

}  // namespace

StatusOr<std::vector<RenderedStack>> BuildFromYaml(std::string_view text, std::string_view origin,
                                                   const RenderOptions& opts) {
  StatusOr<std::vector<Json>> docs = manifests::ParseYamlDocuments(text, origin);
  if (!docs.ok()) return docs.status();
  std::vector<RenderedStack> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < docs->size(); i++) {
    Json doc = (*docs)[i];
    std::string where = std::string(origin) + ": " + DescribeDocument(i, doc);
    if (!doc.is_object() || doc.value("apiVersion", Json()) != kApiVersion ||
        doc.value("kind", Json()) != kKind) {
      // A typo in a LogStack's apiVersion or kind is still an error.
      const Json api = doc.is_object() ? doc.value("apiVersion", Json()) : Json();
      bool ours = api.is_string() && api.get<std::string>().rfind("logstack.io/", 0) == 0;
      if (opts.skip_other_kinds && doc.is_object() && !ours) continue;
      return InvalidArgument(
          where + ": not a " + std::string(kApiVersion) + " " + kKind +
          " (render takes LogStack resources only; --skip-other-kinds passes over the others)");
    }
    if (!doc.contains("metadata") || !doc["metadata"].is_object()) {
      doc["metadata"] = Json::object();
    }
    Json& ns = doc["metadata"]["namespace"];
    if (!ns.is_string() || ns.get<std::string>().empty()) ns = opts.default_namespace;
    StatusOr<LogStack> stack = ParseLogStack(doc, opts.defaults);
    if (!stack.ok()) return stack.status().Annotate(where);
    std::string key = stack->meta.namespace_ + "/" + stack->meta.name;
    if (!seen.insert(key).second) {
      return InvalidArgument(where + ": LogStack " + key + " appears twice");
    }
    manifests::BuildOptions build = opts.build;
    build.stack = *stack;
    build.grafana_admin_password.clear();
    if (stack->spec.grafana.deploy_enabled) {
      if (!opts.grafana_admin_password.empty()) {
        build.grafana_admin_password = opts.grafana_admin_password;
      } else {
        StatusOr<std::string> pw = GeneratePassword();
        if (!pw.ok()) return pw.status();
        build.grafana_admin_password = *pw;
      }
    }
    out.push_back(RenderedStack{*stack, manifests::BuildAll(build)});
  }
  return out;
}

std::string ToYamlDocuments(const LogStack& stack, const std::vector<Json>& objects) {
  std::string out;
  for (const Json& obj : objects) {
    out += "---\n# Source: LogStack " + stack.meta.namespace_ + "/" + stack.meta.name + "\n";
    out += manifests::ToYaml(obj);
  }
  return out;
}

Status Render(const std::vector<std::string>& files, const RenderOptions& opts, std::ostream& out) {
  if (files.empty())
    return InvalidArgument("render needs at least one file (-f FILE, or - for stdin)");
  std::string text;
  std::set<std::string> seen;
  for (const std::string& file : files) {
    StatusOr<std::string> content = ReadInput(file);
    if (!content.ok()) return content.status();
    StatusOr<std::vector<RenderedStack>> stacks =
        BuildFromYaml(*content, file == "-" ? "<stdin>" : file, opts);
    if (!stacks.ok()) return stacks.status();
    for (const RenderedStack& r : *stacks) {
      std::string key = r.stack.meta.namespace_ + "/" + r.stack.meta.name;
      if (!seen.insert(key).second) {
        return InvalidArgument(file + ": LogStack " + key + " appears in more than one file");
      }
      text += ToYamlDocuments(r.stack, r.objects);
    }
  }
  out << text;
  out.flush();
  if (!out) return IOError("writing the manifests failed");
  return Status::Ok();
}

StatusOr<std::string> GeneratePassword(size_t length) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  unsigned char buf[64];
  while (out.size() < length) {
    if (RAND_bytes(buf, sizeof buf) != 1) return Internal("OpenSSL RAND_bytes failed");
    for (unsigned char b : buf) {
      // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
      if (b < 248 && out.size() < length) out += kAlphabet[b % 62];
    }
  }
  return out;
}

}  // namespace logstack::op
