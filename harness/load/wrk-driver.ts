// Closed-loop load from wrk (`--driver wrk`, a cross-check; a child process of the harness that
// speaks the same IPC protocol as the other drivers and runs wrk pinned where it is pinned).
//
// wrk runs twice: a warm-up run, then the measured run. wrk takes whole seconds, so both are
// rounded up to whole seconds and the window is the measured run's own duration. Requests come
// from this shard's pre-built lists (written to a file that a Lua script reads once per wrk
// thread), cycled by every connection of the thread. At the end, the script's done() writes wrk's
// summary, its exact mean latency and its latency percentiles on a fine grid; those become our HDR
// histogram (wrk keeps exact µs counts, but its Lua API only exposes percentiles: the histogram is
// exact at the grid's resolution, 0.1% of responses, 0.001% in the top 0.1%).
//
// What wrk cannot give (drivers.ts says the same): a status check per request (wrk counts non-2xx
// and non-3xx answers only), acknowledged writes (estimated from the list's share of writes), and
// crud (refused up front). Its CPU is read here from /proc/self/stat's cutime + cstime around the
// measured run, because wrk has exited, and left /proc, when the window ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DriverSpec, ShardResult } from './driver-protocol.js';
import { driverMain } from './window-recorder.js';
import { connectionLists } from './connection-lists.js';
import { readWrkResult } from './wrk-result.js';
import { parseStatChildrenCpuSeconds } from '../system/proc.js';
import { must } from '../must.js';

/** At most this many requests in the shared list (enough for the keys to look random). */
const MAX_LIST = 50_000;

function luaString(s: string): string {
  return JSON.stringify(s); // a JSON string of ASCII is a valid Lua string literal
}

function wrkScript(requestsFile: string, outFile: string, valueSize: number): string {
  // The list is built in init(), once per wrk thread: only then has wrk.init() put the Host
  // header into wrk.headers, which wrk.format() copies into each request.
  return `
local reqs = {}
local n = 0
local i = 0
init = function(args)
  local value = string.rep("v", ${valueSize})
  for line in io.lines(${luaString(requestsFile)}) do
    local method, target, body = line:match("^(%S+) (%S+) ?(.*)$")
    if body == "-" then body = value elseif body == "" then body = nil end
    reqs[#reqs + 1] = wrk.format(method, target, nil, body)
  end
  n = #reqs
end
request = function()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
done = function(summary, latency, requests)
  local f = assert(io.open(${luaString(outFile)}, "w"))
  local e = summary.errors
  f:write(string.format("summary %d %d %d %d %d %d %d %.3f\\n", summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout, latency.mean))
  if summary.requests > 0 then
    -- wrk's Lua API gives percentiles, not the counts per µs behind them: a fine grid of slices,
    -- each represented by the latency at its middle (0.1% wide, 0.001% in the last 0.1%).
    local edges = {}
    for k = 0, 999 do edges[#edges + 1] = k / 10 end
    for k = 1, 100 do edges[#edges + 1] = 99.9 + k / 1000 end
    for k = 1, #edges - 1 do
      local lo, hi = edges[k], edges[k + 1]
      f:write(string.format("%.3f %.3f %d\\n", lo, hi, latency:percentile((lo + hi) / 2)))
    end
  end
  f:close()
end
`;
}

function childrenCpuSeconds(): number {
  return parseStatChildrenCpuSeconds(readFileSync('/proc/self/stat', 'utf8'));
}

function runWrk(args: string[]): Promise<{ code: number | null; output: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output = (output + s).slice(-4000)));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output = (output + s).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output, wallMs: performance.now() - t0 }));
  });
}

function build(spec: DriverSpec): () => Promise<ShardResult> {
  if (spec.workload === 'crud') throw new Error('wrk cannot run crud: its connections share one request list');
  const dir = mkdtempSync(path.join(tmpdir(), 'mkvss-wrk-'));
  const lists = connectionLists(spec);
  // Interleave the connections' lists, so the shared list mixes them like the other drivers do.
  const shared = [];
  const length = must(lists[0], 'a list per connection (at least one connection)').length;
  for (let k = 0; shared.length < MAX_LIST && k < length; k++) {
    for (const list of lists) {
      const request = list[k];
      if (request !== undefined) shared.push(request);
    }
  }
  const fixedValue = 'v'.repeat(spec.valueSize);
  const lines = shared.map((r) => {
    if (r.body !== undefined && r.body !== fixedValue) throw new Error('wrk driver: only fixed-value bodies are supported');
    return `${r.method} ${r.path}${r.body === undefined ? '' : ' -'}`;
  });
  const writeShare = shared.filter((r) => r.write !== null).length / shared.length;
  const requestsFile = path.join(dir, 'requests.txt');
  writeFileSync(requestsFile, `${lines.join('\n')}\n`);
  const outFile = path.join(dir, 'out.txt');
  const warmScript = path.join(dir, 'warm.lua');
  const measureScript = path.join(dir, 'measure.lua');
  writeFileSync(warmScript, wrkScript(requestsFile, path.join(dir, 'warm-out.txt'), spec.valueSize));
  writeFileSync(measureScript, wrkScript(requestsFile, outFile, spec.valueSize));
  const url = `http://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}/`;
  const timeoutS = Math.max(1, Math.ceil(spec.timeoutMs / 1000));
  const args = (seconds: number, script: string) => [
    '-t1',
    `-c${spec.connections}`,
    `-d${seconds}s`,
    `--timeout`,
    `${timeoutS}s`,
    '-s',
    script,
    url,
  ];

  return async () => {
    try {
      if (spec.warmupMs > 0) {
        const warm = await runWrk(args(Math.ceil(spec.warmupMs / 1000), warmScript));
        if (warm.code !== 0) throw new Error(`wrk (warm-up) exited ${warm.code}: ${warm.output.trim().split('\n').slice(-3).join(' | ')}`);
      }
      const cpuBefore = childrenCpuSeconds();
      const measured = runWrk(args(Math.max(1, Math.ceil(spec.durationMs / 1000)), measureScript));
      process.send?.({ type: 'measuring' });
      const run = await measured;
      const cpuPct = ((childrenCpuSeconds() - cpuBefore) / (run.wallMs / 1000)) * 100;
      process.send?.({ type: 'window-end', driverCpuPct: cpuPct });
      if (run.code !== 0) throw new Error(`wrk exited ${run.code}: ${run.output.trim().split('\n').slice(-3).join(' | ')}`);
      return readWrkResult(readFileSync(outFile, 'utf8'), writeShare);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

driverMain(build);
