// `npm run test:web`: the web page in Debian's Chromium (test/web), after `vite build`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/web/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
