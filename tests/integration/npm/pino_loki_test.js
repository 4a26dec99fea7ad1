#!/usr/bin/env node
// Pushes log lines to a Loki-compatible server through pino-loki (a Loki
// client library from the npm registry: JSON pushes, batched), then asks
// query_range for them and checks that every line arrived exactly once, with
// its labels and structured metadata.
//
//   node pino_loki_test.js URL [N]
//
// Exits 0 on success, 1 (after printing what differs) otherwise.
'use strict';

const pino = require('pino');
const { pinoLoki } = require('pino-loki');

function fail(msg) {
  console.log('FAIL: ' + msg);
  process.exit(1);
}

async function main() {
  const url = process.argv[2];
  const n = Number(process.argv[3] || 300);
  if (!url) fail('usage: pino_loki_test.js URL [N]');
  const run = 'r' + Date.now().toString(36) + Math.floor(Math.random() * 1e9).toString(36);

  // pino-loki reports failed pushes only through console.error.
  const pushErrors = [];
  const consoleError = console.error;
  console.error = (...args) => {
    pushErrors.push(args.map(String).join(' '));
    consoleError(...args);
  };

  const startMs = Date.now();
  const stream = pinoLoki({
    host: url,
    labels: { app: 'pino-loki-test', run },
    batching: { interval: 0.2, maxBufferSize: 0 },  // 0: never drop lines
    timeout: 20000,
    silenceErrors: false,
  });
  const closed = new Promise((resolve, reject) => {
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const logger = pino({ level: 'debug' }, stream);
  const want = new Map();  // msg -> {level, traceId}
  for (let i = 0; i < n; i++) {
    const msg = `pino line ${i} of ${n} ünïcødé "quoted" \\ tab\there`;
    if (i % 10 === 0) {
      logger.info({ meta: { trace_id: `trace-${i}` }, i }, msg);
      want.set(msg, { level: 'info', traceId: `trace-${i}` });
    } else if (i % 3 === 0) {
      logger.warn({ i }, msg);
      want.set(msg, { level: 'warning' });
    } else {
      logger.info({ i, nested: { a: [1, 2], b: null } }, msg);
      want.set(msg, { level: 'info' });
    }
  }
  // Ending the stream makes pino-loki send what it still buffers, and
  // 'close' comes after that push has been answered.
  stream.end();
  await closed;
  console.error = consoleError;
  if (pushErrors.length > 0) fail('pino-loki reported push errors:\n' + pushErrors.join('\n'));

  const params = new URLSearchParams({
    query: `{app="pino-loki-test", run="${run}"}`,
    start: String(BigInt(startMs - 60000) * 1000000n),
    end: String(BigInt(Date.now() + 60000) * 1000000n),
    limit: String(n * 2 + 10),
    direction: 'forward',
  });
  const res = await fetch(`${url}/loki/api/v1/query_range?${params}`);
  const text = await res.text();
  if (res.status !== 200) fail(`query_range answered ${res.status}: ${text}`);
  const body = JSON.parse(text);
  if (body.status !== 'success' || body.data.resultType !== 'streams') {
    fail('unexpected query_range answer: ' + text.slice(0, 500));
  }
  const seen = new Map();
  const problems = [];
  for (const s of body.data.result) {
    for (const [ts, line] of s.values) {
      let obj;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        problems.push(`line is not the JSON pino wrote: ${line}`);
        continue;
      }
      const w = want.get(obj.msg);
      if (!w) {
        problems.push(`unexpected line: ${line}`);
        continue;
      }
      seen.set(obj.msg, (seen.get(obj.msg) || 0) + 1);
      if (s.stream.level !== w.level) {
        problems.push(`${obj.msg}: level label ${s.stream.level}, want ${w.level}`);
      }
      if (s.stream.trace_id !== w.traceId) {
        problems.push(`${obj.msg}: trace_id ${s.stream.trace_id}, want ${w.traceId}`);
      }
      const tsMs = Number(BigInt(ts) / 1000000n);
      if (tsMs !== obj.time) problems.push(`${obj.msg}: timestamp ${ts}, pino time ${obj.time}`);
    }
  }
  for (const msg of want.keys()) {
    const c = seen.get(msg) || 0;
    if (c !== 1) problems.push(`${msg}: returned ${c} times, want once`);
  }
  if (problems.length > 0) {
    fail(`${problems.length} problems:\n` + problems.slice(0, 20).join('\n'));
  }
  console.log(`ok: ${n} lines pushed by pino-loki arrived once each (run ${run})`);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
