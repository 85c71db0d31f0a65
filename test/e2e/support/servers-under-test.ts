// Which servers the e2e suite runs against. The full protocol suite runs for our own engine's
// drivers (async, sync): both must pass it unchanged. `reference` (node:http) gets the API-level
// subset only, since its protocol-level behaviour is llhttp's by design.
// MKVSS_E2E_SERVERS=async (comma-separated) narrows the full-suite list, e.g. while sync is absent.
import type { ServerKind } from '../../../servers/server-kinds.js';

const FULL_SUITE_KINDS = ['async', 'sync'] as const satisfies readonly ServerKind[];
export type FullSuiteKind = (typeof FULL_SUITE_KINDS)[number];

export function fullSuiteServers(env: NodeJS.ProcessEnv = process.env): FullSuiteKind[] {
  const raw = env.MKVSS_E2E_SERVERS?.trim();
  if (!raw) return [...FULL_SUITE_KINDS];
  const kinds = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (!(FULL_SUITE_KINDS as readonly string[]).includes(k)) {
      throw new Error(`MKVSS_E2E_SERVERS: "${k}" is not one of ${FULL_SUITE_KINDS.join(', ')}`);
    }
  }
  return kinds as FullSuiteKind[];
}

/** Servers that must answer the API alike: the full-suite ones plus the node:http control. */
export function apiSuiteServers(env: NodeJS.ProcessEnv = process.env): Array<FullSuiteKind | 'reference'> {
  return [...fullSuiteServers(env), 'reference'];
}
