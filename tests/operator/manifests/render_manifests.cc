// render_manifests [--grafana-operator] OUT_DIR FILE...
//
// For each FILE of LogStacks, writes every object the operator would build to
// OUT_DIR/<basename of FILE> as YAML documents (what `logstack-operator
// render` prints). The strict schema test (strict_schema.cmake) validates the
// results with tests/crds/strict_validate.cjs.

#include <filesystem>
#include <fstream>
#include <iostream>
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
    std::filesystem::path out = out_dir / std::filesystem::path(args[i]).filename();
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    if (!f) {
      std::cerr << "render_manifests: cannot write " << out << "\n";
      return 1;
    }
    logstack::Status st = logstack::op::Render({args[i]}, opts, f);
    if (!st.ok()) {
      std::cerr << "render_manifests: " << st.ToString() << "\n";
      return 1;
    }
    std::cout << out.string() << "\n";
  }
  return 0;
}
