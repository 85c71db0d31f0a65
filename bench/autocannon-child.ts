// The autocannon fallback driver, run as its own (pinned) process by bench/load-drivers.ts.
// Argument: a JSON LoadSpec. Prints {requestsPerS, p99Ms, failures} as JSON on stdout.
// Requests are pre-built (a fixed list of random keys cycled per connection) because a
// setupRequest callback rebuilding each request caps autocannon far below what a lean server does.
import autocannon from 'autocannon';
import type { LoadSpec } from './load-drivers.js';

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
const LIST_LENGTH = 1000;
const value = 'v'.repeat(spec.valueBytes);
const requests = Array.from({ length: LIST_LENGTH }, (_, i) => {
  const path = `/keys/k${Math.floor(Math.random() * spec.keyCount)}`;
  // The mix: every tenth request a PUT, spread evenly through the list.
  return spec.workload === 'mix' && i % 10 === 9 ? { method: 'PUT' as const, path, body: value } : { method: 'GET' as const, path };
});

const result = await autocannon({
  url: `http://127.0.0.1:${spec.port}`,
  connections: spec.connections,
  duration: spec.durationS,
  requests,
});
process.stdout.write(
  JSON.stringify({
    requestsPerS: result.requests.total / spec.durationS,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  }),
);
