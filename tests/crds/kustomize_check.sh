#!/usr/bin/env bash
# Renders config/default and config/samples with `kubectl kustomize` (kubectl's
# built-in kustomize, as `kubectl apply -k` uses) and validates every rendered
# built-in object strictly. Exit 77 (skipped) without kubectl.
#   kustomize_check.sh NODE STRICT_VALIDATE.cjs SOURCE_DIR OUT_DIR
set -euo pipefail
node=$1 validator=$2 src=$3 out=$4
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl not installed: skipped"
  exit 77
fi
mkdir -p "$out"
for dir in default samples; do
  kubectl kustomize "$src/config/$dir" > "$out/$dir.yaml"
  echo "config/$dir: $(grep -c '^kind:' "$out/$dir.yaml") objects"
done
# config/default must carry the CRD exactly as crds/ has it.
grep -q '^  name: logstacks.logstack.io$' "$out/default.yaml"
"$node" "$validator" "$out/default.yaml" "$out/samples.yaml"
