// `npm run test:web`: the web page in Chromium (test/web), after `vite build`.
// test/web/setup.ts finds the browser (a variable, the system's, or the npm-provided one).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/web/**/*.test.ts'],
    globalSetup: ['test/web/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
