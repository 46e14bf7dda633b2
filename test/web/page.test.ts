/**
 * The web page end to end in a real browser: the built page (dist-web/,
 * `vite build`) served on localhost, driven in Chromium through playwright-core
 * (the browser test/web/setup.ts picked: see test/web/browser.ts). A reader
 * sets a selection, trains the tiny preset to the end, and the heatmap shows
 * the kept factors high and the dropped ones low.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch } from './browser.js';
import { syntheticEmbeddings } from '../helpers/embeddings.js';
import { Kernels } from '../../src/kernels/module.js';
import { probeEmbeddings } from '../../src/probes/embeddings.js';
import { parseFactorCsv } from '../../src/probes/factor-table.js';

let server: PreviewServer;
let browser: Browser;
let url: string;

beforeAll(async () => {
  if (!existsSync('dist-web/index.html')) throw new Error('dist-web/ is missing: run `npm run build:web` (npm run test:web does)');
  server = await preview({ configFile: 'vite.config.ts', logLevel: 'silent', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  url = server.resolvedUrls!.local[0]!;
  browser = await launch(inject('browser'));
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.httpServer.close(() => resolve()) : resolve()));
});

async function openPage(query = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + query);
  await expect.poll(() => page.locator('#factors .chip').count()).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  return page;
}

/** Chip roles, s1 first. */
const roles = (page: Page) => page.locator('#factors .chip').evaluateAll((chips) => chips.map((c) => (c as HTMLElement).dataset.role));

describe('the web page in Chromium', () => {
  it('explains itself and predicts as the theory does while the reader clicks', async () => {
    const page = await openPage();
    await expect(page.locator('h1').textContent()).resolves.toMatch(/Which factors/);
    await expect(page.locator('.howto').textContent()).resolves.toMatch(/Press Train/);
    await page.fill('#ns', '4');
    await page.locator('#ns').dispatchEvent('change');
    expect(await roles(page)).toEqual(['kept', 'kept', 'kept', 'omitted']); // the first four of the default six
    await page.click('#factors [data-factor="s2"]'); // kept → perturbed
    await page.click('#factors [data-factor="s3"]'); // kept → perturbed
    await page.click('#factors [data-factor="s3"]'); // perturbed → omitted
    expect(await roles(page)).toEqual(['kept', 'perturbed', 'omitted', 'omitted']);
    await expect(page.locator('#prediction').textContent()).resolves.toMatch(/keep s1 and drop s2, s3, s4/);
    // Perturbing every mentioned factor leaves nothing to keep: refused with one line, Train disabled.
    await page.click('#factors [data-factor="s1"]');
    await expect(page.locator('#error').textContent()).resolves.toMatch(/perturbation \{1, 2\} equals the selection/);
    expect(await page.locator('#start').isDisabled()).toBe(true);
    await page.close();
  });

  it('trains the run a visitor sees first to the end: every verdict agrees, downloads ready, page thread free', async () => {
    // The page as it opens (src/web/presets.ts, PAGE_DEFAULTS): ns 6, nm 3, captions mention s1–s3, tiny, seed 0.
    const page = await openPage();
    expect(await roles(page)).toEqual(['kept', 'kept', 'kept', 'omitted', 'omitted', 'omitted']);
    expect(await page.inputValue('#preset')).toBe('tiny');
    expect(await page.inputValue('#seed')).toBe('0');
    // The page's own thread stays free while the worker trains: it runs no task longer than 250 ms
    // (Long Tasks API; a training loop on this thread would be one task of seconds). Timer lag is not
    // the measure: on two cores the worker and V8's compiler threads can delay a timer without the
    // page doing anything.
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask' });
    });
    await page.click('#start');
    expect(await page.locator('#stop').isEnabled()).toBe(true);
    await expect.poll(() => page.locator('#status').getAttribute('data-step'), { timeout: 60_000 }).not.toBeNull();

    await runEnded(page);
    await expect(page.locator('#error').textContent()).resolves.toBe('');
    expect(await page.locator('#heatmap').getAttribute('data-state')).toBe('final');
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    expect(Math.max(0, ...longTasks)).toBeLessThan(250);
    const values = JSON.parse((await page.locator('#heatmap').getAttribute('data-values'))!) as {
      encoding: string;
      factor: string;
      r2: number;
      predicted: string;
    }[];
    const r2 = (encoding: string, factor: string) => values.find((v) => v.encoding === encoding && v.factor === factor)!.r2;
    for (const enc of ['x', 't']) {
      for (const f of ['s1', 's2', 's3']) expect(r2(enc, f)).toBeGreaterThan(0.9);
      for (const f of ['s4', 's5', 's6', 'm_x', 'm_t']) expect(r2(enc, f)).toBeLessThan(0.1);
    }
    // The heatmap itself: a cell per (encoding, factor), drawn as SVG.
    expect(await page.locator('#heatmap svg').count()).toBe(1);
    expect(await page.locator('#heatmap svg path[aria-roledescription="rect mark"], #heatmap svg .mark-rect path').count()).toBeGreaterThanOrEqual(18);
    expect(await page.locator('#loss svg .mark-line path').count()).toBe(1);
    await expect(page.locator('#status').textContent()).resolves.toMatch(/Done: 5000 steps .* 18 of 18 verdicts agree with the theory\./);
    // Chromium runs relaxed SIMD, so the page trained on the fused-multiply-add build (feature detection, src/kernels/features.ts).
    expect(await page.locator('#status').getAttribute('data-build')).toBe('relaxed-simd');
    expect(await page.locator('#download-config').isEnabled()).toBe(true);
    expect(await page.locator('#download-metrics').isEnabled()).toBe(true);

    // The downloads are the CLI's files: config.json resolves to itself, metrics.json has the rows.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-config')]);
    const config = JSON.parse(await streamText(await download.createReadStream()));
    expect(config).toMatchObject({ version: 1, ns: 6, nm: 3, selected: [1, 2, 3], perturbed: [], steps: 5000, seed: 0, engine: 'core' });
    const [metricsDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-metrics')]);
    const metrics = JSON.parse(await streamText(await metricsDownload.createReadStream()));
    expect(metrics.factors).toHaveLength(values.length);

    // …and the command line reproduces the browser's run from its config.json.
    const dir = await mkdtemp(join(tmpdir(), 'misalign-web-'));
    try {
      await writeFile(join(dir, 'config.json'), JSON.stringify(config));
      const r = spawnSync(process.execPath, ['bin/misalign.js', 'train', '--config', join(dir, 'config.json'), '--out', join(dir, 'run')], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const cliMetrics = JSON.parse(await readFile(join(dir, 'run', 'metrics.json'), 'utf8'));
      // Node runs the same relaxed-SIMD build (its V8 flag set by the loader), so the numbers are the browser's.
      expect(cliMetrics.provenance.build).toBe('relaxed-simd');
      expect(cliMetrics.factors).toEqual(metrics.factors);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-page.png', fullPage: true });
    await page.close();
  });

  it('stops a run at once and can start again', async () => {
    const page = await openPage();
    await page.selectOption('#preset', 'quick');
    await page.click('#start');
    await expect.poll(() => page.locator('#status').getAttribute('data-step'), { timeout: 60_000 }).not.toBeNull();
    await page.click('#stop');
    await expect(page.locator('#status').textContent()).resolves.toMatch(/Stopped/);
    const step = await page.locator('#status').getAttribute('data-step');
    await page.waitForTimeout(1000);
    expect(await page.locator('#status').getAttribute('data-step')).toBe(step); // no more progress: the worker is gone
    expect(await page.locator('#start').isEnabled()).toBe(true);
    expect(await page.locator('#stop').isDisabled()).toBe(true);
    await page.close();
  });
});

describe('the engine switch', () => {
  it('trains with tfjs on WebGL in the worker (a short run from a linked address) and says so in config.json', async () => {
    const page = await openPage('?ns=3&nm=1&select=1,2&perturb=2&preset=tiny&engine=webgl&steps=40&seed=3');
    expect(await roles(page)).toEqual(['kept', 'perturbed', 'omitted']);
    expect(await page.locator('#engine').inputValue()).toBe('webgl');
    await page.click('#start');
    await runEnded(page);
    await expect(page.locator('#error').textContent()).resolves.toBe('');
    expect(await page.locator('#heatmap').getAttribute('data-state')).toBe('final');
    await expect(page.locator('#status').textContent()).resolves.toMatch(/Done: 40 steps/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-config')]);
    const config = JSON.parse(await streamText(await download.createReadStream()));
    expect(config).toMatchObject({ ns: 3, nm: 1, selected: [1, 2], perturbed: [2], steps: 40, seed: 3, engine: 'tfjs', backend: 'webgl' });
    await page.close();
  });
});

describe('a run that fails', () => {
  it('says why on the page and can start again (the WebAssembly core cannot be fetched)', async () => {
    const page = await openPage('?ns=3&nm=1&select=1,2&preset=tiny&steps=40');
    await page.context().route('**/*.wasm', (route) => route.abort());
    await page.click('#start');
    await runEnded(page);
    await expect(page.locator('#status').textContent()).resolves.toBe('Stopped by an error.');
    await expect(page.locator('#error').textContent()).resolves.toMatch(/\S/);
    expect(await page.locator('#heatmap').getAttribute('data-state')).toBe('empty');
    await page.close();
  });

  it('probes embeddings and factors dropped on the page, in the browser: the values misalign probe computes', async () => {
    // 400 rows: the embedding holds a (continuous) and shape (3 classes), not colour.
    const n = 400;
    const { emb, npy, csv } = syntheticEmbeddings(n);
    const page = await openPage();
    expect(await page.locator('#probe-run').isDisabled()).toBe(true);
    await page.evaluate(
      ({ bytes, text }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([Uint8Array.from(bytes)], 'emb.npy'));
        dt.items.add(new File([text], 'factors.csv', { type: 'text/csv' }));
        document.getElementById('probe-drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { bytes: Array.from(npy), text: csv },
    );
    await expect.poll(() => page.locator('#probe-run').isDisabled()).toBe(false);
    await page.fill('#probe-kept', 'a,shape');
    await page.click('#probe-run');
    await expect
      .poll(() => page.locator('#probe-status').textContent(), { timeout: 60_000 })
      .toMatch(/Probed 200 fitting and 200 scoring rows\. 3 of 3 verdicts agree/);
    // The heatmap's cells are the values the library computes in Node from the same files.
    const k = await Kernels.load();
    const table = parseFactorCsv(csv);
    const own = probeEmbeddings(k, [{ name: 'embedding', data: emb, rows: n, dim: 3 }], table.factors, { seed: 0, expectKept: ['a', 'shape'] });
    const cells = await page.locator('#probe-heatmap svg text').allTextContents();
    const numbers = cells.filter((t) => /^−?\d\.\d\d$/.test(t)).map((t) => t.replace('−', '-'));
    const expected = [...own.rows.map((r) => (r.predicted === 'kept' ? '1.00' : '0.00')), ...own.rows.map((r) => r.nonlinear.toFixed(2))];
    expect(numbers.sort()).toEqual(expected.map((v) => (v === '-0.00' ? '0.00' : v)).sort());
    await page.close();
  }, 120_000);
});

/** Waits until a run has ended (done, stopped or failed): Start is enabled again. */
async function runEnded(page: Page): Promise<void> {
  await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 240_000, interval: 500 }).toBe(true);
}

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
