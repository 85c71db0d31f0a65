import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../harness/gate/decision.js';
import { runGateLoop } from '../../harness/gate/loop.js';
import { buildBaseline } from '../../harness/gate/baseline.js';
import { extractMetrics } from '../../harness/gate/metrics.js';
import { renderGateMarkdown, renderGateTable, type GateSummary } from '../../harness/gate/report.js';
import { MACHINE, steady, syntheticReport } from './synthetic-report.js';

const base = syntheticReport({
  get: { floor: steady(40_000, 1000), sync: steady(10_000, 4000, [1, 1.02, 0.98]), async: steady(20_000, 2000, [1, 1.02, 0.98]) },
});
const baseline = buildBaseline(
  { metrics: extractMetrics(base), reports: [base] },
  { workloads: ['get'], concurrency: 32, durationMs: 2000, warmupMs: 500 },
  '2026-01-01T00:00:00Z',
);

async function summary(asyncThroughput: number, fingerprint = MACHINE.fingerprint): Promise<GateSummary> {
  const now = syntheticReport(
    {
      get: {
        floor: steady(40_000, 1000),
        sync: steady(10_000, 4000, [1, 1.02, 0.98]),
        async: steady(asyncThroughput, 2000, [1, 1.02, 0.98]),
      },
    },
    { fingerprint },
  );
  const outcome = await runGateLoop({
    baseline,
    thresholds: DEFAULT_THRESHOLDS,
    workloads: ['get'],
    rounds: 3,
    maxRounds: 6,
    extraRounds: 3,
    measure: async () => now,
  });
  return { outcome, baseline, machine: now.setup.machine, thresholds: DEFAULT_THRESHOLDS, elapsedMs: 61_000 };
}

describe('gate report', () => {
  it('the table names the regressed metric, its baseline, now, change and verdict', async () => {
    const text = renderGateTable(await summary(14_000));
    const line = text.split('\n').find((l) => l.startsWith('get c32 async req/s ÷ floor'))!;
    expect(line).toMatch(/0\.500\s+0\.350\s+−30%\s+4\.0%\s+3\s+REGRESSION$/);
    // At the same CPU use, 30% fewer req/s is also 30% fewer requests per CPU-second.
    expect(text).toMatch(
      /^FAIL: 3 regression\(s\): get c32 async req\/s ÷ floor −30%; get c32 async req\/CPU-s ÷ floor −30%; get c32 async ÷ sync req\/s −30%/m,
    );
  });

  it('the Markdown has the same rows, the verdict in bold, and says PASS on a clean run', async () => {
    const md = renderGateMarkdown(await summary(20_000));
    expect(md).toContain('**PASS: no regression beyond the tolerance and the noise (61 s).**');
    expect(md).toMatch(/\| get c32 async req\/s ÷ floor \| 0\.500 \| 0\.500 \| \+0% \| 4\.0% \| 3 \| ok \|/);
    expect(renderGateMarkdown(await summary(14_000))).toContain('| **REGRESSION** |');
  });

  it('says so when the baseline comes from another machine', async () => {
    const text = renderGateTable(await summary(20_000, 'bbbb2222'));
    expect(text).toMatch(/baseline comes from another machine.*fingerprint aaaa1111; this one is bbbb2222/);
    expect(renderGateTable(await summary(20_000))).toMatch(/Baseline from this machine/);
  });

  it('a pass that could not judge every row says how many on the verdict line', async () => {
    const noisy = syntheticReport({
      get: { floor: steady(40_000, 1000), sync: steady(10_000, 4000, [1, 1.02, 0.98]), async: steady(20_000, 2000, [1, 0.5, 1.6]) },
    });
    const outcome = await runGateLoop({
      baseline,
      thresholds: DEFAULT_THRESHOLDS,
      workloads: ['get'],
      rounds: 3,
      maxRounds: 3,
      extraRounds: 1,
      measure: async () => noisy,
    });
    const text = renderGateTable({ outcome, baseline, machine: noisy.setup.machine, thresholds: DEFAULT_THRESHOLDS, elapsedMs: 61_000 });
    expect(text).toMatch(
      /^PASS: no regression beyond the tolerance and the noise; [1-9] of \d+ rows too noisy to see a 25% drop \(61 s\)\.$/m,
    );
    // A row both within noise and too noisy to tell says both in one parenthesis.
    const undecided = outcome.rows.find((r) => r.undecided)!;
    const rows = outcome.rows.map((r) => (r === undecided ? { ...r, verdict: 'within-noise' as const } : r));
    const both = renderGateTable({
      outcome: { ...outcome, rows },
      baseline,
      machine: noisy.setup.machine,
      thresholds: DEFAULT_THRESHOLDS,
      elapsedMs: 61_000,
    });
    const line = both.split('\n').find((l) => l.startsWith(`${undecided.id} `))!;
    expect(line).toMatch(/ ok \(within noise; too noisy to tell\)$/);
  });
});
