import { defineConfig } from 'vitest/config';

// Three groups, run one after the other (sequence.groupOrder) on this 2-core machine kind:
// 1. unit and property tests (fast, CPU-only);
// 2. end-to-end and reliability tests (start real servers);
// 3. the measuring end-to-end tests (compare, gate), one file at a time, so the load they
//    generate and the figures they judge are not squeezed by the other suites.
const measuring = ['test/harness/compare-e2e.test.ts', 'test/harness/compare-open-loop-e2e.test.ts', 'test/gate/gate-e2e.test.ts'];
const soak = 'test/**/*.soak.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/{http,kv,harness,gate,fuzz,sync,cli}/**/*.test.ts'],
          exclude: [...measuring, soak],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/{e2e,reliability}/**/*.test.ts'],
          exclude: [soak],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'measuring',
          include: measuring,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
