import { defineConfig } from 'vitest/config';

/** The kernels' own suites: run twice, on the build the machine picks (relaxed SIMD where it runs) and on the SIMD128 fallback. */
const KERNEL_SUITES = ['test/kernels-*.test.ts', 'test/probe-bank.test.ts', 'test/sampler.test.ts', 'test/engine-parity.test.ts', 'test/encoders-net.test.ts'];

export default defineConfig({
  test: {
    // The browser tests need the built page and Chromium: `npm run test:web`.
    // The cluster tests start a real Slurm as root: `npm run test:slurm` (vitest.slurm.config.ts).
    exclude: ['test/web/**', 'test/slurm*.test.ts', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      // MISALIGN_FMA=0: Kernels.load keeps the SIMD128 builds (src/kernels/module.ts).
      { extends: true, test: { name: 'simd128', include: KERNEL_SUITES, env: { MISALIGN_FMA: '0' } } },
    ],
  },
});
