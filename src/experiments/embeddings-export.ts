/**
 * A trained run's evaluation embeddings and factors as files anyone can probe
 * (Node): what `misalign export-embeddings RUNDIR` writes, read back by
 * `misalign probe --config DIR/embeddings/probe.json` with the run's own
 * values (docs/evaluation.md#your-own-embeddings).
 */
import { join } from 'node:path';
import { MisalignError } from '../common/errors.js';
import { ensureWritableDir, writeAtomic, writeJson } from '../common/files.js';
import { encodeNpy } from '../common/npy.js';
import type { ProbeFilesOptions } from '../probes/embedding-files.js';
import type { ProbeData } from '../probes/embeddings.js';
import type { BaseConfig } from './experiment.js';
import { experimentOf } from './registry.js';
import { readRunConfig, withRunModel } from './run-dir.js';

/** The files `exportRunEmbeddings` writes, and the probe settings that reproduce the run's values. */
export interface ExportedEmbeddings {
  dir: string;
  files: string[];
  /** probe.json: `misalign probe --config` with it gives the run's own values. */
  probe: ProbeFilesOptions;
  data: ProbeData;
}

/**
 * `misalign export-embeddings RUNDIR`: the evaluation's embeddings and factors
 * of the model saved in `dir`, as files anyone can probe
 * (docs/evaluation.md#your-own-embeddings), into `out` (default DIR/embeddings),
 * with the run's evaluation seed and `samples` per set (default the run's own,
 * which makes the probes give the run's own values):
 *
 *   <set>.npy     (2n, d) float32 per encoder (ẑ_x and ẑ_t, or image and text):
 *                 the fitting set's n rows, then the scoring set's
 *   factors.csv   split (fit/score), then each factor (a group such as m_x as
 *                 m_x_1..m_x_k; discrete factors as class codes)
 *   probe.json    the probe settings (seed, split, groups, classes, text-only factors, random streams)
 */
export async function exportRunEmbeddings(dir: string, options: { out?: string; samples?: number } = {}): Promise<ExportedEmbeddings> {
  const out = options.out ?? join(dir, 'embeddings');
  const config = await readRunConfig(dir);
  const experiment = experimentOf(config);
  if (!experiment.probeData) throw new MisalignError('CONFLICTING_OPTIONS', `${dir} holds a ${experiment.name} run, whose embeddings cannot be exported yet`);
  const samples = options.samples ?? (config as BaseConfig & { evalSamples: number }).evalSamples;
  if (!Number.isInteger(samples) || samples < 1) throw new MisalignError('OUT_OF_RANGE', `--samples must be a positive integer, got ${samples}`);
  return withRunModel(dir, config, async (model) => {
    const data = await experiment.probeData!({ ...model, config: { ...model.config, evalSamples: samples } as BaseConfig }, config.evalSeed);
    await ensureWritableDir(out);
    const files: string[] = [];
    for (const set of data.sets) {
      const path = join(out, `${set.name}.npy`);
      await writeAtomic(path, encodeNpy(set.data, [set.rows, set.dim]));
      files.push(path);
    }
    const names = ['split'];
    const columns: string[][] = [Array.from(data.options.split, (s) => (s ? 'score' : 'fit'))];
    const groups: Record<string, string[]> = {};
    const classes: Record<string, number> = {};
    const continuous: string[] = [];
    const textOnly = data.factors.filter((f) => f.encodings?.length === 1 && f.encodings[0] === 'text').map((f) => f.name);
    for (const f of data.factors) {
      if (f.kind === 'discrete') {
        names.push(f.name);
        columns.push(Array.from(f.codes, String));
        classes[f.name] = f.classes.length;
      } else if (f.columns === 1) {
        names.push(f.name);
        columns.push(Array.from(f.values, String));
        continuous.push(f.name);
      } else {
        groups[f.name] = [];
        for (let j = 0; j < f.columns; j++) {
          const name = `${f.name}_${j + 1}`;
          groups[f.name]!.push(name);
          names.push(name);
          columns.push(Array.from({ length: f.values.length / f.columns }, (_, r) => String(f.values[r * f.columns + j]!)));
        }
      }
    }
    const rows = columns[0]!.length;
    const csv = `${[names.join(','), ...Array.from({ length: rows }, (_, r) => columns.map((c) => c[r]!).join(','))].join('\n')}\n`;
    const factors = join(out, 'factors.csv');
    await writeAtomic(factors, csv);
    files.push(factors);
    const [first, second] = data.sets;
    const { split: _split, ...options } = data.options;
    const probe: ProbeFilesOptions = {
      embeddings: `${first!.name}.npy`,
      ...(second && { embeddingsText: `${second.name}.npy` }),
      factors: 'factors.csv',
      split: 'split',
      continuous,
      groups,
      classes,
      ...(textOnly.length > 0 && { textOnly }),
      maxRows: rows,
      ...options,
      ...(first!.streams && { streams: first!.streams }),
      ...(second?.streams && { streamsText: second.streams }),
    };
    const probePath = join(out, 'probe.json');
    await writeJson(probePath, probe);
    files.push(probePath);
    return { dir: out, files, probe, data };
  });
}
