// What the short-lived processes load at start-up. A load driver is a fresh process twice a round
// and a server once a round, so every module they load statically is paid for in every round:
// the report schema's library (TypeBox) cost each driver ~200 ms of start-up, and the report
// code (a native canvas with its own threads) cost every server ~0.5 s and 40 MiB. These walk
// the static imports of the compiled modules (what `node` loads; type-only imports are gone by
// then, dynamic `import()` is not followed) and name the chain that pulls in a forbidden package.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Static `import ... from '...'`, `import '...'` and `export ... from '...'` specifiers of a module. */
function staticSpecifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) out.push(m[1] as string);
  return out;
}

/** Every package reached from `entry` (a dist-relative path), each with the chain of files that reaches it. */
function packagesReached(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue: Array<{ file: string; chain: string[] }> = [{ file: path.join(dist, entry), chain: [entry] }];
  while (queue.length > 0) {
    const { file, chain } = queue.shift() as { file: string; chain: string[] };
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticSpecifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const next = path.resolve(path.dirname(file), spec);
        queue.push({ file: next, chain: [...chain, path.relative(dist, next)] });
      } else if (!spec.startsWith('node:') && !packages.has(spec)) {
        packages.set(spec, [...chain, spec]);
      }
    }
  }
  return packages;
}

function forbiddenIn(entry: string, forbidden: readonly string[]): string[] {
  return [...packagesReached(entry)]
    .filter(([pkg]) => forbidden.some((f) => pkg === f || pkg.startsWith(`${f}/`)))
    .map(([, chain]) => chain.join(' -> '));
}

describe('what a process loads at start-up', () => {
  it('finds a package through a chain of static imports (the walker itself)', () => {
    // The report code does load the schema library and the chart code: a walker that found
    // nothing would pass every test below.
    expect(forbiddenIn('harness/report/render.js', ['@sinclair/typebox'])).not.toEqual([]);
    expect(packagesReached('harness/load/net-driver.js').get('hdr-histogram-js')).toContain('harness/analysis/stats.js');
  });

  it.each(['net-driver.js', 'autocannon-driver.js', 'open-loop-driver.js', 'wrk-driver.js'])(
    'the load driver %s does not load the report schema or the report code',
    (driver) => {
      expect(forbiddenIn(`harness/load/${driver}`, ['@sinclair/typebox', 'chart.js', '@napi-rs/canvas'])).toEqual([]);
    },
  );

  it('the mkvss-lab command loads only what `serve` needs before it parses its arguments', () => {
    expect(forbiddenIn('cli/mkvss-lab.js', ['@sinclair/typebox', 'chart.js', '@napi-rs/canvas', 'autocannon', 'hdr-histogram-js'])).toEqual(
      [],
    );
  });
});
