/**
 * Global set-up of `npm run test:web`: picks the browser once (test/web/browser.ts),
 * checks that it starts, says which one it is, and hands the choice to the tests.
 * When no browser starts, the run stops here with one line saying what to do.
 */
import type { TestProject } from 'vitest/node';
import { findBrowser, type BrowserChoice } from './browser.js';

declare module 'vitest' {
  export interface ProvidedContext {
    browser: BrowserChoice;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  let found: Awaited<ReturnType<typeof findBrowser>>;
  try {
    found = await findBrowser();
  } catch (e) {
    // One line and a failing exit, before vitest reports anything else (it would say "no test files found").
    console.error(`npm run test:web: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  const { choice, browser } = found;
  await browser.close();
  console.log(`web tests: ${choice.label}`);
  project.provide('browser', choice);
}
