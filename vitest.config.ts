import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.soak.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e suites start real servers; two cores, so keep files from fighting over them.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
