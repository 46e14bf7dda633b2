import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests need the built page and Chromium: `npm run test:web`.
    // The cluster tests start a real Slurm as root: `npm run test:slurm` (vitest.slurm.config.ts).
    exclude: ['test/web/**', 'test/slurm*.test.ts', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
