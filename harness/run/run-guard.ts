// The harness process for the length of one run: pinned beside the load drivers (samplers and IPC
// stay off the servers' CPUs), and a SIGINT/SIGTERM takes the run's servers down with it. compare
// and the knee search both run under it; the returned function undoes it all.
import type { CpuPlan } from '../system/pinning.js';
import { allowedCpus, pinProcess } from '../system/pinning.js';
import type { ServerLifecycle } from './lifecycle.js';

/**
 * `pinSelf`: move this process to the driver's CPUs now and back at the end. `owned`: the run
 * started its lifecycle, so the end closes it (a caller that passed its own keeps it).
 */
export function guardRun(
  lifecycle: ServerLifecycle,
  plan: CpuPlan,
  { pinSelf, owned }: { pinSelf: boolean; owned: boolean },
): () => Promise<void> {
  const ownCpus = pinSelf && plan.pinned ? allowedCpus() : null;
  if (ownCpus) pinProcess(process.pid, plan.driverCpus);
  const onSignal = () => {
    lifecycle.kill();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (owned) await lifecycle.close().catch(() => lifecycle.kill());
    if (ownCpus) pinProcess(process.pid, ownCpus);
  };
}
