#!/usr/bin/env bash
# Runs each libFuzzer target in BIN_DIR for SECONDS, with a corpus kept in
# build-fuzz/corpus/<target>. Fails if any target finds a crash.
set -euo pipefail
bin_dir=${1:?bin dir}
seconds=${2:-30}
corpus_root=$(dirname "$bin_dir")/corpus
status=0
for target in "$bin_dir"/*_fuzz; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  mkdir -p "$corpus_root/$name"
  echo "== $name (${seconds}s)"
  "$target" -max_total_time="$seconds" -print_final_stats=1 "$corpus_root/$name" || status=1
done
exit $status
