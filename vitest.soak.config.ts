import { defineConfig } from 'vitest/config';

// `npm run soak`: the long variants of the reliability tests (docs/RELIABILITY.md).
export default defineConfig({
  test: {
    include: ['test/**/*.soak.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
