// `npm run test:slurm`: the cluster path against a real Slurm (test/helpers/slurm.ts starts
// munged, slurmctld and slurmd on localhost). It needs root and Debian's slurm-wlm and munge,
// so it is not part of `npm test`, which any user can run; .ci/run runs both.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/slurm*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
