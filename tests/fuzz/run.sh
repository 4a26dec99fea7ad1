#!/usr/bin/env bash
# Runs each libFuzzer target in BIN_DIR for SECONDS, with a corpus kept in
# build-fuzz/corpus/<target>. Fails if any target finds a crash.
#
# The LogQL targets (logql_*_fuzz) start from the valid queries of
# tests/logstore/logql/testdata/queries.txt, one query a seed file, when
# their corpus is empty, and use the LogQL dictionary (logql.dict); the
# template target uses template.dict. The parser targets (logql_parser_fuzz,
# template_fuzz) get inputs up to 32 KiB, long enough to nest past every
# depth limit (256 LogQL levels, 100 template levels) with room to spare.
set -euo pipefail
bin_dir=${1:?bin dir}
seconds=${2:-30}
corpus_root=$(dirname "$bin_dir")/corpus
queries=$(dirname "$0")/../logstore/logql/testdata/queries.txt
logql_dict=$(dirname "$0")/logql.dict
template_dict=$(dirname "$0")/template.dict
status=0
for target in "$bin_dir"/*_fuzz; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus="$corpus_root/$name"
  mkdir -p "$corpus"
  if [[ $name == logql_*_fuzz && -f $queries && -z $(ls -A "$corpus") ]]; then
    n=0
    while IFS= read -r q; do
      [[ -z $q || $q == \#* ]] && continue
      n=$((n + 1))
      printf '%s' "$q" >"$corpus/seed-$n"
    done <"$queries"
  fi
  extra=()
  [[ $name == logql_*_fuzz ]] && extra+=(-dict="$logql_dict")
  [[ $name == template_fuzz ]] && extra+=(-dict="$template_dict")
  [[ $name == logql_parser_fuzz || $name == template_fuzz ]] && extra+=(-max_len=32768)
  echo "== $name (${seconds}s)"
  # -timeout: one input may not run longer than this (queries have their
  # own 2s limit in logql_eval_fuzz).
  "$target" -max_total_time="$seconds" -timeout=60 -print_final_stats=1 "${extra[@]}" "$corpus" ||
    status=1
done
exit $status
