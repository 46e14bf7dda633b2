// A fourth experiment, defined here and nowhere in src/: one registerExperiment call, and sweeps,
// summaries, the CLI and reports take it as they take the built-in three. It is a tiny latent
// world run with the numeric machinery, with a kind of results of its own (its summary.json
// fields, its CSV, its lines, its report section), so nothing of it can come from a built-in kind.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatSummary } from '../src/cli/sweep.js';
import type { Experiment } from '../src/experiments/experiment.js';
import { runExperiment } from '../src/experiments/lifecycle.js';
import { resolveNumericConfig, type NumericConfig } from '../src/experiments/numeric/config.js';
import { numericExperiment } from '../src/experiments/numeric/index.js';
import { numericResults } from '../src/experiments/numeric/results.js';
import { experimentNamed, registerExperiment, resultKinds } from '../src/experiments/registry.js';
import type { HeatmapPanel, ResultCell, ResultKind } from '../src/experiments/results.js';
import { FILES } from '../src/experiments/run-dir.js';
import type { DataGenerator } from '../src/mixing/generator.js';
import type { FactorResult } from '../src/probes/evaluate.js';
import { verdictFor } from '../src/probes/verdicts.js';
import { writeReport } from '../src/reports/report.js';
import { runReport } from '../src/reports/run-report.js';
import { builtinGrid, expandGrid, isBuiltinGrid } from '../src/sweeps/grids.js';
import { runSweep, SWEEP_FILES, type SweepResult } from '../src/sweeps/sweep.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';
import { TINY_NUMERIC } from './helpers/tiny.js';

const tempDir = tempDirs('misalign-fourth');

// ---- The experiment: its folder would hold all of this. ----

const toySettingsSchema = z
  .object({ experiment: z.literal('toy'), select: z.string(), seed: z.number(), steps: z.number() })
  .strict()
  .partial();
type ToySettings = z.input<typeof toySettingsSchema>;
type ToyConfig = Omit<NumericConfig, 'experiment'> & { experiment: 'toy' };

/** The toy world is the numeric one of TINY_NUMERIC (3 semantic factors, 4-unit layers): its config, named as numeric. */
const asNumeric = (config: ToyConfig): NumericConfig => ({ ...config, experiment: 'numeric' });

/** Its own kind of results: every cell with its mean, a table, one heatmap per embedding. */
const toyResults: ResultKind = {
  name: 'toy',
  thresholds: numericResults.thresholds,
  rule: 'Toy verdicts: the numeric rule, on the MLP probe’s R².',
  json: (group) => ({ toyCells: group.cells, toyAgreement: group.agreement }),
  csv: {
    file: 'summary_toy.csv',
    columns: ['grid', 'setting', 'encoding', 'factor', 'seeds', 'nonlinearMean', 'predicted', 'verdict'],
    row: (cell) => ({ ...cell }),
  },
  lines: (group) => [`toy: ${group.agreement.agree}/${group.agreement.judged} cells agree`],
  sections: (group) => {
    const panel = (encoding: string): HeatmapPanel => {
      const mine = group.cells.filter((c) => c.encoding === encoding);
      return {
        name: `toy-${encoding}`,
        title: `toy: ẑ_${encoding}`,
        subtitle: 'mean nonlinear R²',
        values: mine.map((c) => ({ setting: c.setting, factor: c.factor, value: c.nonlinearMean })),
        rowField: 'factor',
        rows: [...new Set(mine.map((c) => c.factor))],
        settings: [...new Set(mine.map((c) => c.setting))],
        scheme: 'greens',
        legend: 'R²',
        tooltip: [{ field: 'factor' }, { field: 'value', format: '.3f' }],
      };
    };
    return [
      {
        title: 'Toy cells',
        blocks: [
          { kind: 'text', text: `Toy agreement: ${group.agreement.agree}/${group.agreement.judged}.` },
          {
            kind: 'table',
            head: ['setting', 'embedding', 'factor', 'mean', 'verdict'],
            rows: group.cells.map((c) => [c.setting, c.encoding, c.factor, c.nonlinearMean.toFixed(3), { text: c.verdict, fail: c.verdict === 'fail' }]),
          },
          { kind: 'figures', panels: [...new Set(group.cells.map((c) => c.encoding))].map(panel) },
        ],
      },
    ];
  },
};

const toyExperiment: Experiment<ToySettings, ToyConfig, DataGenerator, FactorResult> = {
  name: 'toy',
  description: 'a tiny latent world (3 factors) on the numeric machinery',
  results: toyResults,
  settings: toySettingsSchema,
  config: z.object({ experiment: z.literal('toy') }).passthrough(),
  resolve: (settings) => {
    const s = toySettingsSchema.parse(settings);
    return { ...resolveNumericConfig({ ...TINY_NUMERIC, select: s.select ?? '1', seed: s.seed ?? 0, steps: s.steps ?? 200 }), experiment: 'toy' };
  },
  world: (config) => numericExperiment.world(asNumeric(config)),
  model: (config, world) => numericExperiment.model(asNumeric(config), world),
  batches: (config, world, kernels) => numericExperiment.batches(asNumeric(config), world, kernels),
  evaluate: (model, evalSeed) => numericExperiment.evaluate({ ...model, config: asNumeric(model.config) }, evalSeed),
  theory: (config) => numericExperiment.theory(asNumeric(config)),
  about: (config) => `toy world, selected {${config.selected.join(',')}}`,
  values: numericExperiment.values,
  judge: numericExperiment.judge,
  columns: numericExperiment.columns,
  format: numericExperiment.format,
  grids: {
    'toy-selection': {
      dependence: false,
      settings: [
        { label: '{1}', settings: { select: '1' } },
        { label: '{1,2}', settings: { select: '1-2' } },
      ],
    },
  },
  cost: (config) => numericExperiment.cost(asNumeric(config)),
};

// ---- Its one registry line. ----
registerExperiment(toyExperiment);

describe('a fourth experiment, registered with one line', () => {
  let dir: string;
  let sweep: SweepResult;
  beforeAll(async () => {
    dir = await tempDir();
    sweep = await runSweep(dir, expandGrid(builtinGrid('toy-selection'), { seeds: 2 }));
  }, 60_000);

  it('is found by name, its grid is a built-in grid, its kind of results is listed; a second registration of a name is refused', () => {
    expect(experimentNamed('toy')).toBe(toyExperiment);
    expect(isBuiltinGrid('toy-selection')).toBe(true);
    expect(resultKinds().map((k) => k.name)).toEqual(['numeric', 'image-text', 'toy']);
    expect(() => registerExperiment(toyExperiment)).toThrow(/cannot register experiment 'toy': an experiment of that name is registered/);
    expect(() => registerExperiment({ ...toyExperiment, name: 'toy2' })).toThrow(/grid 'toy-selection' belongs to 'toy'/);
    expect(() => registerExperiment({ ...toyExperiment, name: 'toy3', grids: {}, results: { ...toyResults } })).toThrow(
      /another kind of results is called 'toy'/,
    );
  });

  it('sweeps: four runs, one cell per (setting, embedding, factor) over both seeds, judged by its own judge', async () => {
    expect(sweep).toMatchObject({ done: 4, failed: [] });
    const { results, runs } = sweep.summary;
    expect(runs).toEqual({ expected: 4, complete: 4 });
    expect(results.numeric!.cells).toEqual([]);
    expect(results['image-text']!.cells).toEqual([]);
    const { cells, agreement, grids } = results.toy!;
    // s1..s3, s_inv, m_x, m_t from ẑ_x and ẑ_t, per setting
    expect(cells).toHaveLength(2 * 2 * 6);
    expect(cells.every((c) => c.seeds === 2 && c.grid === 'toy-selection' && c.metric === 'r2' && c.dependence === 'independent')).toBe(true);
    expect(grids).toEqual([{ grid: 'toy-selection', ...agreement, runs: 4, seconds: expect.any(Number) }]);
    // Each cell is the mean of its two runs' values, and the numeric rule's verdict on that mean.
    const manifest = JSON.parse(await readFile(join(dir, SWEEP_FILES.grids, 'toy-selection.json'), 'utf8')) as {
      runs: { id: string; setting: string; experiment: string }[];
    };
    expect(manifest.runs.map((r) => r.experiment)).toEqual(['toy', 'toy', 'toy', 'toy']);
    const factorsOf = async (id: string) =>
      (JSON.parse(await readFile(join(dir, SWEEP_FILES.runs, id, FILES.metricsJson), 'utf8')) as { factors: FactorResult[] }).factors;
    for (const c of cells) {
      const values: number[] = [];
      for (const r of manifest.runs.filter((r) => r.setting === c.setting))
        values.push((await factorsOf(r.id)).find((f) => f.encoding === c.encoding && f.factor === c.factor)!.r2Nonlinear);
      expect(c.nonlinearMean).toBeCloseTo((values[0]! + values[1]!) / 2, 12);
      const predicted = c.predicted as 'kept' | 'dropped';
      expect(c.verdict).toBe(verdictFor(predicted, c.factor === 'm_x' || c.factor === 'm_t', 'independent', c.nonlinearMean));
    }
    expect(cells.filter((c) => c.predicted === 'kept').map((c) => `${c.setting} ${c.encoding} ${c.factor}`)).toEqual([
      '{1} x s1',
      '{1} x s_inv',
      '{1} t s1',
      '{1} t s_inv',
      '{1,2} x s1',
      '{1,2} x s2',
      '{1,2} x s_inv',
      '{1,2} t s1',
      '{1,2} t s2',
      '{1,2} t s_inv',
    ]);
    expect(agreement.judged).toBe(cells.filter((c) => c.verdict !== 'n/a').length);
    expect(agreement.agree).toBe(cells.filter((c) => c.verdict === 'pass').length);
  });

  it('a toy run is a numeric run of the same settings under another name: the same values, bit for bit', async () => {
    const toy = await runExperiment({ experiment: 'toy', select: '1-2', seed: 1 });
    const numeric = await runExperiment({ ...TINY_NUMERIC, select: '1-2', seed: 1, steps: 200 });
    expect(toy.config).toEqual({ ...numeric.config, experiment: 'toy' });
    expect(toy.metrics.factors).toEqual(numeric.metrics.factors);
  });

  it('summary.json and the CSVs: its own fields and file beside the built-in kinds’ (which keep theirs)', async () => {
    const written = JSON.parse(await readFile(join(dir, SWEEP_FILES.summaryJson), 'utf8'));
    const toy = sweep.summary.results.toy!;
    expect(written.toyCells).toEqual(toy.cells);
    expect(written.toyAgreement).toEqual(toy.agreement);
    expect(written).toMatchObject({ cells: [], imageText: [], imageTextGrids: [], runs: { expected: 4, complete: 4 } });
    const csv = (await readFile(join(dir, 'summary_toy.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('grid,setting,encoding,factor,seeds,nonlinearMean,predicted,verdict');
    expect(csv).toHaveLength(1 + toy.cells.length);
    expect(csv[1]).toBe(
      [
        'toy-selection',
        '{1}',
        toy.cells[0]!.encoding,
        toy.cells[0]!.factor,
        2,
        toy.cells[0]!.nonlinearMean,
        toy.cells[0]!.predicted,
        toy.cells[0]!.verdict,
      ].join(','),
    );
    expect((await readFile(join(dir, 'summary.csv'), 'utf8')).trim().split('\n')).toHaveLength(1); // the numeric CSV, always written
    await expect(stat(join(dir, 'summary_image_text.csv'))).rejects.toThrow(); // the image-text one only with cells
  });

  it('the CLI prints its lines and its CSV (misalign sweep --summarize, the library call behind misalign sweep)', async () => {
    const toy = sweep.summary.results.toy!;
    const text = formatSummary(sweep.summary, dir);
    expect(text).toContain(`toy: ${toy.agreement.agree}/${toy.agreement.judged} cells agree`);
    expect(text).toContain(`summary in ${dir}/summary.json and summary.csv, summary_toy.csv`);
    expect(text).not.toMatch(/agreement {2}independent|image-text/);
    const cli = await runCli('sweep', '--summarize', dir);
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out.replace(/^wall time: .*\n/m, '')).toBe(text);
  });

  it('the report draws its section: its text, its table of cells, its heatmaps as files and inline', async () => {
    const report = await writeReport(dir);
    expect(report.figures).toEqual(['toy-x', 'toy-t']);
    for (const name of report.figures) for (const ext of ['svg', 'png']) expect((await stat(join(report.dir, `${name}.${ext}`))).size).toBeGreaterThan(1000);
    const html = await readFile(join(report.dir, 'index.html'), 'utf8');
    const toy = sweep.summary.results.toy!;
    expect(html).toContain('<h2>Toy cells</h2>');
    expect(html).toContain(`<p>Toy agreement: ${toy.agreement.agree}/${toy.agreement.judged}.</p>`);
    const row = (c: ResultCell) =>
      `<tr><td>${c.setting}</td><td>${c.encoding}</td><td>${c.factor}</td><td>${c.nonlinearMean.toFixed(3)}</td>` +
      `<td${c.verdict === 'fail' ? ' class="fail"' : ''}>${c.verdict}</td></tr>`;
    for (const c of toy.cells) expect(html).toContain(row(c));
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('toy: ẑ_x');
    expect(html).not.toContain('Agreement with the theory'); // no numeric cells, no numeric section
    expect(html).not.toContain('Image-text experiments');
    const cli = await runCli('report', dir);
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out).toContain('report: 2 heatmaps (SVG and PNG)');
  });

  it("a toy run folder's page says what the experiment says of it: its line and its verdict rule", async () => {
    const id = (JSON.parse(await readFile(join(dir, SWEEP_FILES.grids, 'toy-selection.json'), 'utf8')) as { runs: { id: string }[] }).runs[2]!.id;
    const page = await runReport(join(dir, SWEEP_FILES.runs, id));
    expect(page.figures).toEqual(['loss', 'scores']);
    const html = await readFile(page.page, 'utf8');
    expect(html).toContain('toy; toy world, selected {1,2}; 200 steps, batch 64, seed 0.');
    expect(html).toContain('Toy verdicts: the numeric rule, on the MLP probe’s R².');
  });

  it('misalign train --experiment toy trains it into a run folder', async () => {
    const out = join(await tempDir(), 'run');
    const r = await runCli('train', '--experiment', 'toy', '--select', '1-2', '--steps', '100', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/identified \(theory\): s1, s2; verdicts passed: \d+\/\d+/);
    expect(JSON.parse(await readFile(join(out, FILES.config), 'utf8'))).toMatchObject({ experiment: 'toy', steps: 100, selected: [1, 2] });
  });
});
