#!/usr/bin/env bash
# Runs every benchmark and prints one table: benchmark, metric, value, unit.
# Benchmarks measure; they do not pass or fail. See docs/benchmarks.md.
#
#   bash bench/run.sh [BIN_DIR]          (BIN_DIR defaults to build/bin)
#
# Sizes (environment):
#   BENCH_MB             MiB of log lines pushed through the log store (1024)
#   BENCH_WAL_MB         MiB of log lines left in the WAL for the replay run (256)
#   BENCH_HTTP_MB        MiB of 1 MiB bodies sent to each HTTP server (2048)
#   BENCH_HTTP_SMALL_MB  MiB of 16 KiB bodies sent to each HTTP server (256)
#   BENCH_QUERY_MB       MiB of log lines the LogQL queries run over (1024)
#   BENCH_KUBE_CONFIGMAPS  1 KB ConfigMaps cached by the informer in kube_bench (10000)
#   BENCH_KUBE_EVENTS      watch events streamed to the informer in kube_bench (100000)
#   BENCH_OPERATOR_STACKS  LogStacks the operator converges in operator_bench (100)
#   BENCH_OPERATOR_QUIET   seconds of steady state in which operator_bench counts writes (30)
#   BENCH_COMPRESSION_MB  MiB of log lines compression_bench compresses with other codecs (64)
#   BENCH_COLLECTOR_LINES        CRI lines pre-written for collector_e2e_bench's sink run (2000000)
#   BENCH_COLLECTOR_STORE_LINES  CRI lines collector_e2e_bench pushes into the log store (1000000)
#   BENCH_COLLECTOR_LIVE_SECONDS seconds the writer appends in collector_e2e_bench's live run (10)
#   BENCH_COLLECTOR_IDLE_FILES   pod log files watched in collector_e2e_bench's RSS run (1000)
#   BENCH_COLLECTOR_OUTAGE       seconds the push URL refuses connections in collector_e2e_bench (30)
#   BENCH_ONLY           run only these benchmarks, e.g. "push_bench http_server_bench"
set -uo pipefail

BIN=${1:-build/bin}
BENCH_MB=${BENCH_MB:-1024}
BENCH_WAL_MB=${BENCH_WAL_MB:-256}
BENCH_HTTP_MB=${BENCH_HTTP_MB:-2048}
BENCH_HTTP_SMALL_MB=${BENCH_HTTP_SMALL_MB:-256}
BENCH_QUERY_MB=${BENCH_QUERY_MB:-1024}
BENCH_KUBE_CONFIGMAPS=${BENCH_KUBE_CONFIGMAPS:-10000}
BENCH_KUBE_EVENTS=${BENCH_KUBE_EVENTS:-100000}
BENCH_OPERATOR_STACKS=${BENCH_OPERATOR_STACKS:-100}
BENCH_OPERATOR_QUIET=${BENCH_OPERATOR_QUIET:-30}
BENCH_COMPRESSION_MB=${BENCH_COMPRESSION_MB:-64}
BENCH_COLLECTOR_LINES=${BENCH_COLLECTOR_LINES:-2000000}
BENCH_COLLECTOR_STORE_LINES=${BENCH_COLLECTOR_STORE_LINES:-1000000}
BENCH_COLLECTOR_LIVE_SECONDS=${BENCH_COLLECTOR_LIVE_SECONDS:-10}
BENCH_COLLECTOR_IDLE_FILES=${BENCH_COLLECTOR_IDLE_FILES:-1000}
BENCH_COLLECTOR_OUTAGE=${BENCH_COLLECTOR_OUTAGE:-30}
BENCH_ONLY=${BENCH_ONLY:-chunk_bench compression_bench push_bench query_bench http_server_bench kube_bench operator_bench collector_e2e_bench}

for b in $BENCH_ONLY; do
  if [[ ! -x "$BIN/$b" ]]; then
    echo "bench/run.sh: $BIN/$b is missing; build it first (make build)" >&2
    exit 2
  fi
done

out=$(mktemp -d "${TMPDIR:-/tmp}/logstack-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(nproc) CPUs: ${cpu:-unknown}  $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# BENCH_MB=$BENCH_MB BENCH_WAL_MB=$BENCH_WAL_MB BENCH_HTTP_MB=$BENCH_HTTP_MB BENCH_HTTP_SMALL_MB=$BENCH_HTTP_SMALL_MB BENCH_QUERY_MB=$BENCH_QUERY_MB BENCH_KUBE_CONFIGMAPS=$BENCH_KUBE_CONFIGMAPS BENCH_KUBE_EVENTS=$BENCH_KUBE_EVENTS BENCH_OPERATOR_STACKS=$BENCH_OPERATOR_STACKS BENCH_OPERATOR_QUIET=$BENCH_OPERATOR_QUIET BENCH_COMPRESSION_MB=$BENCH_COMPRESSION_MB"
echo "# BENCH_COLLECTOR_LINES=$BENCH_COLLECTOR_LINES BENCH_COLLECTOR_STORE_LINES=$BENCH_COLLECTOR_STORE_LINES BENCH_COLLECTOR_LIVE_SECONDS=$BENCH_COLLECTOR_LIVE_SECONDS BENCH_COLLECTOR_IDLE_FILES=$BENCH_COLLECTOR_IDLE_FILES BENCH_COLLECTOR_OUTAGE=$BENCH_COLLECTOR_OUTAGE"

failed=0
for b in $BENCH_ONLY; do
  case $b in
    chunk_bench) args=() ;;
    compression_bench) args=(--mb="$BENCH_COMPRESSION_MB") ;;
    push_bench) args=(--bin-dir="$BIN" --mb="$BENCH_MB" --wal-mb="$BENCH_WAL_MB") ;;
    http_server_bench) args=(--mb="$BENCH_HTTP_MB" --small-mb="$BENCH_HTTP_SMALL_MB") ;;
    query_bench) args=(--mb="$BENCH_QUERY_MB") ;;
    kube_bench) args=(--configmaps="$BENCH_KUBE_CONFIGMAPS" --events="$BENCH_KUBE_EVENTS") ;;
    operator_bench) args=(--bin-dir="$BIN" --stacks="$BENCH_OPERATOR_STACKS" --quiet-seconds="$BENCH_OPERATOR_QUIET") ;;
    collector_e2e_bench) args=(--bin-dir="$BIN" --lines="$BENCH_COLLECTOR_LINES"
                               --store-lines="$BENCH_COLLECTOR_STORE_LINES"
                               --live-seconds="$BENCH_COLLECTOR_LIVE_SECONDS"
                               --idle-files="$BENCH_COLLECTOR_IDLE_FILES"
                               --outage-seconds="$BENCH_COLLECTOR_OUTAGE") ;;
    *) args=() ;;
  esac
  start=$(date +%s)
  echo "# running $b ${args[*]}" >&2
  if ! "$BIN/$b" "${args[@]}" >"$out/$b.txt" 2>"$out/$b.err"; then
    echo "bench/run.sh: $b failed; its last output:" >&2
    tail -n 20 "$out/$b.err" >&2
    failed=1
  fi
  echo "$b bench_wall_time $(($(date +%s) - start)) s" >>"$out/$b.times"
done

printf '%-20s %-40s %14s  %s\n' benchmark metric value unit
printf '%-20s %-40s %14s  %s\n' -------------------- ---------------------------------------- -------------- ----------
for b in $BENCH_ONLY; do
  # Each benchmark prints "name value unit" lines.
  awk -v b="$b" 'NF >= 2 && $2 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ {
      unit = ""; for (i = 3; i <= NF; i++) unit = unit (i > 3 ? " " : "") $i
      v = $2 + 0
      fmt = ((v < 0 ? -v : v) < 1000) ? "%14.2f" : "%14.0f"
      printf "%-20s %-40s " fmt "  %s\n", b, $1, v, unit
    }' "$out/$b.txt" 2>/dev/null
  awk '{printf "%-20s %-40s %14s  %s\n", $1, $2, $3, $4}' "$out/$b.times" 2>/dev/null
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $failed
