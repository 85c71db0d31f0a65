// The machine a report was measured on, with a short fingerprint for "same machine?" checks.
import { createHash } from 'node:crypto';
import os from 'node:os';
import type { Machine } from '../schema/report-schema.js';

export function fingerprintOf(m: Pick<Machine, 'cpuModel' | 'cores' | 'kernel' | 'node' | 'arch'>): string {
  return createHash('sha256').update([m.cpuModel, m.cores, m.kernel, m.node, m.arch].join('|')).digest('hex').slice(0, 12);
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  const base = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    // The machine's CPUs, not this process's share: the harness pins itself to the driver's CPUs
    // while it measures, and availableParallelism() would then say 1 on a 2-core machine.
    cores: os.cpus().length,
    kernel: os.release(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    totalMemBytes: os.totalmem(),
  };
  return { ...base, fingerprint: fingerprintOf(base) };
}
