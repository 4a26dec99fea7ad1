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
#
# The collector's targets start from a few log lines in each format
# (collector_line_fuzz) and a valid positions file (positions_fuzz) when
# their corpus is empty.
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
  if [[ $name == collector_line_fuzz && -z $(ls -A "$corpus") ]]; then
    printf '%s\n' '2024-01-15T08:30:00.123456789Z stdout F hello world' \
      '2024-01-15T10:30:00.5+02:00 stderr P first half, ' '2024-01-15T10:30:01Z stderr F:x end' \
      >"$corpus/seed-cri"
    printf '%s\n' '{"log":"a \"quoted\" \u00e9\ud83d\ude00 line\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"}' \
      '{"time":"2024-01-15T08:30:00Z","attrs":{"k":[1,"}"]},"log":"partial","stream":"stderr"}' \
      >"$corpus/seed-docker"
    printf 'raw line\n\0\377 bytes\n' >"$corpus/seed-raw"
  fi
  if [[ $name == positions_fuzz && -z $(ls -A "$corpus") ]]; then
    # A file as the collector writes it (the CRCs are real).
    printf '%s\n' \
      '# logstack-collector positions (docs/collector.md). Written atomically; do not edit.' \
      'logstack-positions v1' \
      '"/var/log/pods/ns_pod_0b5c4e7a-1111-2222-3333-444455556666/app/0.log" dev=2049 ino=393236 offset=1844 fp=1024:5f1e0a7c crc=0e028313' \
      '"journal:system" cursor="s=6e0c;i=1f2" crc=bade2016' \
      'end records=2 crc=50aaff91' >"$corpus/seed-positions"
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
