#!/usr/bin/env bash
# Runs a command against a freshly started logstore, then stops it.
#
#   with_logstore.sh --bin PATH [--known-failures FILE] [--ready-timeout SECS]
#                    [LOGSTORE_FLAG...] -- COMMAND [ARG...]
#
# Starts PATH with a new temporary data directory, listening on 127.0.0.1
# port 0 (the kernel picks a free port, read back from the binary's start-up
# log line "op=start ... port=N"), plus the given LOGSTORE_FLAGs. Waits until
# GET /ready answers 200 (default: up to 60 s). Then runs COMMAND with every
# "{URL}" in its arguments replaced by the server's base URL, which is also
# exported as LOGSTORE_URL. On exit the server is stopped (SIGTERM, then
# SIGKILL) and the directory removed (kept if LOGSTACK_KEEP_TEST_DIRS=1).
#
# Exit status: the command's, or 1 if the server died while the command ran.
#
# --known-failures FILE is for checkers that print "FAIL <id>: ..." for each
# failing case and, when run verbosely, "ok   <id>" for each passing one
# (push-conformance/check.py -v). FILE lists case ids that are known to fail,
# one "<id>  <reason>" a line, '#' starting a comment. The run then passes iff
# every failing case is listed, no listed case passes (so that the list only
# shrinks), and the checker printed its "N passed, N failed" summary.
set -uo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

bin=""
known=""
ready_timeout=60
flags=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --bin=*) bin=${1#--bin=}; shift ;;
    --known-failures) known=$2; shift 2 ;;
    --known-failures=*) known=${1#--known-failures=}; shift ;;
    --ready-timeout) ready_timeout=$2; shift 2 ;;
    --) shift; break ;;
    *) flags+=("$1"); shift ;;
  esac
done
[[ -n "$bin" && $# -gt 0 ]] || usage
[[ -x "$bin" ]] || { echo "with_logstore: $bin is not executable" >&2; exit 2; }
[[ -z "$known" || -r "$known" ]] || { echo "with_logstore: cannot read $known" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/with-logstore.XXXXXX")
log="$dir/logstore.log"
pid=""

show_log() {
  echo "---- last lines of the logstore's output ($log) ----" >&2
  tail -n 40 "$log" >&2 || true
  echo "----" >&2
}

cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 300); do  # up to 30 s for a clean shutdown
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  if [[ "${LOGSTACK_KEEP_TEST_DIRS:-0}" != "0" ]]; then
    echo "with_logstore: keeping $dir" >&2
  else
    rm -rf "$dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin" --data-dir="$dir/data" --http-listen=127.0.0.1:0 "${flags[@]}" >"$log" 2>&1 </dev/null &
pid=$!

deadline=$((SECONDS + ready_timeout))
port=""
while [[ -z "$port" ]]; do
  port=$(grep -m1 -o 'op=start.* port=[0-9]*' "$log" 2>/dev/null | sed 's/.* port=//')
  [[ -n "$port" ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "with_logstore: logstore exited before listening" >&2; show_log; exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "with_logstore: no 'op=start ... port=N' log line in ${ready_timeout}s" >&2; show_log; exit 1
  fi
  sleep 0.05
done
url="http://127.0.0.1:$port"

ready() {
  if command -v curl >/dev/null; then
    [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url/ready")" == 200 ]]
  else
    python3 -c 'import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=2)' \
      "$url/ready" >/dev/null 2>&1
  fi
}
until ready; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "with_logstore: logstore exited before it was ready" >&2; show_log; exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "with_logstore: $url/ready did not answer 200 in ${ready_timeout}s" >&2; show_log; exit 1
  fi
  sleep 0.05
done

export LOGSTORE_URL="$url"
cmd=()
for a in "$@"; do cmd+=("${a//\{URL\}/$url}"); done
echo "with_logstore: logstore ready at $url; running: ${cmd[*]}" >&2

if [[ -z "$known" ]]; then
  "${cmd[@]}"
  rc=$?
else
  out="$dir/command.out"
  "${cmd[@]}" 2>&1 | tee "$out"
  cmd_rc=${PIPESTATUS[0]}
  rc=0
  listed=$(sed -e 's/#.*//' "$known" | awk 'NF {print $1}' | sort -u)
  failed=$(sed -n 's/^FAIL \([^: ]*\):.*/\1/p' "$out" | sort -u)
  passed=$(sed -n 's/^ok  *\([^ ]*\).*/\1/p' "$out" | sort -u)
  unexpected=$(comm -23 <(echo "$failed") <(echo "$listed") | sed '/^$/d')
  fixed=$(comm -12 <(echo "$passed") <(echo "$listed") | sed '/^$/d')
  if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed' "$out"; then
    echo "with_logstore: the checker printed no 'N passed, N failed' summary (exit $cmd_rc)" >&2
    rc=1
  elif [[ $cmd_rc -ne 0 && -z "$failed" ]]; then
    echo "with_logstore: the checker failed (exit $cmd_rc) without naming a failing case" >&2
    rc=1
  fi
  if [[ -n "$unexpected" ]]; then
    echo "with_logstore: failing cases not listed in $known:" $unexpected >&2
    rc=1
  fi
  if [[ -n "$fixed" ]]; then
    echo "with_logstore: listed in $known but now passing (remove them):" $fixed >&2
    rc=1
  fi
  if [[ $rc -eq 0 && -n "$failed" ]]; then
    echo "with_logstore: known failures only:" $failed >&2
  fi
fi

if ! kill -0 "$pid" 2>/dev/null; then
  wait "$pid"
  echo "with_logstore: logstore died while the command ran (exit status $?)" >&2
  show_log
  pid=""
  exit 1
fi
if [[ $rc -ne 0 ]]; then show_log; fi
exit $rc
