import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { numericHeatmaps } from '../src/experiments/numeric/heatmaps.js';
import type { ResultCell } from '../src/experiments/results.js';
import { panelSpec, renderSvg } from '../src/reports/heatmap.js';
import { svgToPng } from '../src/reports/png.js';
import { writeReport } from '../src/reports/report.js';
import { expandGrid, type Grid } from '../src/sweeps/grids.js';
import { runSweep } from '../src/sweeps/sweep.js';
import { TINY_NUMERIC } from './helpers/tiny.js';

const cell = (setting: string, factor: string, r2: number, encoding: 'x' | 't' = 'x'): ResultCell => ({
  grid: 'g',
  dependence: 'independent',
  setting,
  encoding,
  factor,
  metric: 'r2',
  seeds: 2,
  linearMean: r2 / 2,
  linearSd: 0.01,
  nonlinearMean: r2,
  nonlinearSd: 0.02,
  predicted: r2 > 0.5 ? 'kept' : 'dropped',
  verdict: 'pass',
});

/** The numeric heatmap panel called `name`, as a Vega-Lite specification. */
const specOf = (cells: readonly ResultCell[], name: string) => panelSpec(numericHeatmaps(cells).find((p) => p.name === name)!);

describe('heatmaps', () => {
  const cells = [
    cell('{1}', 's10', 0),
    cell('{1}', 's2', 0),
    cell('{1}', 's1', 0.97),
    cell('{1}', 'm_t', 0),
    cell('{1}', 'm_x', 0),
    cell('{1}', 's_inv', 0.97),
    cell('[2]', 's1', 0.98),
    cell('[2]', 's2', 0.95),
    cell('{1}', 's1', 0.9, 't'),
  ];

  it('rows m_x, m_t, s1..sN in numeric order; columns in grid order; the chosen probe', () => {
    const spec = specOf(cells, 'g-independent-x-nonlinear') as unknown as {
      encoding: { x: { sort: string[] }; y: { sort: string[] } };
      data: { values: { setting: string; factor: string; value: number }[] };
    };
    expect(spec.encoding.y.sort).toEqual(['m_x', 'm_t', 's1', 's2', 's10']);
    expect(spec.encoding.x.sort).toEqual(['{1}', '[2]']);
    expect(spec.data.values.find((v) => v.setting === '[2]' && v.factor === 's2')!.value).toBe(0.95);
    expect(spec.data.values.some((v) => v.factor === 's_inv')).toBe(false);
    const linear = specOf(cells, 'g-independent-x-linear') as unknown as typeof spec;
    expect(linear.data.values.find((v) => v.setting === '[2]' && v.factor === 's2')!.value).toBe(0.475);
  });

  it('one heatmap per encoding and probe, nonlinear and ẑ_x first', () => {
    expect(numericHeatmaps(cells).map((p) => p.name)).toEqual([
      'g-independent-x-nonlinear',
      'g-independent-t-nonlinear',
      'g-independent-x-linear',
      'g-independent-t-linear',
    ]);
  });

  it('renders SVG with every label and a PNG', async () => {
    const svg = await renderSvg(specOf(cells, 'g-independent-x-nonlinear'));
    expect(svg).toMatch(/^<svg/);
    for (const text of ['0.97', '0.95', 'm_x', 's10', '{1}', '[2]', 'nonlinear R²']) expect(svg).toContain(text);
    const png = await svgToPng(svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = new DataView(png.buffer, png.byteOffset).getUint32(16);
    expect(width).toBeGreaterThan(200);
  });
});

describe('writeReport on a small sweep', () => {
  let dir: string;
  const TINY = TINY_NUMERIC;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'misalign-report-'));
    const sel: Grid = {
      name: 'sel',
      experiment: 'numeric',
      dependence: true,
      settings: [
        { label: '{1}', settings: { select: '1' } },
        { label: '[2]', settings: { select: '1-2' } },
      ],
    };
    const abl: Grid = {
      name: 'abl',
      experiment: 'numeric',
      dependence: true,
      settings: [{ label: '[2], encoding 3', settings: { select: '1-2', encodingSize: 3 } }],
    };
    await runSweep(dir, [...expandGrid(sel, { seeds: 2, base: TINY, dependence: ['independent', 'dependent'] }), ...expandGrid(abl, { seeds: 1, base: TINY })]);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every heatmap as SVG and PNG, non-empty, and one self-contained page', async () => {
    const report = await writeReport(dir);
    expect(report.figures.sort()).toEqual([
      'sel-dependent-t-linear',
      'sel-dependent-t-nonlinear',
      'sel-dependent-x-linear',
      'sel-dependent-x-nonlinear',
      'sel-independent-t-linear',
      'sel-independent-t-nonlinear',
      'sel-independent-x-linear',
      'sel-independent-x-nonlinear',
    ]);
    for (const name of report.figures) {
      for (const ext of ['svg', 'png']) expect((await stat(join(dir, 'report', `${name}.${ext}`))).size).toBeGreaterThan(1000);
    }
    const html = await readFile(join(dir, 'report', 'index.html'), 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(8); // inline, so the page stands alone
    expect(html).toContain('Agreement with the theory');
    expect(html).toContain('abl: [2], encoding 3 (independent)'); // the ablation as a table
    expect(html).toMatch(/<td>s3<\/td><td>\d\.\d{3} ± \d\.\d{3}<\/td>/);
    expect(html.match(/<summary>config.json<\/summary>/g)).toHaveLength(9); // every run's configuration
    expect(html).toMatch(/Wall time \d+\.\d min \(one sweep command\)\. Summed over runs, per grid .* over the 9 distinct models/); // the timings, by grid
    expect(html).toMatch(/<tr><td>sel<\/td><td>8\/8<\/td><td>1,600<\/td>/);
    expect(html).toMatch(/<tr><td><b>all \(distinct models\)<\/b><\/td><td>9\/9<\/td><td>1,800<\/td>/);
    expect(html).not.toMatch(/<script/);
  });

  it('misalign report DIR prints the agreement and where the page is; a folder without a sweep is refused', async () => {
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    expect(await main(['report', dir], io)).toBe(0);
    expect(out).toMatch(/^runs finished: 9\/9;/);
    expect(out).toMatch(/report: 8 heatmaps \(SVG and PNG\) and .*index\.html/);
    expect(out).toMatch(/^wall time: \d+ s$/m); // from the one sweep command that made the folder
    const empty = await mkdtemp(join(tmpdir(), 'misalign-report-empty-'));
    expect(await main(['report', empty], io)).toBe(2);
    expect(err).toMatch(/holds no sweep/);
    await rm(empty, { recursive: true, force: true });
  });
});
