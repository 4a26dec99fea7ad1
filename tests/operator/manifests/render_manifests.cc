// render_manifests [--grafana-operator] OUT_DIR FILE...
//
// For each FILE, writes every object the operator would build for its
// LogStacks to OUT_DIR/<NN>-<basename of FILE> as YAML documents (what
// `logstack-operator render` prints); documents of other API groups are
// skipped, and a file without LogStacks writes nothing. The strict schema
// test (strict_schema.cmake) validates the results with
// tests/crds/strict_validate.cjs.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "operator/render.h"

int main(int argc, char** argv) {
  using logstack::op::RenderOptions;
  std::vector<std::string> args(argv + 1, argv + argc);
  RenderOptions opts;
  opts.defaults.version = "0.1.0";
  // Every object is built, the Secret included; the value does not matter.
  opts.grafana_admin_password = "render-manifests-password";
  opts.skip_other_kinds = true;  // samples hold the apps that log beside the LogStack
  if (!args.empty() && args[0] == "--grafana-operator") {
    opts.build.grafana_operator_available = true;
    args.erase(args.begin());
  }
  if (args.size() < 2) {
    std::cerr << "usage: render_manifests [--grafana-operator] OUT_DIR FILE...\n";
    return 2;
  }
  std::filesystem::path out_dir = args[0];
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << "render_manifests: cannot create " << out_dir << ": " << ec.message() << "\n";
    return 1;
  }
  for (size_t i = 1; i < args.size(); i++) {
    std::ostringstream text;
    logstack::Status st = logstack::op::Render({args[i]}, opts, text);
    if (!st.ok()) {
      std::cerr << "render_manifests: " << st.ToString() << "\n";
      return 1;
    }
    if (text.str().empty()) continue;
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "%02zu-", i);
    std::filesystem::path out =
        out_dir / (prefix + std::filesystem::path(args[i]).filename().string());
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << text.str();
    f.close();
    if (!f) {
      std::cerr << "render_manifests: cannot write " << out << "\n";
      return 1;
    }
    std::cout << out.string() << "\n";
  }
  return 0;
}
