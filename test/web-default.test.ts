/**
 * The run a visitor of the web page sees first (src/web/presets.ts,
 * PAGE_DEFAULTS: 6 semantic factors, 3 modality-specific, captions that
 * mention s1–s3, the tiny preset) agrees with the theory in every verdict on
 * each seed a visitor is likely to try, 0–9: the same configuration the page
 * resolves, run here in Node (test/web/page.test.ts runs seed 0 in Chromium).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiments/lifecycle.js';
import type { FactorResult } from '../src/probes/evaluate.js';
import { PAGE_DEFAULTS, pageSettings } from '../src/web/presets.js';

describe("the web page's default run", () => {
  it('is what the page shows before any input: index.html holds the same values', () => {
    const html = readFileSync(new URL('../src/web/index.html', import.meta.url), 'utf8');
    const value = (id: string) => new RegExp(`id="${id}"[^>]*value="([^"]*)"`).exec(html)?.[1];
    expect([value('ns'), value('nm'), value('seed')]).toEqual([String(PAGE_DEFAULTS.ns), String(PAGE_DEFAULTS.nm), String(PAGE_DEFAULTS.seed)]);
    expect(pageSettings(PAGE_DEFAULTS)).toMatchObject({
      ns: 6,
      nm: 3,
      select: [1, 2, 3],
      perturb: [],
      dependence: 'independent',
      seed: 0,
      preset: 'quick',
      steps: 5000,
    });
  });

  it.each(Array.from({ length: 10 }, (_, seed) => seed))(
    'agrees in every verdict with seed %i',
    async (seed) => {
      const { metrics } = await runExperiment(pageSettings({ ...PAGE_DEFAULTS, seed }));
      const misses = (metrics.factors as FactorResult[])
        .filter((f) => f.verdict === 'fail')
        .map((f) => `${f.encoding}:${f.factor} ${f.r2Nonlinear.toFixed(3)} (${f.predicted})`);
      expect(misses).toEqual([]);
      expect(metrics.judged).toBe(18);
    },
    120_000,
  );
});
