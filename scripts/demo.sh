#!/usr/bin/env bash
# The main job, for now: start the log store on local disk with the default
# config, push a few log lines (JSON) to it, and query them back with LogQL over Loki's
# HTTP API. The first-run issue grows this into the full stack demo.
set -euo pipefail
bin_dir=${1:-build/bin}
port=${PORT:-3100}
data_dir=$(mktemp -d /tmp/logstack-demo.XXXXXX)
log_file="$data_dir/logstore.log"

"$bin_dir/logstore" --config=config/logstore.yaml --data-dir="$data_dir/data" \
  --http-listen="127.0.0.1:$port" 2>"$log_file" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT

for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "log store ready on http://127.0.0.1:$port (data in $data_dir)"

now=$(date +%s%N)
body=$(cat <<JSON
{"streams": [
  {"stream": {"namespace": "shop", "app": "order", "container": "order"},
   "values": [["$((now - 2000000000))", "level=info msg=\"order created\" id=1001 total=42.50"],
              ["$((now - 1000000000))", "level=warn msg=\"payment slow\" id=1001 latency=1.2s"]]},
  {"stream": {"namespace": "shop", "app": "delivery", "container": "delivery"},
   "values": [["$now", "{\"level\":\"info\",\"msg\":\"parcel shipped\",\"order\":1001}"]]}
]}
JSON
)
echo
echo "\$ curl -X POST /loki/api/v1/push   (3 lines, 2 streams)"
curl -fsS -w "HTTP %{http_code}\n" -H 'Content-Type: application/json' \
  --data-binary "$body" "http://127.0.0.1:$port/loki/api/v1/push"

echo
echo "\$ curl '/loki/api/v1/query_range?query={namespace=\"shop\"}'"
curl -fsS -G "http://127.0.0.1:$port/loki/api/v1/query_range" \
  --data-urlencode 'query={namespace="shop"}' --data-urlencode "limit=10" |
  python3 -c 'import json,sys; d=json.load(sys.stdin)
for s in d["data"]["result"]:
    print(json.dumps(s["stream"], sort_keys=True))
    for ts, line in s["values"]: print("   ", ts, line)'

echo
echo "\$ curl '/loki/api/v1/query_range?query={app=\"order\"} | logfmt | level=\"warn\" | line_format \"{{.msg}} ({{.latency}})\"'"
curl -fsS -G "http://127.0.0.1:$port/loki/api/v1/query_range" \
  --data-urlencode 'query={app="order"} | logfmt | level="warn" | line_format "{{.msg}} ({{.latency}})"' |
  python3 -c 'import json,sys; d=json.load(sys.stdin)
for s in d["data"]["result"]:
    for ts, line in s["values"]: print("   ", ts, line)'

echo
echo "\$ curl '/loki/api/v1/query?query=sum by (app) (count_over_time({namespace=\"shop\"}[5m]))'"
curl -fsS -G "http://127.0.0.1:$port/loki/api/v1/query" \
  --data-urlencode 'query=sum by (app) (count_over_time({namespace="shop"}[5m]))' |
  python3 -c 'import json,sys; d=json.load(sys.stdin)
for s in d["data"]["result"]: print("   ", json.dumps(s["metric"]), s["value"][1])'

echo
echo "\$ curl /loki/api/v1/labels"
curl -fsS "http://127.0.0.1:$port/loki/api/v1/labels"; echo
echo "\$ curl /loki/api/v1/label/app/values"
curl -fsS "http://127.0.0.1:$port/loki/api/v1/label/app/values"; echo
